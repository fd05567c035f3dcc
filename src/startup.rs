//! Wiring shared by `main` and the tests: settings → store → services → app state.

use crate::config::Settings;
use crate::domain::identity::NormalizeOptions;
use crate::graphql::build_schema_with;
use crate::http::AppState;
use crate::http::auth::{Authenticator, TokenRules};
use crate::http::protect::Protection;
use crate::security::keys::{JWT_SECRET_FILE, MASTER_KEY_FILE, local_secret};
use crate::service::Services;
use crate::store::{MasterKey, PiiCodec, Store};
use anyhow::Context as _;
use std::sync::Arc;

/// The HS256 secret in force: the configured one, or (with no key configured at all) the
/// local one generated in the data folder.
pub fn hs256_secret(settings: &Settings) -> anyhow::Result<Option<Vec<u8>>> {
    if let Some(secret) = &settings.jwt_secret {
        return Ok(Some(secret.expose().as_bytes().to_vec()));
    }
    if settings.jwks.is_some() {
        return Ok(None);
    }
    let (secret, created) = local_secret(&settings.data_dir, JWT_SECRET_FILE, 32)?;
    if created {
        tracing::warn!(
            path = %settings.data_dir.join(JWT_SECRET_FILE).display(),
            "no CUSTOMERS_JWT_SECRET or CUSTOMERS_JWKS set: generated a local HS256 secret; mint a token with `customers token`"
        );
    }
    Ok(Some(secret.into_bytes()))
}

pub async fn authenticator(settings: &Settings) -> anyhow::Result<Authenticator> {
    let secret = hs256_secret(settings)?;
    let rules = TokenRules {
        issuer: settings.jwt_issuer.clone(),
        audience: settings.jwt_audience.clone(),
        max_lifetime_secs: settings.jwt_max_lifetime_secs,
    };
    let auth = Authenticator::new(secret.as_deref(), settings.jwks.as_ref(), rules).await?;
    Ok(auth.with_access(settings.access.scopes, settings.access.mfa.clone()))
}

pub fn normalize_options(settings: &Settings) -> NormalizeOptions {
    NormalizeOptions { default_region: settings.default_region }
}

/// The master key for PII at rest: `CUSTOMERS_MASTER_KEY`, or (unset) one generated into
/// the data folder on first start. Production sets it from a secret store: every replica
/// must use the same key, and data written with one key cannot be read with another.
pub fn master_key(settings: &Settings) -> anyhow::Result<MasterKey> {
    if let Some(key) = &settings.master_key {
        return MasterKey::from_base64(key.expose()).context("CUSTOMERS_MASTER_KEY is not valid");
    }
    let (key, created) = local_secret(&settings.data_dir, MASTER_KEY_FILE, 32)?;
    if created {
        tracing::warn!(
            path = %settings.data_dir.join(MASTER_KEY_FILE).display(),
            "no CUSTOMERS_MASTER_KEY set: generated a local master key for PII at rest; keep it with the database (back it up: without it the PII cannot be read)"
        );
    }
    MasterKey::from_base64(&key).context("the local master key file is not valid")
}

/// The new master key of a rotation in progress (`CUSTOMERS_NEW_MASTER_KEY`), if set.
pub fn new_master_key(settings: &Settings) -> anyhow::Result<Option<MasterKey>> {
    settings
        .new_master_key
        .as_ref()
        .map(|k| MasterKey::from_base64(k.expose()).context("CUSTOMERS_NEW_MASTER_KEY is not valid"))
        .transpose()
}

/// The PII codec over the key store: refuses a master key other than the one in force.
pub async fn codec(settings: &Settings) -> anyhow::Result<PiiCodec> {
    let url = settings.keystore_url();
    if settings.keystore_url.is_none() {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("Failed to create {}", settings.data_dir.display()))?;
    }
    let new = new_master_key(settings)?;
    PiiCodec::open_keystore(&url, &master_key(settings)?, new.as_ref()).await
}

/// Connect, migrate, check the master key against the database, and build the state.
pub async fn state(settings: &Settings) -> anyhow::Result<AppState> {
    settings.ensure_sqlite_folder()?;
    let timeout = std::time::Duration::from_millis(settings.limits.statement_timeout_ms);
    let store =
        Store::connect_pooled(&settings.database_url, codec(settings).await?, Some(timeout), &settings.pool).await?;
    store.migrate().await?;
    store.check_master_key().await?;
    if !settings.pool.read_audit_sync {
        if store.backend() == sea_orm::DbBackend::Postgres {
            tracing::info!(
                "pii.read audit entries are committed without waiting for the WAL flush (CUSTOMERS_AUDIT_READS_SYNC=false)"
            );
        } else {
            tracing::warn!("CUSTOMERS_AUDIT_READS_SYNC=false has no effect on SQLite");
        }
    }
    state_with_store(settings, store).await
}

pub async fn state_with_store(settings: &Settings, store: Store) -> anyhow::Result<AppState> {
    let services = Services::new(store, normalize_options(settings))
        .with_anomaly_policy(settings.anomaly.clone())
        .with_outbound_policy(settings.outbound.0.clone())
        .with_provider(
            crate::service::provider::Provider::from_settings(&settings.provider)
                .context("Failed to set up the profile provider")?,
        );
    let auth = Arc::new(authenticator(settings).await.context("Failed to set up JWT verification")?);
    Ok(AppState {
        schema: build_schema_with(Some(services.clone()), &settings.limits, &settings.access),
        services,
        auth,
        protection: Arc::new(Protection::new(&settings.limits)),
        readiness: Arc::default(),
        graphiql: settings.graphiql,
        metrics: settings.metrics,
    })
}

/// `customers rotate-master-key`: re-wrap every data key under `CUSTOMERS_NEW_MASTER_KEY`
/// (the key in force being `CUSTOMERS_MASTER_KEY`, or the local key file). Resumable: run
/// it again after an interruption. When the key in force is the local file, the file is
/// replaced by the new key once every key is re-wrapped.
pub async fn rotate_master_key(
    settings: &Settings,
    batch: u64,
) -> anyhow::Result<crate::store::keystore::rotate::Progress> {
    let old = master_key(settings)?;
    let new =
        new_master_key(settings)?.context("set CUSTOMERS_NEW_MASTER_KEY (base64 of 32 bytes) to the new master key")?;
    let progress = crate::store::keystore::rotate::rotate(&settings.keystore_url(), &old, &new, batch, None).await?;
    if progress.finished && settings.master_key.is_none() {
        let path = settings.data_dir.join(MASTER_KEY_FILE);
        let next = settings.data_dir.join(format!("{MASTER_KEY_FILE}.next"));
        let _ = std::fs::remove_file(&next);
        let key = settings.new_master_key.as_ref().map(|k| k.expose().to_owned()).unwrap_or_default();
        crate::security::keys::write_secret(&next, &key)?;
        std::fs::rename(&next, &path).with_context(|| format!("Failed to replace {}", path.display()))?;
    }
    Ok(progress)
}
