//! Links from a profile to records in CRMs and ticketing systems.

use super::entity::external_ref;
use super::error::DbContext;
use super::ledger::ExternalRefRow;
use super::{Constraint, StoreError, StoreResult, now};
use crate::domain::external_ref::ExternalRef;
use crate::domain::id::{CustomerId, new_id};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;

pub async fn by_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, Vec<ExternalRef>>> {
    let rows = external_ref::Entity::find()
        .filter(external_ref::Column::CustomerId.is_in(customer_ids.iter().map(|id| id.as_str().to_owned())))
        .order_by_asc(external_ref::Column::System)
        .order_by_asc(external_ref::Column::ExternalId)
        .all(db)
        .await
        .context("load the external refs of customers")?;
    let mut out: HashMap<CustomerId, Vec<ExternalRef>> = HashMap::new();
    for m in rows {
        out.entry(CustomerId::from_stored(m.customer_id))
            .or_default()
            .push(ExternalRef { system: m.system, external_id: m.external_id });
    }
    Ok(out)
}

/// The customer a CRM record is linked to, if any.
pub async fn owner(db: &impl ConnectionTrait, r: &ExternalRef) -> StoreResult<Option<CustomerId>> {
    Ok(external_ref::Entity::find()
        .filter(external_ref::Column::System.eq(r.system.as_str()))
        .filter(external_ref::Column::ExternalId.eq(r.external_id.as_str()))
        .one(db)
        .await
        .context("find the owner of an external record")?
        .map(|m| CustomerId::from_stored(m.customer_id)))
}

/// Link a CRM record to a customer (already linked to it: nothing to do). A record is
/// linked to one profile at most: linked elsewhere is `Duplicate(ExternalRef)`, whether
/// seen first or lost in a race.
pub async fn insert(db: &impl ConnectionTrait, customer_id: &CustomerId, r: &ExternalRef) -> StoreResult<()> {
    match owner(db, r).await? {
        Some(owner) if &owner == customer_id => return Ok(()),
        Some(_) => return Err(StoreError::Duplicate(Constraint::ExternalRef)),
        None => {}
    }
    external_ref::ActiveModel {
        id: Set(new_id()),
        customer_id: Set(customer_id.as_str().to_owned()),
        system: Set(r.system.clone()),
        external_id: Set(r.external_id.clone()),
        created_at: Set(now()),
    }
    .insert(db)
    .await
    .context("link an external record")?;
    Ok(())
}

/// Move every link of `from` to `to`; returns the rows as they were.
pub(crate) async fn move_all(
    db: &impl ConnectionTrait,
    from: &CustomerId,
    to: &CustomerId,
) -> StoreResult<Vec<ExternalRefRow>> {
    let rows = external_ref::Entity::find()
        .filter(external_ref::Column::CustomerId.eq(from.as_str()))
        .all(db)
        .await
        .context("load the external refs of a customer")?;
    external_ref::Entity::update_many()
        .col_expr(external_ref::Column::CustomerId, Expr::value(to.as_str()))
        .filter(external_ref::Column::CustomerId.eq(from.as_str()))
        .exec(db)
        .await
        .context("move external refs")?;
    Ok(rows.into_iter().map(ExternalRefRow::from).collect())
}

/// Move one link back to `to`, if it is still with `from`.
pub(crate) async fn move_back(
    db: &impl ConnectionTrait,
    row: &ExternalRefRow,
    from: &str,
    to: &str,
) -> StoreResult<()> {
    external_ref::Entity::update_many()
        .col_expr(external_ref::Column::CustomerId, Expr::value(to))
        .filter(external_ref::Column::Id.eq(row.id.as_str()))
        .filter(external_ref::Column::CustomerId.eq(from))
        .exec(db)
        .await
        .context("move an external ref back")?;
    Ok(())
}
