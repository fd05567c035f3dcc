//! Parsing input objects into domain commands, with the caps on every input list.

use super::*;
use crate::domain::Result;
use crate::domain::attribute::{AttributeChange, AttributeDefinition};
use crate::domain::customer::{ProfileInput, ProfileUpdate, parse_display_name};
use crate::domain::external_ref::ExternalRef;
use crate::domain::id::{CustomerId, IdentityId, LabelId};
use crate::domain::identity::{IdentitySpec, NormalizeOptions, RawIdentity};
use crate::domain::interaction::{InteractionSpec, RawInteraction};
use crate::domain::label::LabelSpec;
use crate::domain::preference::{ConsentChange, PreferencePatch, TimeWindow, parse_language, parse_timezone};
use crate::domain::text::{Located, Patch, at_most, short_text};
use crate::service::labels::LabelUpdate;
use crate::service::reads;
use async_graphql::{ID, MaybeUndefined};

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
            identity_ids: Vec::new(),
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
            outcome: self.outcome.as_deref(),
            topic: self.topic.as_deref(),
            sentiment: self.sentiment,
        };
        InteractionSpec::parse(field, raw)
    }
}

impl AttributeDefinitionInput {
    pub fn parse(self) -> Result<AttributeDefinition> {
        AttributeDefinition::new(&self.key, self.label, self.attr_type, self.pii, self.required, self.enum_values)
            .map(|d| d.with_searchable(self.searchable))
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
