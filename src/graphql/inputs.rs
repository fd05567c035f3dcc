//! Input objects of the API, and their parsing into domain commands: this is the edge
//! where every input is validated once, each error naming its field path
//! (`input.identities.1.value`). Services receive only parsed commands.

use crate::domain::attribute::{AttributeChange, AttributeDefinition};
use crate::domain::customer::{ProfileInput, ProfileUpdate, parse_display_name};
use crate::domain::enums::{AttributeType, ConsentStatus, CustomerStatus, DayOfWeek, Direction, InteractionKind};
use crate::domain::external_ref::ExternalRef;
use crate::domain::id::{CustomerId, IdentityId, LabelId};
use crate::domain::identity::{IdentitySpec, NormalizeOptions, RawIdentity};
use crate::domain::interaction::{InteractionSpec, RawInteraction};
use crate::domain::label::LabelSpec;
use crate::domain::preference::{ConsentChange, PreferencePatch, TimeWindow, parse_language, parse_timezone};
use crate::domain::text::{Located, Patch, at_most, short_text};
use crate::domain::{Channel, Result};
use crate::service::labels::LabelUpdate;
use crate::service::reads;
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
    /// Labels from the catalogue to assign; an unknown one is a `NOT_FOUND`.
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
    /// Global do-not-contact: `true` blocks every outbound contact, whatever the consents.
    pub do_not_contact: Option<bool>,
    /// Per channel: replaces the consent of each channel given, keeps the others.
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
}

/// An attribute definition, created or replaced by `key`.
#[derive(InputObject, Clone, Debug)]
pub struct AttributeDefinitionInput {
    /// The attribute to define or redefine: 1–64 characters of `a–z`, `0–9` and `_`, starting with a letter.
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

// ---------------------------------------------------------------------------------------
// Parsing into commands

/// Identities in one input (and held by one profile: see `service::identities`).
pub const MAX_IDENTITIES: usize = crate::domain::identity::MAX_PER_PROFILE;
/// Label ids, attributes, attribute keys and filter label ids in one input.
pub const MAX_ITEMS: usize = 100;
/// CRM references in one input.
pub const MAX_EXTERNAL_REFS: usize = 20;
/// Contact windows (four a day for a week).
pub const MAX_WINDOWS: usize = 28;
/// Profiles merged at once.
pub const MAX_MERGED: usize = 20;
/// Other identifiers given to `resolveCustomer`.
pub const MAX_ALSO_KNOWN_AS: usize = 10;

fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(v),
    }
}

/// Ids given at `field` (`labelIds`), without repeats, each at the field it was given in.
pub fn label_ids(field: &str, ids: &[ID]) -> Result<Vec<Located<LabelId>>> {
    at_most(field, ids, MAX_ITEMS)?;
    let mut out: Vec<Located<LabelId>> = Vec::with_capacity(ids.len());
    for (i, raw) in ids.iter().enumerate() {
        let f = format!("{field}.{i}");
        let id = LabelId::parse(&f, raw)?;
        if !out.iter().any(|l| l.value == id) {
            out.push(Located::new(f, id));
        }
    }
    Ok(out)
}

impl ChannelIdentityInput {
    pub fn parse(&self, field: &str, opts: &NormalizeOptions) -> Result<IdentitySpec> {
        let raw = RawIdentity {
            channel: self.channel,
            value: &self.value,
            provider: self.provider.as_deref(),
            verified: self.verified,
            primary: self.primary,
            shared: self.shared,
        };
        IdentitySpec::parse(field, raw, opts)
    }
}

/// Attribute inputs given at `field`, each change at `field.i`.
pub fn attribute_changes(field: &str, inputs: Vec<AttributeInput>) -> Result<Vec<AttributeChange>> {
    at_most(field, &inputs, MAX_ITEMS)?;
    Ok(inputs
        .into_iter()
        .enumerate()
        .map(|(i, a)| AttributeChange { field: format!("{field}.{i}"), key: a.key, value: a.value.map(|v| v.0) })
        .collect())
}

impl ExternalRefInput {
    pub fn parse(&self, field: &str) -> Result<ExternalRef> {
        ExternalRef::parse(field, &self.system, &self.external_id)
    }
}

impl CreateCustomerInput {
    pub fn parse(self, field: &str, opts: &NormalizeOptions) -> Result<ProfileInput> {
        at_most(&format!("{field}.identities"), &self.identities, MAX_IDENTITIES)?;
        at_most(&format!("{field}.externalRefs"), &self.external_refs, MAX_EXTERNAL_REFS)?;
        let display_name = self
            .display_name
            .as_deref()
            .map(|n| parse_display_name(&format!("{field}.displayName"), n))
            .transpose()?
            .flatten();
        let identities = self
            .identities
            .iter()
            .enumerate()
            .map(|(i, ident)| {
                let f = format!("{field}.identities.{i}");
                ident.parse(&f, opts).map(|v| Located::new(f, v))
            })
            .collect::<Result<_>>()?;
        let label_ids = label_ids(&format!("{field}.labelIds"), &self.label_ids)?;
        let external_refs = self
            .external_refs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let f = format!("{field}.externalRefs.{i}");
                r.parse(&f).map(|v| Located::new(f, v))
            })
            .collect::<Result<_>>()?;
        let preferences = match self.preferences {
            Some(p) => {
                let f = format!("{field}.preferences");
                Some(Located::new(f.clone(), p.parse(&f)?))
            }
            None => None,
        };
        Ok(ProfileInput {
            display_name,
            identities,
            attributes: attribute_changes(&format!("{field}.attributes"), self.attributes)?,
            label_ids,
            preferences,
            external_refs,
        })
    }
}

impl UpdateCustomerInput {
    pub fn parse(self, field: &str, expected_version: Option<i32>) -> Result<ProfileUpdate> {
        let display_name = match patch(self.display_name) {
            Patch::Set(raw) => match parse_display_name(&format!("{field}.displayName"), &raw)? {
                Some(name) => Patch::Set(name),
                None => Patch::Clear,
            },
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
        };
        Ok(ProfileUpdate { display_name, expected_version })
    }
}

impl PreferenceInput {
    pub fn parse(self, field: &str) -> Result<PreferencePatch> {
        let f = |name: &str| format!("{field}.{name}");
        let preferred_identity = patch(self.preferred_identity_id).try_map(|id| {
            let f = f("preferredIdentityId");
            IdentityId::parse(&f, &id).map(|id| Located::new(f, id))
        })?;
        let best_time_to_contact = self
            .best_time_to_contact
            .map(|windows| {
                at_most(&f("bestTimeToContact"), &windows, MAX_WINDOWS)?;
                windows
                    .into_iter()
                    .enumerate()
                    .map(|(i, w)| TimeWindow::new(&format!("{}.{i}", f("bestTimeToContact")), w.days, &w.start, &w.end))
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?;
        let consents = self
            .consents
            .map(|cs| ConsentChange::parse_all(&f("consents"), cs.into_iter().map(|c| (c.channel, c.status, c.source))))
            .transpose()?;
        Ok(PreferencePatch {
            language: patch(self.language).try_map(|v| parse_language(&f("language"), &v))?,
            timezone: patch(self.timezone).try_map(|v| parse_timezone(&f("timezone"), &v))?,
            preferred_channel: patch(self.preferred_channel),
            preferred_identity,
            preferred_agent_id: patch(self.preferred_agent_id)
                .try_map(|a| short_text(&f("preferredAgentId"), &a, 255))?,
            best_time_to_contact,
            do_not_contact: self.do_not_contact,
            consents,
        })
    }
}

impl LabelInput {
    /// A new label.
    pub fn spec(&self) -> Result<LabelSpec> {
        LabelSpec::new(&self.name, self.color.as_opt_deref().flatten(), self.description.as_opt_deref().flatten())
    }

    /// A change to a label (validated with the label's current colour and description).
    pub fn update(self) -> LabelUpdate {
        LabelUpdate { name: self.name, color: patch(self.color), description: patch(self.description) }
    }
}

impl InteractionInput {
    pub fn parse(&self, field: &str) -> Result<InteractionSpec> {
        let raw = RawInteraction {
            conversation_id: self.conversation_id.as_ref().map(|c| c.as_str()),
            kind: self.kind,
            channel: self.channel,
            direction: self.direction,
            started_at: self.started_at,
            ended_at: self.ended_at,
            summary: self.summary.as_deref(),
            agent_id: self.agent_id.as_ref().map(|a| a.as_str()),
        };
        InteractionSpec::parse(field, raw)
    }
}

impl AttributeDefinitionInput {
    pub fn parse(self) -> Result<AttributeDefinition> {
        AttributeDefinition::new(&self.key, self.label, self.attr_type, self.pii, self.required, self.enum_values)
    }
}

impl CustomerFilter {
    pub fn parse(self) -> Result<reads::CustomerFilter> {
        let label_ids = self.label_ids.unwrap_or_default();
        at_most("filter.labelIds", &label_ids, MAX_ITEMS)?;
        let label_ids = label_ids
            .iter()
            .enumerate()
            .map(|(i, id)| LabelId::parse(&format!("filter.labelIds.{i}"), id))
            .collect::<Result<_>>()?;
        Ok(reads::CustomerFilter {
            label_ids,
            status: self.status,
            attribute: self.attribute.map(|a| (a.key, a.value.0)),
            updated_since: self.updated_since,
        })
    }
}

/// The ids of `mergedIds`, each at its field.
pub fn merged_ids(ids: &[ID]) -> Result<Vec<Located<CustomerId>>> {
    at_most("mergedIds", ids, MAX_MERGED)?;
    ids.iter()
        .enumerate()
        .map(|(i, raw)| {
            let f = format!("mergedIds.{i}");
            CustomerId::parse(&f, raw).map(|id| Located::new(f, id))
        })
        .collect()
}
