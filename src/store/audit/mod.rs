//! The audit log: who changed what (field names, never values) and whose personal data a
//! response revealed. Entries are written in one statement per transaction (a write's, or
//! a group of responses' reads: [`record_reads`]), each with a MAC of its content; [`chain`]
//! seals them into a gap-free chain and [`verify`] checks it. Details carry ids and counts,
//! never PII.

pub mod chain;
pub mod export;
pub mod purge;
pub mod verify;

use super::entity::audit;
use super::error::DbContext;
use super::{PiiCodec, Store, StoreResult};
use crate::domain::audit::{Actor, AuditEntry, AuditFilter, Change, entry_customers};
use crate::domain::id::{CustomerId, new_id};
use chrono::{DateTime, SubsecRound as _, Utc};
use sea_orm::sea_query::{Condition, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Set,
};

/// Rows per INSERT (and ids per look-up): far below PostgreSQL's 65,535 bind parameters.
const ROWS_PER_INSERT: usize = 1000;

/// Record `changes` by `actor`, now: one statement (`store::rows`; the database queues the
/// entries for the sealer, `audit_pending`). Call it inside the transaction of the write it
/// records, so both land or neither does.
pub async fn record(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    actor: &Actor,
    changes: Vec<Change>,
) -> StoreResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let at = now();
    let rows: Vec<audit::ActiveModel> =
        changes.into_iter().map(|change| insertable(new_row(codec, actor, at, new_id(), change))).collect();
    super::rows::insert(db, rows, super::rows::Conflict::Fail, "record audit entries").await
}

/// One response's `pii.read` entry, made (and its MAC computed) by the request it records,
/// to be written with other requests' entries by [`record_reads`].
#[derive(Clone, Debug)]
pub struct ReadEntry {
    row: audit::Model,
    /// The profiles to index it under on SQLite (`PiiReads::into_entry`).
    subjects: Vec<CustomerId>,
}

impl ReadEntry {
    pub fn new(codec: &PiiCodec, actor: &Actor, entry: Change, subjects: Vec<CustomerId>) -> Self {
        Self { row: new_row(codec, actor, now(), new_id(), entry), subjects }
    }
}

/// Record responses' `pii.read` entries (one or several requests'), committed together:
/// each entry with its index lands or none does (and their places in the sealer's queue,
/// which the database writes: `audit_pending`, migration m20270101).
///
/// On PostgreSQL that is the entries alone, **one INSERT**. The profiles an entry lists
/// (its details' `customerIds`) are indexed from the entry itself (`ix_audit_listed`, a
/// GIN index over that list; migration m20261231). Until then each profile was an
/// `audit_subjects` row written with it: for a page of 50, 50 rows and their key, about
/// 1 ms of the server's CPU, most of what the audit cost the page. SQLite has no GIN:
/// there the entries and their `audit_subjects` rows share a transaction (local calls, no
/// round trips), one more statement per thousand profiles.
pub async fn record_reads(store: &Store, entries: &[ReadEntry]) -> StoreResult<()> {
    let postgres = store.backend() == DbBackend::Postgres;
    if let [entry] = entries
        && (postgres || entry.subjects.is_empty())
    {
        // One entry and nothing to index: a plain INSERT (its prepared statement is cached).
        let insert = audit::Entity::insert(insertable(entry.row.clone())).into_query();
        store.read_audit_db().execute(&insert).await.context("record an audit entry")?;
        return Ok(());
    }
    let rows = entries.iter().map(|entry| insertable(entry.row.clone())).collect();
    if postgres {
        return super::rows::insert(store.read_audit_db(), rows, super::rows::Conflict::Fail, "record audit entries")
            .await;
    }
    let mut index = Vec::new();
    for entry in entries {
        index.extend(entry.subjects.iter().map(|id| audit::subject::ActiveModel {
            customer_id: Set(id.as_str().to_owned()),
            at: Set(entry.row.at),
            entry_id: Set(entry.row.id.clone()),
        }));
    }
    let tx = store.begin_write().await?;
    super::rows::insert(&tx, index, super::rows::Conflict::Fail, "index audit entries").await?;
    super::rows::insert(&tx, rows, super::rows::Conflict::Fail, "record audit entries").await?;
    super::commit(tx).await
}

/// On PostgreSQL, the profiles an entry's details list (`customerIds`): the expression
/// `ix_audit_listed` indexes (migration m20261231), which a query must repeat to use it.
pub(crate) const LISTED: &str = "((\"details\"::jsonb) -> 'customerIds')";

/// On PostgreSQL, entries whose details list profile `id`, through `ix_audit_listed`.
pub(crate) fn listing(id: &str) -> sea_orm::sea_query::SimpleExpr {
    let list = serde_json::Value::from(vec![id]).to_string();
    sea_orm::sea_query::Expr::cust_with_values(format!("{LISTED} @> $1::jsonb"), [list])
}

/// Now, to the microsecond: what both databases keep, so the MAC checks out after a round trip.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A new entry, its MAC computed.
fn new_row(codec: &PiiCodec, actor: &Actor, at: DateTime<Utc>, id: String, change: Change) -> audit::Model {
    let mut row = audit::Model {
        id,
        at,
        actor: actor.subject.clone(),
        action: change.action.to_owned(),
        entity_id: change.entity_id,
        details: change.details.to_string(),
        customer_id: change.customer_id.map(|id| id.into_string()),
        operation: actor.operation.clone(),
        fields: Some(serde_json::Value::from(change.fields).to_string()),
        entry_mac: None,
    };
    row.entry_mac = Some(chain::entry_mac(codec, &row));
    row
}

/// `row` with every column set, to insert.
fn insertable(row: audit::Model) -> audit::ActiveModel {
    audit::ActiveModel {
        id: Set(row.id),
        at: Set(row.at),
        actor: Set(row.actor),
        action: Set(row.action),
        entity_id: Set(row.entity_id),
        details: Set(row.details),
        customer_id: Set(row.customer_id),
        operation: Set(row.operation),
        fields: Set(row.fields),
        entry_mac: Set(row.entry_mac),
    }
}

/// Where a page of the log starts: after the entry at (`at`, `id`), newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    pub at: DateTime<Utc>,
    pub id: String,
}

/// A page of entries matching `filter`, newest first, after `position`; `limit` rows.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    after: Option<&Position>,
    limit: u64,
) -> StoreResult<Vec<AuditEntry>> {
    let mut cond = Condition::all();
    if let Some(id) = &filter.customer_id {
        // Entries naming the profile, and entries about several profiles listing it.
        let listed = if db.get_database_backend() == DbBackend::Postgres {
            listing(id.as_str())
        } else {
            let indexed = Query::select()
                .column(audit::subject::Column::EntryId)
                .from(audit::subject::Entity)
                .and_where(audit::subject::Column::CustomerId.eq(id.as_str()))
                .to_owned();
            audit::Column::Id.in_subquery(indexed)
        };
        cond = cond.add(Condition::any().add(audit::Column::CustomerId.eq(id.as_str())).add(listed));
    }
    if let Some(principal) = &filter.principal {
        cond = cond.add(audit::Column::Actor.eq(principal.as_str()));
    }
    if let Some(action) = &filter.action {
        cond = cond.add(audit::Column::Action.eq(action.as_str()));
    }
    if let Some(since) = filter.since {
        cond = cond.add(audit::Column::At.gte(since));
    }
    if let Some(until) = filter.until {
        cond = cond.add(audit::Column::At.lt(until));
    }
    if let Some(p) = after {
        cond = cond.add(
            Condition::any()
                .add(audit::Column::At.lt(p.at))
                .add(Condition::all().add(audit::Column::At.eq(p.at)).add(audit::Column::Id.lt(p.id.as_str()))),
        );
    }
    let rows = audit::Entity::find()
        .filter(cond)
        .order_by_desc(audit::Column::At)
        .order_by_desc(audit::Column::Id)
        .limit(limit)
        .all(db)
        .await
        .context("load a page of the audit log")?;
    let mut places = places(db, rows.iter().map(|r| r.id.as_str())).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let seal = places.remove(&r.id);
            entry(r, seal.map(|s| s.seq))
        })
        .collect())
}

/// The places in the chain of those of entries `ids` that are sealed, by entry id: one
/// statement per thousand ids.
pub async fn places<'a>(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = &'a str>,
) -> StoreResult<std::collections::HashMap<String, audit::seal::Model>> {
    let ids: Vec<&str> = ids.into_iter().collect();
    let mut found = std::collections::HashMap::new();
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        let places = audit::seal::Entity::find()
            .filter(audit::seal::Column::EntryId.is_in(chunk.iter().copied()))
            .all(db)
            .await
            .context("read the audit entries' places in the chain")?;
        found.extend(places.into_iter().map(|p| (p.entry_id.clone(), p)));
    }
    Ok(found)
}

/// Entries at or after `since`, oldest first, after `position` (for export).
pub async fn since(
    db: &impl ConnectionTrait,
    since: Option<DateTime<Utc>>,
    after: Option<&Position>,
    limit: u64,
) -> StoreResult<Vec<audit::Model>> {
    let mut cond = Condition::all();
    if let Some(since) = since {
        cond = cond.add(audit::Column::At.gte(since));
    }
    if let Some(p) = after {
        cond = cond.add(
            Condition::any()
                .add(audit::Column::At.gt(p.at))
                .add(Condition::all().add(audit::Column::At.eq(p.at)).add(audit::Column::Id.gt(p.id.as_str()))),
        );
    }
    audit::Entity::find()
        .filter(cond)
        .order_by_asc(audit::Column::At)
        .order_by_asc(audit::Column::Id)
        .limit(limit)
        .all(db)
        .await
        .context("read the audit log")
}

/// Whether any entry waits to be sealed (one indexed look-up, no lock).
pub async fn has_pending(db: &impl ConnectionTrait) -> StoreResult<bool> {
    let one = audit::pending::Entity::find().limit(1).one(db).await.context("look for unsealed audit entries")?;
    Ok(one.is_some())
}

/// Number of entries not sealed yet (exported on `/metrics`).
pub async fn pending(db: &impl ConnectionTrait) -> StoreResult<u64> {
    audit::pending::Entity::find().count(db).await.context("count unsealed audit entries")
}

/// The stored field list (a JSON array; none for the first release's entries).
fn stored_fields(r: &audit::Model) -> Vec<String> {
    r.fields.as_deref().and_then(|f| serde_json::from_str(f).ok()).unwrap_or_default()
}

/// The stored details (a JSON value).
fn stored_details(r: &audit::Model) -> serde_json::Value {
    serde_json::from_str(&r.details).unwrap_or_default()
}

fn entry(r: audit::Model, seq: Option<i64>) -> AuditEntry {
    let (fields, details) = (stored_fields(&r), stored_details(&r));
    AuditEntry {
        customer_ids: entry_customers(r.customer_id.as_deref(), &details),
        id: r.id,
        seq,
        at: r.at,
        principal: r.actor,
        action: r.action,
        operation: r.operation,
        customer_id: r.customer_id,
        entity_id: r.entity_id,
        fields,
        details,
    }
}
