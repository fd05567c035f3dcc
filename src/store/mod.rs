//! Storage: sea-orm entities and repositories, and the codec PII passes through on its
//! way in and out. Every SQL statement of the service is here. Repositories speak storage
//! terms: they return domain records and typed outcomes ([`StoreError`]), never API field
//! names. Batch reads return maps keyed by id, so that DataLoaders can serve any number of
//! parents with one statement.

pub mod activity;
pub mod anomalies;
pub mod anomaly_detections;
pub mod attributes;
pub mod audit;
pub mod bulk;
pub mod codec;
mod connect;
pub mod customers;
pub mod entity;
pub mod error;
pub mod events;
pub mod external_refs;
pub mod history;
pub mod identities;
pub mod imports;
pub mod interactions;
pub mod keystore;
pub mod labels;
pub mod ledger;
pub mod lifecycle;
pub mod merges;
pub mod outbound;
pub(crate) mod positional;
pub mod preferences;
pub mod reseal;
pub mod rows;
pub mod search;

pub use codec::{MasterKey, PiiCodec};
pub use error::{Constraint, StoreError, StoreResult};

use crate::domain::Pii;
use anyhow::Context as _;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The advisory lock replicas take turns on to migrate a PostgreSQL database (any
/// constant; "cust").
const MIGRATION_LOCK: i64 = 0x6375_7374;

/// Counts every SQL statement the service sends: exported on `/metrics` and used by the
/// tests that bound statements per query.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Background work whose statements are counted apart from the requests'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Background {
    /// The audit sealer: counted in `background_statements`.
    AuditSealer,
    /// The anomaly detector's judge: counted in `anomaly_statements`.
    AnomalyJudge,
    /// The retention task: counted in `background_statements` (with the sealer's).
    Retention,
    /// Re-sealing values written before envelope encryption: in `background_statements`.
    Reseal,
    /// The event dispatcher (the outbox's reads and delivery marks): counted in
    /// `background_statements` and in `dispatcher_statements`.
    EventDispatcher,
}

tokio::task_local! {
    /// Set while background work runs, so that its statements are counted apart from the
    /// requests'.
    static BACKGROUND: Background;
}

/// Run `work` as background work of `kind`: see [`Background`] for where its statements count.
pub async fn in_background<T>(kind: Background, work: impl std::future::Future<Output = T>) -> T {
    BACKGROUND.scope(kind, work).await
}

/// The database handle plus the PII codec every repository uses.
#[derive(Clone, Debug)]
pub struct Store {
    pub db: DatabaseConnection,
    /// The `pii.read` entries' own pool, when their commits do not wait for the flush.
    read_audit_db: Option<DatabaseConnection>,
    pub codec: PiiCodec,
    pub statements: StatementCounter,
    /// The part of `statements` the anomaly detector sent (its judge, and the block checks
    /// and clears of requests, whose tables are `anomaly_…`), so that tests can bound a
    /// resolver's own statements and the detector's apart.
    pub anomaly_statements: StatementCounter,
    /// The part of `statements` background work sent ([`in_background`]: the audit sealer,
    /// the retention task, the event dispatcher). Disjoint from `anomaly_statements`.
    pub background_statements: StatementCounter,
    /// The part of `background_statements` the event dispatcher sent.
    pub dispatcher_statements: StatementCounter,
}

impl Store {
    /// Connect to `sqlite://…` or `postgres://…` (the URL picks the backend) and count
    /// statements. Does not migrate: see [`Store::migrate`].
    pub async fn connect(url: &str, codec: PiiCodec) -> anyhow::Result<Self> {
        Self::connect_with(url, codec, None).await
    }

    /// Like [`Store::connect`], with a statement timeout on PostgreSQL (`statement_timeout`
    /// per connection), so that no statement holds a connection longer than that.
    pub async fn connect_with(url: &str, codec: PiiCodec, statement_timeout: Option<Duration>) -> anyhow::Result<Self> {
        Self::connect_pooled(url, codec, statement_timeout, &crate::config::PoolSettings::default()).await
    }

    /// Like [`Store::connect_with`], with the pool sized and tuned by `pool` (decision 0016).
    /// On PostgreSQL with `pool.read_audit_sync` off, the `pii.read` entries get a small pool
    /// of their own whose commits do not wait for the WAL flush ([`Store::read_audit_db`]).
    pub async fn connect_pooled(
        url: &str,
        codec: PiiCodec,
        statement_timeout: Option<Duration>,
        pool: &crate::config::PoolSettings,
    ) -> anyhow::Result<Self> {
        let (statements, anomaly_statements) = (StatementCounter::default(), StatementCounter::default());
        let (background_statements, dispatcher_statements) = (StatementCounter::default(), StatementCounter::default());
        let counters = connect::Counters {
            all: statements.0.clone(),
            anomaly: anomaly_statements.0.clone(),
            background: background_statements.0.clone(),
            dispatcher: dispatcher_statements.0.clone(),
        };
        let mut db = connect::open(url, statement_timeout, pool, connect::Commits::Durable).await?;
        connect::count_statements(&mut db, counters.clone());
        let read_audit_db = if db.get_database_backend() == DbBackend::Postgres && !pool.read_audit_sync {
            let mut reads = connect::open(url, statement_timeout, pool, connect::Commits::Unflushed).await?;
            connect::count_statements(&mut reads, counters);
            Some(reads)
        } else {
            None
        };
        Ok(Self {
            db,
            read_audit_db,
            codec,
            statements,
            anomaly_statements,
            background_statements,
            dispatcher_statements,
        })
    }

    /// Where the `pii.read` entries are written: the pool whose commits do not wait for the
    /// WAL flush when `CUSTOMERS_AUDIT_READS_SYNC=false` on PostgreSQL, else [`Store::db`].
    pub fn read_audit_db(&self) -> &DatabaseConnection {
        self.read_audit_db.as_ref().unwrap_or(&self.db)
    }

    /// Apply pending migrations. On PostgreSQL, replicas starting together take turns: the
    /// first holds an advisory lock while it migrates, the others then find nothing to do
    /// (instead of failing on a table another created a moment before).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        use migration::MigratorTrait as _;
        use sea_orm::TransactionTrait as _;
        if self.backend() != DbBackend::Postgres {
            return migration::Migrator::up(&self.db, None).await.context("Failed to apply migrations");
        }
        let tx = self.db.begin().await.context("Failed to begin the migrations")?;
        tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            .await
            .context("Failed to wait for another replica's migrations")?;
        migration::Migrator::up(&tx, None).await.context("Failed to apply migrations")?;
        tx.commit().await.context("Failed to commit the migrations")
    }

    /// Refuse to run with a master key other than the one this database was written with
    /// (which would make every PII value unreadable and mix keys in new writes).
    pub async fn check_master_key(&self) -> anyhow::Result<()> {
        use entity::key_check;
        use sea_orm::{EntityTrait as _, Set};
        const PROBE: &str = "customers master key check";
        let probe = || key_check::Entity::find_by_id("pii".to_owned()).one(&self.db);
        let mut row = probe().await?;
        if row.is_none() {
            // A new database. Replicas starting together: the first probe written wins,
            // and the others check theirs against it.
            let sealed =
                key_check::ActiveModel { id: Set("pii".into()), sealed: Set(self.codec.seal_legacy(&Pii::new(PROBE))) };
            key_check::Entity::insert(sealed)
                .on_conflict_do_nothing_on([key_check::Column::Id])
                .exec(&self.db)
                .await
                .context("Failed to record the master key check")?;
            row = probe().await?;
        }
        // Sealed with the key of values written before envelope encryption, which the key
        // store keeps: a key store of another database (or a new key store with another
        // master key) does not open it.
        let sealed = row.context("the master key check was not recorded")?.sealed;
        match self.codec.open_legacy(&sealed) {
            Ok(p) if p.expose() == PROBE => {}
            _ => anyhow::bail!(
                "the master key does not match the one this database was written with (CUSTOMERS_MASTER_KEY or data/master-key)"
            ),
        }
        self.codec.register_if_new().await
    }

    /// Begin a write transaction. On SQLite it is `BEGIN IMMEDIATE`: it takes the write
    /// lock up front (waiting up to the busy timeout), so a transaction that reads before it
    /// writes cannot fail with a stale snapshot when another writer got there first.
    pub async fn begin_write(&self) -> StoreResult<DatabaseTransaction> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait as _};
        if self.backend() == DbBackend::Sqlite {
            let options = TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            };
            error::DbContext::context(self.db.begin_with_options(options).await, "begin a write transaction")
        } else {
            error::DbContext::context(self.db.begin().await, "begin a write transaction")
        }
    }

    /// After an erasure on SQLite: copy the write-ahead log into the database file and empty
    /// it, so that the pages holding the erased rows' old versions leave the WAL (with
    /// `secure_delete` they are zeroed in the file). Best effort: a reader still on an older
    /// snapshot keeps the log until the next checkpoint. A no-op on PostgreSQL (its dead
    /// rows are reclaimed by VACUUM; see decision 0010).
    pub async fn flush_erased(&self) {
        if self.backend() == DbBackend::Sqlite
            && let Err(e) = self.db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await
        {
            tracing::warn!(error = %e, "could not checkpoint the SQLite log after an erasure");
        }
    }

    /// Whether the database answers (readiness).
    pub async fn ping(&self) -> bool {
        self.db.ping().await.is_ok()
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }
}

/// Commit a write transaction.
pub async fn commit(tx: DatabaseTransaction) -> StoreResult<()> {
    error::DbContext::context(tx.commit().await, "commit")
}

/// Roll back a transaction whose writes were only a preview.
pub async fn rollback(tx: DatabaseTransaction) -> StoreResult<()> {
    error::DbContext::context(tx.rollback().await, "roll back a preview")
}

pub use crate::domain::interaction::now;
