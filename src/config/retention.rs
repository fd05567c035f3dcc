//! Retention settings (decision 0010): how long each kind of data is kept, and how often the
//! background task purges. Every policy is off by default: nothing is deleted unless a
//! deployment says how long it keeps what.

use super::{positive, var};
use crate::domain::lifecycle::RetentionPolicy;
use anyhow::Context as _;
use std::time::Duration;

/// The policy and the background task's interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionSettings {
    /// `CUSTOMERS_RETENTION_INTERACTIONS_DAYS`, `CUSTOMERS_RETENTION_ANONYMOUS_DAYS`,
    /// `CUSTOMERS_RETENTION_AUDIT_DAYS`: days kept; unset keeps forever.
    /// `CUSTOMERS_RETENTION_EVENTS_DAYS`: days delivered change events stay in the outbox
    /// (for `events replay`); default 7 (`off` keeps them forever). Unlike the data
    /// above, these are copies already delivered, so the outbox does not grow for ever
    /// unless a deployment asks it to.
    pub policy: RetentionPolicy,
    /// `CUSTOMERS_RETENTION_INTERVAL_SECS`: how often the background task runs the policy
    /// (only when one is set). Default 3600.
    pub interval: Duration,
}

/// Days delivered change events stay in the outbox unless configured.
pub const DEFAULT_EVENTS_DAYS: u32 = 7;

impl Default for RetentionSettings {
    fn default() -> Self {
        let policy = RetentionPolicy { events_days: Some(DEFAULT_EVENTS_DAYS), ..RetentionPolicy::default() };
        Self { policy, interval: Duration::from_secs(3600) }
    }
}

fn days(name: &str) -> anyhow::Result<Option<u32>> {
    var(name)
        .map(|v| {
            v.parse::<u32>()
                .ok()
                .filter(|d| *d > 0)
                .with_context(|| format!("{name} must be a positive number of days"))
        })
        .transpose()
}

impl RetentionSettings {
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            policy: RetentionPolicy {
                interactions_days: days("CUSTOMERS_RETENTION_INTERACTIONS_DAYS")?,
                anonymous_days: days("CUSTOMERS_RETENTION_ANONYMOUS_DAYS")?,
                audit_days: days("CUSTOMERS_RETENTION_AUDIT_DAYS")?,
                events_days: match var("CUSTOMERS_RETENTION_EVENTS_DAYS").as_deref() {
                    Some("off") => None,
                    Some(_) => days("CUSTOMERS_RETENTION_EVENTS_DAYS")?,
                    None => Some(DEFAULT_EVENTS_DAYS),
                },
            },
            interval: Duration::from_secs(positive("CUSTOMERS_RETENTION_INTERVAL_SECS", 3600)?),
        })
    }
}
