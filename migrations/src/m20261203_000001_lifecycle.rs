//! The data lifecycle (issue 10): legal holds that protect a profile from erasure and
//! from every retention purge, and the anchor that keeps the audit chain verifiable after
//! retention purged its oldest entries. See `docs/decisions/0010-data-lifecycle.md`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("legal_holds")
                    .if_not_exists()
                    .col(string_len("customer_id", 36).primary_key())
                    // Why the hold is on (a case reference): not PII, kept for the privacy officer.
                    .col(text_null("reason"))
                    .col(string_len("set_by", 255))
                    .col(timestamp_with_time_zone("set_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_anchor")
                    .if_not_exists()
                    .col(integer("id").primary_key())
                    // Entries up to and including `seq` were purged by retention; `mac` is the
                    // chain MAC of the last one (what the next entry chains from), `seal` an
                    // HMAC of both under the audit key, so nobody without it can move the anchor.
                    .col(big_integer("seq"))
                    .col(string_len("mac", 80))
                    .col(string_len("seal", 80))
                    .col(timestamp_with_time_zone("purged_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("audit_anchor").if_exists().to_owned()).await?;
        manager.drop_table(Table::drop().table("legal_holds").if_exists().to_owned()).await
    }
}
