//! `contact_suppressions`: do-not-contact per customer, channel and purpose.

use super::super::entity::contact_suppression as row;
use super::super::error::DbContext;
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

pub async fn delete_of(db: &impl ConnectionTrait, customer: &CustomerId) -> StoreResult<()> {
    row::Entity::delete_many()
        .filter(row::Column::CustomerId.eq(customer.as_str()))
        .exec(db)
        .await
        .context("delete suppressions")?;
    Ok(())
}
