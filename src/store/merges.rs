//! Merging profiles, and undoing a merge, at the row level.
//!
//! A merge moves every row of the merged profiles to the survivor and writes a ledger
//! of exactly what moved (the original rows), so that an unmerge can move back what came
//! from each merged profile — and only that: rows added to the survivor after the merge
//! stay with it. The ledger holds identity values, so it is stored sealed by the PII seam.

use super::entity::{
    customer, customer_attribute as attr, customer_label, external_ref, identity, interaction, merge, preference,
};
use super::{Pii, PiiCodec, now};
use crate::domain::Result;
use crate::domain::enums::CustomerStatus;
use anyhow::Context as _;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Everything one merged profile brought to the survivor.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Part {
    pub customer: Option<customer::Model>,
    pub identities_moved: Vec<identity::Model>,
    /// Identities the survivor already held: deleted, kept here.
    pub identities_dropped: Vec<identity::Model>,
    /// (dropped identity id, the survivor's identity with the same identifier).
    #[serde(default)]
    pub replaced_by: Vec<(String, String)>,
    pub labels_moved: Vec<customer_label::Model>,
    /// Labels the survivor already carried.
    pub labels_dropped: Vec<customer_label::Model>,
    pub attributes_moved: Vec<attr::Model>,
    /// Values that lost to the survivor's value for the same key.
    pub attributes_lost: Vec<attr::Model>,
    pub preferences: Option<preference::Model>,
    pub external_refs_moved: Vec<external_ref::Model>,
    pub interactions_moved: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Ledger {
    pub survivor_before: Option<customer::Model>,
    pub survivor_preferences_before: Option<preference::Model>,
    pub survivor_preferences_after: Option<preference::Model>,
    /// The survivor's display name after the merge, when it was taken from a merged profile.
    pub display_name_taken: Option<String>,
    pub parts: Vec<Part>,
}

/// Move every row of `merged` to `survivor_id` and mark it MERGED.
pub async fn move_part(db: &impl ConnectionTrait, survivor_id: &str, merged: customer::Model) -> Result<Part> {
    let mut part = Part::default();
    let from = merged.id.clone();
    // Read first: deleting a dropped identity would null a preference that points at it.
    part.preferences = preference::Entity::find_by_id(from.clone()).one(db).await?;

    let survivor_idents = identity::Entity::find().filter(identity::Column::CustomerId.eq(survivor_id)).all(db).await?;
    let primary_channels: HashSet<String> =
        survivor_idents.iter().filter(|i| i.is_primary).map(|i| i.channel.clone()).collect();
    for m in identity::Entity::find().filter(identity::Column::CustomerId.eq(from.as_str())).all(db).await? {
        if let Some(kept) = survivor_idents.iter().find(|i| i.lookup_key == m.lookup_key) {
            part.replaced_by.push((m.id.clone(), kept.id.clone()));
            identity::Entity::delete_by_id(m.id.clone()).exec(db).await?;
            part.identities_dropped.push(m);
        } else {
            let mut am = m.clone().into_active_model();
            am.customer_id = Set(survivor_id.to_owned());
            am.anonymous_key = Set(None);
            am.is_primary = Set(m.is_primary && !primary_channels.contains(&m.channel));
            am.update(db).await?;
            part.identities_moved.push(m);
        }
    }

    let carried: HashSet<String> = customer_label::Entity::find()
        .filter(customer_label::Column::CustomerId.eq(survivor_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.label_id)
        .collect();
    for m in customer_label::Entity::find().filter(customer_label::Column::CustomerId.eq(from.as_str())).all(db).await?
    {
        let this = customer_label::Entity::delete_many()
            .filter(customer_label::Column::CustomerId.eq(from.as_str()))
            .filter(customer_label::Column::LabelId.eq(m.label_id.as_str()));
        this.exec(db).await?;
        if carried.contains(&m.label_id) {
            part.labels_dropped.push(m);
        } else {
            insert_assignment(db, survivor_id, &m).await?;
            part.labels_moved.push(m);
        }
    }

    let keys: HashSet<String> = attr::Entity::find()
        .filter(attr::Column::CustomerId.eq(survivor_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.key)
        .collect();
    for m in attr::Entity::find().filter(attr::Column::CustomerId.eq(from.as_str())).all(db).await? {
        attr::Entity::delete_many()
            .filter(attr::Column::CustomerId.eq(from.as_str()))
            .filter(attr::Column::Key.eq(m.key.as_str()))
            .exec(db)
            .await?;
        if keys.contains(&m.key) {
            part.attributes_lost.push(m); // the survivor wins; the losing value is kept here
        } else {
            insert_attribute(db, survivor_id, &m).await?;
            part.attributes_moved.push(m);
        }
    }

    if part.preferences.is_some() {
        preference::Entity::delete_by_id(from.clone()).exec(db).await?;
    }

    part.external_refs_moved =
        external_ref::Entity::find().filter(external_ref::Column::CustomerId.eq(from.as_str())).all(db).await?;
    external_ref::Entity::update_many()
        .col_expr(external_ref::Column::CustomerId, Expr::value(survivor_id))
        .filter(external_ref::Column::CustomerId.eq(from.as_str()))
        .exec(db)
        .await?;

    part.interactions_moved = interaction::Entity::find()
        .select_only()
        .column(interaction::Column::Id)
        .filter(interaction::Column::CustomerId.eq(from.as_str()))
        .order_by_asc(interaction::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    interaction::Entity::update_many()
        .col_expr(interaction::Column::CustomerId, Expr::value(survivor_id))
        .filter(interaction::Column::CustomerId.eq(from.as_str()))
        .exec(db)
        .await?;

    customer::Entity::update_many()
        .col_expr(customer::Column::Status, Expr::value(CustomerStatus::Merged.as_str()))
        .col_expr(customer::Column::MergedInto, Expr::value(survivor_id))
        .col_expr(customer::Column::Version, Expr::col(customer::Column::Version).add(1))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now()))
        .filter(customer::Column::Id.eq(from.as_str()))
        .exec(db)
        .await?;
    part.customer = Some(merged);
    Ok(part)
}

async fn insert_assignment(db: &impl ConnectionTrait, customer_id: &str, m: &customer_label::Model) -> Result<()> {
    let row = customer_label::ActiveModel {
        customer_id: Set(customer_id.to_owned()),
        label_id: Set(m.label_id.clone()),
        source: Set(m.source.clone()),
        assigned_by: Set(m.assigned_by.clone()),
        assigned_at: Set(m.assigned_at),
    };
    customer_label::Entity::insert(row)
        .on_conflict_do_nothing_on([customer_label::Column::CustomerId, customer_label::Column::LabelId])
        .exec(db)
        .await?;
    Ok(())
}

async fn insert_attribute(db: &impl ConnectionTrait, customer_id: &str, m: &attr::Model) -> Result<()> {
    super::attributes::upsert_row(db, attr::Model { customer_id: customer_id.to_owned(), ..m.clone() }).await
}

/// Move back what one merged profile brought, as far as it is still where the merge put it.
pub async fn restore_part(db: &impl ConnectionTrait, survivor_id: &str, part: &Part) -> Result<()> {
    let Some(original) = &part.customer else { return Ok(()) };
    let to = original.id.as_str();
    customer::Entity::update_many()
        .col_expr(customer::Column::Status, Expr::value(original.status.as_str()))
        .col_expr(customer::Column::MergedInto, Expr::value(Option::<String>::None))
        .col_expr(customer::Column::Version, Expr::col(customer::Column::Version).add(1))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now()))
        .filter(customer::Column::Id.eq(to))
        .exec(db)
        .await?;

    for m in &part.identities_moved {
        let mut update = identity::Entity::update_many()
            .col_expr(identity::Column::CustomerId, Expr::value(to))
            .col_expr(identity::Column::IsPrimary, Expr::value(m.is_primary))
            .col_expr(identity::Column::AnonymousKey, Expr::value(m.anonymous_key.clone()))
            .filter(identity::Column::Id.eq(m.id.as_str()));
        update = update.filter(identity::Column::CustomerId.eq(survivor_id));
        update.exec(db).await?;
    }
    for m in &part.identities_dropped {
        if identity::Entity::find_by_id(m.id.clone()).one(db).await?.is_none() {
            let mut am = m.clone().into_active_model();
            am.id = Set(m.id.clone());
            am.customer_id = Set(to.to_owned());
            am.channel = Set(m.channel.clone());
            am.provider = Set(m.provider.clone());
            am.value = Set(m.value.clone());
            am.lookup_key = Set(m.lookup_key.clone());
            am.verified = Set(m.verified);
            am.is_primary = Set(m.is_primary);
            am.shared = Set(m.shared);
            am.anonymous_key = Set(m.anonymous_key.clone());
            am.created_at = Set(m.created_at);
            identity::Entity::insert(am).exec(db).await?;
        }
    }

    for m in &part.labels_moved {
        // Still the very assignment the merge moved (not one made after it)? Take it back.
        customer_label::Entity::delete_many()
            .filter(customer_label::Column::CustomerId.eq(survivor_id))
            .filter(customer_label::Column::LabelId.eq(m.label_id.as_str()))
            .filter(customer_label::Column::AssignedAt.eq(m.assigned_at))
            .filter(customer_label::Column::AssignedBy.eq(m.assigned_by.as_str()))
            .exec(db)
            .await?;
    }
    for m in part.labels_moved.iter().chain(&part.labels_dropped) {
        if super::entity::label::Entity::find_by_id(m.label_id.clone()).one(db).await?.is_some() {
            insert_assignment(db, to, m).await?;
        }
    }

    for m in &part.attributes_moved {
        attr::Entity::delete_many()
            .filter(attr::Column::CustomerId.eq(survivor_id))
            .filter(attr::Column::Key.eq(m.key.as_str()))
            .filter(attr::Column::Value.eq(m.value.as_str()))
            .filter(attr::Column::UpdatedAt.eq(m.updated_at))
            .exec(db)
            .await?;
    }
    for m in part.attributes_moved.iter().chain(&part.attributes_lost) {
        if super::entity::attribute_definition::Entity::find_by_id(m.key.clone()).one(db).await?.is_some() {
            insert_attribute(db, to, m).await?;
        }
    }

    if let Some(p) = &part.preferences {
        super::preferences::save_row(db, p.clone()).await?;
    }
    for m in &part.external_refs_moved {
        external_ref::Entity::update_many()
            .col_expr(external_ref::Column::CustomerId, Expr::value(to))
            .filter(external_ref::Column::Id.eq(m.id.as_str()))
            .filter(external_ref::Column::CustomerId.eq(survivor_id))
            .exec(db)
            .await?;
    }
    interaction::Entity::update_many()
        .col_expr(interaction::Column::CustomerId, Expr::value(to))
        .filter(interaction::Column::Id.is_in(part.interactions_moved.iter().cloned()))
        .filter(interaction::Column::CustomerId.eq(survivor_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A merge as recorded in the ledger.
#[derive(Clone, Debug)]
pub struct MergeRecord {
    pub id: String,
    pub survivor_id: String,
    pub merged_ids: Vec<String>,
    pub merged_by: String,
    pub merged_at: chrono::DateTime<chrono::Utc>,
    pub undone_by: Option<String>,
    pub undone_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ledger: Ledger,
}

fn decode(codec: &PiiCodec, m: merge::Model) -> Result<MergeRecord> {
    let ledger = serde_json::from_str(codec.open(m.ledger)?.expose()).context("Failed to decode a merge ledger")?;
    Ok(MergeRecord {
        merged_ids: serde_json::from_str(&m.merged_ids).context("Failed to decode merged ids")?,
        id: m.id,
        survivor_id: m.survivor_id,
        merged_by: m.merged_by,
        merged_at: m.merged_at,
        undone_by: m.undone_by,
        undone_at: m.undone_at,
        ledger,
    })
}

pub async fn insert(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    survivor_id: &str,
    merged_ids: &[String],
    by: &str,
    ledger: &Ledger,
) -> Result<String> {
    let id = crate::domain::id::new_id();
    let text = serde_json::to_string(ledger).context("Failed to encode the merge ledger")?;
    merge::ActiveModel {
        id: Set(id.clone()),
        survivor_id: Set(survivor_id.to_owned()),
        merged_ids: Set(serde_json::to_string(merged_ids).context("Failed to encode merged ids")?),
        merged_by: Set(by.to_owned()),
        merged_at: Set(now()),
        undone_by: Set(None),
        undone_at: Set(None),
        ledger: Set(codec.seal(&Pii::new(text))),
    }
    .insert(db)
    .await?;
    Ok(id)
}

pub async fn get(db: &impl ConnectionTrait, codec: &PiiCodec, id: &str) -> Result<Option<MergeRecord>> {
    merge::Entity::find_by_id(id.to_owned()).one(db).await?.map(|m| decode(codec, m)).transpose()
}

/// Merges into each of these survivors, newest first.
pub async fn by_survivors(db: &impl ConnectionTrait, codec: &PiiCodec, ids: &[String]) -> Result<Vec<MergeRecord>> {
    let rows = merge::Entity::find()
        .filter(merge::Column::SurvivorId.is_in(ids.iter().cloned()))
        .order_by_desc(merge::Column::MergedAt)
        .order_by_desc(merge::Column::Id)
        .all(db)
        .await?;
    rows.into_iter().map(|m| decode(codec, m)).collect()
}

pub async fn mark_undone(db: &impl ConnectionTrait, id: &str, by: &str) -> Result<()> {
    merge::Entity::update_many()
        .col_expr(merge::Column::UndoneBy, Expr::value(by))
        .col_expr(merge::Column::UndoneAt, Expr::value(now()))
        .filter(merge::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
