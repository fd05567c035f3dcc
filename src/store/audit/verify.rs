//! Verification of the audit log (`customers audit verify`): recomputes every entry's MAC
//! and the chain (`chain`), and names the first entry that does not check out. An edit
//! breaks its MAC; a deletion leaves a position without its entry, a gap, or a head past the
//! end; an insertion has no valid MAC, breaks the chain, or is neither sealed nor queued.

use super::super::entity::audit::{self, chain as head};
use super::super::error::DbContext;
use super::super::{PiiCodec, StoreResult};
use super::chain::{chain_mac, entry_mac};
use crate::domain::audit::{Tamper, TamperFinding, Verification, entry_customers};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Verification reads this many entries per statement.
const VERIFY_PAGE: u64 = 1000;

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
        let places = audit::seal::Entity::find()
            .filter(audit::seal::Column::Seq.gte(expected))
            .order_by_asc(audit::seal::Column::Seq)
            .limit(VERIFY_PAGE)
            .all(db)
            .await
            .context("read the audit chain's positions")?;
        if places.is_empty() {
            break;
        }
        let mut entries: HashMap<String, audit::Model> = audit::Entity::find()
            .filter(audit::Column::Id.is_in(places.iter().map(|p| p.entry_id.as_str())))
            .all(db)
            .await
            .context("read sealed audit entries")?
            .into_iter()
            .map(|row| (row.id.clone(), row))
            .collect();
        let unindexed = unindexed(db, entries.values()).await?;
        for place in places {
            let seq = place.seq;
            let found = |tamper| Some(TamperFinding { id: Some(place.entry_id.clone()), seq: Some(seq), tamper });
            let Some(row) = entries.remove(&place.entry_id) else {
                report.finding =
                    found(if seq == expected { Tamper::Deleted } else { Tamper::Missing { expected_seq: expected } });
                return Ok(report);
            };
            let own = entry_mac(codec, &row);
            if row.entry_mac.as_deref() != Some(own.as_str()) {
                report.finding = found(Tamper::Edited);
            } else if seq != expected {
                report.finding = found(Tamper::Missing { expected_seq: expected });
            } else if place.chain_mac != chain_mac(codec, previous.as_deref(), seq, &own) {
                report.finding = found(Tamper::Broken);
            } else if unindexed.contains(&row.id) {
                report.finding = found(Tamper::Unindexed);
            }
            if report.finding.is_some() {
                return Ok(report);
            }
            previous = Some(place.chain_mac);
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
    // The entries without a place: each must be in the sealer's queue, with its own MAC, and
    // each entry in the queue must be there. The queue is read before and after the entries
    // (as the sealer may run meanwhile): an entry queued before is unsealed, sealed since
    // or deleted; an entry unsealed is queued after, or sealed since.
    let queued_before = queue(db).await?;
    let sealed = Query::select().column(audit::seal::Column::EntryId).from(audit::seal::Entity).to_owned();
    let unsealed = audit::Entity::find()
        .filter(audit::Column::Id.not_in_subquery(sealed))
        .order_by_asc(audit::Column::At)
        .order_by_asc(audit::Column::Id)
        .all(db)
        .await
        .context("read unsealed audit entries")?;
    let queued_after = queue(db).await?;
    let unsealed_ids: HashSet<&str> = unsealed.iter().map(|r| r.id.as_str()).collect();
    let off_queue: Vec<&str> = unsealed_ids.iter().copied().filter(|id| !queued_after.contains(*id)).collect();
    let dangling: Vec<&str> =
        queued_before.iter().map(String::as_str).filter(|id| !unsealed_ids.contains(id)).collect();
    let sealed_since: HashSet<String> =
        super::places(db, off_queue.iter().chain(&dangling).copied()).await?.into_keys().collect();
    let unindexed = unindexed(db, &unsealed).await?;
    for row in &unsealed {
        if sealed_since.contains(&row.id) {
            continue;
        }
        let tamper = match row.entry_mac.as_deref() {
            None if adopted => Some(Tamper::Unsigned),
            None => None,
            Some(mac) if mac != entry_mac(codec, row) => Some(Tamper::Edited),
            Some(_) if unindexed.contains(&row.id) => Some(Tamper::Unindexed),
            Some(_) if !queued_after.contains(&row.id) => Some(Tamper::Unqueued),
            Some(_) => None,
        };
        if let Some(tamper) = tamper {
            report.finding = Some(TamperFinding { id: Some(row.id.clone()), seq: None, tamper });
            return Ok(report);
        }
        report.pending += 1;
    }
    if let Some(gone) = dangling.into_iter().find(|id| !sealed_since.contains(*id)) {
        report.finding = Some(TamperFinding { id: Some(gone.to_owned()), seq: None, tamper: Tamper::Deleted });
    }
    Ok(report)
}

/// The entries waiting to be sealed.
async fn queue(db: &impl ConnectionTrait) -> StoreResult<HashSet<String>> {
    let ids: Vec<String> = audit::pending::Entity::find()
        .select_only()
        .column(audit::pending::Column::EntryId)
        .into_tuple()
        .all(db)
        .await
        .context("read the audit entries waiting to be sealed")?;
    Ok(ids.into_iter().collect())
}

/// Profile ids per statement when looking up the per-profile index.
const SUBJECTS_PER_QUERY: usize = 500;

/// The entries of `rows` about several profiles for which a listed profile is missing from
/// the per-profile index (`audit_subjects`): its row was deleted to hide the entry from that
/// profile's log. One statement per 500 profiles listed. On PostgreSQL the index is computed
/// from the entry's own (MAC-covered) list (`ix_audit_listed`), so there is no row to delete
/// and nothing to check.
async fn unindexed<'a>(
    db: &impl ConnectionTrait,
    rows: impl IntoIterator<Item = &'a audit::Model>,
) -> StoreResult<HashSet<String>> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        return Ok(HashSet::new());
    }
    let listed: Vec<(&audit::Model, Vec<String>)> = rows
        .into_iter()
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
