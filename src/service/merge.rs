//! Merging profiles (a web visitor who logs in, duplicates found by an agent), undoing a
//! merge, and re-linking an interaction. Each is one transaction, audited.

use super::Services;
use crate::domain::enums::{ConsentStatus, CustomerStatus};
use crate::domain::id::parse_id;
use crate::domain::preference::ChannelConsent;
use crate::domain::{Error, Principal, Result};
use crate::store::entity::customer;
use crate::store::merges::{self, Ledger, MergeRecord};
use crate::store::{CustomerRecord, InteractionRecord, PreferenceRecord, audit, customers, interactions, preferences};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde_json::json;

/// The outcome of a merge: the survivor after it, and the ledger record (for unmerge).
pub struct MergeOutcome {
    pub survivor: CustomerRecord,
    pub merge_id: Option<String>,
    /// Open only for a dry run: the caller reads the would-be state, then drops it.
    pub dry_run: Option<DatabaseTransaction>,
}

impl Services {
    pub async fn merge_customers(
        &self,
        principal: &Principal,
        survivor_id: &str,
        merged_ids: &[async_graphql::ID],
        dry_run: bool,
    ) -> Result<MergeOutcome> {
        let survivor_id = parse_id("survivorId", survivor_id)?;
        if merged_ids.is_empty() {
            return Err(Error::bad_input("mergedIds", "name at least one profile to merge"));
        }
        let mut ids: Vec<String> = Vec::with_capacity(merged_ids.len());
        for (i, raw) in merged_ids.iter().enumerate() {
            let field = format!("mergedIds.{i}");
            let id = parse_id(&field, raw)?;
            if id == survivor_id {
                return Err(Error::bad_input(field, "a customer cannot be merged into itself"));
            }
            if ids.contains(&id) {
                return Err(Error::bad_input(field, "the same customer is named twice"));
            }
            ids.push(id);
        }

        let tx = self.store.begin_write().await?;
        let codec = &self.store.pii;
        // Lock (and version) every profile involved, in id order so merges cannot deadlock.
        let mut all = ids.clone();
        all.push(survivor_id.clone());
        all.sort();
        for id in &all {
            let field = if *id == survivor_id {
                "survivorId".to_owned()
            } else {
                format!("mergedIds.{}", ids.iter().position(|x| x == id).unwrap_or_default())
            };
            customers::touch(&tx, codec, id, None).await.map_err(|e| rename(e, &field))?;
        }
        let survivor_before = customer::Entity::find_by_id(survivor_id.clone()).one(&tx).await?;
        let mut ledger = Ledger { survivor_before: survivor_before.clone(), ..Default::default() };
        let prefs_before = customer_prefs_row(&tx, &survivor_id).await?;
        ledger.survivor_preferences_before = prefs_before.clone();

        let mut merged_prefs = Vec::new();
        for id in &ids {
            let model =
                customer::Entity::find_by_id(id.clone()).one(&tx).await?.ok_or_else(|| anyhow::anyhow!("vanished"))?;
            let part = merges::move_part(&tx, &survivor_id, model).await?;
            if let Some(p) = &part.preferences {
                let mut prefs = preferences::decode(p.clone())?;
                // A preferred identity the survivor already held is now the survivor's own.
                if let Some((_, kept)) =
                    part.replaced_by.iter().find(|(dropped, _)| Some(dropped) == prefs.preferred_identity_id.as_ref())
                {
                    prefs.preferred_identity_id = Some(kept.clone());
                }
                merged_prefs.push(prefs);
            }
            ledger.parts.push(part);
        }

        let survivor_prefs = preferences::get(&tx, &survivor_id).await?;
        if prefs_before.is_some() || !merged_prefs.is_empty() {
            let combined = combine_preferences(survivor_prefs, &merged_prefs);
            preferences::save(&tx, &survivor_id, &combined).await?;
        }
        ledger.survivor_preferences_after = customer_prefs_row(&tx, &survivor_id).await?;

        // Fill what the survivor lacks: a name, and ACTIVE when it was anonymous.
        if let Some(before) = &survivor_before {
            if before.display_name.is_none() {
                let name = ledger.parts.iter().filter_map(|p| p.customer.as_ref()?.display_name.clone()).next();
                if let Some(name) = name {
                    customer::Entity::update_many()
                        .col_expr(customer::Column::DisplayName, Expr::value(name.clone()))
                        .filter(customer::Column::Id.eq(survivor_id.as_str()))
                        .exec(&tx)
                        .await?;
                    ledger.display_name_taken = Some(name);
                }
            }
            let any_known = ledger.parts.iter().any(|p| p.customer.as_ref().is_some_and(|c| c.status == "ACTIVE"));
            if before.status == CustomerStatus::Anonymous.as_str() && any_known {
                customers::promote_if_anonymous(&tx, &survivor_id).await?;
            }
        }

        let survivor = customers::get(&tx, codec, &survivor_id).await?.ok_or_else(|| anyhow::anyhow!("vanished"))?;
        if dry_run {
            return Ok(MergeOutcome { survivor, merge_id: None, dry_run: Some(tx) });
        }
        let merge_id = merges::insert(&tx, codec, &survivor_id, &ids, &principal.subject, &ledger).await?;
        let counts = json!({
            "merge_id": merge_id,
            "merged": ids,
            "identities": ledger.parts.iter().map(|p| p.identities_moved.len() + p.identities_dropped.len()).sum::<usize>(),
            "interactions": ledger.parts.iter().map(|p| p.interactions_moved.len()).sum::<usize>(),
            "attribute_conflicts": ledger.parts.iter().map(|p| p.attributes_lost.len()).sum::<usize>(),
        });
        audit::record(&tx, &principal.subject, "customers.merge", &survivor_id, counts.clone()).await?;
        for id in &ids {
            audit::record(
                &tx,
                &principal.subject,
                "customers.merged_into",
                id,
                json!({ "merge_id": merge_id, "survivor": survivor_id }),
            )
            .await?;
        }
        tx.commit().await?;
        tracing::info!(survivor = %survivor_id, merge_id = %merge_id, by = %principal.subject, "customers merged");
        Ok(MergeOutcome { survivor, merge_id: Some(merge_id), dry_run: None })
    }

    /// Undo a merge: the merged profiles come back with exactly what they brought.
    pub async fn unmerge_customer(&self, principal: &Principal, merge_id: &str) -> Result<Vec<CustomerRecord>> {
        let merge_id = parse_id("mergeId", merge_id)?;
        let tx = self.store.begin_write().await?;
        let codec = &self.store.pii;
        let Some(record) = merges::get(&tx, codec, &merge_id).await? else {
            return Err(Error::not_found("merge", "mergeId"));
        };
        if record.undone_at.is_some() {
            return Err(Error::conflict(Some("mergeId"), "this merge was already undone"));
        }
        let survivor = customers::touch(&tx, codec, &record.survivor_id, None).await.map_err(|e| match e {
            Error::Conflict { .. } => {
                Error::conflict(Some("mergeId"), "the survivor was itself merged since; undo that merge first")
            }
            other => other,
        })?;
        for part in record.ledger.parts.iter().rev() {
            merges::restore_part(&tx, &record.survivor_id, part).await?;
        }
        restore_survivor(&tx, &record, &survivor).await?;
        merges::mark_undone(&tx, &merge_id, &principal.subject).await?;
        audit::record(
            &tx,
            &principal.subject,
            "customers.unmerge",
            &record.survivor_id,
            json!({ "merge_id": merge_id }),
        )
        .await?;
        let mut ids = vec![record.survivor_id.clone()];
        ids.extend(record.merged_ids.iter().cloned());
        let found = customers::get_many(&tx, codec, &ids).await?;
        tx.commit().await?;
        tracing::info!(merge_id = %merge_id, by = %principal.subject, "merge undone");
        Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
    }

    /// Move an interaction to another profile (e.g. the visitor turned out to be a known customer).
    pub async fn relink_interaction(
        &self,
        principal: &Principal,
        interaction_id: &str,
        to: &str,
    ) -> Result<InteractionRecord> {
        let interaction_id = parse_id("interactionId", interaction_id)?;
        let to = parse_id("toCustomerId", to)?;
        let tx = self.store.begin_write().await?;
        let codec = &self.store.pii;
        let Some(current) =
            interactions::by_ids(&tx, std::slice::from_ref(&interaction_id)).await?.remove(&interaction_id)
        else {
            return Err(Error::not_found("interaction", "interactionId"));
        };
        if current.customer_id != to {
            let mut pair = [current.customer_id.clone(), to.clone()];
            pair.sort();
            for id in &pair {
                let field = if *id == to { "toCustomerId" } else { "interactionId" };
                customers::touch(&tx, codec, id, None).await.map_err(|e| rename(e, field))?;
            }
            interactions::move_to(&tx, &interaction_id, &to).await?;
            audit::record(
                &tx,
                &principal.subject,
                "interaction.relink",
                &interaction_id,
                json!({ "from": current.customer_id, "to": to }),
            )
            .await?;
        }
        let moved = interactions::by_ids(&tx, std::slice::from_ref(&interaction_id))
            .await?
            .remove(&interaction_id)
            .ok_or_else(|| anyhow::anyhow!("vanished"))?;
        tx.commit().await?;
        Ok(moved)
    }
}

async fn customer_prefs_row(
    tx: &DatabaseTransaction,
    customer_id: &str,
) -> Result<Option<crate::store::entity::preference::Model>> {
    Ok(crate::store::entity::preference::Entity::find_by_id(customer_id.to_owned()).one(tx).await?)
}

/// Put the survivor back as it was before the merge, where nothing changed it since.
async fn restore_survivor(tx: &DatabaseTransaction, record: &MergeRecord, now_survivor: &CustomerRecord) -> Result<()> {
    let ledger = &record.ledger;
    let current_prefs = customer_prefs_row(tx, &record.survivor_id).await?;
    if current_prefs == ledger.survivor_preferences_after {
        match &ledger.survivor_preferences_before {
            Some(p) => preferences::save_row(tx, p.clone()).await?,
            None => {
                crate::store::entity::preference::Entity::delete_by_id(record.survivor_id.clone()).exec(tx).await?;
            }
        }
    }
    let current = customer::Entity::find_by_id(record.survivor_id.clone()).one(tx).await?;
    if let (Some(taken), Some(current)) = (&ledger.display_name_taken, &current)
        && current.display_name.as_ref() == Some(taken)
    {
        customer::Entity::update_many()
            .col_expr(customer::Column::DisplayName, Expr::value(Option::<String>::None))
            .filter(customer::Column::Id.eq(record.survivor_id.as_str()))
            .exec(tx)
            .await?;
    }
    if let Some(before) = &ledger.survivor_before
        && before.status != now_survivor.status.as_str()
        && now_survivor.status == CustomerStatus::Active
    {
        customer::Entity::update_many()
            .col_expr(customer::Column::Status, Expr::value(before.status.as_str()))
            .filter(customer::Column::Id.eq(record.survivor_id.as_str()))
            .exec(tx)
            .await?;
    }
    Ok(())
}

/// Survivor wins field by field, filling what it lacks from the merged profiles in order;
/// for consent the strictest wins (OPT_OUT over UNKNOWN over OPT_IN), and do-not-contact
/// anywhere stays do-not-contact.
pub fn combine_preferences(survivor: PreferenceRecord, merged: &[PreferenceRecord]) -> PreferenceRecord {
    fn strictness(s: ConsentStatus) -> u8 {
        match s {
            ConsentStatus::OptOut => 2,
            ConsentStatus::Unknown => 1,
            ConsentStatus::OptIn => 0,
        }
    }
    let mut out = survivor;
    for m in merged {
        out.language = out.language.or_else(|| m.language.clone());
        out.timezone = out.timezone.or_else(|| m.timezone.clone());
        out.preferred_channel = out.preferred_channel.or(m.preferred_channel);
        out.preferred_identity_id = out.preferred_identity_id.or_else(|| m.preferred_identity_id.clone());
        out.preferred_agent_id = out.preferred_agent_id.or_else(|| m.preferred_agent_id.clone());
        if out.best_time_to_contact.is_empty() {
            out.best_time_to_contact = m.best_time_to_contact.clone();
        }
        out.do_not_contact |= m.do_not_contact;
        for c in &m.consents {
            match out.consents.iter_mut().find(|o| o.channel == c.channel) {
                Some(o) if strictness(c.status) > strictness(o.status) => *o = c.clone(),
                Some(_) => {}
                None => out.consents.push(ChannelConsent { ..c.clone() }),
            }
        }
    }
    out.consents.sort_by_key(|c| c.channel.as_str());
    out
}

fn rename(err: Error, field: &str) -> Error {
    match err {
        Error::NotFound { entity, .. } => Error::NotFound { entity, field: field.to_owned() },
        Error::Conflict { message, .. } => Error::Conflict { field: Some(field.to_owned()), message },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Channel;
    use chrono::Utc;

    fn consent(channel: Channel, status: ConsentStatus) -> ChannelConsent {
        ChannelConsent { channel, status, updated_at: Utc::now(), source: None }
    }

    #[test]
    fn the_strictest_consent_and_any_do_not_contact_win() {
        let survivor = PreferenceRecord {
            language: Some("en".into()),
            consents: vec![consent(Channel::Sms, ConsentStatus::OptIn), consent(Channel::Email, ConsentStatus::OptOut)],
            ..Default::default()
        };
        let a = PreferenceRecord {
            language: Some("ur".into()),
            timezone: Some("Asia/Karachi".into()),
            do_not_contact: true,
            consents: vec![consent(Channel::Sms, ConsentStatus::OptOut), consent(Channel::Email, ConsentStatus::OptIn)],
            ..Default::default()
        };
        let b =
            PreferenceRecord { consents: vec![consent(Channel::Whatsapp, ConsentStatus::OptIn)], ..Default::default() };
        let out = combine_preferences(survivor, &[a, b]);
        assert_eq!(out.language.as_deref(), Some("en"), "the survivor wins");
        assert_eq!(out.timezone.as_deref(), Some("Asia/Karachi"), "gaps are filled");
        assert!(out.do_not_contact);
        let statuses: Vec<(Channel, ConsentStatus)> = out.consents.iter().map(|c| (c.channel, c.status)).collect();
        assert_eq!(
            statuses,
            [
                (Channel::Email, ConsentStatus::OptOut),
                (Channel::Sms, ConsentStatus::OptOut),
                (Channel::Whatsapp, ConsentStatus::OptIn)
            ]
        );
    }
}
