//! Tamper evidence. Each entry is written with a MAC of its content (keyed from the master
//! key, so whoever can write the database cannot forge one) and queued (`audit_pending`).
//! A sealer then gives queued entries the next positions (`seq`, gap-free) and a chained
//! MAC over the previous one, as rows of `audit_seals` (entries are never updated), takes
//! them off the queue and keeps the last in `audit_chain`. [`super::verify`] recomputes
//! both.
//!
//! Sealing runs apart from the requests that write entries, so recording access stays one
//! statement on the hot path and requests never wait on one chain lock.

use super::super::entity::audit::{self, chain as head};
use super::super::error::DbContext;
use super::super::{PiiCodec, StoreResult};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set};
use std::collections::HashSet;

/// The MAC of an entry's content (everything but its place in the chain).
pub fn entry_mac(codec: &PiiCodec, row: &audit::Model) -> String {
    let content = serde_json::json!([
        "audit-entry/v1",
        row.id,
        row.at.timestamp_micros(),
        row.actor,
        row.action,
        row.entity_id,
        row.customer_id,
        row.operation,
        row.fields,
        row.details,
    ]);
    codec.audit_mac(content.to_string().as_bytes())
}

pub(super) fn chain_mac(codec: &PiiCodec, previous: Option<&str>, seq: i64, entry_mac: &str) -> String {
    let content = serde_json::json!(["audit-chain/v1", previous, seq, entry_mac]);
    codec.audit_mac(content.to_string().as_bytes())
}

/// What one sealing round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sealed {
    /// Entries given a place in the chain.
    pub sealed: u64,
    /// Unsealed entries whose MAC does not check out: left out of the chain, for
    /// verification to report.
    pub refused: Vec<String>,
    /// The last queue row read and how many were (a round that read a whole batch is
    /// followed by one after it, so refused or dangling rows never hold the queue up).
    pub last_read: Option<String>,
    pub read: u64,
}

/// Seal up to `batch` queued entries, oldest first (after queue row `after`), in `tx` (a
/// write transaction: the head row is locked first, so replicas seal one at a time). The
/// caller commits.
pub async fn seal(tx: &DatabaseTransaction, codec: &PiiCodec, batch: u64, after: Option<&str>) -> StoreResult<Sealed> {
    // Lock the head (a no-op update takes PostgreSQL's row lock; SQLite's write
    // transaction is already exclusive).
    head::Entity::update_many()
        .col_expr(head::Column::Seq, Expr::col(head::Column::Seq))
        .filter(head::Column::Id.eq(1))
        .exec(tx)
        .await
        .context("lock the audit chain")?;
    let Some(mut state) = head::Entity::find_by_id(1).one(tx).await.context("read the audit chain")? else {
        return Ok(Sealed::default());
    };
    if !state.adopted {
        adopt_unsigned(tx, codec).await?;
    }
    // The queue's oldest entries (ids are time-ordered), in the order they were written.
    let queued: Vec<String> = audit::pending::Entity::find()
        .select_only()
        .column(audit::pending::Column::EntryId)
        .apply_if(after, |q, after| q.filter(audit::pending::Column::EntryId.gt(after)))
        .order_by_asc(audit::pending::Column::EntryId)
        .limit(batch)
        .into_tuple()
        .all(tx)
        .await
        .context("read the audit entries waiting to be sealed")?;
    let mut pending = if queued.is_empty() {
        Vec::new()
    } else {
        audit::Entity::find()
            .filter(audit::Column::Id.is_in(queued.iter().map(String::as_str)))
            .all(tx)
            .await
            .context("read unsealed audit entries")?
    };
    // A queue row of an entry that has its place already (written by hand: the database
    // only queues an entry when it is inserted) is dropped, not sealed twice.
    let placed: HashSet<String> = super::places(tx, pending.iter().map(|r| r.id.as_str())).await?.into_keys().collect();
    pending.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    let mut outcome = Sealed { read: queued.len() as u64, last_read: queued.last().cloned(), ..Sealed::default() };
    let mut places = Vec::with_capacity(pending.len());
    for row in pending.into_iter().filter(|row| !placed.contains(&row.id)) {
        let Some(mac) = row.entry_mac.as_deref().filter(|mac| *mac == entry_mac(codec, &row)) else {
            outcome.refused.push(row.id);
            continue;
        };
        let seq = state.seq + 1;
        let chained = chain_mac(codec, state.mac.as_deref(), seq, mac);
        state.seq = seq;
        state.mac = Some(chained.clone());
        places.push(audit::seal::ActiveModel { seq: Set(seq), entry_id: Set(row.id), chain_mac: Set(chained) });
    }
    outcome.sealed = places.len() as u64;
    if !places.is_empty() || !placed.is_empty() {
        let dequeued: Vec<String> = places.iter().map(|p| p.entry_id.as_ref().clone()).chain(placed).collect();
        if !places.is_empty() {
            super::super::rows::insert(tx, places, super::super::rows::Conflict::Fail, "seal audit entries").await?;
        }
        audit::pending::Entity::delete_many()
            .filter(audit::pending::Column::EntryId.is_in(dequeued))
            .exec(tx)
            .await
            .context("take sealed audit entries off the queue")?;
    }
    if outcome.sealed > 0 || !state.adopted {
        head::Entity::update_many()
            .col_expr(head::Column::Seq, Expr::value(state.seq))
            .col_expr(head::Column::Mac, Expr::value(state.mac.clone()))
            .col_expr(head::Column::Adopted, Expr::value(true))
            .filter(head::Column::Id.eq(1))
            .exec(tx)
            .await
            .context("advance the audit chain")?;
    }
    Ok(outcome)
}

/// The first seal after the upgrade signs the entries the first release wrote (they had
/// no MAC). From then on an entry without one is reported as inserted.
async fn adopt_unsigned(tx: &DatabaseTransaction, codec: &PiiCodec) -> StoreResult<()> {
    let rows = audit::Entity::find()
        .filter(audit::Column::EntryMac.is_null())
        .all(tx)
        .await
        .context("read the first release's audit entries")?;
    for row in rows {
        audit::Entity::update_many()
            .col_expr(audit::Column::EntryMac, Expr::value(entry_mac(codec, &row)))
            .filter(audit::Column::Id.eq(row.id.as_str()))
            .exec(tx)
            .await
            .context("sign a first-release audit entry")?;
    }
    Ok(())
}
