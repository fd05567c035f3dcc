//! `suppression_lists` and `suppression_entries`: entries are blind indexes of (channel,
//! normalised value), the same as `channel_identities.lookup_key`, so a list matches
//! identities with one join and holds no number or address.

use super::super::entity::{identity, suppression_entry as entry, suppression_list as list};
use super::super::error::DbContext;
use super::super::{StoreError, StoreResult};
use crate::domain::contactability::suppression::{ListHit, SuppressionList};
use crate::domain::id::{CustomerId, IdentityId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

fn decode(m: list::Model) -> StoreResult<SuppressionList> {
    Ok(SuppressionList {
        purposes: serde_json::from_str(&m.purposes).context("decode a list's purposes")?,
        id: m.id,
        name: m.name,
        reason: m.reason,
        created_at: m.created_at,
    })
}

/// Create a list; `Duplicate(SuppressionListName)` when the name is taken.
pub async fn create(db: &impl ConnectionTrait, l: &SuppressionList) -> StoreResult<()> {
    list::Entity::insert(list::ActiveModel {
        id: Set(l.id.clone()),
        name: Set(l.name.clone()),
        reason: Set(l.reason.clone()),
        purposes: Set(serde_json::to_string(&l.purposes).context("encode a list's purposes")?),
        created_at: Set(l.created_at),
    })
    .exec_without_returning(db)
    .await
    .context("create a suppression list")?;
    Ok(())
}

pub async fn get(db: &impl ConnectionTrait, id: &str) -> StoreResult<SuppressionList> {
    decode(list::Entity::find_by_id(id).one(db).await.context("read a suppression list")?.ok_or(StoreError::NotFound)?)
}

pub async fn all(db: &impl ConnectionTrait) -> StoreResult<Vec<SuppressionList>> {
    let rows = list::Entity::find().order_by_asc(list::Column::Name).all(db).await.context("read suppression lists")?;
    rows.into_iter().map(decode).collect()
}

/// Rows per insert: 4 parameters each, well under SQLite's and PostgreSQL's limits.
const CHUNK: usize = 2000;

/// Add entries (blind index, expiry); one already on the list gets the new expiry. Returns
/// how many were given.
pub async fn add_entries(
    db: &impl ConnectionTrait,
    list_id: &str,
    entries: &[(String, Option<DateTime<Utc>>)],
    at: DateTime<Utc>,
) -> StoreResult<usize> {
    for chunk in entries.chunks(CHUNK) {
        let rows = chunk.iter().map(|(key, expires)| entry::ActiveModel {
            list_id: Set(list_id.to_owned()),
            lookup_key: Set(key.clone()),
            added_at: Set(at),
            expires_at: Set(*expires),
        });
        entry::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([entry::Column::ListId, entry::Column::LookupKey])
                    .update_column(entry::Column::ExpiresAt)
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await
            .context("add suppression list entries")?;
    }
    Ok(entries.len())
}

/// Remove entries by blind index; returns how many were on the list.
pub async fn remove_entries(db: &impl ConnectionTrait, list_id: &str, keys: &[String]) -> StoreResult<u64> {
    let mut removed = 0;
    for chunk in keys.chunks(CHUNK) {
        let done = entry::Entity::delete_many()
            .filter(entry::Column::ListId.eq(list_id))
            .filter(entry::Column::LookupKey.is_in(chunk.iter().cloned()))
            .exec(db)
            .await
            .context("remove suppression list entries")?;
        removed += done.rows_affected;
    }
    Ok(removed)
}

#[derive(FromQueryResult)]
struct HitRow {
    identity_id: String,
    customer_id: String,
    name: String,
    purposes: String,
    added_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
}

/// The identities of these customers that are on any list: one statement.
pub async fn hits_of(db: &impl ConnectionTrait, ids: &[CustomerId]) -> StoreResult<HashMap<CustomerId, Vec<ListHit>>> {
    let stmt = Query::select()
        .expr_as(Expr::col((identity::Entity, identity::Column::Id)), "identity_id")
        .column((identity::Entity, identity::Column::CustomerId))
        .column((list::Entity, list::Column::Name))
        .column((list::Entity, list::Column::Purposes))
        .column((entry::Entity, entry::Column::AddedAt))
        .column((entry::Entity, entry::Column::ExpiresAt))
        .from(identity::Entity)
        .inner_join(
            entry::Entity,
            Expr::col((entry::Entity, entry::Column::LookupKey))
                .equals((identity::Entity, identity::Column::LookupKey)),
        )
        .inner_join(
            list::Entity,
            Expr::col((list::Entity, list::Column::Id)).equals((entry::Entity, entry::Column::ListId)),
        )
        .and_where(
            Expr::col((identity::Entity, identity::Column::CustomerId))
                .is_in(ids.iter().map(|i| i.as_str().to_owned())),
        )
        .to_owned();
    let stmt = db.get_database_backend().build(&stmt);
    let rows = HitRow::find_by_statement(stmt).all(db).await.context("match identities against suppression lists")?;
    let mut out: HashMap<CustomerId, Vec<ListHit>> = HashMap::new();
    for r in rows {
        out.entry(CustomerId::from_stored(r.customer_id)).or_default().push(ListHit {
            identity_id: IdentityId::from_stored(r.identity_id),
            list_name: r.name,
            purposes: serde_json::from_str(&r.purposes).context("decode a list's purposes")?,
            added_at: r.added_at,
            expires_at: r.expires_at,
        });
    }
    Ok(out)
}
