//! Governance (issue 9): an entry's place in the chain moves out of the entry. Until now
//! the sealer gave each `audit_log` row its `seq` and `chain_mac` with an UPDATE: a new
//! version of a ~2 KB row (a page of 50's entry) and of its six index entries, the GIN
//! list's 50 keys among them — ~100 µs of the server per entry, as much as writing it, and
//! a dead row and 50 dead index keys left behind per entry. Now entries are only ever
//! inserted: the database queues each in `audit_pending` (a trigger, so no writer can
//! forget it and no statement is added), and the sealer writes its place as a narrow
//! `audit_seals` row and takes it off the queue.
//! See `docs/decisions/0008-audit-log.md`.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_seals")
                    .if_not_exists()
                    .col(big_integer("seq").primary_key())
                    .col(string_len("entry_id", 36))
                    .col(string_len("chain_mac", 80))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ux_audit_seals_entry").table("audit_seals").col("entry_id").unique().to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_pending")
                    .if_not_exists()
                    .col(string_len("entry_id", 36).primary_key())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // A sealed row without a chain MAC can only be an edit: keep it as an empty MAC,
        // which verification reports as a broken chain.
        db.execute_unprepared(
            "INSERT INTO audit_seals (seq, entry_id, chain_mac) \
             SELECT seq, id, COALESCE(chain_mac, '') FROM audit_log WHERE seq IS NOT NULL",
        )
        .await?;
        db.execute_unprepared("INSERT INTO audit_pending (entry_id) SELECT id FROM audit_log WHERE seq IS NULL")
            .await?;
        // Every entry inserted is queued by the same statement, row by row. On PostgreSQL
        // (measured in a server-side loop of 3,000 inserts of a page's entry) a row trigger
        // costs ~0–5 µs of the entry's ~80 µs; a statement trigger reading its transition
        // table, 10–20 µs.
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "CREATE FUNCTION audit_queue() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 INSERT INTO audit_pending (entry_id) VALUES (NEW.id); RETURN NULL; END $$",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_queue AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_queue()",
            )
            .await?;
        } else {
            db.execute_unprepared(
                "CREATE TRIGGER audit_queue AFTER INSERT ON audit_log FOR EACH ROW BEGIN \
                 INSERT INTO audit_pending (entry_id) VALUES (NEW.id); END",
            )
            .await?;
        }
        manager.drop_index(Index::drop().name("ux_audit_seq").table("audit_log").to_owned()).await?;
        // One column per statement: SQLite's ALTER TABLE drops one at a time.
        for column in ["seq", "chain_mac"] {
            manager.alter_table(Table::alter().table("audit_log").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP TRIGGER IF EXISTS audit_queue ON audit_log").await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS audit_queue()").await?;
        } else {
            db.execute_unprepared("DROP TRIGGER IF EXISTS audit_queue").await?;
        }
        for column in [big_integer_null("seq"), string_len_null("chain_mac", 80)] {
            let mut column = column;
            manager.alter_table(Table::alter().table("audit_log").add_column(&mut column).to_owned()).await?;
        }
        db.execute_unprepared(
            "UPDATE audit_log SET \
             seq = (SELECT s.seq FROM audit_seals s WHERE s.entry_id = audit_log.id), \
             chain_mac = (SELECT s.chain_mac FROM audit_seals s WHERE s.entry_id = audit_log.id)",
        )
        .await?;
        manager
            .create_index(Index::create().name("ux_audit_seq").table("audit_log").col("seq").unique().to_owned())
            .await?;
        manager.drop_table(Table::drop().table("audit_pending").if_exists().to_owned()).await?;
        manager.drop_table(Table::drop().table("audit_seals").if_exists().to_owned()).await?;
        Ok(())
    }
}
