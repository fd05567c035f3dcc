//! Typed settings from the environment, parsed once at start-up: a value that does not
//! parse stops the service with a message naming its variable. Secrets never print.

mod access;
mod events;
mod outbound;
mod pool;
mod provider;
mod retention;

pub use access::AccessSettings;
pub use events::{EventSettings, WebhookTarget, parse_webhooks};
pub use outbound::OutboundSettings;
pub use pool::{PoolSettings, cores, local_without_sslmode};
pub use provider::ProviderSettings;
pub use retention::RetentionSettings;

use crate::domain::identity::parse_region;
use anyhow::{Context as _, bail};
use phonenumber::country::Id as RegionId;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A secret string: `Debug` prints `«secret»`.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("«secret»")
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (for log shippers).
    Json,
    /// Human-readable lines.
    Pretty,
}

impl std::str::FromStr for LogFormat {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(LogFormat::Json),
            "pretty" => Ok(LogFormat::Pretty),
            _ => bail!("CUSTOMERS_LOG_FORMAT must be json or pretty"),
        }
    }
}

/// Every setting of the service. Each field documents its variable and default.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `CUSTOMERS_DATABASE_URL`: `sqlite://…` (embedded) or `postgres://…`.
    /// Default `sqlite://data/customers.db?mode=rwc`.
    pub database_url: String,
    /// `CUSTOMERS_LISTEN`: listen address. Default `127.0.0.1:4001`.
    pub listen: SocketAddr,
    /// `CUSTOMERS_JWT_SECRET`: HS256 shared secret. When neither this nor a JWKS is set, a
    /// random secret is generated into the data folder on first start.
    pub jwt_secret: Option<Secret>,
    /// `CUSTOMERS_JWKS`: a JWKS for RS256/ES256 tokens: a path (or `file://` URL), or an
    /// `https://` URL (fetched at start, refreshed every 5 minutes and on an unknown `kid`).
    pub jwks: Option<crate::http::auth::JwksSource>,
    /// `CUSTOMERS_JWT_ISSUER`: required `iss` when set.
    pub jwt_issuer: Option<String>,
    /// `CUSTOMERS_JWT_AUDIENCE`: required `aud` when set.
    pub jwt_audience: Option<String>,
    /// `CUSTOMERS_JWT_MAX_LIFETIME`: the longest token lifetime accepted, in seconds
    /// (`exp` minus `iat`). Default 86400 (a day).
    pub jwt_max_lifetime_secs: i64,
    /// `CUSTOMERS_MASTER_KEY`: base64 of 32 bytes, the key-encryption key for PII at rest.
    pub master_key: Option<Secret>,
    /// `CUSTOMERS_NEW_MASTER_KEY`: during a master key rotation, the new key (base64 of 32
    /// bytes): new data keys are wrapped under it and keys already re-wrapped open with it.
    /// `customers rotate-master-key` reads it. Unset outside a rotation.
    pub new_master_key: Option<Secret>,
    /// `CUSTOMERS_KEYSTORE_URL`: the key store (customers' data keys, wrapped by the master
    /// key), a database apart from the data. Default: `keystore.db` (SQLite) in the data folder.
    pub keystore_url: Option<String>,
    /// `CUSTOMERS_DATA_DIR`: where generated secrets (and the default key store) live. Default `data`.
    pub data_dir: PathBuf,
    /// `CUSTOMERS_DEFAULT_REGION`: ISO 3166 region for national phone numbers (`PK`, `GB`).
    /// Unset: phone numbers must be international (`+…` or `00…`).
    pub default_region: Option<RegionId>,
    /// `CUSTOMERS_LOG_FORMAT`: `json` or `pretty`. Unset: JSON unless stderr is a terminal.
    pub log_format: Option<LogFormat>,
    /// The protections against hostile or broken clients (each `CUSTOMERS_MAX_…` variable).
    pub limits: Limits,
    /// `CUSTOMERS_TLS_CERT` and `CUSTOMERS_TLS_KEY`: PEM certificate chain and private key;
    /// when both are set the listener speaks TLS only. Default: plain HTTP (TLS at the
    /// ingress or mesh).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// `CUSTOMERS_GRAPHIQL`: serve the GraphiQL page at `GET /graphql`. Default `true`;
    /// production deployments usually set `false` (the router has its own explorer).
    pub graphiql: bool,
    /// `CUSTOMERS_METRICS`: serve `/metrics`. Default `true`; set `false` when the port is
    /// reachable from outside the cluster and metrics are scraped another way.
    pub metrics: bool,
    /// `CUSTOMERS_AUDIT_SEAL_INTERVAL_MS`: how often the audit log's new entries are chained
    /// (each is MAC'd when written; the chain makes deletions evident). Default 1000.
    pub audit_seal_interval: std::time::Duration,
    /// `CUSTOMERS_ANOMALY_JUDGE_INTERVAL_MS`: how often the anomaly detector judges what
    /// requests observed (queued in memory; requests never wait for it). Default 1000.
    pub anomaly_judge_interval: std::time::Duration,
    /// The access model: MFA for PII, masks, scope rules (`config/access.rs`).
    pub access: AccessSettings,
    /// The anomaly detector (each `CUSTOMERS_ANOMALY_…` variable; README, "Anomaly detection").
    pub anomaly: crate::domain::anomaly::Policy,
    /// Retention of interactions, anonymous profiles and audit entries (each
    /// `CUSTOMERS_RETENTION_…` variable; all off by default).
    pub retention: RetentionSettings,
    /// Change events: NATS, webhooks, retries (`config/events.rs`, `docs/events.md`).
    pub events: EventSettings,
    /// The database pool and the runtime's threads (`config/pool.rs`, decision 0016).
    pub pool: PoolSettings,
    /// `CUSTOMERS_OUTBOUND_POLICY`, `CUSTOMERS_HOLIDAYS_DIR`: the outbound compliance rules
    /// (`config/outbound.rs`, `docs/contactability.md`). Default: built in.
    pub outbound: OutboundSettings,
    /// The external profile maintainer (`CUSTOMERS_PROFILE_PROVIDER_…`, `config/provider.rs`,
    /// decision 0017). Default: none, the local database.
    pub provider: ProviderSettings,
}

/// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`) from `name`, or `default` when unset.
fn flag(name: &str, default: bool) -> anyhow::Result<bool> {
    match var(name).map(|v| v.to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(_) => bail!("{name} must be true or false"),
    }
}

/// Protections against hostile or broken clients. Each has a documented default (README,
/// "Limits and protections") and its own variable; each is answered with its own error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `CUSTOMERS_MAX_BODY_BYTES`: the largest request body (413 beyond). Default 1 MiB.
    pub max_body_bytes: usize,
    /// `CUSTOMERS_MAX_IN_FLIGHT`: GraphQL requests served at once; more are shed with 503
    /// and `Retry-After` rather than queued. Default 256.
    pub max_in_flight: usize,
    /// `CUSTOMERS_RATE_LIMIT`: GraphQL requests per second per principal (429 beyond).
    /// Default 100.
    pub rate_per_second: u32,
    /// `CUSTOMERS_RATE_BURST`: requests a principal may send at once above the rate. Default 200.
    pub rate_burst: u32,
    /// `CUSTOMERS_MAX_DEPTH`: selection depth (the standard introspection query needs 13).
    /// Default 16.
    pub max_depth: usize,
    /// `CUSTOMERS_MAX_COMPLEXITY`: fields an operation may resolve, with list fields counted
    /// `first` times their selection. Default 50000 (a page of 100 full 360° views is ~23000).
    pub max_complexity: usize,
    /// `CUSTOMERS_MAX_ALIASES`: aliased fields in one operation. Default 30.
    pub max_aliases: usize,
    /// `CUSTOMERS_MAX_DIRECTIVES`: directives in one query document. Default 50.
    pub max_directives: usize,
    /// `CUSTOMERS_MAX_TOKENS`: lexical tokens in a query text. Default 5000.
    pub max_tokens: usize,
    /// `CUSTOMERS_STATEMENT_TIMEOUT_MS`: PostgreSQL `statement_timeout`. Default 5000.
    pub statement_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_in_flight: 256,
            rate_per_second: 100,
            rate_burst: 200,
            max_depth: 16,
            max_complexity: 50_000,
            max_aliases: 30,
            max_directives: 50,
            max_tokens: 5_000,
            statement_timeout_ms: 5_000,
        }
    }
}

/// A positive whole number from `name`, or `default` when unset.
fn positive<T: std::str::FromStr + PartialOrd + Default>(name: &str, default: T) -> anyhow::Result<T> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<T>()
            .ok()
            .filter(|n| *n > T::default())
            .with_context(|| format!("{name} must be a positive whole number")),
    }
}

impl Limits {
    pub fn from_env() -> anyhow::Result<Self> {
        let d = Self::default();
        Ok(Self {
            max_body_bytes: positive("CUSTOMERS_MAX_BODY_BYTES", d.max_body_bytes)?,
            max_in_flight: positive("CUSTOMERS_MAX_IN_FLIGHT", d.max_in_flight)?,
            rate_per_second: positive("CUSTOMERS_RATE_LIMIT", d.rate_per_second)?,
            rate_burst: positive("CUSTOMERS_RATE_BURST", d.rate_burst)?,
            max_depth: positive("CUSTOMERS_MAX_DEPTH", d.max_depth)?,
            max_complexity: positive("CUSTOMERS_MAX_COMPLEXITY", d.max_complexity)?,
            max_aliases: positive("CUSTOMERS_MAX_ALIASES", d.max_aliases)?,
            max_directives: positive("CUSTOMERS_MAX_DIRECTIVES", d.max_directives)?,
            max_tokens: positive("CUSTOMERS_MAX_TOKENS", d.max_tokens)?,
            statement_timeout_ms: positive("CUSTOMERS_STATEMENT_TIMEOUT_MS", d.statement_timeout_ms)?,
        })
    }
}

/// A whole number from `name` (0 allowed: it turns a rule off), or `default` when unset.
fn whole(name: &str, default: u64) -> anyhow::Result<u64> {
    match var(name) {
        None => Ok(default),
        Some(v) => v.parse().with_context(|| format!("{name} must be a whole number (0 turns the rule off)")),
    }
}

/// The anomaly detector's settings: thresholds (`0` turns a rule off), windows in seconds.
fn anomaly_from_env() -> anyhow::Result<crate::domain::anomaly::Policy> {
    use crate::domain::anomaly::{HourProfile, Limit, Policy};
    let d = Policy::default();
    let limit = |threshold: &str, window: &str, default: Limit| -> anyhow::Result<Limit> {
        Ok(Limit {
            threshold: whole(threshold, default.threshold)?,
            window_secs: positive(window, default.window_secs)?,
        })
    };
    let probe_window = positive("CUSTOMERS_ANOMALY_PROBE_WINDOW", d.misses.window_secs)?;
    Ok(Policy {
        enabled: flag("CUSTOMERS_ANOMALY_DETECTION", d.enabled)?,
        block: flag("CUSTOMERS_ANOMALY_BLOCK", d.block)?,
        profiles: limit("CUSTOMERS_ANOMALY_PROFILES", "CUSTOMERS_ANOMALY_PROFILES_WINDOW", d.profiles)?,
        pages: limit("CUSTOMERS_ANOMALY_PAGES", "CUSTOMERS_ANOMALY_PAGES_WINDOW", d.pages)?,
        misses: Limit { threshold: whole("CUSTOMERS_ANOMALY_MISSES", d.misses.threshold)?, window_secs: probe_window },
        identifiers: Limit {
            threshold: whole("CUSTOMERS_ANOMALY_IDENTIFIERS", d.identifiers.threshold)?,
            window_secs: probe_window,
        },
        refusals: limit("CUSTOMERS_ANOMALY_REFUSALS", "CUSTOMERS_ANOMALY_REFUSALS_WINDOW", d.refusals)?,
        hours: HourProfile {
            min_days: whole("CUSTOMERS_ANOMALY_HOURS_MIN_DAYS", d.hours.min_days)?,
            rare_days: whole("CUSTOMERS_ANOMALY_HOURS_RARE_DAYS", d.hours.rare_days)?,
            history_days: positive("CUSTOMERS_ANOMALY_HOURS_HISTORY_DAYS", d.hours.history_days)?,
        },
    })
}

/// A day: longer-lived tokens are refused unless `CUSTOMERS_JWT_MAX_LIFETIME` says otherwise.
pub const DEFAULT_JWT_MAX_LIFETIME_SECS: i64 = 86_400;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl Settings {
    /// Every setting at its documented default, on `database_url` with its data in
    /// `data_dir`, listening on a free local port: what tests, benchmarks and examples
    /// start from (`Settings { jwt_secret: …, ..Settings::embedded(url, dir) }`), so that a
    /// new setting is added in one place.
    pub fn embedded(database_url: impl Into<String>, data_dir: PathBuf) -> Self {
        Self {
            database_url: database_url.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            jwt_secret: None,
            jwks: None,
            jwt_issuer: None,
            jwt_audience: None,
            jwt_max_lifetime_secs: DEFAULT_JWT_MAX_LIFETIME_SECS,
            master_key: None,
            new_master_key: None,
            keystore_url: None,
            data_dir,
            default_region: None,
            log_format: None,
            limits: Limits::default(),
            tls: None,
            graphiql: true,
            metrics: true,
            audit_seal_interval: std::time::Duration::from_secs(1),
            anomaly_judge_interval: std::time::Duration::from_secs(1),
            access: Default::default(),
            anomaly: Default::default(),
            retention: Default::default(),
            events: Default::default(),
            pool: Default::default(),
            outbound: Default::default(),
            provider: Default::default(),
        }
    }

    pub fn from_env() -> anyhow::Result<Self> {
        let database_url =
            var("CUSTOMERS_DATABASE_URL").unwrap_or_else(|| "sqlite://data/customers.db?mode=rwc".into());
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            bail!("CUSTOMERS_DATABASE_URL must start with sqlite:// or postgres://");
        }
        let listen = var("CUSTOMERS_LISTEN").unwrap_or_else(|| "127.0.0.1:4001".into());
        let listen = listen.parse().with_context(|| "CUSTOMERS_LISTEN must be an address such as 127.0.0.1:4001")?;
        let default_region = var("CUSTOMERS_DEFAULT_REGION")
            .map(|r| parse_region(&r))
            .transpose()
            .map_err(|_| anyhow::anyhow!("CUSTOMERS_DEFAULT_REGION is not an ISO 3166 region code"))?;
        let jwt_max_lifetime_secs = positive("CUSTOMERS_JWT_MAX_LIFETIME", DEFAULT_JWT_MAX_LIFETIME_SECS)?;
        Ok(Self {
            database_url,
            jwt_max_lifetime_secs,
            listen,
            jwt_secret: var("CUSTOMERS_JWT_SECRET").map(Secret::new),
            jwks: var("CUSTOMERS_JWKS").map(|j| crate::http::auth::JwksSource::parse(&j)).transpose()?,
            jwt_issuer: var("CUSTOMERS_JWT_ISSUER"),
            jwt_audience: var("CUSTOMERS_JWT_AUDIENCE"),
            master_key: var("CUSTOMERS_MASTER_KEY").map(Secret::new),
            new_master_key: var("CUSTOMERS_NEW_MASTER_KEY").map(Secret::new),
            keystore_url: var("CUSTOMERS_KEYSTORE_URL"),
            data_dir: var("CUSTOMERS_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("data")),
            default_region,
            log_format: var("CUSTOMERS_LOG_FORMAT").map(|f| f.parse()).transpose()?,
            limits: Limits::from_env()?,
            tls: match (var("CUSTOMERS_TLS_CERT"), var("CUSTOMERS_TLS_KEY")) {
                (Some(cert), Some(key)) => Some((PathBuf::from(cert), PathBuf::from(key))),
                (None, None) => None,
                _ => bail!("set both CUSTOMERS_TLS_CERT and CUSTOMERS_TLS_KEY, or neither"),
            },
            graphiql: flag("CUSTOMERS_GRAPHIQL", true)?,
            metrics: flag("CUSTOMERS_METRICS", true)?,
            audit_seal_interval: std::time::Duration::from_millis(positive("CUSTOMERS_AUDIT_SEAL_INTERVAL_MS", 1000)?),
            anomaly_judge_interval: std::time::Duration::from_millis(positive(
                "CUSTOMERS_ANOMALY_JUDGE_INTERVAL_MS",
                1000,
            )?),
            access: AccessSettings::from_env()?,
            anomaly: anomaly_from_env()?,
            outbound: outbound::from_env()?,
            retention: RetentionSettings::from_env()?,
            events: EventSettings::from_env()?,
            pool: PoolSettings::from_env()?,
            provider: ProviderSettings::from_env()?,
        })
    }

    /// The key store's URL: `CUSTOMERS_KEYSTORE_URL`, or a SQLite file in the data folder.
    pub fn keystore_url(&self) -> String {
        self.keystore_url.clone().unwrap_or_else(|| crate::store::keystore::default_url(&self.data_dir))
    }

    /// The folder of an embedded SQLite file, created so that `mode=rwc` can create the file.
    pub fn ensure_sqlite_folder(&self) -> anyhow::Result<()> {
        let Some(rest) = self.database_url.strip_prefix("sqlite://") else { return Ok(()) };
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() || path.starts_with(":memory:") {
            return Ok(());
        }
        if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).with_context(|| format!("Failed to create {}", parent.display()))?;
        }
        Ok(())
    }
}
