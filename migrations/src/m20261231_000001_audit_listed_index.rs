//! Governance (issue 9): on PostgreSQL, the profiles an audit entry about several profiles
//! lists are indexed from the entry itself — a GIN index over the `customerIds` of its
//! MAC-covered details — instead of one `audit_subjects` row per profile. A page of 50
//! profiles' `pii.read` entry was one audit row and 50 index rows (with their primary key):
//! about 1 ms of the server's CPU per page, the largest part of what the audit cost a
//! page (pgbench on this machine, 4 clients: ~920 entries/s with the 50 rows against ~2,100
//! with the expression index). An index computed from the entry cannot disagree with it,
//! so there is no index row left to delete to hide a read. SQLite (no GIN) keeps
//! `audit_subjects`. See `docs/decisions/0008-audit-log.md`.

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
        // Every entry's details is a JSON text written by the service; entries about one
        // profile have no `customerIds` (the expression is NULL, nothing indexed).
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_audit_listed ON audit_log USING gin (((details::jsonb) -> 'customerIds'))",
        )
        .await?;
        // The rows it replaces hold nothing the entries do not: the index above covers the
        // entries written before it too.
        db.execute_unprepared("DELETE FROM audit_subjects").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO audit_subjects (customer_id, at, entry_id) \
             SELECT s.value, a.at, a.id FROM audit_log a, json_array_elements_text(a.details::json -> 'customerIds') s \
             WHERE a.customer_id IS NULL ON CONFLICT DO NOTHING",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS ix_audit_listed").await?;
        Ok(())
    }
}
