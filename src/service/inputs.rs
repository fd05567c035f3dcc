//! Input objects of the API. They are plain data; services validate them.

use crate::domain::Channel;
use crate::domain::enums::{AttributeType, ConsentStatus, DayOfWeek, Direction, InteractionKind};
use async_graphql::{ID, InputObject, Json, MaybeUndefined};
use chrono::{DateTime, Utc};

/// An identifier on one channel, in any common format: the server normalises it
/// (E.164 phones, lower-cased emails, handles without `@`).
#[derive(InputObject, Clone, Debug)]
pub struct ChannelIdentityInput {
    pub channel: Channel,
    pub value: String,
    /// The social network or SDK, for OTHER and social channels.
    pub provider: Option<String>,
    #[graphql(default = false)]
    pub verified: bool,
    /// Make this the customer's primary identity on its channel (the previous one stops being primary).
    #[graphql(default = false)]
    pub primary: bool,
    /// A household phone or a switchboard: it never resolves to one owner on its own and
    /// never drives an automatic merge.
    #[graphql(default = false)]
    pub shared: bool,
}

/// Set an attribute; `value: null` removes it.
#[derive(InputObject, Clone, Debug)]
pub struct AttributeInput {
    pub key: String,
    pub value: Option<Json<serde_json::Value>>,
}

/// A link to a record in a CRM or ticketing system.
#[derive(InputObject, Clone, Debug)]
pub struct ExternalRefInput {
    /// The system, e.g. `salesforce`, `zendesk`.
    pub system: String,
    pub external_id: String,
}

#[derive(InputObject, Clone, Debug, Default)]
pub struct CreateCustomerInput {
    /// PII.
    pub display_name: Option<String>,
    #[graphql(default)]
    pub identities: Vec<ChannelIdentityInput>,
    #[graphql(default)]
    pub attributes: Vec<AttributeInput>,
    #[graphql(default)]
    pub label_ids: Vec<ID>,
    pub preferences: Option<PreferenceInput>,
    /// Links to CRM records (each record links to one profile at most).
    #[graphql(default)]
    pub external_refs: Vec<ExternalRefInput>,
}

#[derive(InputObject, Clone, Debug)]
pub struct UpdateCustomerInput {
    /// PII. `null` clears the name; omitted leaves it as it is.
    pub display_name: MaybeUndefined<String>,
}

/// A weekly window, local to the customer's timezone; `end` before `start` crosses midnight.
#[derive(InputObject, Clone, Debug)]
pub struct TimeWindowInput {
    pub days: Vec<DayOfWeek>,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`; `24:00` is midnight at the end of the day.
    pub end: String,
}

#[derive(InputObject, Clone, Debug)]
pub struct ChannelConsentInput {
    pub channel: Channel,
    pub status: ConsentStatus,
    /// Where the consent was given: `ivr`, `web-form`, `crm:salesforce`…
    pub source: Option<String>,
}

/// Omitted fields stay as they are; `null` clears a field.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PreferenceInput {
    /// BCP 47 tag.
    pub language: MaybeUndefined<String>,
    /// IANA timezone name.
    pub timezone: MaybeUndefined<String>,
    pub preferred_channel: MaybeUndefined<Channel>,
    /// One of the customer's own identities, used for outbound contact.
    pub preferred_identity_id: MaybeUndefined<ID>,
    pub preferred_agent_id: MaybeUndefined<ID>,
    /// Replaces all windows.
    pub best_time_to_contact: Option<Vec<TimeWindowInput>>,
    pub do_not_contact: Option<bool>,
    /// Per channel: replaces the consent of each channel given, keeps the others.
    pub consents: Option<Vec<ChannelConsentInput>>,
}

#[derive(InputObject, Clone, Debug)]
pub struct LabelInput {
    pub name: String,
    /// `#rrggbb`. On update: omitted keeps the colour, `null` clears it.
    pub color: MaybeUndefined<String>,
    /// On update: omitted keeps the description, `null` clears it.
    pub description: MaybeUndefined<String>,
}

#[derive(InputObject, Clone, Debug)]
pub struct InteractionInput {
    /// The id in the subgraph that owns the conversation.
    pub conversation_id: Option<ID>,
    pub kind: InteractionKind,
    pub channel: Channel,
    pub direction: Direction,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    pub agent_id: Option<ID>,
}

#[derive(InputObject, Clone, Debug)]
pub struct AttributeDefinitionInput {
    pub key: String,
    pub label: Option<String>,
    #[graphql(name = "type")]
    pub attr_type: AttributeType,
    #[graphql(default = false)]
    pub pii: bool,
    #[graphql(default = false)]
    pub required: bool,
    pub enum_values: Option<Vec<String>>,
}
