//! Anomaly detection (issue 9, item 3): bucketed counters of what each principal did (never PII: customer
//! ids, digests of blind-index keys, counts), and the detections, one open per
//! (principal, rule), held by a unique index on `open_key`. See `docs/decisions/0007-anomaly-detection.md`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("anomaly_observations")
                    .if_not_exists()
                    .col(string_len("principal", 255))
                    .col(string_len("kind", 16))
                    // A customer id, a digest of an identifier's lookup key, an hour, or ''.
                    .col(string_len("item", 64))
                    // The bucket's start, Unix seconds.
                    .col(big_integer("bucket"))
                    .col(big_integer("hits"))
                    .primary_key(Index::create().col("principal").col("kind").col("item").col("bucket"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_anomaly_observations_bucket")
                    .table("anomaly_observations")
                    .col("bucket")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("anomaly_detections")
                    .if_not_exists()
                    .col(string_len("id", 36).primary_key())
                    .col(string_len("principal", 255))
                    .col(string_len("rule", 32))
                    .col(timestamp_with_time_zone("detected_at"))
                    .col(big_integer("observed"))
                    .col(big_integer("threshold"))
                    .col(big_integer("window_secs"))
                    // `principal rule` while open, NULL once cleared: one open detection per pair.
                    .col(string_len_null("open_key", 300))
                    .col(string_len_null("cleared_by", 255))
                    .col(timestamp_with_time_zone_null("cleared_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_anomaly_detections_open")
                    .table("anomaly_detections")
                    .col("open_key")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_anomaly_detections_principal")
                    .table("anomaly_detections")
                    .col("principal")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("anomaly_detections").if_exists().to_owned()).await?;
        manager.drop_table(Table::drop().table("anomaly_observations").if_exists().to_owned()).await
    }
}
