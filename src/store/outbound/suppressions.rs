//! `contact_suppressions`: do-not-contact per customer, channel and purpose.

use super::super::entity::contact_suppression as row;
use super::super::error::DbContext;
use super::super::ledger::SuppressionRow;
use super::super::{StoreError, StoreResult};
use crate::domain::Channel;
use crate::domain::contactability::suppression::Suppression;
use crate::domain::id::CustomerId;
use anyhow::anyhow;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

fn decode(m: row::Model) -> StoreResult<Suppression> {
    let channel = m.channel.map(|c| c.parse::<Channel>().map_err(|_| anyhow!("unknown channel in a suppression")));
    Ok(Suppression {
        id: m.id,
        customer_id: CustomerId::from_stored(m.customer_id),
        channel: channel.transpose().context("decode a suppression")?,
        purpose: m.purpose,
        reason: m.reason,
        principal: m.principal,
        created_at: m.created_at,
        expires_at: m.expires_at,
        lifted_at: m.lifted_at,
    })
}

pub async fn insert(db: &impl ConnectionTrait, s: &Suppression) -> StoreResult<()> {
    row::Entity::insert(row::ActiveModel {
        id: Set(s.id.clone()),
        customer_id: Set(s.customer_id.as_str().to_owned()),
        channel: Set(s.channel.map(|c| c.as_str().to_owned())),
        purpose: Set(s.purpose.clone()),
        reason: Set(s.reason.clone()),
        principal: Set(s.principal.clone()),
        created_at: Set(s.created_at),
        expires_at: Set(s.expires_at),
        lifted_at: Set(None),
    })
    .exec_without_returning(db)
    .await
    .context("insert a suppression")?;
    Ok(())
}

/// Lift a suppression at `at` (kept, with when it was lifted); `NotFound` when it does not
/// exist or was lifted already.
pub async fn lift(db: &impl ConnectionTrait, id: &str, at: DateTime<Utc>) -> StoreResult<Suppression> {
    let done = row::Entity::update_many()
        .col_expr(row::Column::LiftedAt, Expr::value(at))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::LiftedAt.is_null())
        .exec(db)
        .await
        .context("lift a suppression")?;
    if done.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    let m = row::Entity::find_by_id(id).one(db).await.context("read a suppression")?.ok_or(StoreError::NotFound)?;
    decode(m)
}

/// The suppressions of each customer, oldest first (lifted and expired ones included).
pub async fn by_customers(
    db: &impl ConnectionTrait,
    ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, Vec<Suppression>>> {
    let rows = row::Entity::find()
        .filter(row::Column::CustomerId.is_in(ids.iter().map(|i| i.as_str().to_owned())))
        .order_by_asc(row::Column::CreatedAt)
        .order_by_asc(row::Column::Id)
        .all(db)
        .await
        .context("load the suppressions of customers")?;
    let mut out: HashMap<CustomerId, Vec<Suppression>> = HashMap::new();
    for m in rows {
        let s = decode(m)?;
        out.entry(s.customer_id.clone()).or_default().push(s);
    }
    Ok(out)
}

/// Merges: move every suppression of `from` to `to` (one statement); returns the rows as
/// they were, for the ledger.
pub async fn move_all(
    db: &impl ConnectionTrait,
    from: &CustomerId,
    to: &CustomerId,
) -> StoreResult<Vec<SuppressionRow>> {
    let rows: Vec<SuppressionRow> = row::Entity::find()
        .filter(row::Column::CustomerId.eq(from.as_str()))
        .order_by_asc(row::Column::Id)
        .all(db)
        .await
        .context("read the suppressions to move")?
        .into_iter()
        .map(SuppressionRow::from)
        .collect();
    if !rows.is_empty() {
        row::Entity::update_many()
            .col_expr(row::Column::CustomerId, Expr::value(to.as_str()))
            .filter(row::Column::CustomerId.eq(from.as_str()))
            .exec(db)
            .await
            .context("move suppressions")?;
    }
    Ok(rows)
}

/// Unmerge: the suppressions a merge moved go back (lifted since or not: a lift is a later
/// fact about the same suppression), those still with `survivor`.
pub async fn move_back(
    db: &impl ConnectionTrait,
    moved: &[SuppressionRow],
    survivor: &str,
    to: &str,
) -> StoreResult<()> {
    for chunk in moved.chunks(1000) {
        row::Entity::update_many()
            .col_expr(row::Column::CustomerId, Expr::value(to))
            .filter(row::Column::CustomerId.eq(survivor))
            .filter(row::Column::Id.is_in(chunk.iter().map(|r| r.id.clone())))
            .exec(db)
            .await
            .context("move suppressions back")?;
    }
    Ok(())
}

/// Erasure: the suppressions of the erased profiles (their reasons are free text) are
/// deleted; returns how many.
pub async fn delete_of(db: &impl ConnectionTrait, ids: &[CustomerId]) -> StoreResult<u64> {
    let mut deleted = 0;
    for chunk in ids.chunks(1000) {
        deleted += row::Entity::delete_many()
            .filter(row::Column::CustomerId.is_in(chunk.iter().map(|i| i.as_str().to_owned())))
            .exec(db)
            .await
            .context("delete suppressions")?
            .rows_affected;
    }
    Ok(deleted)
}
