//! PII at rest is encrypted with a key derived from the master key: remember a value
//! sealed with it, so a server started with another key refuses to run.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("key_checks")
                    .if_not_exists()
                    .col(string_len("id", 32).primary_key())
                    .col(text("sealed"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("key_checks").if_exists().to_owned()).await
    }
}
