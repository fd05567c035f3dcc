//! Outbound compliance (issue 13): consent records with proof (append-only), suppressions
//! per customer, suppression lists matched by blind index, and decisions recorded as
//! evidence. See `docs/decisions/0015-outbound-compliance.md`.
//!
//! The per-channel consents already in `preferences` are not copied: they are sealed under
//! each customer's data key, which a migration cannot open. The decision reads them as
//! channel-wide defaults for every purpose instead (the same thing, done at read time).

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
        manager
            .create_table(
                Table::create()
                    .table("consent_records")
                    .if_not_exists()
                    // UUID v7: sortable, the order records were written.
                    .col(string_len("id", 36).primary_key())
                    .col(string_len("customer_id", 36))
                    .col(string_len("channel", 16))
                    // NULL: channel-wide.
                    .col(string_len_null("identity_id", 36))
                    // A purpose name, or `*` for every purpose.
                    .col(string_len("purpose", 40))
                    .col(string_len("status", 16))
                    // Sealed JSON {source, wording, evidenceRef} (free text typed by people).
                    .col(text("proof"))
                    .col(string_len_null("principal", 255))
                    .col(timestamp_with_time_zone("given_at"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_consent_records_customer", "consent_records", &["customer_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("contact_suppressions")
                    .if_not_exists()
                    .col(string_len("id", 36).primary_key())
                    .col(string_len("customer_id", 36))
                    .col(string_len_null("channel", 16))
                    .col(string_len_null("purpose", 40))
                    .col(string_len("reason", 255))
                    .col(string_len_null("principal", 255))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone_null("lifted_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_contact_suppressions_customer", "contact_suppressions", &["customer_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("suppression_lists")
                    .if_not_exists()
                    .col(string_len("id", 36).primary_key())
                    .col(string_len("name", 120))
                    .col(string_len("reason", 255))
                    // JSON array of purpose names; empty: every purpose.
                    .col(text("purposes"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_suppression_lists_name", "suppression_lists", &["name"]).unique().to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("suppression_entries")
                    .if_not_exists()
                    .col(string_len("list_id", 36))
                    // The blind index of (channel, normalised value), as `channel_identities.lookup_key`:
                    // no number or address is stored.
                    .col(string_len("lookup_key", 128))
                    .col(timestamp_with_time_zone("added_at"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .primary_key(Index::create().col("list_id").col("lookup_key"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_suppression_entries_list")
                            .from("suppression_entries", "list_id")
                            .to("suppression_lists", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_suppression_entries_lookup", "suppression_entries", &["lookup_key"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("contact_decision_records")
                    .if_not_exists()
                    .col(string_len("id", 36).primary_key())
                    .col(string_len("purpose", 40))
                    .col(timestamp_with_time_zone("decided_for"))
                    .col(integer("decisions_count"))
                    .col(string_len_null("principal", 255))
                    // A versioned JSON document (`EvidenceV1`): codes, never sentences or PII.
                    .col(text("evidence"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "contact_decision_records",
            "suppression_entries",
            "suppression_lists",
            "contact_suppressions",
            "consent_records",
        ] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
