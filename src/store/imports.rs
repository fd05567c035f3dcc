//! Bulk import checkpoints: the last line of a file (by its SHA-256) committed.

use super::entity::import_checkpoint as checkpoint;
use super::error::DbContext;
use super::{StoreResult, now};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

/// The last line committed of the file with this hash, if an import of it was interrupted.
pub async fn committed_line(db: &impl ConnectionTrait, file_hash: &str) -> StoreResult<Option<u64>> {
    let row =
        checkpoint::Entity::find_by_id(file_hash.to_owned()).one(db).await.context("read an import checkpoint")?;
    Ok(row.map(|r| r.committed_line.max(0) as u64))
}

/// Record that every line up to `line` is committed (in the batch's own transaction).
pub async fn save(db: &impl ConnectionTrait, file_hash: &str, line: u64) -> StoreResult<()> {
    let row = checkpoint::ActiveModel {
        file_hash: Set(file_hash.to_owned()),
        committed_line: Set(line as i64),
        updated_at: Set(now()),
    };
    checkpoint::Entity::insert(row)
        .on_conflict(
            OnConflict::column(checkpoint::Column::FileHash)
                .update_columns([checkpoint::Column::CommittedLine, checkpoint::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(db)
        .await
        .context("save an import checkpoint")?;
    Ok(())
}

/// Forget the checkpoint of a file whose import finished (a rerun then applies it again).
pub async fn clear(db: &impl ConnectionTrait, file_hash: &str) -> StoreResult<()> {
    checkpoint::Entity::delete_by_id(file_hash.to_owned()).exec(db).await.context("clear an import checkpoint")?;
    Ok(())
}
