//! Merging profiles, and undoing a merge, at the row level.
//!
//! A merge moves every row of the merged profiles to the survivor and records in the
//! [`Ledger`] exactly what moved (the rows as they were), so that an unmerge can move back
//! what came from each merged profile — and only that: rows added to the survivor after
//! the merge stay with it, except consent records about an identity going back, which
//! follow it. What wins where two rows meet is the domain's rule (`domain::merge`); this
//! module only moves rows and records them.

use super::codec::Aad;
use super::entity::{identity, merge};
use super::error::DbContext;
use super::ledger::{CustomerRow, IdentityRow, Ledger, Part};
use super::{
    PiiCodec, StoreError, StoreResult, attributes, customers, external_refs, interactions, labels, now, outbound,
    preferences,
};
use crate::domain::Channel;
use crate::domain::Pii;
use crate::domain::customer::Customer;
use crate::domain::enums::{CustomerStatus, LabelSource};
use crate::domain::id::{CustomerId, InteractionId, LabelId, MergeId};
use crate::domain::merge::{Merge, stays_primary};
use anyhow::anyhow;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashSet;

async fn identity_rows(db: &impl ConnectionTrait, customer_id: &str) -> StoreResult<Vec<IdentityRow>> {
    let rows = identity::Entity::find()
        .filter(identity::Column::CustomerId.eq(customer_id))
        .all(db)
        .await
        .context("load the identity rows of a customer")?;
    Ok(rows.into_iter().map(IdentityRow::from).collect())
}

fn assignment_row(customer_id: &CustomerId, a: labels::Assignment) -> super::ledger::AssignmentRow {
    super::ledger::AssignmentRow {
        customer_id: customer_id.as_str().to_owned(),
        label_id: a.label_id.into_string(),
        source: a.source.as_str().to_owned(),
        assigned_by: a.assigned_by,
        assigned_at: a.assigned_at,
    }
}

fn assignment(row: &super::ledger::AssignmentRow) -> StoreResult<labels::Assignment> {
    let source = LabelSource::parse(&row.source).ok_or_else(|| anyhow!("unknown assignment source in a ledger"));
    Ok(labels::Assignment {
        label_id: LabelId::from_stored(row.label_id.clone()),
        source: source.context("read a merge ledger")?,
        assigned_by: row.assigned_by.clone(),
        assigned_at: row.assigned_at,
    })
}

/// The survivor's rows a ledger keeps to put it back as it was.
pub async fn survivor_rows(db: &impl ConnectionTrait, survivor: &CustomerId) -> StoreResult<Ledger> {
    let mut ledger = Ledger::new();
    ledger.survivor_before = Some(CustomerRow::from(customers::row(db, survivor).await?));
    ledger.survivor_preferences_before = preferences::row(db, survivor).await?;
    Ok(ledger)
}

/// Move every row of `merged` to `survivor` and mark it MERGED. The survivor's identities,
/// labels and attribute values win over the same ones of the merged profile (those are
/// dropped and kept in the part); a moved identity stays primary only where the survivor
/// has none on its channel. Preferences are removed and returned in the part: combining
/// them is the caller's rule.
pub async fn move_part(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    survivor: &CustomerId,
    merged: &CustomerId,
) -> StoreResult<Part> {
    let mut part = Part { customer: Some(CustomerRow::from(customers::row(db, merged).await?)), ..Part::default() };
    // Read first: deleting a dropped identity would null a preference that points at it.
    part.preferences = preferences::row(db, merged).await?;

    let survivor_idents = identity_rows(db, survivor.as_str()).await?;
    let primary_channels: HashSet<Channel> =
        survivor_idents.iter().filter(|i| i.is_primary).filter_map(|i| i.channel.parse::<Channel>().ok()).collect();
    for row in identity_rows(db, merged.as_str()).await? {
        if let Some(kept) = survivor_idents.iter().find(|i| i.lookup_key == row.lookup_key) {
            part.replaced_by.push((row.id.clone(), kept.id.clone()));
            identity::Entity::delete_by_id(row.id.as_str()).exec(db).await.context("drop a duplicate identity")?;
            part.identities_dropped.push(row);
        } else {
            let channel = row.channel.parse::<Channel>().map_err(|_| anyhow!("unknown channel in identity row"));
            let mut am = row.to_active();
            am.customer_id = Set(survivor.as_str().to_owned());
            am.anonymous_key = Set(None);
            am.is_primary = Set(stays_primary(row.is_primary, channel.context("move an identity")?, &primary_channels));
            am.update(db).await.context("move an identity")?;
            part.identities_moved.push(row);
        }
    }

    let carried: HashSet<LabelId> =
        labels::assignments_of(db, survivor).await?.into_iter().map(|a| a.label_id).collect();
    let theirs = labels::assignments_of(db, merged).await?;
    let ids: Vec<LabelId> = theirs.iter().map(|a| a.label_id.clone()).collect();
    labels::unassign(db, merged, &ids).await?;
    let (dropped, moved): (Vec<_>, Vec<_>) = theirs.into_iter().partition(|a| carried.contains(&a.label_id));
    labels::insert_assignments(db, survivor, &moved).await?;
    part.labels_moved = moved.into_iter().map(|a| assignment_row(merged, a)).collect();
    part.labels_dropped = dropped.into_iter().map(|a| assignment_row(merged, a)).collect();

    let keys: HashSet<String> = attributes::keys_of(db, survivor).await?.into_iter().collect();
    for row in attributes::rows_of(db, merged).await? {
        attributes::delete_row(db, merged.as_str(), &row.key, None).await?;
        if keys.contains(&row.key) {
            part.attributes_lost.push(row); // the survivor wins; the losing value is kept here
        } else {
            let value = attributes::rebind(codec, &row, survivor.as_str()).await?;
            attributes::put_row(
                db,
                &super::ledger::AttributeRow { customer_id: survivor.as_str().to_owned(), value, ..row.clone() },
            )
            .await?;
            part.attributes_moved.push(row);
        }
    }

    if part.preferences.is_some() {
        preferences::delete(db, merged).await?;
    }
    part.consents_moved = outbound::consents::move_all(db, merged, survivor, &part.replaced_by).await?;
    part.suppressions_moved = outbound::suppressions::move_all(db, merged, survivor).await?;
    part.external_refs_moved = external_refs::move_all(db, merged, survivor).await?;
    part.interactions_moved =
        interactions::move_all(db, merged, survivor).await?.into_iter().map(InteractionId::into_string).collect();
    customers::set_status(db, merged, CustomerStatus::Merged, Some(survivor)).await?;
    Ok(part)
}

/// Move back what one merged profile brought, as far as it is still where the merge put it.
async fn restore_part(db: &impl ConnectionTrait, codec: &PiiCodec, survivor: &str, part: &Part) -> StoreResult<()> {
    let Some(original) = &part.customer else { return Ok(()) };
    let to = CustomerId::from_stored(original.id.clone());
    let status = CustomerStatus::parse(&original.status).ok_or_else(|| anyhow!("unknown status in a ledger"));
    customers::set_status(db, &to, status.context("read a merge ledger")?, None).await?;

    for row in &part.identities_moved {
        identity::Entity::update_many()
            .col_expr(identity::Column::CustomerId, Expr::value(to.as_str()))
            .col_expr(identity::Column::IsPrimary, Expr::value(row.is_primary))
            .col_expr(identity::Column::AnonymousKey, Expr::value(row.anonymous_key.clone()))
            .filter(identity::Column::Id.eq(row.id.as_str()))
            .filter(identity::Column::CustomerId.eq(survivor))
            .exec(db)
            .await
            .context("move an identity back")?;
    }
    for row in &part.identities_dropped {
        if identity::Entity::find_by_id(row.id.as_str()).one(db).await.context("look up an identity")?.is_none() {
            identity::Entity::insert(row.to_active()).exec(db).await.context("put back a dropped identity")?;
        }
    }

    let survivor_id = CustomerId::from_stored(survivor.to_owned());
    for row in &part.labels_moved {
        // Still the very assignment the merge moved (not one made after it)? Take it back.
        labels::unassign_exact(db, &survivor_id, &assignment(row)?).await?;
    }
    let mut back = Vec::new();
    for row in part.labels_moved.iter().chain(&part.labels_dropped) {
        let a = assignment(row)?;
        if labels::get(db, &a.label_id).await?.is_some() {
            back.push(a);
        }
    }
    labels::insert_assignments(db, &to, &back).await?;

    for row in &part.attributes_moved {
        attributes::delete_row(db, survivor, &row.key, Some(row)).await?;
    }
    for row in part.attributes_moved.iter().chain(&part.attributes_lost) {
        if attributes::is_defined(db, &row.key).await? {
            attributes::put_row(
                db,
                &super::ledger::AttributeRow { customer_id: to.as_str().to_owned(), ..row.clone() },
            )
            .await?;
        }
    }

    if let Some(p) = &part.preferences {
        preferences::put_row(db, p).await?;
    }
    for row in &part.external_refs_moved {
        external_refs::move_back(db, row, survivor, to.as_str()).await?;
    }
    let identities: Vec<String> = part.identities_moved.iter().map(|i| i.id.clone()).collect();
    let back = (survivor, to.as_str());
    outbound::consents::move_back(db, codec, &part.consents_moved, &part.replaced_by, &identities, back).await?;
    outbound::suppressions::move_back(db, &part.suppressions_moved, survivor, to.as_str()).await?;
    let moved: Vec<InteractionId> = part.interactions_moved.iter().cloned().map(InteractionId::from_stored).collect();
    interactions::move_to(db, &moved, &survivor_id, &to).await
}

/// Undo a merge at the row level: every part in reverse order, then the survivor put back
/// where nothing changed it since the merge (preferences, a name it took, its status).
pub async fn undo(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    entry: &LedgerEntry,
    survivor_now: &Customer,
) -> StoreResult<()> {
    let ledger = &entry.ledger;
    let survivor = &entry.merge.survivor_id;
    for part in ledger.parts.iter().rev() {
        restore_part(db, codec, survivor.as_str(), part).await?;
    }
    if preferences::row(db, survivor).await? == ledger.survivor_preferences_after {
        match &ledger.survivor_preferences_before {
            Some(p) => preferences::put_row(db, p).await?,
            None => preferences::delete(db, survivor).await?,
        }
    }
    let current = customers::row(db, survivor).await?;
    if let Some(taken) = &ledger.display_name_taken
        && current.display_name.as_ref() == Some(taken)
    {
        customers::set_sealed_display_name(db, survivor, None).await?;
    }
    if let Some(before) = &ledger.survivor_before
        && before.status != survivor_now.status.as_str()
        && survivor_now.status == CustomerStatus::Active
    {
        let status = CustomerStatus::parse(&before.status).ok_or_else(|| anyhow!("unknown status in a ledger"));
        customers::restore_status(db, survivor, status.context("read a merge ledger")?).await?;
    }
    Ok(())
}

/// The merged profiles' display name the survivor takes when it has none: the first one
/// (the merged profile's id, and the name as sealed for it).
pub fn name_to_take(ledger: &Ledger) -> Option<(String, String)> {
    ledger.parts.iter().filter_map(|p| p.customer.as_ref()).find_map(|c| Some((c.id.clone(), c.display_name.clone()?)))
}

/// Give the survivor a name taken from a merged profile (re-sealed for the survivor), and
/// note it in the ledger.
pub async fn take_name(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    survivor: &CustomerId,
    ledger: &mut Ledger,
    (from, sealed): (String, String),
) -> StoreResult<()> {
    let (from, to) = (Aad::display_name(&from), Aad::display_name(survivor.as_str()));
    let sealed = codec.reseal(&sealed, from, survivor.as_str(), to).await.context("re-seal a taken name")?;
    customers::set_sealed_display_name(db, survivor, Some(sealed.clone())).await?;
    ledger.display_name_taken = Some(sealed);
    Ok(())
}

/// The survivor's preference row after the merge, for the ledger.
pub async fn note_preferences_after(
    db: &impl ConnectionTrait,
    survivor: &CustomerId,
    ledger: &mut Ledger,
) -> StoreResult<()> {
    ledger.survivor_preferences_after = preferences::row(db, survivor).await?;
    Ok(())
}

/// A merge with the ledger needed to undo it.
#[derive(Clone, Debug)]
pub struct LedgerEntry {
    pub merge: Merge,
    pub ledger: Ledger,
}

async fn decode(codec: &PiiCodec, m: merge::Model) -> StoreResult<LedgerEntry> {
    let text = codec.open(Aad::ledger(&m.id), &m.ledger).await.context("open a merge ledger")?;
    let ledger: Ledger = serde_json::from_str(text.expose()).context("decode a merge ledger")?;
    let merged_ids: Vec<String> = serde_json::from_str(&m.merged_ids).context("decode merged ids")?;
    Ok(LedgerEntry {
        merge: Merge {
            id: MergeId::from_stored(m.id),
            survivor_id: CustomerId::from_stored(m.survivor_id),
            merged_ids: merged_ids.into_iter().map(CustomerId::from_stored).collect(),
            merged_by: m.merged_by,
            merged_at: m.merged_at,
            undone_by: m.undone_by,
            undone_at: m.undone_at,
            moved: ledger.counts(),
        },
        ledger,
    })
}

pub async fn insert(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    survivor: &CustomerId,
    merged_ids: &[CustomerId],
    by: &str,
    ledger: &Ledger,
) -> StoreResult<MergeId> {
    let id = MergeId::generate();
    let text = serde_json::to_string(ledger).context("encode a merge ledger")?;
    let merged: Vec<&str> = merged_ids.iter().map(CustomerId::as_str).collect();
    merge::ActiveModel {
        id: Set(id.as_str().to_owned()),
        survivor_id: Set(survivor.as_str().to_owned()),
        merged_ids: Set(serde_json::to_string(&merged).context("encode merged ids")?),
        merged_by: Set(by.to_owned()),
        merged_at: Set(now()),
        undone_by: Set(None),
        undone_at: Set(None),
        ledger: Set(codec
            .seal(survivor.as_str(), Aad::ledger(id.as_str()), &Pii::new(text))
            .await
            .context("seal a merge ledger")?),
    }
    .insert(db)
    .await
    .context("record a merge")?;
    Ok(id)
}

pub async fn get(db: &impl ConnectionTrait, codec: &PiiCodec, id: &MergeId) -> StoreResult<LedgerEntry> {
    let row = merge::Entity::find_by_id(id.as_str()).one(db).await.context("load a merge")?;
    decode(codec, row.ok_or(StoreError::NotFound)?).await
}

/// Merges into each of these survivors, newest first.
pub async fn by_survivors(db: &impl ConnectionTrait, codec: &PiiCodec, ids: &[CustomerId]) -> StoreResult<Vec<Merge>> {
    let rows = merge::Entity::find()
        .filter(merge::Column::SurvivorId.is_in(ids.iter().map(|id| id.as_str().to_owned())))
        .order_by_desc(merge::Column::MergedAt)
        .order_by_desc(merge::Column::Id)
        .all(db)
        .await
        .context("load the merges of customers")?;
    codec.prefetch(rows.iter().map(|m| m.ledger.as_str())).await.context("load data keys")?;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        out.push(decode(codec, m).await?.merge);
    }
    Ok(out)
}

pub async fn mark_undone(db: &impl ConnectionTrait, id: &MergeId, by: &str) -> StoreResult<()> {
    merge::Entity::update_many()
        .col_expr(merge::Column::UndoneBy, Expr::value(by))
        .col_expr(merge::Column::UndoneAt, Expr::value(now()))
        .filter(merge::Column::Id.eq(id.as_str()))
        .exec(db)
        .await
        .context("mark a merge undone")?;
    Ok(())
}
