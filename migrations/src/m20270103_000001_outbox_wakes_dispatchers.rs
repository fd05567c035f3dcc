//! Events (issue 11): on PostgreSQL a commit that adds events to the outbox wakes every
//! replica's dispatcher at once, instead of the next poll finding them (up to
//! `CUSTOMERS_EVENTS_POLL_MS` later). A statement trigger notifies channel
//! `customers_events` (`store::events::WAKE_CHANNEL`); PostgreSQL delivers a notification
//! only when its transaction commits, and one per transaction whatever the number of
//! statements. SQLite (one replica, polled) has nothing to add.
//! See `docs/decisions/0011-events-and-live-updates.md`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE FUNCTION event_outbox_wake() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             PERFORM pg_notify('customers_events', ''); RETURN NULL; END $$",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER event_outbox_wake AFTER INSERT ON event_outbox \
             FOR EACH STATEMENT EXECUTE FUNCTION event_outbox_wake()",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP TRIGGER IF EXISTS event_outbox_wake ON event_outbox").await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS event_outbox_wake()").await?;
        Ok(())
    }
}
