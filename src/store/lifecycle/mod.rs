//! The data lifecycle at the row level: which rows belong to a person (a profile and every
//! profile merged into it, and the merge ledgers that mention them), erasing them, legal
//! holds, the retention purges, and removing an identity's sealed copies from ledgers.
//! See `docs/decisions/0010-data-lifecycle.md`.

pub mod export;
pub mod holds;
pub mod retention;
pub mod scrub;

use super::entity::{
    anomaly_observation, customer, customer_attribute, customer_label, external_ref, identity, interaction, merge,
    preference,
};
use super::error::DbContext;
use super::{StoreResult, now};
use crate::domain::enums::CustomerStatus;
use crate::domain::id::CustomerId;
use crate::domain::lifecycle::ErasedCounts;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QuerySelect};
use std::collections::BTreeSet;

fn keys(ids: &[CustomerId]) -> Vec<String> {
    ids.iter().map(|id| id.as_str().to_owned()).collect()
}

/// `root` and every profile merged into it, directly or through another merged profile
/// (an undone merge clears `merged_into`, so only current merges count). Root first.
pub async fn merged_into_closure(db: &impl ConnectionTrait, root: &CustomerId) -> StoreResult<Vec<CustomerId>> {
    let mut all = vec![root.clone()];
    let mut frontier = vec![root.as_str().to_owned()];
    while !frontier.is_empty() {
        let found: Vec<String> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .filter(customer::Column::MergedInto.is_in(frontier))
            .into_tuple()
            .all(db)
            .await
            .context("find the profiles merged into a profile")?;
        frontier = found.into_iter().filter(|id| !all.iter().any(|a| a.as_str() == id)).collect();
        all.extend(frontier.iter().cloned().map(CustomerId::from_stored));
    }
    Ok(all)
}

/// The condition "this merge mentions one of `ids`" (as survivor or as a merged profile;
/// `merged_ids` is a JSON array of UUIDs, so a substring match is exact).
fn mentions(ids: &[String]) -> Condition {
    let mut cond = Condition::any().add(merge::Column::SurvivorId.is_in(ids.to_vec()));
    for id in ids {
        cond = cond.add(merge::Column::MergedIds.like(format!("%\"{id}\"%")));
    }
    cond
}

/// The merges (undone ones too) whose ledger mentions one of `ids`: (merge id, survivor,
/// merged ids).
pub async fn ledgers_mentioning(
    db: &impl ConnectionTrait,
    ids: &[CustomerId],
) -> StoreResult<Vec<(String, String, Vec<String>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, String)> = merge::Entity::find()
        .select_only()
        .column(merge::Column::Id)
        .column(merge::Column::SurvivorId)
        .column(merge::Column::MergedIds)
        .filter(mentions(&keys(ids)))
        .into_tuple()
        .all(db)
        .await
        .context("find the merges that mention profiles")?;
    rows.into_iter()
        .map(|(id, survivor, merged)| {
            let merged: Vec<String> = serde_json::from_str(&merged).context("decode merged ids")?;
            Ok((id, survivor, merged))
        })
        .collect()
}

/// Every profile connected to `id` through merges, undone ones included: whose ledgers can
/// hold copies of its rows.
pub async fn merge_family(db: &impl ConnectionTrait, id: &CustomerId) -> StoreResult<Vec<CustomerId>> {
    let mut family: BTreeSet<String> = BTreeSet::from([id.as_str().to_owned()]);
    loop {
        let ids: Vec<CustomerId> = family.iter().cloned().map(CustomerId::from_stored).collect();
        let before = family.len();
        for (_, survivor, merged) in ledgers_mentioning(db, &ids).await? {
            family.insert(survivor);
            family.extend(merged);
        }
        if family.len() == before {
            return Ok(ids);
        }
    }
}

/// The lookup keys (blind indexes) of the identities of `ids`.
pub async fn lookup_keys_of(db: &impl ConnectionTrait, ids: &[CustomerId]) -> StoreResult<Vec<String>> {
    identity::Entity::find()
        .select_only()
        .column(identity::Column::LookupKey)
        .filter(identity::Column::CustomerId.is_in(keys(ids)))
        .into_tuple()
        .all(db)
        .await
        .context("read the lookup keys of profiles")
}

/// Erase the profiles `ids` (a profile and those merged into it) and delete the merge
/// ledgers `merges`: every row holding their data is deleted, their interactions stay
/// (other systems refer to them) without free text, their consent records stay without
/// their proof, and each profile row becomes a tombstone (`ERASED`, no name, not merged
/// into anything).
pub async fn erase(db: &impl ConnectionTrait, ids: &[CustomerId], merges: &[String]) -> StoreResult<ErasedCounts> {
    // Outbound records (decision 0015): suppressions go, consent records lose their proof.
    let suppressions = super::outbound::suppressions::delete_of(db, ids).await?;
    let consent_records_stripped = super::outbound::consents::strip_proofs(db, ids).await?;
    let ids = keys(ids);
    // Preferences first: they refer to identities.
    let preferences = preference::Entity::delete_many()
        .filter(preference::Column::CustomerId.is_in(ids.clone()))
        .exec(db)
        .await
        .context("erase preferences")?
        .rows_affected;
    let identities = identity::Entity::delete_many()
        .filter(identity::Column::CustomerId.is_in(ids.clone()))
        .exec(db)
        .await
        .context("erase identities")?
        .rows_affected;
    let labels = customer_label::Entity::delete_many()
        .filter(customer_label::Column::CustomerId.is_in(ids.clone()))
        .exec(db)
        .await
        .context("erase label assignments")?
        .rows_affected;
    let attributes = customer_attribute::Entity::delete_many()
        .filter(customer_attribute::Column::CustomerId.is_in(ids.clone()))
        .exec(db)
        .await
        .context("erase attribute values")?
        .rows_affected;
    let external_refs = external_ref::Entity::delete_many()
        .filter(external_ref::Column::CustomerId.is_in(ids.clone()))
        .exec(db)
        .await
        .context("erase external references")?
        .rows_affected;
    let interactions_scrubbed = interaction::Entity::update_many()
        .col_expr(interaction::Column::Summary, Expr::value(Option::<String>::None))
        .filter(interaction::Column::CustomerId.is_in(ids.clone()))
        .exec(db)
        .await
        .context("remove the free text of interactions")?
        .rows_affected;
    // The metadata of their interactions (sealed free-form JSON) goes with the free text;
    // the routing signals of a tombstone mean nothing.
    let of_theirs = sea_orm::sea_query::Query::select()
        .column(interaction::Column::Id)
        .from(interaction::Entity)
        .and_where(interaction::Column::CustomerId.is_in(ids.clone()))
        .to_owned();
    super::entity::interaction_metadata::Entity::delete_many()
        .filter(super::entity::interaction_metadata::Column::InteractionId.in_subquery(of_theirs))
        .exec(db)
        .await
        .context("erase the metadata of interactions")?;
    super::entity::customer_activity::Entity::delete_many()
        .filter(super::entity::customer_activity::Column::CustomerId.is_in(ids.clone()))
        .exec(db)
        .await
        .context("erase routing signals")?;
    super::entity::customer_activity_day::Entity::delete_many()
        .filter(super::entity::customer_activity_day::Column::CustomerId.is_in(ids.clone()))
        .exec(db)
        .await
        .context("erase routing signal counts")?;
    let mut merge_ledgers = 0;
    if !merges.is_empty() {
        merge_ledgers = merge::Entity::delete_many()
            .filter(merge::Column::Id.is_in(merges.to_vec()))
            .exec(db)
            .await
            .context("erase merge ledgers")?
            .rows_affected;
    }
    customer::Entity::update_many()
        .col_expr(customer::Column::Status, Expr::value(CustomerStatus::Erased.as_str()))
        .col_expr(customer::Column::DisplayName, Expr::value(Option::<String>::None))
        .col_expr(customer::Column::MergedInto, Expr::value(Option::<String>::None))
        .col_expr(customer::Column::Version, Expr::col(customer::Column::Version).add(1))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now()))
        .filter(customer::Column::Id.is_in(ids))
        .exec(db)
        .await
        .context("leave tombstones of erased profiles")?;
    Ok(ErasedCounts {
        identities,
        attributes,
        labels,
        preferences,
        external_refs,
        interactions_scrubbed,
        merge_ledgers,
        consent_records_stripped,
        suppressions,
    })
}

/// Forget the anomaly detector's counters about these items (profile ids, digests of
/// lookup keys): derived from the person's identifiers, so erased with them.
pub async fn forget_observations(db: &impl ConnectionTrait, items: Vec<String>) -> StoreResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    anomaly_observation::Entity::delete_many()
        .filter(anomaly_observation::Column::Item.is_in(items))
        .exec(db)
        .await
        .context("forget the anomaly counters of erased profiles")?;
    Ok(())
}
