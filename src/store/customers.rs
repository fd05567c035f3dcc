//! Customers: the profile row, listing with filters, and optimistic versioning.

use super::codec::Aad;
use super::entity::{customer, customer_attribute, customer_label};
use super::error::DbContext;
use super::{PiiCodec, StoreError, StoreResult, now};
use crate::domain::Pii;
use crate::domain::customer::Customer;
use crate::domain::enums::CustomerStatus;
use crate::domain::id::{CustomerId, LabelId};
use anyhow::anyhow;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

/// Which customers a listing returns.
#[derive(Clone, Debug, Default)]
pub struct CustomerQuery {
    /// Customers carrying all of these labels.
    pub label_ids: Vec<LabelId>,
    /// `None` lists ACTIVE and ANONYMOUS profiles (merged ones only when asked for).
    pub status: Option<CustomerStatus>,
    /// Equality on a non-PII attribute: (key, canonical JSON text of the value).
    pub attribute: Option<(String, String)>,
    pub updated_since: Option<DateTime<Utc>>,
}

pub(crate) async fn decode(codec: &PiiCodec, m: customer::Model) -> StoreResult<Customer> {
    let status = CustomerStatus::parse(&m.status).ok_or_else(|| anyhow!("unknown customer status in row"));
    let display_name = match &m.display_name {
        Some(n) => Some(codec.open(Aad::display_name(&m.id), n).await.context("open a display name")?),
        None => None,
    };
    Ok(Customer {
        status: status.context("decode a customer")?,
        display_name,
        id: CustomerId::from_stored(m.id),
        merged_into: m.merged_into.map(CustomerId::from_stored),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn keys(ids: &[CustomerId]) -> impl Iterator<Item = String> + '_ {
    ids.iter().map(|id| id.as_str().to_owned())
}

pub async fn get_many(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, Customer>> {
    let select = customer::Entity::find().filter(customer::Column::Id.is_in(keys(ids)));
    let rows = super::positional::select(db, select).await.context("load customers")?;
    decode_all(codec, rows).await.map(|all| all.into_iter().map(|r| (r.id.clone(), r)).collect())
}

/// Decode rows, their data keys loaded first in one statement.
pub(crate) async fn decode_all(codec: &PiiCodec, rows: Vec<customer::Model>) -> StoreResult<Vec<Customer>> {
    codec.prefetch(rows.iter().filter_map(|m| m.display_name.as_deref())).await.context("load data keys")?;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        out.push(decode(codec, m).await?);
    }
    Ok(out)
}

pub async fn get(db: &impl ConnectionTrait, codec: &PiiCodec, id: &CustomerId) -> StoreResult<Option<Customer>> {
    match customer::Entity::find_by_id(id.as_str()).one(db).await.context("load a customer")? {
        Some(m) => Ok(Some(decode(codec, m).await?)),
        None => Ok(None),
    }
}

/// A customer that must exist (re-read inside its own write transaction).
pub async fn get_existing(db: &impl ConnectionTrait, codec: &PiiCodec, id: &CustomerId) -> StoreResult<Customer> {
    get(db, codec, id).await?.ok_or(StoreError::NotFound)
}

pub(crate) fn condition(q: &CustomerQuery) -> Condition {
    let mut cond = Condition::all();
    cond = match q.status {
        Some(status) => cond.add(customer::Column::Status.eq(status.as_str())),
        // Tombstones of erased profiles are listed only when asked for, as merged ones.
        None => cond.add(
            customer::Column::Status.is_not_in([CustomerStatus::Merged.as_str(), CustomerStatus::Erased.as_str()]),
        ),
    };
    if !q.label_ids.is_empty() {
        let mut ids: Vec<String> = q.label_ids.iter().map(|id| id.as_str().to_owned()).collect();
        ids.sort();
        ids.dedup();
        let wanted = ids.len() as i64;
        cond = cond.add(
            customer::Column::Id.in_subquery(
                Query::select()
                    .column(customer_label::Column::CustomerId)
                    .from(customer_label::Entity)
                    .and_where(customer_label::Column::LabelId.is_in(ids))
                    .group_by_col(customer_label::Column::CustomerId)
                    .and_having(Expr::col(customer_label::Column::LabelId).count().eq(wanted))
                    .to_owned(),
            ),
        );
    }
    if let Some((key, value)) = &q.attribute {
        cond = cond.add(
            customer::Column::Id.in_subquery(
                Query::select()
                    .column(customer_attribute::Column::CustomerId)
                    .from(customer_attribute::Entity)
                    .and_where(customer_attribute::Column::Key.eq(key.as_str()))
                    .and_where(customer_attribute::Column::Value.eq(value.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(since) = q.updated_since {
        cond = cond.add(customer::Column::UpdatedAt.gte(since));
    }
    cond
}

/// One page in id order (UUIDv7: creation order), `limit` rows after the `after` id.
pub async fn list(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    q: &CustomerQuery,
    after: Option<&CustomerId>,
    limit: u64,
) -> StoreResult<Vec<Customer>> {
    let mut cond = condition(q);
    if let Some(after) = after {
        cond = cond.add(customer::Column::Id.gt(after.as_str()));
    }
    let rows = customer::Entity::find()
        .filter(cond)
        .order_by_asc(customer::Column::Id)
        .limit(limit)
        .all(db)
        .await
        .context("list customers")?;
    decode_all(codec, rows).await
}

pub async fn count(db: &impl ConnectionTrait, q: &CustomerQuery) -> StoreResult<u64> {
    customer::Entity::find().filter(condition(q)).count(db).await.context("count customers")
}

pub async fn insert(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    id: &CustomerId,
    display_name: Option<&Pii>,
    status: CustomerStatus,
) -> StoreResult<()> {
    let at = now();
    customer::ActiveModel {
        id: Set(id.as_str().to_owned()),
        display_name: Set(match display_name {
            Some(n) => Some(codec.seal(id.as_str(), Aad::display_name(id.as_str()), n).await.context("seal a name")?),
            None => None,
        }),
        status: Set(status.as_str().to_owned()),
        merged_into: Set(None),
        version: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await
    .context("insert a customer")?;
    Ok(())
}

/// Start a change to a profile: bump `version` and `updated_at`, checking `expected_version`
/// when given. Done first in every write transaction, so the row lock it takes (PostgreSQL)
/// orders concurrent writers to the same profile. `NotFound` (also for an erased profile:
/// nothing may be written to a tombstone), `Merged` or `Stale` otherwise.
pub async fn touch(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    id: &CustomerId,
    expected_version: Option<i32>,
) -> StoreResult<Customer> {
    let mut update = customer::Entity::update_many()
        .col_expr(customer::Column::Version, Expr::col(customer::Column::Version).add(1))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now()))
        .filter(customer::Column::Id.eq(id.as_str()))
        .filter(customer::Column::Status.is_not_in([CustomerStatus::Merged.as_str(), CustomerStatus::Erased.as_str()]));
    if let Some(v) = expected_version {
        update = update.filter(customer::Column::Version.eq(v));
    }
    let updated = update.exec(db).await.context("touch a customer")?.rows_affected;
    match (updated, get(db, codec, id).await?) {
        (1, Some(c)) => Ok(c),
        (_, None) => Err(StoreError::NotFound),
        (_, Some(c)) if c.status == CustomerStatus::Erased => Err(StoreError::NotFound),
        (_, Some(c)) if c.status == CustomerStatus::Merged => {
            Err(StoreError::Merged { into: c.merged_into.unwrap_or_else(|| c.id.clone()) })
        }
        (_, Some(c)) => Err(StoreError::Stale { current: c.version }),
    }
}

/// Bump the version of every customer carrying a label (losing it is a change to each
/// profile: syncs see it through `updatedSince`).
pub async fn touch_carriers_of(db: &impl ConnectionTrait, label_id: &LabelId) -> StoreResult<()> {
    customer::Entity::update_many()
        .col_expr(customer::Column::Version, Expr::col(customer::Column::Version).add(1))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now()))
        .filter(
            customer::Column::Id.in_subquery(
                Query::select()
                    .column(customer_label::Column::CustomerId)
                    .from(customer_label::Entity)
                    .and_where(customer_label::Column::LabelId.eq(label_id.as_str()))
                    .to_owned(),
            ),
        )
        .exec(db)
        .await
        .context("touch the carriers of a label")?;
    Ok(())
}

pub async fn set_display_name(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    id: &CustomerId,
    name: Option<&Pii>,
) -> StoreResult<()> {
    let sealed = match name {
        Some(n) => Some(codec.seal(id.as_str(), Aad::display_name(id.as_str()), n).await.context("seal a name")?),
        None => None,
    };
    set_sealed_display_name(db, id, sealed).await
}

/// Set the display name as stored (already sealed), e.g. put back by an unmerge.
pub(crate) async fn set_sealed_display_name(
    db: &impl ConnectionTrait,
    id: &CustomerId,
    sealed: Option<String>,
) -> StoreResult<()> {
    customer::Entity::update_many()
        .col_expr(customer::Column::DisplayName, Expr::value(sealed))
        .filter(customer::Column::Id.eq(id.as_str()))
        .exec(db)
        .await
        .context("set a display name")?;
    Ok(())
}

/// A profile that gets a name or a verified identity is no longer anonymous.
pub async fn promote_if_anonymous(db: &impl ConnectionTrait, id: &CustomerId) -> StoreResult<()> {
    customer::Entity::update_many()
        .col_expr(customer::Column::Status, Expr::value(CustomerStatus::Active.as_str()))
        .filter(customer::Column::Id.eq(id.as_str()))
        .filter(customer::Column::Status.eq(CustomerStatus::Anonymous.as_str()))
        .exec(db)
        .await
        .context("promote an anonymous customer")?;
    Ok(())
}

/// Set the status (and whom it was merged into) of a profile, bumping its version.
pub(crate) async fn set_status(
    db: &impl ConnectionTrait,
    id: &CustomerId,
    status: CustomerStatus,
    merged_into: Option<&CustomerId>,
) -> StoreResult<()> {
    customer::Entity::update_many()
        .col_expr(customer::Column::Status, Expr::value(status.as_str()))
        .col_expr(customer::Column::MergedInto, Expr::value(merged_into.map(|m| m.as_str().to_owned())))
        .col_expr(customer::Column::Version, Expr::col(customer::Column::Version).add(1))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now()))
        .filter(customer::Column::Id.eq(id.as_str()))
        .exec(db)
        .await
        .context("set a customer's status")?;
    Ok(())
}

/// The stored row (sealed name and all), for a merge ledger.
pub(crate) async fn row(db: &impl ConnectionTrait, id: &CustomerId) -> StoreResult<customer::Model> {
    customer::Entity::find_by_id(id.as_str()).one(db).await.context("load a customer row")?.ok_or(StoreError::NotFound)
}

/// Put back a status without counting it as a change (an unmerge restoring the survivor,
/// whose version its own `touch` already bumped).
pub(crate) async fn restore_status(
    db: &impl ConnectionTrait,
    id: &CustomerId,
    status: CustomerStatus,
) -> StoreResult<()> {
    customer::Entity::update_many()
        .col_expr(customer::Column::Status, Expr::value(status.as_str()))
        .filter(customer::Column::Id.eq(id.as_str()))
        .exec(db)
        .await
        .context("restore a customer's status")?;
    Ok(())
}
