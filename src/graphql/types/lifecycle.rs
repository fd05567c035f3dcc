use crate::domain::lifecycle::{
    ErasedCounts as CountsRecord, ErasureReceipt as ReceiptRecord, LegalHold as HoldRecord,
};
use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

pub struct ErasureReceipt(pub ReceiptRecord);

/// The receipt of an erasure: what was erased, when, by whom and why. The audit log keeps
/// it (action `customer.erase`, one entry per erased profile).
#[Object]
impl ErasureReceipt {
    /// The profile erased (now a tombstone: `status: ERASED`).
    async fn customer_id(&self) -> ID {
        ID(self.0.customer_id.clone())
    }

    /// The profiles that had been merged into it, erased with it.
    async fn merged_profiles(&self) -> Vec<ID> {
        self.0.merged_profiles.iter().cloned().map(ID).collect()
    }

    /// When the erasure committed.
    async fn erased_at(&self) -> DateTime<Utc> {
        self.0.erased_at
    }

    /// Who erased it (the token's `sub`; `retention` for the retention task).
    async fn erased_by(&self) -> &str {
        &self.0.erased_by
    }

    /// Why, as given.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// How many rows were deleted or scrubbed, by kind.
    async fn counts(&self) -> ErasedCounts {
        let c: CountsRecord = self.0.counts;
        ErasedCounts {
            identities: c.identities as i64,
            attributes: c.attributes as i64,
            labels: c.labels as i64,
            preferences: c.preferences as i64,
            external_refs: c.external_refs as i64,
            interactions_scrubbed: c.interactions_scrubbed as i64,
            merge_ledgers: c.merge_ledgers as i64,
            consent_records_stripped: c.consent_records_stripped as i64,
            suppressions: c.suppressions as i64,
        }
    }

    /// `true` when the profile had been erased before: this is that erasure's receipt, and
    /// nothing was written now.
    async fn already_erased(&self) -> bool {
        self.0.already_erased
    }
}

/// Rows an erasure deleted (or, for interactions, kept without their free text).
#[derive(SimpleObject)]
pub struct ErasedCounts {
    /// Channel identities (and their blind-index keys).
    pub identities: i64,
    /// Attribute values.
    pub attributes: i64,
    /// Label assignments.
    pub labels: i64,
    /// Preference rows (consents included).
    pub preferences: i64,
    /// Links to CRM and ticketing records.
    pub external_refs: i64,
    /// Interactions kept, linked to the tombstone, with their summary removed.
    pub interactions_scrubbed: i64,
    /// Merge ledgers that mentioned the profiles (undone merges included).
    pub merge_ledgers: i64,
    /// Consent records kept in the history without their proof (source, wording, evidence
    /// reference): channel, purpose, status and times stay, naming no one.
    pub consent_records_stripped: i64,
    /// Do-not-contact suppressions of the profiles.
    pub suppressions: i64,
}

pub struct LegalHold(pub HoldRecord);

/// A legal hold: the profile is protected from erasure and from every retention purge
/// until it is released (`setLegalHold(on: false)`).
#[Object]
impl LegalHold {
    /// Why the hold is on (a case reference), as given.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// Who put it on.
    async fn set_by(&self) -> &str {
        &self.0.set_by
    }

    /// Since when.
    async fn set_at(&self) -> DateTime<Utc> {
        self.0.set_at
    }
}
