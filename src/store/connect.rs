//! Opening the database: the pool's options (decision 0016) and the statement counting
//! every pool of a [`Store`](super::Store) shares.

use super::{BACKGROUND, Background};
use anyhow::Context as _;
use sea_orm::{ConnectOptions, ConnectionTrait as _, DatabaseConnection, DbBackend};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Whether a pool's commits wait for the WAL flush (PostgreSQL's `synchronous_commit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Commits {
    /// The server's setting (`on` by default): a commit is durable when it returns.
    Durable,
    /// `synchronous_commit = off`, for the `pii.read` entries when
    /// `CUSTOMERS_AUDIT_READS_SYNC=false`: a commit is visible and ordered when it returns,
    /// and on disk within about three `wal_writer_delay`s (decision 0008). A small pool: the
    /// audit writer uses one connection at a time.
    Unflushed,
}

/// Connections of the `pii.read` entries' own pool at most.
const UNFLUSHED_POOL: u32 = 2;

/// Connect to `url` with the service's options.
pub(super) async fn open(
    url: &str,
    statement_timeout: Option<Duration>,
    pool: &crate::config::PoolSettings,
    commits: Commits,
) -> anyhow::Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    let local = crate::config::local_without_sslmode(url);
    let cache = pool.statement_cache;
    // PostgreSQL's JIT compiles a plan whose estimated cost passes `jit_above_cost`: for
    // the short statements of this service that costs more than it saves (a search over
    // 1M profiles: ~60 ms of compiling for 0.3 ms of execution). Off, unless the URL
    // sets it (`options=-c jit=on`).
    let jit_in_url = url.contains("jit");
    opts.map_sqlx_postgres_opts(move |mut o| {
        if !jit_in_url {
            o = o.options([("jit", "off")]);
        }
        if let Some(timeout) = statement_timeout {
            o = o.options([("statement_timeout", timeout.as_millis().to_string())]);
        }
        if commits == Commits::Unflushed {
            o = o.options([("synchronous_commit", "off")]);
        }
        if local {
            // No sslmode in the URL and the server on this machine: no TLS (decision 0016).
            o = o.ssl_mode(sea_orm::sqlx::postgres::PgSslMode::Disable);
        }
        o.statement_cache_capacity(cache)
    });
    let (max, min) = match commits {
        Commits::Durable => (pool.max_connections_for(url), pool.min_connections.min(pool.max_connections_for(url))),
        Commits::Unflushed => (UNFLUSHED_POOL, pool.min_connections.min(UNFLUSHED_POOL)),
    };
    opts.sqlx_logging(false) // statements carry PII parameters: never log them
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .idle_timeout(pool.idle_timeout)
        .max_lifetime(pool.max_lifetime)
        .max_connections(max)
        .min_connections(min);
    // sqlx pings a connection when it is given back anyway; a second ping on every
    // checkout doubled the round trips of a request. Only a connection idle long enough
    // to have been dropped by the server or a proxy is checked before use.
    if pool.ping_idle.is_zero() {
        opts.test_before_acquire(true);
    } else {
        opts.test_before_acquire_if_idle_for(pool.ping_idle);
    }
    if url.starts_with("sqlite:") {
        // Deleted content is overwritten, not left in free pages: an erased customer's
        // data must not stay readable in the file (decision 0010).
        opts.map_sqlx_sqlite_opts(move |o| o.pragma("secure_delete", "ON").statement_cache_capacity(cache));
    }
    let db = sea_orm::Database::connect(opts).await.context("Failed to connect to the database")?;
    if db.get_database_backend() == DbBackend::Sqlite {
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000"] {
            db.execute_unprepared(pragma).await.context("Failed to configure SQLite")?;
        }
    }
    Ok(db)
}

/// The counters a store's statements go to (`Store::statements` and its parts).
#[derive(Clone)]
pub(super) struct Counters {
    pub all: Arc<AtomicU64>,
    pub anomaly: Arc<AtomicU64>,
    pub background: Arc<AtomicU64>,
    pub dispatcher: Arc<AtomicU64>,
}

/// Count every statement `db` sends in `counters` (by who sent it), and trace its SQL text.
pub(super) fn count_statements(db: &mut DatabaseConnection, counters: Counters) {
    db.set_metric_callback(move |info| {
        counters.all.fetch_add(1, Ordering::Relaxed);
        match BACKGROUND.try_with(|kind| *kind).ok() {
            Some(Background::AuditSealer | Background::Retention | Background::Reseal) => {
                counters.background.fetch_add(1, Ordering::Relaxed);
            }
            Some(Background::EventDispatcher) => {
                counters.background.fetch_add(1, Ordering::Relaxed);
                counters.dispatcher.fetch_add(1, Ordering::Relaxed);
            }
            Some(Background::AnomalyJudge) => {
                counters.anomaly.fetch_add(1, Ordering::Relaxed);
            }
            None if info.statement.sql.contains("\"anomaly_") => {
                counters.anomaly.fetch_add(1, Ordering::Relaxed);
            }
            None => {}
        }
        // The SQL text only (placeholders): the values can be PII and are never logged.
        tracing::trace!(target: "customers::sql", elapsed_us = info.elapsed.as_micros() as u64, sql = %info.statement.sql);
    });
}
