//! Search (issue 12, items 1 and 3).
//!
//! - `customer_search_tokens (token, kind, customer_id)`: keyed blind-index tokens of names,
//!   identifiers and searchable attribute values (never the values). The primary key leads
//!   with `token`, so a search is an index-only range scan; `ix_search_tokens_customer`
//!   serves the delete-and-rebuild of one profile's tokens. Filled by `customers reindex`
//!   (the migration cannot: it has no key).
//! - `attribute_definitions.searchable`: an administrator marks an attribute searchable.
//! - `ux_attribute_definitions_key_lower`: attribute keys keep their case but are unique
//!   regardless of it (`renewalDate` and `RenewalDate` cannot both exist).
//!
//! See `docs/decisions/0013-search.md`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("customer_search_tokens")
                    .if_not_exists()
                    .col(big_integer("token"))
                    .col(string_len("kind", 8))
                    .col(string_len("customer_id", 36))
                    .primary_key(Index::create().col("token").col("kind").col("customer_id"))
                    .to_owned(),
            )
            .await?;
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
            .alter_table(
                Table::alter()
                    .table("attribute_definitions")
                    .add_column(boolean("searchable").default(false))
                    .to_owned(),
            )
            .await?;
        // An expression index: the same SQL on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS ux_attribute_definitions_key_lower ON attribute_definitions (lower(key))",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX IF EXISTS ux_attribute_definitions_key_lower").await?;
        manager.alter_table(Table::alter().table("attribute_definitions").drop_column("searchable").to_owned()).await?;
        manager.drop_table(Table::drop().table("customer_search_tokens").if_exists().to_owned()).await
    }
}
