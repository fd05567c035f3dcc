//! Identification and merging: shared identifiers, one anonymous profile per new
//! identifier, the merge ledger and an audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A shared identifier (household phone, switchboard) never resolves to one owner.
        manager
            .alter_table(
                Table::alter().table("channel_identities").add_column(boolean("shared").default(false)).to_owned(),
            )
            .await?;
        // Set (to the lookup key) on the identity of a profile created anonymously by
        // `resolveCustomer`; unique, so concurrent resolves of the same new identifier
        // create one profile, not two.
        manager
            .alter_table(
                Table::alter().table("channel_identities").add_column(string_len_null("anonymous_key", 512)).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_identities_anonymous_key")
                    .table("channel_identities")
                    .col("anonymous_key")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("merges")
                    .if_not_exists()
                    .col(string_len("id", 36).primary_key())
                    .col(string_len("survivor_id", 36))
                    .col(text("merged_ids"))
                    .col(string_len("merged_by", 255))
                    .col(timestamp_with_time_zone("merged_at"))
                    .col(string_len_null("undone_by", 255))
                    .col(timestamp_with_time_zone_null("undone_at"))
                    // What moved, as JSON sealed by the PII seam (it holds identity values).
                    .col(text("ledger"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_merges_survivor").table("merges").col("survivor_id").to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .if_not_exists()
                    .col(string_len("id", 36).primary_key())
                    .col(timestamp_with_time_zone("at"))
                    .col(string_len("actor", 255))
                    .col(string_len("action", 64))
                    .col(string_len("entity_id", 36))
                    // Ids and counts only: never PII.
                    .col(text("details"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_audit_entity").table("audit_log").col("entity_id").col("at").to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("audit_log").if_exists().to_owned()).await?;
        manager.drop_table(Table::drop().table("merges").if_exists().to_owned()).await?;
        manager
            .drop_index(Index::drop().name("ux_identities_anonymous_key").table("channel_identities").to_owned())
            .await?;
        manager.alter_table(Table::alter().table("channel_identities").drop_column("anonymous_key").to_owned()).await?;
        manager.alter_table(Table::alter().table("channel_identities").drop_column("shared").to_owned()).await
    }
}
