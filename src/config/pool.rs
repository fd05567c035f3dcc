//! Database pool and runtime settings (decision 0016): sized from the machine's cores unless
//! the environment says otherwise. The README's configuration table gives the figures for
//! 2, 8 and 32 cores.

use super::{flag, positive, var, whole};
use anyhow::Context as _;
use std::time::Duration;

/// How the service talks to its database, and how many threads serve requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolSettings {
    /// `CUSTOMERS_DB_MAX_CONNECTIONS`: the pool's size. Default on PostgreSQL: four per core,
    /// at least 10 and at most 64 (a 360° view issues its independent child statements at
    /// once, so requests use several connections each); on SQLite 4 (one writer at a time).
    pub max_connections: Option<u32>,
    /// `CUSTOMERS_DB_MIN_CONNECTIONS`: connections kept open when idle. Default 2.
    pub min_connections: u32,
    /// `CUSTOMERS_DB_IDLE_TIMEOUT_SECS`: an idle connection above the minimum is closed after
    /// this long. Default 300.
    pub idle_timeout: Duration,
    /// `CUSTOMERS_DB_MAX_LIFETIME_SECS`: a connection is replaced after this long (lets
    /// PostgreSQL fail over and frees server memory). Default 1800.
    pub max_lifetime: Duration,
    /// `CUSTOMERS_DB_PING_IDLE_SECS`: a connection idle this long is checked (one round trip)
    /// before use; busy connections are not (`0`: check every checkout, the old behaviour).
    /// Default 30.
    pub ping_idle: Duration,
    /// `CUSTOMERS_DB_STATEMENT_CACHE`: prepared statements kept per connection (each batch
    /// size of an `IN (…)` list is its own statement). Default 512.
    pub statement_cache: usize,
    /// `CUSTOMERS_WORKER_THREADS`: the runtime's worker threads. Default: one per core.
    pub worker_threads: Option<usize>,
    /// `CUSTOMERS_AUDIT_READS_SYNC`: whether a response that shows PII waits until its
    /// `pii.read` entry is flushed to disk (PostgreSQL's `synchronous_commit`), not only
    /// committed. Default `true`. `false` (PostgreSQL only): the entry is still committed
    /// before the response leaves, and a database crash can lose the last ~0.6 s of such
    /// entries (decision 0008).
    pub read_audit_sync: bool,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: None,
            min_connections: 2,
            idle_timeout: Duration::from_secs(300),
            max_lifetime: Duration::from_secs(1800),
            ping_idle: Duration::from_secs(30),
            statement_cache: 512,
            worker_threads: None,
            read_audit_sync: true,
        }
    }
}

/// The cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

impl PoolSettings {
    pub fn from_env() -> anyhow::Result<Self> {
        let d = Self::default();
        let max_connections = var("CUSTOMERS_DB_MAX_CONNECTIONS")
            .map(|v| v.parse::<u32>().ok().filter(|n| *n > 0))
            .map(|n| n.context("CUSTOMERS_DB_MAX_CONNECTIONS must be a positive whole number"))
            .transpose()?;
        let secs = |name: &str, default: Duration| -> anyhow::Result<Duration> {
            Ok(Duration::from_secs(positive(name, default.as_secs())?))
        };
        Ok(Self {
            max_connections,
            min_connections: whole("CUSTOMERS_DB_MIN_CONNECTIONS", d.min_connections.into())?
                .try_into()
                .context("CUSTOMERS_DB_MIN_CONNECTIONS is too large")?,
            idle_timeout: secs("CUSTOMERS_DB_IDLE_TIMEOUT_SECS", d.idle_timeout)?,
            max_lifetime: secs("CUSTOMERS_DB_MAX_LIFETIME_SECS", d.max_lifetime)?,
            ping_idle: Duration::from_secs(whole("CUSTOMERS_DB_PING_IDLE_SECS", d.ping_idle.as_secs())?),
            statement_cache: positive("CUSTOMERS_DB_STATEMENT_CACHE", d.statement_cache)?,
            worker_threads: var("CUSTOMERS_WORKER_THREADS")
                .map(|v| v.parse::<usize>().ok().filter(|n| *n > 0))
                .map(|n| n.context("CUSTOMERS_WORKER_THREADS must be a positive whole number"))
                .transpose()?,
            read_audit_sync: flag("CUSTOMERS_AUDIT_READS_SYNC", d.read_audit_sync)?,
        })
    }

    /// The pool size for `url`: the configured one, or the default for its backend.
    pub fn max_connections_for(&self, url: &str) -> u32 {
        self.max_connections
            .unwrap_or_else(|| if url.starts_with("sqlite:") { 4 } else { (4 * cores()).clamp(10, 64) as u32 })
    }
}

/// Whether a PostgreSQL URL names no `sslmode` and a server on this machine: TLS is then
/// off (it costs a handshake per connection and CPU on both ends for no protection). Any
/// other URL keeps sqlx's reading of `sslmode` (`prefer` when absent).
pub fn local_without_sslmode(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://")) else {
        return false;
    };
    let (authority, query) = rest.split_once('?').map_or((rest, ""), |(a, q)| (a, q));
    if query.split('&').any(|p| p.starts_with("sslmode=") || p.starts_with("ssl-mode=")) {
        return false;
    }
    if query.split('&').any(|p| p.starts_with("host=/")) {
        return true; // a Unix socket
    }
    let host_port = authority.split('/').next().unwrap_or_default();
    let host_port = host_port.rsplit_once('@').map_or(host_port, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    matches!(host, "localhost" | "::1" | "") || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::local_without_sslmode as local;

    #[test]
    fn a_local_server_without_sslmode_goes_without_tls() {
        assert!(local("postgres://postgres@127.0.0.1:5432/test"));
        assert!(local("postgres://u:p@localhost/db"));
        assert!(local("postgresql://[::1]:5432/db"));
        assert!(local("postgres:///db?host=/var/run/postgresql"));
    }

    #[test]
    fn sslmode_in_the_url_or_a_remote_server_keeps_the_url_s_choice() {
        assert!(!local("postgres://postgres@127.0.0.1:5432/test?sslmode=require"));
        assert!(!local("postgres://db.internal:5432/customers"));
        assert!(!local("postgres://u:p@10.0.0.5/db"));
        assert!(!local("sqlite://data/customers.db"));
    }
}
