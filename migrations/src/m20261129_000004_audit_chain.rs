//! The audit log becomes a record of every access to personal data, tamper-evident: each
//! entry carries a MAC of its own content, and a sealer chains sealed entries by `seq`
//! (gap-free) and a chained MAC whose head is kept in `audit_chain`. See
//! `docs/decisions/0008-audit-log.md`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const LOG: &str = "audit_log";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [
            big_integer_null("seq"),
            string_len_null("customer_id", 36),
            string_len_null("operation", 128),
            text_null("fields"),
            string_len_null("entry_mac", 80),
            string_len_null("chain_mac", 80),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table(LOG).add_column(&mut column).to_owned()).await?;
        }
        manager.create_index(Index::create().name("ux_audit_seq").table(LOG).col("seq").unique().to_owned()).await?;
        manager
            .create_index(Index::create().name("ix_audit_customer").table(LOG).col("customer_id").col("at").to_owned())
            .await?;
        manager
            .create_index(Index::create().name("ix_audit_actor").table(LOG).col("actor").col("at").to_owned())
            .await?;
        manager.create_index(Index::create().name("ix_audit_at").table(LOG).col("at").to_owned()).await?;
        // The log is read by profile, principal or time now, never by entity: one index fewer
        // on every insert.
        manager.drop_index(Index::drop().name("ix_audit_entity").table(LOG).to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_chain")
                    .if_not_exists()
                    .col(integer("id").primary_key())
                    // The last sealed entry's `seq` and chained MAC.
                    .col(big_integer("seq"))
                    .col(string_len_null("mac", 80))
                    // Whether the entries written before this migration (no MAC) were adopted
                    // by the first seal; afterwards an entry without a MAC is a forgery.
                    .col(boolean("adopted"))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table("audit_chain")
                    .columns(["id", "seq", "adopted"])
                    .values_panic([1.into(), 0i64.into(), false.into()])
                    .to_owned(),
            )
            .await?;

        // The first release's entries: singular action names, and the profile each is about.
        let db = manager.get_connection();
        for (old, new) in [
            ("customers.merge", "customer.merge"),
            ("customers.merged_into", "customer.merged_into"),
            ("customers.unmerge", "customer.unmerge"),
        ] {
            db.execute_unprepared(&format!(
                "UPDATE audit_log SET action = '{new}', customer_id = entity_id WHERE action = '{old}'"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("audit_chain").if_exists().to_owned()).await?;
        manager
            .create_index(Index::create().name("ix_audit_entity").table(LOG).col("entity_id").col("at").to_owned())
            .await?;
        for index in ["ux_audit_seq", "ix_audit_customer", "ix_audit_actor", "ix_audit_at"] {
            manager.drop_index(Index::drop().name(index).table(LOG).to_owned()).await?;
        }
        for column in ["seq", "customer_id", "operation", "fields", "entry_mac", "chain_mac"] {
            manager.alter_table(Table::alter().table(LOG).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
