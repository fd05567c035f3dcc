//! The fast path of an import batch: the lines that create a profile are checked in memory
//! (labels, attribute definitions, required attributes, preferences: the same domain rules
//! the one-by-one path applies) and written in bulk (`store::bulk`), a few statements per
//! thousand profiles. Anything that needs the database to decide — a profile that exists,
//! a key seen earlier in the batch, a repeated identifier, a preferred identity — takes
//! the one-by-one path, which reports conflicts on their fields.

use super::super::Services;
use crate::domain::Result;
use crate::domain::attribute::{AttributeDefinition, check_changes, check_required};
use crate::domain::external_ref::ExternalRef;
use crate::domain::id::{CustomerId, LabelId};
use crate::domain::identity::IdentitySpec;
use crate::domain::import::{ImportKey, ImportRecord, LineError};
use crate::domain::preference::Preferences;
use crate::domain::text::Patch;
use crate::store::bulk::NewProfile;
use crate::store::{attributes, customers, external_refs, now};
use sea_orm::DatabaseTransaction;
use std::collections::{HashMap, HashSet};

/// A batch split: new profiles for the bulk insert, lines for the one-by-one path (in
/// file order), and lines that break a rule.
#[derive(Default)]
pub(super) struct Split {
    pub bulk: Vec<(ImportRecord, NewProfile)>,
    pub rest: Vec<ImportRecord>,
    pub rejected: Vec<LineError>,
}

impl Services {
    pub(super) async fn split_batch(
        &self,
        tx: &DatabaseTransaction,
        records: Vec<ImportRecord>,
        catalogue: &HashMap<String, LabelId>,
    ) -> Result<Split> {
        let mut split = Split::default();
        if external_refs::has_unindexed(tx).await? {
            split.rest = records; // links not re-sealed yet: only the one-by-one lookup sees them
            return Ok(split);
        }
        let codec = &self.store.codec;
        let defs = attributes::definitions(tx).await?;
        let refs: Vec<&ExternalRef> =
            records.iter().flat_map(|r| r.input.external_refs.iter().map(|l| &l.value)).collect();
        let owned = external_refs::owners(tx, codec, &refs).await?;
        let ids: Vec<CustomerId> = records
            .iter()
            .filter_map(|r| match &r.key {
                ImportKey::Id(id) => Some(id.clone()),
                ImportKey::Ref(_) => None,
            })
            .collect();
        let existing = if ids.is_empty() { HashMap::new() } else { customers::get_many(tx, codec, &ids).await? };
        let (mut seen_refs, mut seen_ids) = (HashSet::new(), HashSet::new());
        for mut record in records {
            let mut fresh = true;
            for r in record.input.external_refs.iter().map(|l| &l.value) {
                fresh &= !owned.contains_key(r) && seen_refs.insert(r.clone());
            }
            if let ImportKey::Id(id) = &record.key {
                fresh &= !existing.contains_key(id) && seen_ids.insert(id.clone());
            }
            if !fresh {
                split.rest.push(record);
                continue;
            }
            match self.check_new(&mut record, catalogue, &defs) {
                Ok(Some(profile)) => split.bulk.push((record, profile)),
                Ok(None) => split.rest.push(record),
                Err(rule) => split.rejected.push(LineError::of(record.line, &rule)),
            }
        }
        Ok(split)
    }

    /// A line that creates a profile, checked; `None` when the database must decide.
    fn check_new(
        &self,
        record: &mut ImportRecord,
        catalogue: &HashMap<String, LabelId>,
        defs: &[AttributeDefinition],
    ) -> Result<Option<NewProfile>> {
        super::import::resolve_labels(record, catalogue)?;
        let input = &record.input;
        let mut lookup_keys = HashSet::new();
        let mut identities: Vec<IdentitySpec> = Vec::with_capacity(input.identities.len());
        for ident in &input.identities {
            if !lookup_keys.insert(self.store.codec.lookup_key(ident.value.channel, &ident.value.value)) {
                return Ok(None); // the same identifier twice: a conflict, reported one by one
            }
            let mut spec = ident.value.clone();
            if spec.primary {
                // The last primary of a channel wins, as when they are added one by one.
                for earlier in identities.iter_mut().filter(|i| i.channel == spec.channel) {
                    earlier.primary = false;
                }
                spec.primary = true;
            }
            identities.push(spec);
        }
        let checked = check_changes(defs, &input.attributes)?;
        let attributes: Vec<(AttributeDefinition, serde_json::Value)> =
            checked.into_iter().filter_map(|(d, v)| v.map(|v| (d, v))).collect();
        check_required(defs, attributes.iter().map(|(d, _)| d.key.as_str()), "input.attributes")?;
        let preferences = match &input.preferences {
            None => None,
            Some(patch) if matches!(patch.value.preferred_identity, Patch::Set(_)) => return Ok(None),
            Some(patch) => {
                let mut p = Preferences::default();
                p.apply(patch.value.clone(), now());
                Some(p)
            }
        };
        let mut external_refs: Vec<ExternalRef> = Vec::with_capacity(input.external_refs.len());
        for r in &input.external_refs {
            if !external_refs.contains(&r.value) {
                external_refs.push(r.value.clone());
            }
        }
        let id = match &record.key {
            ImportKey::Id(id) => id.clone(),
            ImportKey::Ref(_) => CustomerId::generate(),
        };
        Ok(Some(NewProfile {
            id,
            display_name: input.display_name.clone(),
            identities,
            identity_ids: input.identity_ids.clone(),
            attributes,
            label_ids: input.label_ids.iter().map(|l| l.value.clone()).collect(),
            preferences,
            external_refs,
        }))
    }
}
