//! Typed settings from the environment. Secrets are wrapped so they never print.

use anyhow::{Context as _, bail};
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

/// Every setting of the service. Each field documents its variable and default.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `CUSTOMERS_DATABASE_URL`: `sqlite://…` (embedded) or `postgres://…`.
    /// Default `sqlite://data/customers.db?mode=rwc`.
    pub database_url: String,
    /// `CUSTOMERS_LISTEN`: listen address. Default `127.0.0.1:4001`.
    pub listen: String,
    /// `CUSTOMERS_JWT_SECRET`: HS256 shared secret. When neither this nor a JWKS is set, a
    /// random secret is generated into the data folder on first start.
    pub jwt_secret: Option<Secret>,
    /// `CUSTOMERS_JWKS`: path (or `file://` URL) of a JWKS for RS256/ES256 tokens.
    pub jwks: Option<PathBuf>,
    /// `CUSTOMERS_JWT_ISSUER`: required `iss` when set.
    pub jwt_issuer: Option<String>,
    /// `CUSTOMERS_JWT_AUDIENCE`: required `aud` when set.
    pub jwt_audience: Option<String>,
    /// `CUSTOMERS_MASTER_KEY`: base64 of 32 bytes, the key-encryption key for PII at rest.
    pub master_key: Option<Secret>,
    /// `CUSTOMERS_DATA_DIR`: where generated secrets live. Default `data`.
    pub data_dir: PathBuf,
    /// `CUSTOMERS_DEFAULT_REGION`: ISO 3166 region for national phone numbers (`PK`, `GB`).
    /// Unset: phone numbers must be international (`+…` or `00…`).
    pub default_region: Option<String>,
    /// `CUSTOMERS_LOG_FORMAT`: `json` (default when not a terminal) or `pretty`.
    pub log_format: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        let jwks = var("CUSTOMERS_JWKS").map(|p| PathBuf::from(p.strip_prefix("file://").unwrap_or(&p)));
        let settings = Self {
            database_url: var("CUSTOMERS_DATABASE_URL").unwrap_or_else(|| "sqlite://data/customers.db?mode=rwc".into()),
            listen: var("CUSTOMERS_LISTEN").unwrap_or_else(|| "127.0.0.1:4001".into()),
            jwt_secret: var("CUSTOMERS_JWT_SECRET").map(Secret::new),
            jwks,
            jwt_issuer: var("CUSTOMERS_JWT_ISSUER"),
            jwt_audience: var("CUSTOMERS_JWT_AUDIENCE"),
            master_key: var("CUSTOMERS_MASTER_KEY").map(Secret::new),
            data_dir: var("CUSTOMERS_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("data")),
            default_region: var("CUSTOMERS_DEFAULT_REGION"),
            log_format: var("CUSTOMERS_LOG_FORMAT"),
        };
        if !(settings.database_url.starts_with("sqlite:") || settings.database_url.starts_with("postgres")) {
            bail!("CUSTOMERS_DATABASE_URL must start with sqlite:// or postgres://");
        }
        if let Some(region) = &settings.default_region {
            crate::domain::identity::parse_region(region)
                .map_err(|_| anyhow::anyhow!("CUSTOMERS_DEFAULT_REGION is not an ISO 3166 region code"))?;
        }
        Ok(settings)
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
