//! GraphQL object types, one file per type. They wrap domain records; PII is masked here,
//! at the last step, depending on the caller's `pii:read` scope.

mod activity;
mod attribute;
mod audit;
mod connection;
mod customer;
mod identification;
mod identity;
mod interaction;
mod label;
mod label_assignment;
mod lifecycle;
mod outbound;
mod preference;

pub use activity::{ChannelActivity, CustomerActivity, LastContact};
pub use attribute::{Attribute, AttributeDefinition};
pub use audit::{AuditConnection, AuditEdge, AuditEntry};
pub use connection::{CustomerConnection, InteractionConnection, Total};
pub use customer::Customer;
pub use identification::{CustomerMatch, CustomerResolution, MergeRecord};
pub use identity::ChannelIdentity;
pub use interaction::{Conversation, InteractionRef};
pub use label::Label;
pub use label_assignment::LabelAssignment;
pub use lifecycle::{ErasedCounts, ErasureReceipt, LegalHold};
pub use outbound::{ConsentRecord, Suppression, SuppressionList};
pub use preference::{ChannelConsent, Preference, TimeWindow};

/// `ExternalRef`: a link to a record in a CRM or ticketing system.
#[derive(async_graphql::SimpleObject, Clone, Debug)]
pub struct ExternalRef {
    /// The system, lower-cased: `salesforce`, `zendesk`…
    pub system: String,
    /// The record's id in that system.
    pub external_id: String,
}

/// Can we reach this customer now, how, and if not, when.
#[derive(async_graphql::SimpleObject)]
pub struct Contactability {
    /// The contact may happen now (or at the `at` asked about).
    pub allowed: bool,
    /// Why, in order of evaluation.
    pub reasons: Vec<String>,
    /// The channel to use (also when not allowed now: the one that would be used).
    pub channel: Option<crate::domain::Channel>,
    /// The number or address to use on `channel`; `null` when no channel is usable or do-not-contact is set.
    pub identity: Option<ChannelIdentity>,
    /// When not allowed now only because of time (contact windows, calling hours, attempt caps): when contact is
    /// next allowed.
    pub next_window_start: Option<chrono::DateTime<chrono::Utc>>,
    /// Machine-readable codes of the checks, in the order they ran (each once): act and report on these rather
    /// than on `reasons`, whose wording may change.
    pub codes: Vec<crate::domain::contactability::ReasonCode>,
    /// The profile decided for.
    pub customer_id: async_graphql::ID,
    /// With `record: true`: the id of the recorded evidence (the same for every decision of the request).
    pub evidence_id: Option<async_graphql::ID>,
}
