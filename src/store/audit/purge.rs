//! Retention of the audit log itself. The log is a hash chain (`chain`): deleting its
//! oldest entries would look exactly like tampering (a gap at the start). So a purge
//! deletes a **prefix** of the sealed chain, entries 1..=N after the last anchor, and
//! records an **anchor**: N, the chain MAC of entry N (what entry N+1 chains from), and an
//! HMAC of both under the audit key. Verification starts from the anchor when its HMAC
//! checks out; whoever can write the database but lacks the key cannot move it forward to
//! hide a deletion, and moving it back (or deleting it) shows the purged entries missing.
//!
//! The prefix stops before the first entry that is recent enough to keep, and before the
//! first entry about a profile under a legal hold (naming it, or listing it among the
//! profiles a response showed; a hold protects its audit trail too):
//! entries after such an entry are kept, whatever their age, until the hold is released.

use super::super::entity::audit::{self, chain as head};
use super::super::entity::{audit_anchor, legal_hold};
use super::super::error::DbContext;
use super::super::{PiiCodec, StoreError, StoreResult, now};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QuerySelect, Set};

/// The anchor's HMAC: binds the purged prefix's last position to its chain MAC.
pub fn anchor_seal(codec: &PiiCodec, seq: i64, mac: &str) -> String {
    let content = serde_json::json!(["audit-anchor/v1", seq, mac]);
    codec.audit_mac(content.to_string().as_bytes())
}

/// The anchor, if entries were ever purged.
pub async fn anchor(db: &impl ConnectionTrait) -> StoreResult<Option<audit_anchor::Model>> {
    audit_anchor::Entity::find_by_id(1).one(db).await.context("read the audit anchor")
}

/// The first position in the chain of an entry matching `cond`.
async fn min_seq(db: &impl ConnectionTrait, cond: sea_orm::Condition) -> StoreResult<Option<i64>> {
    let matching = Query::select().column(audit::Column::Id).from(audit::Entity).cond_where(cond).to_owned();
    let found: Option<Option<i64>> = audit::seal::Entity::find()
        .select_only()
        .column_as(Expr::col(audit::seal::Column::Seq).min(), "s")
        .filter(audit::seal::Column::EntryId.in_subquery(matching))
        .into_tuple()
        .one(db)
        .await
        .context("find a position in the audit chain")?;
    Ok(found.flatten())
}

/// The entries at positions up to `through`.
fn through_position(through: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(audit::seal::Column::EntryId)
        .from(audit::seal::Entity)
        .and_where(audit::seal::Column::Seq.lte(through))
        .to_owned()
}

/// What a purge of entries older than `cutoff` would delete: (the last position purged,
/// how many entries). `None` when nothing can be.
pub async fn purgeable(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> StoreResult<Option<(i64, u64)>> {
    let head_seq = head::Entity::find_by_id(1).one(db).await.context("read the audit chain")?.map_or(0, |h| h.seq);
    let from = anchor(db).await?.map_or(0, |a| a.seq);
    let recent = min_seq(db, sea_orm::Condition::all().add(audit::Column::At.gte(cutoff))).await?;
    let held = || Query::select().column(legal_hold::Column::CustomerId).from(legal_hold::Entity).to_owned();
    // About a held profile: naming it, or listing it (an entry about several profiles, found
    // through the per-profile index; on PostgreSQL, its details' list itself).
    let listing_held = if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        sea_orm::sea_query::Expr::cust(format!(
            "jsonb_exists_any({}, ARRAY(SELECT \"customer_id\" FROM \"{}\"))",
            super::LISTED,
            sea_orm::EntityName::table_name(&legal_hold::Entity)
        ))
    } else {
        let indexed = Query::select()
            .column(audit::subject::Column::EntryId)
            .from(audit::subject::Entity)
            .and_where(audit::subject::Column::CustomerId.in_subquery(held()))
            .to_owned();
        audit::Column::Id.in_subquery(indexed)
    };
    let about_held = sea_orm::Condition::any().add(audit::Column::CustomerId.in_subquery(held())).add(listing_held);
    let protected = min_seq(db, about_held).await?;
    let through = [Some(head_seq), recent.map(|s| s - 1), protected.map(|s| s - 1)].into_iter().flatten().min();
    let Some(through) = through.filter(|t| *t > from) else { return Ok(None) };
    let count = audit::seal::Entity::find()
        .filter(audit::seal::Column::Seq.lte(through))
        .count(db)
        .await
        .context("count purgeable audit entries")?;
    Ok(Some((through, count)))
}

/// Delete the sealed entries up to `through` and move the anchor there. Run in a write
/// transaction that locked the chain's head first (as the sealer does).
pub async fn purge(db: &impl ConnectionTrait, codec: &PiiCodec, through: i64) -> StoreResult<u64> {
    let last = audit::seal::Entity::find_by_id(through).one(db).await.context("read the last purged audit position")?;
    let Some(mac) = last.map(|l| l.chain_mac) else {
        return Err(StoreError::Database(anyhow::anyhow!("the audit entry to anchor at is not sealed")));
    };
    // Their rows in the per-profile index first (ids only, but nothing may point at a purged entry).
    audit::subject::Entity::delete_many()
        .filter(audit::subject::Column::EntryId.in_subquery(through_position(through)))
        .exec(db)
        .await
        .context("purge the index rows of old audit entries")?;
    let deleted = audit::Entity::delete_many()
        .filter(audit::Column::Id.in_subquery(through_position(through)))
        .exec(db)
        .await
        .context("purge old audit entries")?
        .rows_affected;
    audit::seal::Entity::delete_many()
        .filter(audit::seal::Column::Seq.lte(through))
        .exec(db)
        .await
        .context("purge the old audit entries' positions")?;
    let row = audit_anchor::ActiveModel {
        id: Set(1),
        seq: Set(through),
        seal: Set(anchor_seal(codec, through, &mac)),
        mac: Set(mac),
        purged_at: Set(now()),
    };
    audit_anchor::Entity::insert(row)
        .on_conflict(
            OnConflict::column(audit_anchor::Column::Id)
                .update_columns([
                    audit_anchor::Column::Seq,
                    audit_anchor::Column::Mac,
                    audit_anchor::Column::Seal,
                    audit_anchor::Column::PurgedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await
        .context("move the audit anchor")?;
    Ok(deleted)
}

/// Lock the chain's head (as the sealer does) so that no seal runs during a purge.
pub async fn lock_head(db: &impl ConnectionTrait) -> StoreResult<()> {
    head::Entity::update_many()
        .col_expr(head::Column::Seq, Expr::col(head::Column::Seq))
        .filter(head::Column::Id.eq(1))
        .exec(db)
        .await
        .context("lock the audit chain")?;
    Ok(())
}
