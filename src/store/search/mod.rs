//! Search tokens: keyed blind-index tokens of each profile's name, identifiers and
//! searchable attribute values (`domain::search` says which), rebuilt from the profile's
//! current data inside every write that changes them, and looked up by searches
//! ([`find`]). The table holds `(token, kind, customer_id)` only: no value, no length.

mod find;

pub use find::{SearchHit, count, find};

use super::entity::{attribute_definition as def, customer_attribute as attr, search_token};
use super::error::DbContext;
use super::rows;
pub use super::rows::Conflict;
use super::{PiiCodec, StoreResult, attributes, customers, external_refs, identities};
use crate::domain::Channel;
use crate::domain::enums::CustomerStatus;
use crate::domain::id::CustomerId;
use crate::domain::search::{IdentityShape, SearchDoc, tokens};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, Set};
use std::collections::HashMap;

/// On PostgreSQL, rebuild the tokens' primary key (`REINDEX INDEX CONCURRENTLY`: writes go
/// on meanwhile): its leaf pages then lie in key order, full, so a token's holders are one
/// sequential read. Inserted one profile at a time (or batch by batch) the index fills its
/// pages to ~60% in token order scattered over the file: at 1M profiles 3.1 GB against 2.0
/// GB rebuilt, and a search that must read it from disk waited ~100 µs a page instead of
/// riding the read-ahead (docs/benchmarks.md). A no-op on SQLite.
pub async fn compact(db: &impl ConnectionTrait) -> StoreResult<()> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    db.execute_unprepared("REINDEX INDEX CONCURRENTLY customer_search_tokens_pkey")
        .await
        .context("rebuild the search tokens' index")?;
    Ok(())
}

/// Forget the tokens of `ids` (an erasure; the first step of a rebuild).
pub async fn delete(db: &impl ConnectionTrait, ids: &[CustomerId]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    search_token::Entity::delete_many()
        .filter(search_token::Column::CustomerId.is_in(ids.iter().map(|id| id.as_str().to_owned())))
        .exec(db)
        .await
        .context("delete search tokens")?;
    Ok(())
}

/// Make the tokens of `ids` those of their current data: a merged or erased profile has
/// none (a merged one is found as its survivor). Six statements for any number of
/// profiles (the delete, four reads, the insert: see `store::rows`).
pub async fn rebuild(db: &impl ConnectionTrait, codec: &PiiCodec, ids: &[CustomerId]) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    delete(db, ids).await?;
    let found = customers::get_many(db, codec, ids).await?;
    let live: Vec<CustomerId> = ids
        .iter()
        .filter(|id| {
            found.get(*id).is_some_and(|c| !matches!(c.status, CustomerStatus::Merged | CustomerStatus::Erased))
        })
        .cloned()
        .collect();
    if live.is_empty() {
        return Ok(());
    }
    let mut idents = identities::by_customers(db, codec, &live).await?;
    let mut refs = external_refs::by_customers(db, codec, &live).await?;
    let mut values = searchable_values(db, codec, &live).await?;
    let docs: Vec<(CustomerId, SearchDoc)> = live
        .into_iter()
        .map(|id| {
            let doc = SearchDoc {
                display_name: found.get(&id).and_then(|c| c.display_name.as_ref()).map(|n| n.expose().to_owned()),
                identities: idents
                    .remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|i| (i.spec.value.expose().to_owned(), shape(i.spec.channel)))
                    .collect(),
                external_ids: refs.remove(&id).unwrap_or_default().into_iter().map(|r| r.external_id).collect(),
                attribute_values: values.remove(&id).unwrap_or_default(),
            };
            (id, doc)
        })
        .collect();
    // A concurrent `customers reindex` may have written the same rows: keep them.
    insert(db, codec, &docs, Conflict::Ignore).await
}

/// Write the tokens of `docs`' profiles, which have none (`rebuild` deleted them; a bulk
/// import makes the documents of new profiles from the values it writes, without reading
/// them back). `conflict`: a rebuild keeps the rows a concurrent `customers reindex` wrote;
/// new profiles cannot have any, so their insert skips the conflict check. Rows go in
/// token order (the primary key's): the index is filled in order rather than at random.
/// One statement (on SQLite, one per ten thousand tokens).
pub async fn insert(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    docs: &[(CustomerId, SearchDoc)],
    conflict: Conflict,
) -> StoreResult<()> {
    let mut keyed: Vec<(i64, &'static str, &CustomerId)> = Vec::new();
    for (id, doc) in docs {
        keyed.extend(
            tokens(doc).into_iter().map(|(kind, text)| (codec.search_token(kind.as_str(), &text), kind.as_str(), id)),
        );
    }
    keyed.sort_unstable();
    keyed.dedup();
    let out: Vec<search_token::ActiveModel> = keyed
        .into_iter()
        .map(|(token, kind, id)| search_token::ActiveModel {
            token: Set(token),
            kind: Set(kind.to_owned()),
            customer_id: Set(id.as_str().to_owned()),
        })
        .collect();
    rows::insert(db, out, conflict, "insert search tokens").await
}

/// How an identity of `channel` is split into tokens.
pub fn shape(channel: Channel) -> IdentityShape {
    match channel {
        c if c.is_phone_based() => IdentityShape::Phone,
        Channel::Email => IdentityShape::Email,
        _ => IdentityShape::Opaque,
    }
}

/// The values of searchable attributes of `ids`, as text (a string as it is, anything
/// else as its JSON), opened when PII.
async fn searchable_values(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, Vec<String>>> {
    let rows = attr::Entity::find()
        .join(
            JoinType::InnerJoin,
            attr::Entity::belongs_to(def::Entity).from(attr::Column::Key).to(def::Column::Key).into(),
        )
        .filter(attr::Column::CustomerId.is_in(ids.iter().map(|id| id.as_str().to_owned())))
        .filter(def::Column::Searchable.eq(true))
        .all(db)
        .await
        .context("load searchable attribute values")?;
    codec.prefetch(rows.iter().map(|m| m.value.as_str())).await.context("load data keys")?;
    let mut out: HashMap<CustomerId, Vec<String>> = HashMap::new();
    for m in &rows {
        let text = attributes::plain_text(codec, m).await?;
        let text = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::String(s)) => s,
            _ => text,
        };
        out.entry(CustomerId::from_stored(m.customer_id.clone())).or_default().push(text);
    }
    Ok(out)
}

/// The profiles holding a value of attribute `key` (to rebuild when its `searchable` changes).
pub async fn holders_of(db: &impl ConnectionTrait, key: &str) -> StoreResult<Vec<CustomerId>> {
    let ids: Vec<String> = attr::Entity::find()
        .select_only()
        .column(attr::Column::CustomerId)
        .filter(attr::Column::Key.eq(key))
        .into_tuple()
        .all(db)
        .await
        .context("list the holders of an attribute")?;
    Ok(ids.into_iter().map(CustomerId::from_stored).collect())
}

/// A page of profile ids in id order after `after` (for `customers reindex`).
pub async fn ids_after(
    db: &impl ConnectionTrait,
    after: Option<&CustomerId>,
    limit: u64,
) -> StoreResult<Vec<CustomerId>> {
    use super::entity::customer;
    use sea_orm::QueryOrder as _;
    let mut q = customer::Entity::find().select_only().column(customer::Column::Id).order_by_asc(customer::Column::Id);
    if let Some(after) = after {
        q = q.filter(customer::Column::Id.gt(after.as_str()));
    }
    let ids: Vec<String> = q.limit(limit).into_tuple().all(db).await.context("list customer ids")?;
    Ok(ids.into_iter().map(CustomerId::from_stored).collect())
}
