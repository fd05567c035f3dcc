//! Wiring shared by `main` and the tests: settings → store → services → app state.

use crate::config::Settings;
use crate::domain::identity::{NormalizeOptions, parse_region};
use crate::graphql::build_schema;
use crate::http::AppState;
use crate::http::auth::Authenticator;
use crate::security::keys::{JWT_SECRET_FILE, local_secret};
use crate::service::Services;
use crate::store::Store;
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

pub fn authenticator(settings: &Settings) -> anyhow::Result<Authenticator> {
    let secret = hs256_secret(settings)?;
    Authenticator::new(
        secret.as_deref(),
        settings.jwks.as_deref(),
        settings.jwt_issuer.clone(),
        settings.jwt_audience.clone(),
    )
}

pub fn normalize_options(settings: &Settings) -> anyhow::Result<NormalizeOptions> {
    let default_region = settings
        .default_region
        .as_deref()
        .map(parse_region)
        .transpose()
        .map_err(|_| anyhow::anyhow!("CUSTOMERS_DEFAULT_REGION is not a region code"))?;
    Ok(NormalizeOptions { default_region })
}

/// Connect, migrate and build the application state.
pub async fn state(settings: &Settings) -> anyhow::Result<AppState> {
    settings.ensure_sqlite_folder()?;
    let store = Store::connect(&settings.database_url).await?;
    store.migrate().await?;
    state_with_store(settings, store)
}

pub fn state_with_store(settings: &Settings, store: Store) -> anyhow::Result<AppState> {
    let services = Services::new(store, normalize_options(settings)?);
    let auth = Arc::new(authenticator(settings).context("Failed to set up JWT verification")?);
    Ok(AppState { schema: build_schema(Some(services.clone())), services, auth })
}
