//! History that can be completed and routing signals (issue 11, items 3 and 4).
//!
//! - `interactions` gains `outcome`, `topic`, `sentiment` (filterable classification codes, never
//!   free text) and an idempotency key with the digest of the request it was first given with.
//! - `interaction_metadata`: a JSON document per interaction, sealed like other free text; kept
//!   apart so that reading history never pays for it.
//! - `customer_activity` (one row per customer: last contact, open conversations, last outcome
//!   and sentiment) and `customer_activity_days` (interactions per customer, UTC day and
//!   channel): the routing signals, maintained by every write that changes history, so that
//!   reading them never scans history. Rolling 7/30/90-day counts are sums of day buckets.
//!
//! Existing history is folded into both tables here. See `docs/decisions/0012-history-and-routing-signals.md`.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn index(name: &str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table).if_not_exists();
    for col in cols {
        stmt.col(*col);
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            string_len_null("outcome", 64),
            string_len_null("topic", 64),
            string_len_null("sentiment", 16),
            string_len_null("idempotency_key", 128),
            string_len_null("idempotency_digest", 64),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table("interactions").add_column(&mut column).to_owned()).await?;
        }
        manager
            .create_index(
                index("ux_interactions_idempotency", "interactions", &["idempotency_key"]).unique().to_owned(),
            )
            .await?;
        // Open conversations of a customer are counted through this index alone.
        manager
            .create_index(index("ix_interactions_open", "interactions", &["customer_id", "kind", "ended_at"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("interaction_metadata")
                    .if_not_exists()
                    .col(string_len("interaction_id", 36).primary_key())
                    // Sealed JSON text (AES-GCM, as PII at rest).
                    .col(text("metadata"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_interaction_metadata_interaction")
                            .from("interaction_metadata", "interaction_id")
                            .to("interactions", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("customer_activity")
                    .if_not_exists()
                    .col(string_len("customer_id", 36).primary_key())
                    .col(string_len_null("last_interaction_id", 36))
                    .col(timestamp_with_time_zone_null("last_at"))
                    .col(string_len_null("last_channel", 16))
                    .col(string_len_null("last_direction", 16))
                    .col(string_len_null("last_agent_id", 255))
                    .col(integer("open_conversations"))
                    .col(string_len_null("last_outcome", 64))
                    .col(string_len_null("last_sentiment", 16))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("customer_activity_days")
                    .if_not_exists()
                    .col(string_len("customer_id", 36))
                    // Days since 1970-01-01, UTC, of the interactions' `started_at`.
                    .col(integer("day"))
                    .col(string_len("channel", 16))
                    .col(integer("n"))
                    .primary_key(Index::create().col("customer_id").col("day").col("channel"))
                    .to_owned(),
            )
            .await?;

        backfill(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["customer_activity_days", "customer_activity", "interaction_metadata"] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        manager.drop_index(Index::drop().name("ix_interactions_open").table("interactions").to_owned()).await?;
        manager.drop_index(Index::drop().name("ux_interactions_idempotency").table("interactions").to_owned()).await?;
        for column in ["idempotency_digest", "idempotency_key", "sentiment", "topic", "outcome"] {
            manager.alter_table(Table::alter().table("interactions").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

/// Fold the history already stored into the activity tables (the service keeps them
/// current from here on). The one place with per-backend SQL: the UTC day of a timestamp.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let day = match db.get_database_backend() {
        DbBackend::Postgres => "((started_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')",
        _ => "(CAST(strftime('%s', started_at) AS INTEGER) / 86400)",
    };
    db.execute_unprepared(&format!(
        "INSERT INTO customer_activity_days (customer_id, day, channel, n) \
         SELECT customer_id, {day}, channel, COUNT(*) FROM interactions GROUP BY customer_id, {day}, channel"
    ))
    .await?;
    let latest = |col: &str, cond: &str| {
        format!(
            "(SELECT {col} FROM interactions i WHERE i.customer_id = c.customer_id {cond} \
             ORDER BY i.started_at DESC, i.id DESC LIMIT 1)"
        )
    };
    let now = match db.get_database_backend() {
        DbBackend::Postgres => "CURRENT_TIMESTAMP",
        _ => "strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')",
    };
    db.execute_unprepared(&format!(
        "INSERT INTO customer_activity (customer_id, last_interaction_id, last_at, last_channel, last_direction, \
         last_agent_id, open_conversations, last_outcome, last_sentiment, updated_at) \
         SELECT c.customer_id, {}, {}, {}, {}, {}, \
         (SELECT COUNT(*) FROM interactions i WHERE i.customer_id = c.customer_id \
          AND i.kind = 'CONVERSATION' AND i.ended_at IS NULL), NULL, NULL, {now} \
         FROM (SELECT DISTINCT customer_id FROM interactions) c",
        latest("i.id", ""),
        latest("i.started_at", ""),
        latest("i.channel", ""),
        latest("i.direction", ""),
        latest("i.agent_id", ""),
    ))
    .await?;
    Ok(())
}
