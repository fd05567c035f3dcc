//! The initial schema: profiles, identities, labels, preferences, attributes,
//! interactions and external references.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Ids are UUIDv7 in their canonical 36-character text form on both backends.
fn id(name: &'static str) -> ColumnDef {
    string_len(name, 36)
}

fn id_null(name: &'static str) -> ColumnDef {
    string_len_null(name, 36)
}

fn ts(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone(name)
}

fn fk(from: (&'static str, &'static str), to: (&'static str, &'static str)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{}_{}", from.0, from.1))
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

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
                    .table("customers")
                    .if_not_exists()
                    .col(id("id").primary_key())
                    // PII, stored through the store's PII seam (`store::pii`).
                    .col(text_null("display_name"))
                    .col(string_len("status", 16))
                    .col(id_null("merged_into"))
                    .col(integer("version"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_customers_updated_at", "customers", &["updated_at"])).await?;
        manager.create_index(index("ix_customers_status_id", "customers", &["status", "id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("channel_identities")
                    .if_not_exists()
                    .col(id("id").primary_key())
                    .col(id("customer_id"))
                    .col(string_len("channel", 16))
                    .col(string_len_null("provider", 64))
                    // PII: the normalised value as stored by the PII seam.
                    .col(text("value"))
                    // What lookups compare: derived from (channel, normalised value) by the PII seam.
                    .col(string_len("lookup_key", 512))
                    .col(boolean("verified"))
                    .col(boolean("is_primary"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk(("channel_identities", "customer_id"), ("customers", "id")))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_identities_lookup", "channel_identities", &["lookup_key"])).await?;
        manager
            .create_index(
                index("ux_identities_customer_lookup", "channel_identities", &["customer_id", "lookup_key"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("labels")
                    .if_not_exists()
                    .col(id("id").primary_key())
                    .col(string_len("name", 100))
                    // Lower-cased name: names are unique case-insensitively.
                    .col(string_len("name_key", 100))
                    .col(string_len_null("color", 7))
                    .col(text_null("description"))
                    .col(string_len("source", 16))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ux_labels_name_key", "labels", &["name_key"]).unique().to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table("customer_labels")
                    .if_not_exists()
                    .col(id("customer_id"))
                    .col(id("label_id"))
                    .col(string_len("source", 16))
                    .col(string_len("assigned_by", 255))
                    .col(ts("assigned_at"))
                    .primary_key(Index::create().col("customer_id").col("label_id"))
                    .foreign_key(&mut fk(("customer_labels", "customer_id"), ("customers", "id")))
                    .foreign_key(&mut fk(("customer_labels", "label_id"), ("labels", "id")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_customer_labels_label", "customer_labels", &["label_id", "customer_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("preferences")
                    .if_not_exists()
                    .col(id("customer_id").primary_key())
                    .col(string_len_null("language", 35))
                    .col(string_len_null("timezone", 64))
                    .col(string_len_null("preferred_channel", 16))
                    .col(id_null("preferred_identity_id"))
                    .col(string_len_null("preferred_agent_id", 255))
                    // JSON arrays as text: small, always read whole with the row.
                    .col(text("best_time_to_contact"))
                    .col(boolean("do_not_contact"))
                    .col(text("consents"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk(("preferences", "customer_id"), ("customers", "id")))
                    .foreign_key(
                        &mut ForeignKey::create()
                            .name("fk_preferences_preferred_identity")
                            .from("preferences", "preferred_identity_id")
                            .to("channel_identities", "id")
                            .on_delete(ForeignKeyAction::SetNull)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("attribute_definitions")
                    .if_not_exists()
                    .col(string_len("key", 64).primary_key())
                    .col(string_len_null("label", 255))
                    .col(string_len("attr_type", 16))
                    .col(boolean("pii"))
                    .col(boolean("required"))
                    .col(text_null("enum_values"))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("customer_attributes")
                    .if_not_exists()
                    .col(id("customer_id"))
                    .col(string_len("key", 64))
                    // Canonical JSON text; PII-marked values go through the PII seam.
                    .col(text("value"))
                    .col(ts("updated_at"))
                    .primary_key(Index::create().col("customer_id").col("key"))
                    .foreign_key(&mut fk(("customer_attributes", "customer_id"), ("customers", "id")))
                    .foreign_key(&mut fk(("customer_attributes", "key"), ("attribute_definitions", "key")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_customer_attributes_key", "customer_attributes", &["key", "customer_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("interactions")
                    .if_not_exists()
                    .col(id("id").primary_key())
                    .col(id("customer_id"))
                    .col(string_len_null("conversation_id", 255))
                    .col(string_len("kind", 16))
                    .col(string_len("channel", 16))
                    .col(string_len("direction", 16))
                    .col(ts("started_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .col(text_null("summary"))
                    .col(string_len_null("agent_id", 255))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk(("interactions", "customer_id"), ("customers", "id")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_interactions_customer_started",
                "interactions",
                &["customer_id", "started_at", "id"],
            ))
            .await?;
        manager
            .create_index(
                index("ux_interactions_conversation", "interactions", &["conversation_id"]).unique().to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("external_refs")
                    .if_not_exists()
                    .col(id("id").primary_key())
                    .col(id("customer_id"))
                    .col(string_len("system", 64))
                    .col(string_len("external_id", 255))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk(("external_refs", "customer_id"), ("customers", "id")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_external_refs_system_id", "external_refs", &["system", "external_id"]).unique().to_owned(),
            )
            .await?;
        manager.create_index(index("ix_external_refs_customer", "external_refs", &["customer_id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "external_refs",
            "interactions",
            "customer_attributes",
            "attribute_definitions",
            "preferences",
            "customer_labels",
            "labels",
            "channel_identities",
            "customers",
        ] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
