//! The label catalogue and label assignments (who assigned what, when, from where).

use super::entity::{customer_label, label};
use super::error::DbContext;
use super::{StoreError, StoreResult, now};
use crate::domain::enums::LabelSource;
use crate::domain::id::{CustomerId, LabelId};
use crate::domain::label::{Label, LabelSpec};
use anyhow::anyhow;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationDef, Set,
};
use std::collections::HashMap;

fn decode(m: label::Model) -> StoreResult<Label> {
    let source = LabelSource::parse(&m.source).ok_or_else(|| anyhow!("unknown label source in row"));
    Ok(Label {
        source: source.context("decode a label")?,
        id: LabelId::from_stored(m.id),
        name: m.name,
        color: m.color,
        description: m.description,
    })
}

pub async fn all(db: &impl ConnectionTrait) -> StoreResult<Vec<Label>> {
    let rows = label::Entity::find().order_by_asc(label::Column::NameKey).all(db).await.context("load the labels")?;
    rows.into_iter().map(decode).collect()
}

pub async fn by_ids(db: &impl ConnectionTrait, ids: &[LabelId]) -> StoreResult<HashMap<LabelId, Label>> {
    let rows = label::Entity::find()
        .filter(label::Column::Id.is_in(ids.iter().map(|id| id.as_str().to_owned())))
        .all(db)
        .await
        .context("load labels")?;
    rows.into_iter().map(|m| decode(m).map(|r| (r.id.clone(), r))).collect()
}

pub async fn get(db: &impl ConnectionTrait, id: &LabelId) -> StoreResult<Option<Label>> {
    Ok(by_ids(db, std::slice::from_ref(id)).await?.remove(id))
}

fn assignment_join() -> RelationDef {
    customer_label::Entity::belongs_to(label::Entity).from(customer_label::Column::LabelId).to(label::Column::Id).into()
}

/// The customers' assignments with their labels, by label name.
fn with_labels(customer_ids: &[CustomerId]) -> sea_orm::SelectTwo<customer_label::Entity, label::Entity> {
    customer_label::Entity::find()
        .filter(customer_label::Column::CustomerId.is_in(customer_ids.iter().map(|id| id.as_str().to_owned())))
        .select_also(label::Entity)
        .join(JoinType::InnerJoin, assignment_join())
        .order_by_asc(label::Column::NameKey)
}

/// Labels of each customer, by name, in one statement (a join through the assignments).
pub async fn by_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, Vec<Label>>> {
    let rows =
        super::positional::select_two(db, with_labels(customer_ids)).await.context("load the labels of customers")?;
    let mut out: HashMap<CustomerId, Vec<Label>> = HashMap::new();
    for (assignment, label) in rows {
        out.entry(CustomerId::from_stored(assignment.customer_id)).or_default().push(decode(label)?);
    }
    Ok(out)
}

/// The assignments of each customer with their labels, by label name, in one statement.
pub async fn assignments_by_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, Vec<(Assignment, Label)>>> {
    let rows = super::positional::select_two(db, with_labels(customer_ids))
        .await
        .context("load the label assignments of customers")?;
    let mut out: HashMap<CustomerId, Vec<(Assignment, Label)>> = HashMap::new();
    for (a, label) in rows {
        let source = LabelSource::parse(&a.source).ok_or_else(|| anyhow!("unknown assignment source in row"));
        let assignment = Assignment {
            source: source.context("decode an assignment")?,
            label_id: LabelId::from_stored(a.label_id),
            assigned_by: a.assigned_by,
            assigned_at: a.assigned_at,
        };
        out.entry(CustomerId::from_stored(a.customer_id)).or_default().push((assignment, decode(label)?));
    }
    Ok(out)
}

/// Add a label; a name already taken is `Duplicate(LabelName)`.
pub async fn insert(db: &impl ConnectionTrait, spec: &LabelSpec, source: LabelSource) -> StoreResult<Label> {
    let at = now();
    let m = label::ActiveModel {
        id: Set(LabelId::generate().into_string()),
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
    .context("insert a label")?;
    decode(m)
}

/// Rename, recolour or describe a label; `NotFound`, or `Duplicate(LabelName)`.
pub async fn update(db: &impl ConnectionTrait, id: &LabelId, spec: &LabelSpec) -> StoreResult<Label> {
    let Some(existing) = label::Entity::find_by_id(id.as_str()).one(db).await.context("load a label")? else {
        return Err(StoreError::NotFound);
    };
    let mut m: label::ActiveModel = existing.into();
    m.name = Set(spec.name.clone());
    m.name_key = Set(spec.name_key());
    m.color = Set(spec.color.clone());
    m.description = Set(spec.description.clone());
    m.updated_at = Set(now());
    decode(m.update(db).await.context("update a label")?)
}

/// Delete a label and its assignments. `false` when there was no such label.
pub async fn delete(db: &impl ConnectionTrait, id: &LabelId) -> StoreResult<bool> {
    customer_label::Entity::delete_many()
        .filter(customer_label::Column::LabelId.eq(id.as_str()))
        .exec(db)
        .await
        .context("delete the assignments of a label")?;
    Ok(label::Entity::delete_by_id(id.as_str()).exec(db).await.context("delete a label")?.rows_affected > 0)
}

/// One assignment of a label to a customer, as stored (a merge ledger keeps these).
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    pub label_id: LabelId,
    pub source: LabelSource,
    pub assigned_by: String,
    pub assigned_at: chrono::DateTime<chrono::Utc>,
}

/// Assign labels; assigning one the customer already carries keeps the first assignment.
pub async fn assign(
    db: &impl ConnectionTrait,
    customer_id: &CustomerId,
    label_ids: &[LabelId],
    by: &str,
    source: LabelSource,
) -> StoreResult<()> {
    let at = now();
    let assignments: Vec<Assignment> = label_ids
        .iter()
        .map(|label_id| Assignment { label_id: label_id.clone(), source, assigned_by: by.to_owned(), assigned_at: at })
        .collect();
    insert_assignments(db, customer_id, &assignments).await
}

/// Put assignments in place as they are (who and when included); existing ones are kept.
pub(crate) async fn insert_assignments(
    db: &impl ConnectionTrait,
    customer_id: &CustomerId,
    assignments: &[Assignment],
) -> StoreResult<()> {
    if assignments.is_empty() {
        return Ok(());
    }
    let rows = assignments.iter().map(|a| customer_label::ActiveModel {
        customer_id: Set(customer_id.as_str().to_owned()),
        label_id: Set(a.label_id.as_str().to_owned()),
        source: Set(a.source.as_str().to_owned()),
        assigned_by: Set(a.assigned_by.clone()),
        assigned_at: Set(a.assigned_at),
    });
    customer_label::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([customer_label::Column::CustomerId, customer_label::Column::LabelId])
        .exec(db)
        .await
        .context("assign labels")?;
    Ok(())
}

/// The assignments of one customer.
pub(crate) async fn assignments_of(
    db: &impl ConnectionTrait,
    customer_id: &CustomerId,
) -> StoreResult<Vec<Assignment>> {
    let rows = customer_label::Entity::find()
        .filter(customer_label::Column::CustomerId.eq(customer_id.as_str()))
        .all(db)
        .await
        .context("load the assignments of a customer")?;
    rows.into_iter()
        .map(|m| {
            let source = LabelSource::parse(&m.source).ok_or_else(|| anyhow!("unknown assignment source in row"));
            Ok(Assignment {
                source: source.context("decode an assignment")?,
                label_id: LabelId::from_stored(m.label_id),
                assigned_by: m.assigned_by,
                assigned_at: m.assigned_at,
            })
        })
        .collect()
}

pub async fn unassign(db: &impl ConnectionTrait, customer_id: &CustomerId, label_ids: &[LabelId]) -> StoreResult<()> {
    customer_label::Entity::delete_many()
        .filter(customer_label::Column::CustomerId.eq(customer_id.as_str()))
        .filter(customer_label::Column::LabelId.is_in(label_ids.iter().map(|id| id.as_str().to_owned())))
        .exec(db)
        .await
        .context("unassign labels")?;
    Ok(())
}

/// Remove one assignment, only if it is still exactly `a` (not one made again since).
pub(crate) async fn unassign_exact(
    db: &impl ConnectionTrait,
    customer_id: &CustomerId,
    a: &Assignment,
) -> StoreResult<()> {
    customer_label::Entity::delete_many()
        .filter(customer_label::Column::CustomerId.eq(customer_id.as_str()))
        .filter(customer_label::Column::LabelId.eq(a.label_id.as_str()))
        .filter(customer_label::Column::AssignedAt.eq(a.assigned_at))
        .filter(customer_label::Column::AssignedBy.eq(a.assigned_by.as_str()))
        .exec(db)
        .await
        .context("remove an assignment")?;
    Ok(())
}
