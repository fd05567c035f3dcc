//! Merging profiles (a web visitor who logs in, duplicates found by an agent) and undoing
//! a merge. Each is one transaction, audited. The rules of who wins live in
//! `domain::merge`; the rows move in `store::merges`.

use super::{On, Services};
use crate::domain::attribute::Attribute;
use crate::domain::audit::{Actor, Change};
use crate::domain::customer::Customer;
use crate::domain::enums::CustomerStatus;
use crate::domain::external_ref::ExternalRef;
use crate::domain::id::{CustomerId, MergeId};
use crate::domain::identity::Identity;
use crate::domain::interaction::{HistoryPage, Interaction};
use crate::domain::label::Label;
use crate::domain::merge::combine_preferences;
use crate::domain::preference::Preferences;
use crate::domain::text::Located;
use crate::domain::{Error, Result};
use crate::store::{
    StoreError, activity, attributes, commit, customers, external_refs, identities, interactions, labels, merges,
    preferences, rollback,
};
use sea_orm::DatabaseTransaction;
use serde_json::json;

/// The survivor as a merge would leave it, read inside the merge's transaction before it
/// was rolled back: what `mergeCustomers(dryRun: true)` shows.
#[derive(Clone, Debug)]
pub struct MergePreview {
    pub survivor: Customer,
    pub identities: Vec<Identity>,
    pub labels: Vec<Label>,
    pub preferences: Preferences,
    pub attributes: Vec<Attribute>,
    pub external_refs: Vec<ExternalRef>,
    /// The first page of history (`first` as given).
    pub history: (HistoryPage, Vec<Interaction>),
}

/// What a merge answers: the survivor after it, or the preview of a dry run.
pub enum MergeOutcome {
    Merged { survivor: Customer, merge_id: MergeId },
    Preview(Box<MergePreview>),
}

impl Services {
    /// Merge `merged` into `survivor` (ids parsed at the edge, each at its field). With
    /// `preview`, nothing is written: the survivor's would-be state is read and the
    /// transaction rolled back, with `history` as its first page.
    pub async fn merge_customers(
        &self,
        actor: &Actor,
        survivor: &CustomerId,
        merged: &[Located<CustomerId>],
        preview: Option<HistoryPage>,
    ) -> Result<MergeOutcome> {
        if merged.is_empty() {
            return Err(Error::bad_input("mergedIds", "name at least one profile to merge"));
        }
        for (i, m) in merged.iter().enumerate() {
            if &m.value == survivor {
                return Err(Error::bad_input(&m.field, "a customer cannot be merged into itself"));
            }
            if merged[..i].iter().any(|earlier| earlier.value == m.value) {
                return Err(Error::bad_input(&m.field, "the same customer is named twice"));
            }
        }

        let tx = self.store.begin_write().await?;
        let codec = &self.store.codec;
        // Lock (and version) every profile involved, in id order so merges cannot deadlock.
        let mut all: Vec<(&CustomerId, &str)> = merged.iter().map(|m| (&m.value, m.field.as_str())).collect();
        all.push((survivor, "survivorId"));
        all.sort();
        for (id, field) in all {
            customers::touch(&tx, codec, id, None).await.on("customer", field)?;
        }

        let mut ledger = merges::survivor_rows(&tx, survivor).await?;
        let mut merged_prefs = Vec::new();
        for m in merged {
            let part = merges::move_part(&tx, codec, survivor, &m.value).await?;
            if let Some(row) = &part.preferences {
                let mut prefs = preferences::decode_row(codec, row).await?;
                // A preferred identity the survivor already held is now the survivor's own.
                if let Some(preferred) = &prefs.preferred_identity_id
                    && let Some((_, kept)) = part.replaced_by.iter().find(|(dropped, _)| dropped == preferred.as_str())
                {
                    prefs.preferred_identity_id = Some(crate::domain::id::IdentityId::from_stored(kept.clone()));
                }
                merged_prefs.push(prefs);
            }
            ledger.parts.push(part);
        }

        if ledger.survivor_preferences_before.is_some() || !merged_prefs.is_empty() {
            let combined = combine_preferences(preferences::get(&tx, codec, survivor).await?, &merged_prefs);
            preferences::save(&tx, codec, survivor, &combined).await?;
        }
        merges::note_preferences_after(&tx, survivor, &mut ledger).await?;

        // Fill what the survivor lacks: a name, and ACTIVE when it was anonymous.
        if let Some(before) = ledger.survivor_before.clone() {
            if before.display_name.is_none()
                && let Some(name) = merges::name_to_take(&ledger)
            {
                merges::take_name(&tx, codec, survivor, &mut ledger, name).await?;
            }
            let any_known = ledger.parts.iter().any(|p| p.customer.as_ref().is_some_and(|c| c.status == "ACTIVE"));
            if before.status == CustomerStatus::Anonymous.as_str() && any_known {
                customers::promote_if_anonymous(&tx, survivor).await?;
            }
        }

        let mut moved: Vec<CustomerId> = merged.iter().map(|m| m.value.clone()).collect();
        moved.push(survivor.clone());
        activity::rebuild(&tx, &moved).await?;
        self.reindex_in(&tx, &moved).await?; // merged profiles are found as their survivor only

        if let Some(page) = preview {
            let preview = self.preview(&tx, survivor, page).await?;
            rollback(tx).await?;
            return Ok(MergeOutcome::Preview(Box::new(preview)));
        }
        let survivor_now = customers::get_existing(&tx, codec, survivor).await?;
        let merged_ids: Vec<CustomerId> = merged.iter().map(|m| m.value.clone()).collect();
        let merge_id = merges::insert(&tx, codec, survivor, &merged_ids, &actor.subject, &ledger).await?;
        let counts = ledger.counts();
        let details = json!({
            "merge_id": merge_id,
            "merged": merged_ids,
            "identities": counts.identities,
            "interactions": counts.interactions,
            "attribute_conflicts": counts.attribute_conflicts,
        });
        let mut changes = vec![Change::to_customer("customer.merge", survivor, merge_fields()).with_details(details)];
        for id in &merged_ids {
            let details = json!({ "merge_id": merge_id, "survivor": survivor });
            changes.push(Change::to_customer("customer.merged_into", id, vec!["status".into()]).with_details(details));
        }
        self.record(&tx, actor, changes).await?;
        commit(tx).await?;
        tracing::info!(survivor = %survivor, merge_id = %merge_id, by = %actor.subject, "customers merged");
        Ok(MergeOutcome::Merged { survivor: survivor_now, merge_id })
    }

    /// Read the survivor's whole would-be state inside the merge's transaction.
    async fn preview(&self, tx: &DatabaseTransaction, id: &CustomerId, page: HistoryPage) -> Result<MergePreview> {
        let codec = &self.store.codec;
        let ids = std::slice::from_ref(id);
        let history = interactions::latest_for_customers(tx, codec, ids, &page).await?.remove(id).unwrap_or_default();
        Ok(MergePreview {
            survivor: customers::get_existing(tx, codec, id).await?,
            identities: identities::by_customers(tx, codec, ids).await?.remove(id).unwrap_or_default(),
            labels: labels::by_customers(tx, ids).await?.remove(id).unwrap_or_default(),
            preferences: preferences::get(tx, codec, id).await?,
            attributes: attributes::by_customers(tx, codec, ids).await?.remove(id).unwrap_or_default(),
            external_refs: external_refs::by_customers(tx, codec, ids).await?.remove(id).unwrap_or_default(),
            history: (page, history),
        })
    }

    /// Undo a merge: the merged profiles come back with exactly what they brought. Returns
    /// the survivor, then the restored profiles.
    pub async fn unmerge_customer(&self, actor: &Actor, merge_id: &MergeId) -> Result<Vec<Customer>> {
        let tx = self.store.begin_write().await?;
        let codec = &self.store.codec;
        let entry = merges::get(&tx, codec, merge_id).await.on("merge", "mergeId")?;
        if entry.merge.undone_at.is_some() {
            return Err(Error::conflict(Some("mergeId"), "this merge was already undone"));
        }
        let survivor_id = &entry.merge.survivor_id;
        let survivor = customers::touch(&tx, codec, survivor_id, None).await.map_err(|e| match e {
            StoreError::Merged { .. } => {
                Error::conflict(Some("mergeId"), "the survivor was itself merged since; undo that merge first")
            }
            other => other.on("customer", "mergeId"),
        })?;
        merges::undo(&tx, codec, &entry, &survivor).await?;
        merges::mark_undone(&tx, merge_id, &actor.subject).await?;
        let mut ids = vec![survivor_id.clone()];
        ids.extend(entry.merge.merged_ids.iter().cloned());
        activity::rebuild(&tx, &ids).await?;
        self.reindex_in(&tx, &ids).await?;
        let details = json!({ "merge_id": merge_id });
        let mut changes =
            vec![Change::to_customer("customer.unmerge", survivor_id, merge_fields()).with_details(details)];
        for id in &entry.merge.merged_ids {
            let details = json!({ "merge_id": merge_id, "survivor": survivor_id });
            changes.push(Change::to_customer("customer.restored", id, merge_fields()).with_details(details));
        }
        self.record(&tx, actor, changes).await?;
        let mut found = customers::get_many(&tx, codec, &ids).await?;
        commit(tx).await?;
        tracing::info!(merge_id = %merge_id, by = %actor.subject, "merge undone");
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }
}

/// What a merge (or its undoing) changes on a profile.
fn merge_fields() -> Vec<String> {
    ["displayName", "identities", "labels", "attributes", "preferences", "externalRefs", "interactions"]
        .map(String::from)
        .to_vec()
}
