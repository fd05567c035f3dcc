//! Tamper evidence. Each entry is written with a MAC of its content (keyed from the master
//! key, so whoever can write the database cannot forge one). A sealer then gives unsealed
//! entries the next positions (`seq`, gap-free) and a chained MAC over the previous one,
//! and keeps the last in `audit_chain`. Verification recomputes both and names the first
//! entry that does not check out: an edit breaks its MAC, a deletion leaves a gap (or a
//! head past the end), an insertion has no valid MAC or breaks the chain.
//!
//! Sealing runs apart from the requests that write entries, so recording access stays one
//! INSERT on the hot path and requests never wait on one chain lock.

use super::super::entity::audit::{self, chain as head};
use super::super::error::DbContext;
use super::super::{PiiCodec, StoreResult};
use crate::domain::audit::{Tamper, TamperFinding, Verification, entry_customers};
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeSet, HashSet};

/// Verification reads this many entries per statement.
const VERIFY_PAGE: u64 = 1000;

/// Sealing gives this many entries their place per UPDATE (three parameters each, well
/// under either database's limit).
const PLACES_PER_UPDATE: usize = 500;

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

fn chain_mac(codec: &PiiCodec, previous: Option<&str>, seq: i64, entry_mac: &str) -> String {
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
}

/// Seal up to `batch` unsealed entries, oldest first, in `tx` (a write transaction: the
/// head row is locked first, so replicas seal one at a time). The caller commits.
pub async fn seal(tx: &DatabaseTransaction, codec: &PiiCodec, batch: u64) -> StoreResult<Sealed> {
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
    let pending = audit::Entity::find()
        .filter(audit::Column::Seq.is_null())
        .order_by_asc(audit::Column::At)
        .order_by_asc(audit::Column::Id)
        .limit(batch)
        .all(tx)
        .await
        .context("read unsealed audit entries")?;
    let mut outcome = Sealed::default();
    let mut places = Vec::with_capacity(pending.len());
    for row in pending {
        let Some(mac) = row.entry_mac.as_deref().filter(|mac| *mac == entry_mac(codec, &row)) else {
            outcome.refused.push(row.id);
            continue;
        };
        let seq = state.seq + 1;
        let chained = chain_mac(codec, state.mac.as_deref(), seq, mac);
        state.seq = seq;
        state.mac = Some(chained.clone());
        places.push((row.id, seq, chained));
    }
    for chunk in places.chunks(PLACES_PER_UPDATE) {
        place(tx, chunk).await?;
    }
    outcome.sealed = places.len() as u64;
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

/// Give each entry of `places` (id, position, chained MAC) its place in one statement:
/// `UPDATE … SET seq = CASE id WHEN … END, chain_mac = CASE id WHEN … END WHERE id IN (…)`.
/// A round of a thousand entries is two UPDATEs, not a thousand.
async fn place(tx: &DatabaseTransaction, places: &[(String, i64, String)]) -> StoreResult<()> {
    let (mut seq, mut mac) = (CaseStatement::new(), CaseStatement::new());
    for (id, position, chained) in places {
        seq = seq.case(audit::Column::Id.eq(id.as_str()), Expr::value(*position));
        mac = mac.case(audit::Column::Id.eq(id.as_str()), Expr::value(chained.as_str()));
    }
    audit::Entity::update_many()
        .col_expr(audit::Column::Seq, seq.into())
        .col_expr(audit::Column::ChainMac, mac.into())
        .filter(audit::Column::Id.is_in(places.iter().map(|(id, _, _)| id.as_str())))
        .exec(tx)
        .await
        .context("seal audit entries")?;
    Ok(())
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

/// Check the whole log: every sealed entry's MAC and chain, in `seq` order, the head, and
/// every unsealed entry's MAC. Stops at the first problem.
pub async fn verify(db: &impl ConnectionTrait, codec: &PiiCodec) -> StoreResult<Verification> {
    let state = head::Entity::find_by_id(1).one(db).await.context("read the audit chain")?;
    let (head_seq, adopted) = state.as_ref().map_or((0, false), |h| (h.seq, h.adopted));
    let mut report = Verification::default();
    let mut previous: Option<String> = None;
    let mut expected = 1i64;
    // After a retention purge the chain starts at its anchor (`purge`), if the anchor's own
    // MAC checks out: nobody without the key can move it.
    if let Some(anchor) = super::purge::anchor(db).await? {
        if anchor.seal != super::purge::anchor_seal(codec, anchor.seq, &anchor.mac) {
            report.finding = Some(TamperFinding { id: None, seq: Some(anchor.seq), tamper: Tamper::Broken });
            return Ok(report);
        }
        report.purged_through = Some(anchor.seq);
        previous = Some(anchor.mac);
        expected = anchor.seq + 1;
    }
    loop {
        let rows = audit::Entity::find()
            .filter(audit::Column::Seq.gte(expected))
            .order_by_asc(audit::Column::Seq)
            .limit(VERIFY_PAGE)
            .all(db)
            .await
            .context("read sealed audit entries")?;
        if rows.is_empty() {
            break;
        }
        let unindexed = unindexed(db, &rows).await?;
        for row in rows {
            let seq = row.seq.unwrap_or_default();
            let found = |tamper| Some(TamperFinding { id: Some(row.id.clone()), seq: Some(seq), tamper });
            let own = entry_mac(codec, &row);
            if row.entry_mac.as_deref() != Some(own.as_str()) {
                report.finding = found(Tamper::Edited);
            } else if seq != expected {
                report.finding = found(Tamper::Missing { expected_seq: expected });
            } else if row.chain_mac.as_deref() != Some(chain_mac(codec, previous.as_deref(), seq, &own).as_str()) {
                report.finding = found(Tamper::Broken);
            } else if unindexed.contains(&row.id) {
                report.finding = found(Tamper::Unindexed);
            }
            if report.finding.is_some() {
                return Ok(report);
            }
            previous = row.chain_mac;
            expected = seq + 1;
            report.sealed += 1;
        }
    }
    if expected - 1 != head_seq {
        let tamper = if expected - 1 < head_seq { Tamper::Truncated { head_seq } } else { Tamper::Broken };
        report.finding = Some(TamperFinding { id: None, seq: Some(expected - 1), tamper });
        return Ok(report);
    }
    if state.as_ref().is_some_and(|h| h.mac != previous) {
        report.finding = Some(TamperFinding { id: None, seq: Some(head_seq), tamper: Tamper::Broken });
        return Ok(report);
    }
    let pending = audit::Entity::find()
        .filter(audit::Column::Seq.is_null())
        .order_by_asc(audit::Column::At)
        .order_by_asc(audit::Column::Id)
        .all(db)
        .await
        .context("read unsealed audit entries")?;
    let unindexed = unindexed(db, &pending).await?;
    for row in pending {
        let tamper = match row.entry_mac.as_deref() {
            None if adopted => Some(Tamper::Unsigned),
            None => None,
            Some(mac) if mac != entry_mac(codec, &row) => Some(Tamper::Edited),
            Some(_) if unindexed.contains(&row.id) => Some(Tamper::Unindexed),
            Some(_) => None,
        };
        if let Some(tamper) = tamper {
            report.finding = Some(TamperFinding { id: Some(row.id), seq: None, tamper });
            return Ok(report);
        }
        report.pending += 1;
    }
    Ok(report)
}

/// Profile ids per statement when looking up the per-profile index.
const SUBJECTS_PER_QUERY: usize = 500;

/// The entries of `rows` about several profiles for which a listed profile is missing from
/// the per-profile index (`audit_subjects`): its row was deleted to hide the entry from that
/// profile's log. One statement per 500 profiles listed. On PostgreSQL the index is computed
/// from the entry's own (MAC-covered) list (`ix_audit_listed`), so there is no row to delete
/// and nothing to check.
async fn unindexed(db: &impl ConnectionTrait, rows: &[audit::Model]) -> StoreResult<HashSet<String>> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        return Ok(HashSet::new());
    }
    let listed: Vec<(&audit::Model, Vec<String>)> = rows
        .iter()
        .filter(|r| r.customer_id.is_none())
        .map(|r| (r, entry_customers(None, &super::stored_details(r))))
        .filter(|(_, ids)| !ids.is_empty())
        .collect();
    let (Some(from), Some(to)) = (listed.iter().map(|(r, _)| r.at).min(), listed.iter().map(|(r, _)| r.at).max())
    else {
        return Ok(HashSet::new());
    };
    let customers: Vec<&str> = listed
        .iter()
        .flat_map(|(_, ids)| ids.iter().map(String::as_str))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut present: HashSet<(String, String)> = HashSet::new();
    for chunk in customers.chunks(SUBJECTS_PER_QUERY) {
        let found = audit::subject::Entity::find()
            .filter(audit::subject::Column::CustomerId.is_in(chunk.iter().copied()))
            .filter(audit::subject::Column::At.gte(from))
            .filter(audit::subject::Column::At.lte(to))
            .all(db)
            .await
            .context("read the audit log's per-profile index")?;
        present.extend(found.into_iter().map(|s| (s.entry_id, s.customer_id)));
    }
    Ok(listed
        .into_iter()
        .filter(|(r, ids)| ids.iter().any(|id| !present.contains(&(r.id.clone(), id.clone()))))
        .map(|(r, _)| r.id.clone())
        .collect())
}
