//! The merge ledger: the persistent record of exactly which rows a merge moved, so that an
//! unmerge can move back what came from each merged profile (and only that).
//!
//! This is a stored format, so it is written with explicit, versioned DTOs rather than the
//! ORM models: a column added to a table later must not change how old ledgers read. Each
//! row DTO converts to the entity's active model field by field (no `..Default::default()`),
//! so adding a column makes this file fail to compile until the ledger says what old rows
//! get for it. The JSON is sealed by the PII codec (it holds identity values and names).
//!
//! Version 1 is the shape the first release wrote (it had no `version` field). Version 2
//! adds the outbound records a merge moves (consent records and suppressions, issue 13); a
//! version 1 ledger reads with none, which is what its merge moved.

use super::entity::{
    consent_record, contact_suppression, customer, customer_attribute, customer_label, external_ref, identity,
    preference,
};
use crate::domain::merge::MergeCounts;
use chrono::{DateTime, Utc};
use sea_orm::Set;
use serde::{Deserialize, Serialize};

/// The version this code writes.
pub const CURRENT_VERSION: u32 = 2;

fn version_1() -> u32 {
    1
}

macro_rules! row_dto {
    ($(#[$m:meta])* $name:ident <=> $entity:ident { $($field:ident: $ty:ty),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub struct $name { $(pub $field: $ty),+ }

        impl From<$entity::Model> for $name {
            fn from(m: $entity::Model) -> Self {
                Self { $($field: m.$field),+ }
            }
        }

        impl $name {
            /// The row as it was, to insert or update it back.
            pub fn to_active(&self) -> $entity::ActiveModel {
                $entity::ActiveModel { $($field: Set(self.$field.clone())),+ }
            }
        }
    };
}

row_dto!(
    /// A `customers` row (display name sealed).
    CustomerRow <=> customer {
        id: String,
        display_name: Option<String>,
        status: String,
        merged_into: Option<String>,
        version: i32,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    }
);

row_dto!(
    /// A `channel_identities` row (value sealed).
    IdentityRow <=> identity {
        id: String,
        customer_id: String,
        channel: String,
        provider: Option<String>,
        value: String,
        lookup_key: String,
        verified: bool,
        is_primary: bool,
        shared: bool,
        anonymous_key: Option<String>,
        created_at: DateTime<Utc>,
    }
);

row_dto!(
    /// A `customer_labels` row.
    AssignmentRow <=> customer_label {
        customer_id: String,
        label_id: String,
        source: String,
        assigned_by: String,
        assigned_at: DateTime<Utc>,
    }
);

row_dto!(
    /// A `customer_attributes` row (PII values sealed).
    AttributeRow <=> customer_attribute {
        customer_id: String,
        key: String,
        value: String,
        updated_at: DateTime<Utc>,
    }
);

row_dto!(
    /// A `preferences` row (windows and consents as their stored JSON text).
    PreferencesRow <=> preference {
        customer_id: String,
        language: Option<String>,
        timezone: Option<String>,
        preferred_channel: Option<String>,
        preferred_identity_id: Option<String>,
        preferred_agent_id: Option<String>,
        best_time_to_contact: String,
        do_not_contact: bool,
        consents: String,
        updated_at: DateTime<Utc>,
    }
);

row_dto!(
    /// An `external_refs` row.
    ExternalRefRow <=> external_ref {
        id: String,
        customer_id: String,
        system: String,
        external_id: String,
        external_key: Option<String>,
        created_at: DateTime<Utc>,
    }
);

row_dto!(
    /// A `consent_records` row (proof sealed under the merged profile's data key: a move
    /// changes its owner column only, never the ciphertext).
    ConsentRow <=> consent_record {
        id: String,
        customer_id: String,
        channel: String,
        identity_id: Option<String>,
        purpose: String,
        status: String,
        proof: String,
        principal: Option<String>,
        given_at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
        recorded_at: DateTime<Utc>,
    }
);

row_dto!(
    /// A `contact_suppressions` row.
    SuppressionRow <=> contact_suppression {
        id: String,
        customer_id: String,
        channel: Option<String>,
        purpose: Option<String>,
        reason: String,
        principal: Option<String>,
        created_at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
        lifted_at: Option<DateTime<Utc>>,
    }
);

/// Everything one merged profile brought to the survivor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub customer: Option<CustomerRow>,
    pub identities_moved: Vec<IdentityRow>,
    /// Identities the survivor already held: deleted, kept here.
    pub identities_dropped: Vec<IdentityRow>,
    /// (dropped identity id, the survivor's identity with the same identifier).
    #[serde(default)]
    pub replaced_by: Vec<(String, String)>,
    pub labels_moved: Vec<AssignmentRow>,
    /// Labels the survivor already carried.
    pub labels_dropped: Vec<AssignmentRow>,
    pub attributes_moved: Vec<AttributeRow>,
    /// Values that lost to the survivor's value for the same key.
    pub attributes_lost: Vec<AttributeRow>,
    pub preferences: Option<PreferencesRow>,
    pub external_refs_moved: Vec<ExternalRefRow>,
    pub interactions_moved: Vec<String>,
    /// Consent records moved to the survivor, as they were (a record about an identity the
    /// survivor already held now names the survivor's identity: `replaced_by`). Version 2.
    #[serde(default)]
    pub consents_moved: Vec<ConsentRow>,
    /// Suppressions moved to the survivor, as they were. Version 2.
    #[serde(default)]
    pub suppressions_moved: Vec<SuppressionRow>,
}

impl Part {
    pub fn counts(&self) -> MergeCounts {
        MergeCounts {
            identities: self.identities_moved.len() + self.identities_dropped.len(),
            labels: self.labels_moved.len() + self.labels_dropped.len(),
            attributes: self.attributes_moved.len(),
            attribute_conflicts: self.attributes_lost.len(),
            external_refs: self.external_refs_moved.len(),
            interactions: self.interactions_moved.len(),
            consents: self.consents_moved.len(),
            suppressions: self.suppressions_moved.len(),
        }
    }
}

/// One merge: the survivor as it was, and one part per merged profile.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    #[serde(default = "version_1")]
    pub version: u32,
    pub survivor_before: Option<CustomerRow>,
    pub survivor_preferences_before: Option<PreferencesRow>,
    pub survivor_preferences_after: Option<PreferencesRow>,
    /// The survivor's display name (sealed) after the merge, when taken from a merged profile.
    pub display_name_taken: Option<String>,
    pub parts: Vec<Part>,
}

impl Ledger {
    pub fn new() -> Self {
        Self { version: CURRENT_VERSION, ..Default::default() }
    }

    pub fn counts(&self) -> MergeCounts {
        self.parts.iter().map(Part::counts).sum()
    }
}

#[cfg(test)]
mod tests;
