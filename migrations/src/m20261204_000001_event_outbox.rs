//! The transactional outbox (issue 11, item 1): one row per change event, written in the
//! transaction of the change, delivered by the dispatcher at least once, in order per
//! customer. `seq` orders events; `partition` (a stable hash of the customer id) is the
//! unit a dispatcher replica claims (`event_partitions`, `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL), so that one customer's events are delivered by one replica at a time.
//! See `docs/decisions/0011-events-and-live-updates.md`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// How many partitions the outbox is split into (`event_partitions` rows). The service
/// hashes into the rows it finds, so this only has to match at creation.
const PARTITIONS: i32 = 16;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("event_outbox")
                    .if_not_exists()
                    .col(big_integer("seq").auto_increment().primary_key())
                    .col(string_len("id", 36).unique_key())
                    .col(string_len("customer_id", 64))
                    .col(integer("partition"))
                    .col(string_len("event_type", 96))
                    .col(timestamp_with_time_zone("time"))
                    // The profile's version after the change (read in the same statement).
                    .col(integer_null("customer_version"))
                    // The CloudEvent's `data` without `version`: field names, ids, never PII.
                    .col(text("data"))
                    // 0 pending, 1 delivered, 2 dead letter.
                    .col(small_integer("status").default(0))
                    .col(integer("attempts").default(0))
                    .col(timestamp_with_time_zone_null("next_attempt_at"))
                    .col(string_len_null("last_error", 500))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_event_outbox_pending")
                    .table("event_outbox")
                    .col("status")
                    .col("partition")
                    .col("seq")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_event_outbox_time").table("event_outbox").col("time").to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("event_partitions")
                    .if_not_exists()
                    .col(integer("partition").primary_key())
                    .to_owned(),
            )
            .await?;
        let mut rows = Query::insert().into_table("event_partitions").columns(["partition"]).to_owned();
        for p in 0..PARTITIONS {
            rows.values_panic([p.into()]);
        }
        manager.exec_stmt(rows).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("event_partitions").to_owned()).await?;
        manager.drop_table(Table::drop().table("event_outbox").to_owned()).await
    }
}
