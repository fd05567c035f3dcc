//! Customers: the profile row, listing with filters, and optimistic versioning.

use super::entity::{customer, customer_attribute, customer_label};
use super::{CustomerRecord, Pii, PiiCodec, now};
use crate::domain::enums::CustomerStatus;
use crate::domain::{Error, Result};
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
    pub label_ids: Vec<String>,
    /// `None` lists ACTIVE and ANONYMOUS profiles (merged ones only when asked for).
    pub status: Option<CustomerStatus>,
    /// Equality on a non-PII attribute: (key, canonical JSON text of the value).
    pub attribute: Option<(String, String)>,
    pub updated_since: Option<DateTime<Utc>>,
}

pub(crate) fn decode_model(codec: &PiiCodec, m: customer::Model) -> Result<CustomerRecord> {
    let status = CustomerStatus::parse(&m.status).ok_or_else(|| anyhow!("unknown customer status in row"))?;
    Ok(CustomerRecord {
        id: m.id,
        display_name: m.display_name.map(|n| codec.open(n)).transpose()?,
        status,
        merged_into: m.merged_into,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub async fn get_many(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    ids: &[String],
) -> Result<HashMap<String, CustomerRecord>> {
    let rows = customer::Entity::find().filter(customer::Column::Id.is_in(ids.iter().cloned())).all(db).await?;
    rows.into_iter().map(|m| decode_model(codec, m).map(|r| (r.id.clone(), r))).collect()
}

pub async fn get(db: &impl ConnectionTrait, codec: &PiiCodec, id: &str) -> Result<Option<CustomerRecord>> {
    customer::Entity::find_by_id(id.to_owned()).one(db).await?.map(|m| decode_model(codec, m)).transpose()
}

fn condition(q: &CustomerQuery) -> Condition {
    let mut cond = Condition::all();
    cond = match q.status {
        Some(status) => cond.add(customer::Column::Status.eq(status.as_str())),
        None => cond.add(customer::Column::Status.ne(CustomerStatus::Merged.as_str())),
    };
    if !q.label_ids.is_empty() {
        let mut ids = q.label_ids.clone();
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
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<CustomerRecord>> {
    let mut cond = condition(q);
    if let Some(after) = after {
        cond = cond.add(customer::Column::Id.gt(after));
    }
    let rows = customer::Entity::find().filter(cond).order_by_asc(customer::Column::Id).limit(limit).all(db).await?;
    rows.into_iter().map(|m| decode_model(codec, m)).collect()
}

pub async fn count(db: &impl ConnectionTrait, q: &CustomerQuery) -> Result<u64> {
    Ok(customer::Entity::find().filter(condition(q)).count(db).await?)
}

pub async fn insert(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    id: &str,
    display_name: Option<&Pii>,
    status: CustomerStatus,
) -> Result<()> {
    let at = now();
    customer::ActiveModel {
        id: Set(id.to_owned()),
        display_name: Set(display_name.map(|n| codec.seal(n))),
        status: Set(status.as_str().to_owned()),
        merged_into: Set(None),
        version: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Start a change to a profile: bump `version` and `updated_at`, checking `expected_version`
/// when given. Done first in every write transaction, so the row lock it takes (PostgreSQL)
/// orders concurrent writers to the same profile.
pub async fn touch(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    id: &str,
    expected_version: Option<i32>,
) -> Result<CustomerRecord> {
    let mut update = customer::Entity::update_many()
        .col_expr(customer::Column::Version, Expr::col(customer::Column::Version).add(1))
        .col_expr(customer::Column::UpdatedAt, Expr::value(now()))
        .filter(customer::Column::Id.eq(id))
        .filter(customer::Column::Status.ne(CustomerStatus::Merged.as_str()));
    if let Some(v) = expected_version {
        update = update.filter(customer::Column::Version.eq(v));
    }
    let updated = update.exec(db).await?.rows_affected;
    let current = get(db, codec, id).await?;
    match (updated, current) {
        (1, Some(c)) => Ok(c),
        (_, None) => Err(Error::not_found("customer", "customerId")),
        (_, Some(c)) if c.status == CustomerStatus::Merged => Err(Error::conflict(
            Some("customerId"),
            format!("customer was merged into {}; write to that profile instead", c.merged_into.unwrap_or_default()),
        )),
        (_, Some(c)) => Err(Error::conflict(
            Some("expectedVersion"),
            format!("customer is at version {}, not {}", c.version, expected_version.unwrap_or_default()),
        )),
    }
}

pub async fn set_display_name(db: &impl ConnectionTrait, codec: &PiiCodec, id: &str, name: Option<&Pii>) -> Result<()> {
    customer::Entity::update_many()
        .col_expr(customer::Column::DisplayName, Expr::value(name.map(|n| codec.seal(n))))
        .filter(customer::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// A profile that gets a name or a verified identity is no longer anonymous.
pub async fn promote_if_anonymous(db: &impl ConnectionTrait, id: &str) -> Result<()> {
    customer::Entity::update_many()
        .col_expr(customer::Column::Status, Expr::value(CustomerStatus::Active.as_str()))
        .filter(customer::Column::Id.eq(id))
        .filter(customer::Column::Status.eq(CustomerStatus::Anonymous.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
