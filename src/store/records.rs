//! Domain records read from the store.

use super::Pii;
use crate::domain::Channel;
use crate::domain::enums::{CustomerStatus, Direction, InteractionKind, LabelSource};
use crate::domain::preference::{ChannelConsent, TimeWindow};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug)]
pub struct CustomerRecord {
    pub id: String,
    pub display_name: Option<Pii>,
    pub status: CustomerStatus,
    pub merged_into: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct IdentityRecord {
    pub id: String,
    pub customer_id: String,
    pub channel: Channel,
    pub provider: Option<String>,
    pub value: Pii,
    pub verified: bool,
    pub primary: bool,
    /// A shared identifier (household phone, switchboard) never resolves to one owner.
    pub shared: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct LabelRecord {
    pub id: String,
    pub name: String,
    pub color: Option<String>,
    pub description: Option<String>,
    pub source: LabelSource,
}

#[derive(Clone, Debug, Default)]
pub struct PreferenceRecord {
    pub language: Option<String>,
    pub timezone: Option<String>,
    pub preferred_channel: Option<Channel>,
    pub preferred_identity_id: Option<String>,
    pub preferred_agent_id: Option<String>,
    pub best_time_to_contact: Vec<TimeWindow>,
    pub do_not_contact: bool,
    pub consents: Vec<ChannelConsent>,
}

/// An attribute value with the flags of its definition.
#[derive(Clone, Debug)]
pub struct AttributeRecord {
    pub key: String,
    pub value: AttributeValue,
    pub pii: bool,
}

/// PII-marked values stay wrapped until a resolver decides who may see them.
#[derive(Clone, Debug)]
pub enum AttributeValue {
    Plain(serde_json::Value),
    Pii(Pii),
}

/// Attribute definitions are read back as the domain type they were validated as.
pub use crate::domain::attribute::AttributeDefinition as AttributeDefinitionRecord;

#[derive(Clone, Debug)]
pub struct InteractionRecord {
    pub id: String,
    pub customer_id: String,
    pub conversation_id: Option<String>,
    pub kind: InteractionKind,
    pub channel: Channel,
    pub direction: Direction,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    pub agent_id: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ExternalRefRecord {
    pub system: String,
    pub external_id: String,
}
