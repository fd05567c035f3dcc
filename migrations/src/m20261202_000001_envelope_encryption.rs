//! Envelope encryption (decision 0009): external ids are sealed, so lookups compare a
//! blind index (`external_key`). Rows written before keep `external_key` null until the
//! re-sealing job (`customers reseal`, run at start) fills it; lookups accept both.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("external_refs").add_column(text_null("external_key")).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_external_refs_key")
                    .table("external_refs")
                    .col("system")
                    .col("external_key")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ux_external_refs_key").table("external_refs").to_owned()).await?;
        manager.alter_table(Table::alter().table("external_refs").drop_column("external_key").to_owned()).await
    }
}
