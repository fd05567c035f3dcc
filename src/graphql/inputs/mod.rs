//! Input objects of the API (this file) and their parsing into domain commands
//! (`parse.rs`): this is the edge where every input is validated once, each error naming
//! its field path (`input.identities.1.value`). Services receive only parsed commands.

mod history;
mod import;
mod outbound;
mod parse;

pub use history::*;
pub use import::import_record;
pub use outbound::*;

pub use parse::*;

use crate::domain::Channel;
use crate::domain::enums::{AttributeType, ConsentStatus, CustomerStatus, DayOfWeek, Direction, InteractionKind};
use async_graphql::{ID, InputObject, Json, MaybeUndefined};
use chrono::{DateTime, Utc};

/// An identifier on one channel, in any common format: the server normalises it
/// (E.164 phones, lower-cased emails, handles without `@`).
#[derive(InputObject, Clone, Debug)]
pub struct ChannelIdentityInput {
    /// The channel of the identifier; it decides how `value` is normalised.
    pub channel: Channel,
    /// PII. The identifier as the client has it; one that does not parse for its channel is a `BAD_USER_INPUT` on
    /// this field.
    pub value: String,
    /// The social network or SDK, for OTHER and social channels.
    pub provider: Option<String>,
    /// Ownership was confirmed (a one-time code, a login); ranks the profile higher when an identifier is ambiguous.
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
    /// The attribute's key; it must be defined first (`defineAttribute`).
    pub key: String,
    /// A value of the attribute's type, at most 16 KiB as JSON; `null` removes the attribute.
    pub value: Option<Json<serde_json::Value>>,
}

/// A link to a record in a CRM or ticketing system.
#[derive(InputObject, Clone, Debug)]
pub struct ExternalRefInput {
    /// The system, e.g. `salesforce`, `zendesk`.
    pub system: String,
    /// The record's id in that system (1–255 characters).
    pub external_id: String,
}

/// A new profile, or what a CRM sync brings to one (`upsertCustomerByExternalRef`).
#[derive(InputObject, Clone, Debug, Default)]
pub struct CreateCustomerInput {
    /// PII.
    pub display_name: Option<String>,
    /// Identifiers on any channel, normalised; the same identifier twice is a `CONFLICT`.
    #[graphql(default)]
    pub identities: Vec<ChannelIdentityInput>,
    /// Attribute values, checked against their definitions; every required attribute must be given.
    #[graphql(default)]
    pub attributes: Vec<AttributeInput>,
    /// Labels from the catalogue to assign; needs `labels:assign` (`FORBIDDEN` on this field otherwise). An
    /// unknown one is a `NOT_FOUND`.
    #[graphql(default)]
    pub label_ids: Vec<ID>,
    /// Contact preferences and consents; omitted, none are set.
    pub preferences: Option<PreferenceInput>,
    /// Links to CRM records (each record links to one profile at most).
    #[graphql(default)]
    pub external_refs: Vec<ExternalRefInput>,
}

/// A change to the profile itself; omitted fields stay as they are.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateCustomerInput {
    /// PII. `null` clears the name; omitted leaves it as it is.
    pub display_name: MaybeUndefined<String>,
}

/// A weekly window, local to the customer's timezone; `end` before `start` crosses midnight.
#[derive(InputObject, Clone, Debug)]
pub struct TimeWindowInput {
    /// The days on which the window opens (at least one).
    pub days: Vec<DayOfWeek>,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`; `24:00` is midnight at the end of the day.
    pub end: String,
}

/// Consent to contact on one channel; it is stamped with the time it is set.
#[derive(InputObject, Clone, Debug)]
pub struct ChannelConsentInput {
    /// The channel; at most one consent per channel in one input.
    pub channel: Channel,
    /// The consent given on it.
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
    /// The channel to try first for outbound contact.
    pub preferred_channel: MaybeUndefined<Channel>,
    /// One of the customer's own identities, used for outbound contact.
    pub preferred_identity_id: MaybeUndefined<ID>,
    /// The dedicated account manager's agent id (at most 255 characters).
    pub preferred_agent_id: MaybeUndefined<ID>,
    /// Replaces all windows.
    pub best_time_to_contact: Option<Vec<TimeWindowInput>>,
    /// Global do-not-contact: `true` blocks every outbound contact, whatever the consents. Needs `consents:write`.
    pub do_not_contact: Option<bool>,
    /// Per channel: replaces the consent of each channel given, keeps the others. Needs `consents:write`.
    pub consents: Option<Vec<ChannelConsentInput>>,
}

/// A label's name, colour and description.
#[derive(InputObject, Clone, Debug)]
pub struct LabelInput {
    /// 1–100 characters, spaces collapsed; unique regardless of case (`CONFLICT` otherwise).
    pub name: String,
    /// `#rrggbb`. On update: omitted keeps the colour, `null` clears it.
    pub color: MaybeUndefined<String>,
    /// On update: omitted keeps the description, `null` clears it.
    pub description: MaybeUndefined<String>,
}

/// A conversation or activity to add to a customer's history.
#[derive(InputObject, Clone, Debug)]
pub struct InteractionInput {
    /// The id in the subgraph that owns the conversation.
    pub conversation_id: Option<ID>,
    /// `CONVERSATION` for a conversation of the conversations subgraph, else `ACTIVITY`.
    pub kind: InteractionKind,
    /// The channel it took place on.
    pub channel: Channel,
    /// Who started it: the customer (`INBOUND`) or us (`OUTBOUND`).
    pub direction: Direction,
    /// When it started; stored to the microsecond.
    pub started_at: DateTime<Utc>,
    /// When it ended; before `startedAt` is a `BAD_USER_INPUT`.
    pub ended_at: Option<DateTime<Utc>>,
    /// A short note for agents, at most 2000 characters; blank means none.
    pub summary: Option<String>,
    /// The agent who handled it, as an id of the agents' system (at most 255 characters).
    pub agent_id: Option<ID>,
    /// How it ended, as a code: 1–64 of `A–Z a–z 0–9 _ - . / :` (`resolved`, `escalated`).
    pub outcome: Option<String>,
    /// What it was about, as a code like `outcome` (`billing/fiber`).
    pub topic: Option<String>,
    /// How the customer felt.
    pub sentiment: Option<crate::domain::enums::Sentiment>,
    /// A JSON object of the channel's or CRM's own details: at most 8192 bytes as JSON and 5 levels deep.
    /// Sealed at rest; shown only with `pii:read`.
    pub metadata: Option<Json<serde_json::Value>>,
    /// The client's key for this request (1–128 characters), for activities without a `conversationId` above
    /// all: the same key with the same interaction returns the interaction linked first; with another one it is a
    /// `CONFLICT` on `interaction.idempotencyKey`.
    pub idempotency_key: Option<String>,
}

/// An attribute definition, created or replaced by `key`.
#[derive(InputObject, Clone, Debug)]
pub struct AttributeDefinitionInput {
    /// The attribute to define or redefine: 1–64 characters of `A–Z`, `a–z`, `0–9` and `_`, starting with a letter;
    /// the case is kept, and a key that differs from an existing one only in case is a `CONFLICT` on `input.key`.
    pub key: String,
    /// Name shown to agents, at most 255 characters; blank means none.
    pub label: Option<String>,
    /// The type values must have; a change that stored values would not satisfy is a `CONFLICT`.
    #[graphql(name = "type")]
    pub attr_type: AttributeType,
    /// Values are personal data: encrypted at rest, hidden without `pii:read`, not usable in a filter.
    #[graphql(default = false)]
    pub pii: bool,
    /// Every profile must have a value (checked when a profile is created or synced from a CRM).
    #[graphql(default = false)]
    pub required: bool,
    /// For `ENUM` only, and required there: 1–200 unique, non-empty values of at most 255 characters.
    pub enum_values: Option<Vec<String>>,
    /// Values are found by `searchCustomers` (the exact value, case and accents folded); changing it re-indexes
    /// every profile holding a value.
    #[graphql(default = false)]
    pub searchable: bool,
    /// Turning `pii` off on an existing attribute decrypts every stored value and shows it to `customers:read`:
    /// it must be confirmed with `true` (`BAD_USER_INPUT` on `input.confirmPiiRemoval` otherwise).
    #[graphql(default = false)]
    pub confirm_pii_removal: bool,
}

/// Which customers to list.
#[derive(InputObject, Default)]
pub struct CustomerFilter {
    /// Customers carrying all of these labels.
    pub label_ids: Option<Vec<ID>>,
    /// Without it, ACTIVE and ANONYMOUS profiles are listed (MERGED ones only when asked for).
    pub status: Option<CustomerStatus>,
    /// Equality on a non-PII attribute.
    pub attribute: Option<AttributeFilterInput>,
    /// Customers changed at or after this instant (for incremental syncs).
    pub updated_since: Option<DateTime<Utc>>,
}

/// Equality on one attribute value.
#[derive(InputObject)]
pub struct AttributeFilterInput {
    /// A defined attribute that is not PII (`BAD_USER_INPUT` otherwise).
    pub key: String,
    /// The value to match, compared in stored form (`100.0` equals `100`, date-times in UTC).
    pub value: Json<serde_json::Value>,
}
