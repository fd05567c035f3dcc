//! Services: the use cases. Each write takes a domain command (parsed at the edge), runs
//! in one transaction through the store's repositories, and answers domain records or a
//! domain error on the input field it is about. No SQL here, and no transaction leaves.

pub mod anomaly;
pub mod attributes;
pub mod audit;
pub mod bulk;
pub mod crm;
mod errors;
pub mod events;
pub mod history;
pub mod identification;
pub mod identities;
pub mod interactions;
pub mod keys;
pub mod labels;
pub mod lifecycle;
pub mod merge;
pub mod outbound;
pub mod preferences;
pub mod profiles;
pub mod provider;
mod read_audit;
pub mod reads;
pub mod search;
pub mod seed;

use crate::domain::identity::NormalizeOptions;
use crate::store::Store;
use std::sync::Arc;

pub(crate) use errors::On;

/// What the service layer needs: the store, the identity normalisation settings and the
/// anomaly detector.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub normalize: Arc<NormalizeOptions>,
    pub anomaly: Arc<anomaly::Detector>,
    /// Change notices for live updates, and the event dispatcher's counters.
    pub live: Arc<events::LiveUpdates>,
    /// Whether writes write their events to the outbox: always, except in the benchmark
    /// that measures what the outbox costs (`benches/events.rs`).
    pub(crate) outbox: bool,
    /// Whether responses that show PII record it in the audit log: always, except while
    /// the benchmark measures what that costs (`benches/hot_paths.rs`, `page-unaudited`).
    /// Shared by every clone, so that the app already built sees the switch.
    pub(crate) audit_reads: Arc<std::sync::atomic::AtomicBool>,
    /// The writer that commits concurrent responses' `pii.read` entries in groups.
    read_recorder: Arc<read_audit::ReadRecorder>,
    /// Entries the audit sealer refused and has logged (once each).
    audit_refusals: Arc<audit::Refusals>,
    /// Outbound compliance rules (purposes, calling hours, holidays): built in, replaceable.
    pub(crate) outbound: Arc<crate::domain::contactability::policy::Policy>,
    /// The external profile maintainer identification asks first (decision 0017):
    /// `LocalProvider` unless `CUSTOMERS_PROFILE_PROVIDER_URL` is set.
    pub provider: Arc<provider::Provider>,
}

impl Services {
    pub fn new(store: Store, normalize: NormalizeOptions) -> Self {
        let anomaly = Arc::new(anomaly::Detector::new(store.clone(), Default::default()));
        Self {
            store,
            normalize: Arc::new(normalize),
            anomaly,
            live: Arc::default(),
            outbox: true,
            audit_reads: Arc::new(std::sync::atomic::AtomicBool::new(true)),
            read_recorder: Arc::default(),
            audit_refusals: Arc::default(),
            outbound: Arc::new(built_in_policy()),
            provider: Arc::default(),
        }
    }

    /// Without the outbox: writes emit no events. Only for measuring the outbox's cost
    /// (`benches/events.rs`); a service built this way breaks the event guarantees.
    #[doc(hidden)]
    pub fn without_outbox_for_benchmarks(mut self) -> Self {
        self.outbox = false;
        self
    }

    /// Switch the audit of PII shown off (`false`) or on again. Only for measuring what the
    /// audit costs (`benches/hot_paths.rs`): with it off, PII is shown unaudited.
    #[doc(hidden)]
    pub fn set_read_audit_for_benchmarks(&self, on: bool) {
        self.audit_reads.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// With the anomaly detector's thresholds (`CUSTOMERS_ANOMALY_*`).
    /// Replace the built-in outbound policy (configuration).
    pub fn with_outbound_policy(mut self, policy: crate::domain::contactability::policy::Policy) -> Self {
        self.outbound = Arc::new(policy);
        self
    }

    /// With an external profile maintainer (`CUSTOMERS_PROFILE_PROVIDER_…`).
    pub fn with_provider(mut self, provider: provider::Provider) -> Self {
        self.provider = Arc::new(provider);
        self
    }

    pub fn with_anomaly_policy(mut self, policy: crate::domain::anomaly::Policy) -> Self {
        self.anomaly = Arc::new(anomaly::Detector::new(self.store.clone(), policy));
        self
    }
}

#[allow(clippy::expect_used, reason = "compiled-in data, loaded by a unit test")]
fn built_in_policy() -> crate::domain::contactability::policy::Policy {
    crate::domain::contactability::policy::Policy::built_in().expect("the built-in outbound policy loads")
}
