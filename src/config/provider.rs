//! The external profile maintainer (`CUSTOMERS_PROFILE_PROVIDER_…`, decision 0017): unset,
//! the local database is the only source of profiles (no behaviour change); set, a CRM
//! that implements the customer contract of `docs/profile-provider.md` is asked first.

use super::{Secret, positive, var};
use anyhow::{Context as _, bail};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct ProviderSettings {
    /// `CUSTOMERS_PROFILE_PROVIDER_URL`: the CRM's base URL (`https://crm.internal/api`).
    /// Unset: the local database (`LocalProvider`).
    pub url: Option<String>,
    /// `CUSTOMERS_PROFILE_PROVIDER_TOKEN`: sent as `Authorization: Bearer …`; never logged.
    pub token: Option<Secret>,
    /// `CUSTOMERS_PROFILE_PROVIDER_TIMEOUT_MS`: how long one call to the CRM may take
    /// (it then counts as a failure for the circuit breaker). Default 300.
    pub call_timeout: Duration,
    /// `CUSTOMERS_PROFILE_PROVIDER_BUDGET_MS`: the longest `resolveCustomer` waits for the
    /// CRM and the caching of its answer before it answers from local data. Default 500.
    pub budget: Duration,
    /// `CUSTOMERS_PROFILE_PROVIDER_BREAKER_FAILURES`: consecutive failures (timeouts,
    /// unreachable, 5xx, answers that break the contract) that open the circuit. Default 5.
    pub breaker_failures: u32,
    /// `CUSTOMERS_PROFILE_PROVIDER_BREAKER_COOLDOWN_MS`: how long an open circuit stays
    /// open before one trial call is let through. Default 30000.
    pub breaker_cooldown: Duration,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        Self {
            url: None,
            token: None,
            call_timeout: Duration::from_millis(300),
            budget: Duration::from_millis(500),
            breaker_failures: 5,
            breaker_cooldown: Duration::from_millis(30_000),
        }
    }
}

impl ProviderSettings {
    pub fn from_env() -> anyhow::Result<Self> {
        let d = Self::default();
        let url = var("CUSTOMERS_PROFILE_PROVIDER_URL").map(|u| checked_url(&u)).transpose()?;
        let ms = |name: &str, default: Duration| -> anyhow::Result<Duration> {
            let default = u64::try_from(default.as_millis()).unwrap_or(u64::MAX);
            Ok(Duration::from_millis(positive(name, default)?))
        };
        Ok(Self {
            url,
            token: var("CUSTOMERS_PROFILE_PROVIDER_TOKEN").map(Secret::new),
            call_timeout: ms("CUSTOMERS_PROFILE_PROVIDER_TIMEOUT_MS", d.call_timeout)?,
            budget: ms("CUSTOMERS_PROFILE_PROVIDER_BUDGET_MS", d.budget)?,
            breaker_failures: positive("CUSTOMERS_PROFILE_PROVIDER_BREAKER_FAILURES", d.breaker_failures)?,
            breaker_cooldown: ms("CUSTOMERS_PROFILE_PROVIDER_BREAKER_COOLDOWN_MS", d.breaker_cooldown)?,
        })
    }
}

/// An `http(s)://` base URL, without a trailing `/` (paths are appended to it).
pub fn checked_url(url: &str) -> anyhow::Result<String> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        bail!("CUSTOMERS_PROFILE_PROVIDER_URL must start with https:// or http://");
    }
    if url.contains('?') || url.contains('#') {
        bail!("CUSTOMERS_PROFILE_PROVIDER_URL is a base URL: no query or fragment");
    }
    url.parse::<axum::http::Uri>().context("CUSTOMERS_PROFILE_PROVIDER_URL is not a valid URL")?;
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provider_url_is_an_http_base_url_kept_without_its_trailing_slash() {
        assert_eq!(checked_url("https://crm.example/api/").unwrap(), "https://crm.example/api");
        assert!(checked_url("ftp://crm.example").is_err());
        assert!(checked_url("https://crm.example/api?token=x").is_err());
    }
}
