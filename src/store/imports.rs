//! Bulk import checkpoints: the line ranges of a file (by its SHA-256) that batches
//! committed, one row per batch, each written in its batch's transaction.

use super::entity::import_batch as batch;
use super::error::DbContext;
use super::{StoreResult, now};
use crate::domain::import::Committed;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait, QueryFilter as _, Set};

/// The lines of the file with this hash that an interrupted import committed.
pub async fn committed(db: &impl ConnectionTrait, file_hash: &str) -> StoreResult<Committed> {
    let rows = batch::Entity::find()
        .filter(batch::Column::FileHash.eq(file_hash))
        .all(db)
        .await
        .context("read an import's committed batches")?;
    Ok(Committed::new(rows.into_iter().map(|r| (r.first_line.max(0) as u64, r.last_line.max(0) as u64))))
}

/// Record that the lines `first..=last` are committed (in the batch's own transaction).
pub async fn save(db: &impl ConnectionTrait, file_hash: &str, first: u64, last: u64) -> StoreResult<()> {
    let row = batch::ActiveModel {
        file_hash: Set(file_hash.to_owned()),
        first_line: Set(first as i64),
        last_line: Set(last as i64),
        committed_at: Set(now()),
    };
    batch::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([batch::Column::FileHash, batch::Column::FirstLine])
                .update_columns([batch::Column::LastLine, batch::Column::CommittedAt])
                .to_owned(),
        )
        .exec(db)
        .await
        .context("save an import checkpoint")?;
    Ok(())
}

/// Forget what an import of this file committed: it finished (a rerun then applies the
/// file again), or it is restarted from the top.
pub async fn clear(db: &impl ConnectionTrait, file_hash: &str) -> StoreResult<()> {
    batch::Entity::delete_many()
        .filter(batch::Column::FileHash.eq(file_hash))
        .exec(db)
        .await
        .context("clear an import checkpoint")?;
    Ok(())
}
