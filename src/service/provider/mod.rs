//! The external profile maintainer (decision 0017): a `ProfileProvider` that identification
//! asks first. `LocalProvider` (the default) says "the local database is the maintainer":
//! nothing is asked, nothing changes. `HttpCrmProvider` asks a CRM that implements the
//! customer contract (`docs/profile-provider.md`); its answer is cached as a local profile
//! linked by external ref through the CRM sync path (audited, evented, normalised), and
//! when the CRM is slow, down or refused by the circuit breaker, local data answers and the
//! resolution says so (`provider`).

mod breaker;
mod http_crm;
mod resolve;
pub mod wire;

pub use breaker::{Breaker, Permit};
pub use http_crm::HttpCrmProvider;
pub use wire::{WireIdentity, WireProfile, WireRef};

use crate::config::ProviderSettings;
use crate::domain::external_ref::ExternalRef;
use crate::domain::id::CustomerId;
use crate::domain::{Channel, Pii};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a provider answered.
#[derive(Debug)]
pub enum Answer {
    /// The local database maintains profiles: there is nothing to ask.
    Local,
    /// The CRM has no such record.
    NotFound,
    /// The CRM's record.
    Found(WireProfile),
}

/// Why a provider gave no answer. Carries no value of the request or the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("the CRM did not answer in time")]
    Timeout,
    #[error("the CRM is unreachable or failing (connection refused, 5xx)")]
    Down,
    #[error("the circuit is open: the CRM is not called until its cool-down is over")]
    CircuitOpen,
    #[error("the CRM's answer breaks the contract: {0}")]
    Invalid(&'static str),
}

/// Where a resolution's answer came from (`CustomerResolution.provider`).
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum ProviderStatus {
    /// No external maintainer is configured: local data answered, as always.
    Local,
    /// The CRM answered in time; its record, if it has one, is cached here and answered.
    Ok,
    /// The CRM's record disagrees with local data on who holds an identifier: nothing
    /// moved, the identifiers in dispute stayed with their local holder, and the CRM's
    /// profile is offered in `matches` (the status is `AMBIGUOUS` when the identifier
    /// looked up is one of them).
    Conflict,
    /// The CRM did not answer within the budget: local data answered.
    FallbackTimeout,
    /// The CRM is unreachable or failing: local data answered.
    FallbackDown,
    /// The CRM's answer broke the contract or could not be cached: local data answered.
    FallbackError,
    /// The circuit breaker is open after repeated failures: the CRM was not called.
    CircuitOpen,
}

impl ProviderStatus {
    pub const ALL: [ProviderStatus; 7] = [
        ProviderStatus::Local,
        ProviderStatus::Ok,
        ProviderStatus::Conflict,
        ProviderStatus::FallbackTimeout,
        ProviderStatus::FallbackDown,
        ProviderStatus::FallbackError,
        ProviderStatus::CircuitOpen,
    ];

    /// The label on `/metrics`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderStatus::Local => "local",
            ProviderStatus::Ok => "ok",
            ProviderStatus::Conflict => "conflict",
            ProviderStatus::FallbackTimeout => "fallback_timeout",
            ProviderStatus::FallbackDown => "fallback_down",
            ProviderStatus::FallbackError => "fallback_error",
            ProviderStatus::CircuitOpen => "circuit_open",
        }
    }
}

impl From<ProviderError> for ProviderStatus {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::Timeout => ProviderStatus::FallbackTimeout,
            ProviderError::Down => ProviderStatus::FallbackDown,
            ProviderError::CircuitOpen => ProviderStatus::CircuitOpen,
            ProviderError::Invalid(_) => ProviderStatus::FallbackError,
        }
    }
}

/// The customer contract: get by channel identifier, get by id, upsert.
#[async_trait::async_trait]
pub trait ProfileProvider: Send + Sync {
    /// Whether there is anyone to ask (`false`: the local database maintains profiles).
    fn is_remote(&self) -> bool;
    /// The record holding this normalised identifier.
    async fn by_identifier(&self, channel: Channel, value: &Pii) -> Result<Answer, ProviderError>;
    /// The record with this id in the CRM.
    async fn by_id(&self, external_id: &str) -> Result<Answer, ProviderError>;
    /// Create or replace the record; answers the record as the CRM stored it.
    async fn upsert(&self, profile: &WireProfile) -> Result<Answer, ProviderError>;
    /// Whether calls are refused now by a circuit breaker (for `/metrics`).
    fn circuit_open(&self) -> bool {
        false
    }
}

/// The local database: the default, and no behaviour change (nothing is asked).
pub struct LocalProvider;

#[async_trait::async_trait]
impl ProfileProvider for LocalProvider {
    fn is_remote(&self) -> bool {
        false
    }
    async fn by_identifier(&self, _: Channel, _: &Pii) -> Result<Answer, ProviderError> {
        Ok(Answer::Local)
    }
    async fn by_id(&self, _: &str) -> Result<Answer, ProviderError> {
        Ok(Answer::Local)
    }
    async fn upsert(&self, _: &WireProfile) -> Result<Answer, ProviderError> {
        Ok(Answer::Local)
    }
}

/// Answers already cached, so that an unchanged record is not written (and audited, and
/// evented) at every resolve: the digest of the last answer cached per record, and the
/// profile it went to. Bounded: emptied when full. Per replica; a restart syncs once more.
#[derive(Default)]
struct Memo(Mutex<HashMap<ExternalRef, ([u8; 32], CustomerId)>>);

const MEMO_ENTRIES: usize = 10_000;

impl Memo {
    fn get(&self, r: &ExternalRef) -> Option<([u8; 32], CustomerId)> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(r).cloned()
    }

    fn put(&self, r: ExternalRef, digest: [u8; 32], id: CustomerId) {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MEMO_ENTRIES {
            map.clear();
        }
        map.insert(r, (digest, id));
    }
}

/// The provider as the services hold it: the adapter, the budget of a resolve, the
/// outcome counters for `/metrics` and the memo of cached answers.
pub struct Provider {
    pub provider: Arc<dyn ProfileProvider>,
    pub budget: Duration,
    outcomes: [AtomicU64; ProviderStatus::ALL.len()],
    memo: Memo,
}

impl Default for Provider {
    fn default() -> Self {
        Self::new(Arc::new(LocalProvider), ProviderSettings::default().budget)
    }
}

impl Provider {
    pub fn new(provider: Arc<dyn ProfileProvider>, budget: Duration) -> Self {
        Self { provider, budget, outcomes: Default::default(), memo: Memo::default() }
    }

    /// `LocalProvider` without a URL, else the HTTP adapter.
    pub fn from_settings(settings: &ProviderSettings) -> anyhow::Result<Self> {
        Ok(match HttpCrmProvider::from_settings(settings)? {
            Some(http) => Self::new(Arc::new(http), settings.budget),
            None => Self::default(),
        })
    }

    fn count(&self, status: ProviderStatus) {
        if let Some(i) = ProviderStatus::ALL.iter().position(|s| *s == status) {
            self.outcomes[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Resolutions per provider outcome since start (this replica's).
    pub fn outcomes(&self) -> Vec<(ProviderStatus, u64)> {
        ProviderStatus::ALL.iter().zip(&self.outcomes).map(|(s, n)| (*s, n.load(Ordering::Relaxed))).collect()
    }
}
