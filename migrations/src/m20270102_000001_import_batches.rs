//! Bulk import (decision 0014): what an interrupted import committed becomes a set of line
//! ranges, one row per batch, instead of one last line per file. Two batches of a file are
//! now written at once on PostgreSQL, and the later one can commit first: a single "last
//! line committed" would then run ahead of the data. Each batch's row is written in the
//! batch's own transaction, so a range is recorded exactly when its lines are committed.
//!
//! `up` carries an interrupted import's checkpoint over as the range from line 1 to it;
//! `down` keeps, per file, the range that starts at line 1 (later ranges are dropped: a
//! resume then applies those lines again, which is safe, as an import is idempotent by key).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("import_batches")
                    .if_not_exists()
                    .col(string_len("file_hash", 64))
                    .col(big_integer("first_line"))
                    .col(big_integer("last_line"))
                    .col(timestamp_with_time_zone("committed_at"))
                    .primary_key(Index::create().col("file_hash").col("first_line"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO import_batches (file_hash, first_line, last_line, committed_at) \
             SELECT file_hash, 1, committed_line, updated_at FROM import_checkpoints WHERE committed_line > 0",
        )
        .await?;
        manager.drop_table(Table::drop().table("import_checkpoints").if_exists().to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("import_checkpoints")
                    .if_not_exists()
                    .col(string_len("file_hash", 64).primary_key())
                    .col(big_integer("committed_line"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO import_checkpoints (file_hash, committed_line, updated_at) \
             SELECT file_hash, last_line, committed_at FROM import_batches WHERE first_line = 1",
        )
        .await?;
        manager.drop_table(Table::drop().table("import_batches").if_exists().to_owned()).await
    }
}
