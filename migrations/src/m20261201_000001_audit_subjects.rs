//! One `pii.read` entry per response, not one per profile: a page of 50 profiles is one
//! audit row plus 50 narrow rows here, which the per-profile filter of `auditLog` reads
//! through the primary key. The entry itself lists the ids (in its MAC-covered details),
//! so a deleted subject row shows in `customers audit verify`. See
//! `docs/decisions/0008-audit-log.md`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SUBJECTS: &str = "audit_subjects";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SUBJECTS)
                    .if_not_exists()
                    .col(string_len("customer_id", 36))
                    // The entry's time, so that a profile's entries are read newest first
                    // from the key alone.
                    .col(timestamp_with_time_zone("at"))
                    .col(string_len("entry_id", 36))
                    .primary_key(Index::create().col("customer_id").col("at").col("entry_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SUBJECTS).to_owned()).await
    }
}
