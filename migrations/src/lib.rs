//! Database migrations for the customers service.
//!
//! The same migrations run on SQLite (embedded default) and PostgreSQL: they use only
//! portable column types (ids are UUIDv7 text, JSON is stored as text) so that the store
//! needs no per-backend SQL. See `docs/decisions/0002-storage-layout.md`.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_initial;
mod m20261128_000002_identification;
mod m20261128_000003_key_check;
mod m20261129_000004_audit_chain;
mod m20261130_000001_anomaly_detection;
mod m20261201_000001_audit_subjects;
mod m20261202_000001_envelope_encryption;
mod m20261203_000001_lifecycle;
mod m20261204_000001_event_outbox;
mod m20261205_000001_history;
mod m20261210_000001_search;
mod m20261215_000001_import_checkpoints;
mod m20261220_000001_outbound;
mod m20261225_000001_search_tokens_by_customer;
mod m20261230_000001_interactions_newest_first;
mod m20261231_000001_audit_listed_index;
mod m20270101_000001_audit_seals;
mod m20270102_000001_import_batches;
mod m20270103_000001_outbox_wakes_dispatchers;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_initial::Migration),
            Box::new(m20261128_000002_identification::Migration),
            Box::new(m20261128_000003_key_check::Migration),
            Box::new(m20261129_000004_audit_chain::Migration),
            Box::new(m20261130_000001_anomaly_detection::Migration),
            Box::new(m20261201_000001_audit_subjects::Migration),
            Box::new(m20261202_000001_envelope_encryption::Migration),
            Box::new(m20261203_000001_lifecycle::Migration),
            Box::new(m20261204_000001_event_outbox::Migration),
            Box::new(m20261205_000001_history::Migration),
            Box::new(m20261210_000001_search::Migration),
            Box::new(m20261215_000001_import_checkpoints::Migration),
            Box::new(m20261220_000001_outbound::Migration),
            Box::new(m20261225_000001_search_tokens_by_customer::Migration),
            Box::new(m20261230_000001_interactions_newest_first::Migration),
            Box::new(m20261231_000001_audit_listed_index::Migration),
            Box::new(m20270101_000001_audit_seals::Migration),
            Box::new(m20270102_000001_import_batches::Migration),
            Box::new(m20270103_000001_outbox_wakes_dispatchers::Migration),
        ]
    }
}
