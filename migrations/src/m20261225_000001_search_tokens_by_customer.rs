//! Search (decision 0013): the tokens of one profile looked up by `(customer_id, token)`,
//! index-only. A page of prefix hits checks, for each profile it reads, that the profile
//! holds none of the search's ranked tokens; with an index on `customer_id` alone
//! PostgreSQL read every token row of the profile from the table (~27 heap fetches a
//! profile). The new index also serves what the old one did (a profile's tokens deleted
//! when they are rebuilt), so it replaces it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_search_tokens_customer_token")
                    .table("customer_search_tokens")
                    .col("customer_id")
                    .col("token")
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop().name("ix_search_tokens_customer").table("customer_search_tokens").if_exists().to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_search_tokens_customer")
                    .table("customer_search_tokens")
                    .col("customer_id")
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_search_tokens_customer_token")
                    .table("customer_search_tokens")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
