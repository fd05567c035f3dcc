//! The label catalogue and label assignments (who assigned what, when, from where).

use super::entity::{customer_label, label};
use super::{LabelRecord, now};
use crate::domain::enums::LabelSource;
use crate::domain::label::LabelSpec;
use crate::domain::{Error, Result};
use anyhow::anyhow;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationDef, Set, SqlErr,
};
use std::collections::HashMap;

fn decode(m: label::Model) -> Result<LabelRecord> {
    let source = LabelSource::parse(&m.source).ok_or_else(|| anyhow!("unknown label source in row"))?;
    Ok(LabelRecord { id: m.id, name: m.name, color: m.color, description: m.description, source })
}

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<LabelRecord>> {
    label::Entity::find().order_by_asc(label::Column::NameKey).all(db).await?.into_iter().map(decode).collect()
}

pub async fn by_ids(db: &impl ConnectionTrait, ids: &[String]) -> Result<HashMap<String, LabelRecord>> {
    let rows = label::Entity::find().filter(label::Column::Id.is_in(ids.iter().cloned())).all(db).await?;
    rows.into_iter().map(|m| decode(m).map(|r| (r.id.clone(), r))).collect()
}

fn assignment_join() -> RelationDef {
    customer_label::Entity::belongs_to(label::Entity).from(customer_label::Column::LabelId).to(label::Column::Id).into()
}

/// Labels of each customer, by name, in one statement (a join through the assignments).
pub async fn by_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[String],
) -> Result<HashMap<String, Vec<LabelRecord>>> {
    let rows: Vec<(customer_label::Model, Option<label::Model>)> = customer_label::Entity::find()
        .filter(customer_label::Column::CustomerId.is_in(customer_ids.iter().cloned()))
        .select_also(label::Entity)
        .join(JoinType::InnerJoin, assignment_join())
        .order_by_asc(label::Column::NameKey)
        .all(db)
        .await?;
    let mut out: HashMap<String, Vec<LabelRecord>> = HashMap::new();
    for (assignment, label) in rows {
        if let Some(label) = label {
            out.entry(assignment.customer_id).or_default().push(decode(label)?);
        }
    }
    Ok(out)
}

fn name_conflict(err: sea_orm::DbErr) -> Error {
    match err.sql_err() {
        // Mapped by the unique index's column, not by message text.
        Some(SqlErr::UniqueConstraintViolation(msg)) if msg.contains("name_key") => {
            Error::conflict(Some("input.name"), "a label with this name already exists")
        }
        _ => err.into(),
    }
}

pub async fn insert(db: &impl ConnectionTrait, spec: &LabelSpec, source: LabelSource) -> Result<LabelRecord> {
    let at = now();
    let m = label::ActiveModel {
        id: Set(crate::domain::id::new_id()),
        name: Set(spec.name.clone()),
        name_key: Set(spec.name_key()),
        color: Set(spec.color.clone()),
        description: Set(spec.description.clone()),
        source: Set(source.as_str().to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await
    .map_err(name_conflict)?;
    decode(m)
}

pub async fn update(db: &impl ConnectionTrait, id: &str, spec: &LabelSpec) -> Result<LabelRecord> {
    let Some(existing) = label::Entity::find_by_id(id.to_owned()).one(db).await? else {
        return Err(Error::not_found("label", "id"));
    };
    let mut m: label::ActiveModel = existing.into();
    m.name = Set(spec.name.clone());
    m.name_key = Set(spec.name_key());
    m.color = Set(spec.color.clone());
    m.description = Set(spec.description.clone());
    m.updated_at = Set(now());
    decode(m.update(db).await.map_err(name_conflict)?)
}

/// Delete a label and its assignments. `false` when there was no such label.
pub async fn delete(db: &impl ConnectionTrait, id: &str) -> Result<bool> {
    // Losing a label is a change to each profile that carried it (syncs see it via updatedSince).
    use super::entity::customer;
    use sea_orm::ExprTrait as _;
    use sea_orm::sea_query::{Expr, Query};
    customer::Entity::update_many()
        .col_expr(customer::Column::Version, Expr::col(customer::Column::Version).add(1))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now()))
        .filter(
            customer::Column::Id.in_subquery(
                Query::select()
                    .column(customer_label::Column::CustomerId)
                    .from(customer_label::Entity)
                    .and_where(customer_label::Column::LabelId.eq(id))
                    .to_owned(),
            ),
        )
        .exec(db)
        .await?;
    customer_label::Entity::delete_many().filter(customer_label::Column::LabelId.eq(id)).exec(db).await?;
    Ok(label::Entity::delete_by_id(id.to_owned()).exec(db).await?.rows_affected > 0)
}

/// Assign labels; assigning one the customer already carries keeps the first assignment.
pub async fn assign(
    db: &impl ConnectionTrait,
    customer_id: &str,
    label_ids: &[String],
    by: &str,
    source: LabelSource,
) -> Result<()> {
    if label_ids.is_empty() {
        return Ok(());
    }
    let at = now();
    let rows = label_ids.iter().map(|label_id| customer_label::ActiveModel {
        customer_id: Set(customer_id.to_owned()),
        label_id: Set(label_id.clone()),
        source: Set(source.as_str().to_owned()),
        assigned_by: Set(by.to_owned()),
        assigned_at: Set(at),
    });
    customer_label::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([customer_label::Column::CustomerId, customer_label::Column::LabelId])
        .exec(db)
        .await?;
    Ok(())
}

pub async fn unassign(db: &impl ConnectionTrait, customer_id: &str, label_ids: &[String]) -> Result<()> {
    customer_label::Entity::delete_many()
        .filter(customer_label::Column::CustomerId.eq(customer_id))
        .filter(customer_label::Column::LabelId.is_in(label_ids.iter().cloned()))
        .exec(db)
        .await?;
    Ok(())
}

/// Check that every id names a label; the first unknown one is a `NOT_FOUND` on `field.i`.
pub async fn ensure_exist(db: &impl ConnectionTrait, field: &str, ids: &[String]) -> Result<()> {
    let found = by_ids(db, ids).await?;
    match ids.iter().position(|id| !found.contains_key(id)) {
        Some(i) => Err(Error::not_found("label", format!("{field}.{i}"))),
        None => Ok(()),
    }
}
