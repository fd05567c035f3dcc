//! Bulk import (decision 0014): the last line of a file committed, per file (its SHA-256),
//! so that an import interrupted (even by kill -9) resumes after what it committed. Written
//! in the same transaction as each batch, so the checkpoint never runs ahead of the data.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("import_checkpoints").if_exists().to_owned()).await
    }
}
