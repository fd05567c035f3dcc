//! Profiles for the benchmarks' seeders: written as the bulk import writes new profiles
//! (`store::bulk::insert_profiles`: one multi-row insert per table, PII sealed and
//! blind-indexed by the codec, data keys created in bulk), with their search tokens
//! (`store::bulk::insert_profiles` writes them: those `rebuild` would write, from the data in memory) and their audit entries and events (`customer.create`), in
//! one transaction per call: the rows `create_customer` writes for the same inputs.
//! Attribute values are checked against their definitions (the domain's rules); what only
//! the database can decide (an identifier another profile holds, a CRM link taken) is not
//! looked for: a seeder makes distinct synthetic profiles, and a unique index still refuses
//! a taken link (the whole call then fails).

use super::Services;
use crate::domain::audit::{Actor, Change};
use crate::domain::customer::ProfileInput;
use crate::domain::enums::LabelSource;
use crate::domain::id::CustomerId;
use crate::domain::identity::IdentitySpec;
use crate::domain::preference::Preferences;
use crate::domain::text::Patch;
use crate::domain::{Error, Result, attribute};
use crate::store::bulk::{NewProfile, insert_profiles};
use crate::store::{attributes, now};

impl Services {
    /// Create a profile for each input in one transaction; their ids, in input order.
    /// An input naming a preferred identity (which needs the identity's id) is refused.
    pub async fn seed_profiles(&self, actor: &Actor, inputs: &[ProfileInput]) -> Result<Vec<CustomerId>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.store.begin_write().await?;
        let defs = attributes::definitions(&tx).await?;
        let mut profiles = Vec::with_capacity(inputs.len());
        for input in inputs {
            profiles.push(new_profile(input, &defs)?);
        }
        let ids: Vec<CustomerId> = profiles.iter().map(|p| p.id.clone()).collect();
        insert_profiles(&tx, &self.store.codec, &profiles, &actor.subject, LabelSource::Manual).await?;
        let changes = inputs
            .iter()
            .zip(&ids)
            .map(|(input, id)| Change::to_customer("customer.create", id, input.changed_fields()))
            .collect();
        self.record(&tx, actor, changes).await?;
        crate::store::commit(tx).await?;
        Ok(ids)
    }
}

/// What `create_customer` makes of `input`, as the bulk insert takes it.
fn new_profile(input: &ProfileInput, defs: &[attribute::AttributeDefinition]) -> Result<NewProfile> {
    let attributes = attribute::check_changes(defs, &input.attributes)?;
    attribute::check_required(
        defs,
        attributes.iter().filter(|(_, v)| v.is_some()).map(|(d, _)| d.key.as_str()),
        "input.attributes",
    )?;
    let preferences = match &input.preferences {
        None => None,
        Some(patch) if matches!(patch.value.preferred_identity, Patch::Set(_)) => {
            return Err(Error::bad_input(&patch.field, "a seeded profile names no preferred identity"));
        }
        Some(patch) => {
            let mut p = Preferences::default();
            p.apply(patch.value.clone(), now());
            Some(p)
        }
    };
    let mut identities: Vec<IdentitySpec> = Vec::with_capacity(input.identities.len());
    for spec in input.identities.iter().map(|i| &i.value) {
        if spec.primary {
            // The last primary of a channel wins, as when identities are added one by one.
            identities.iter_mut().filter(|i| i.channel == spec.channel).for_each(|i| i.primary = false);
        }
        identities.push(spec.clone());
    }
    Ok(NewProfile {
        id: CustomerId::generate(),
        display_name: input.display_name.clone(),
        identities,
        identity_ids: vec![],
        attributes: attributes.into_iter().filter_map(|(d, v)| v.map(|v| (d, v))).collect(),
        label_ids: input.label_ids.iter().map(|l| l.value.clone()).collect(),
        preferences,
        external_refs: input.external_refs.iter().map(|r| r.value.clone()).collect(),
    })
}
