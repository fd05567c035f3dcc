//! `audit_anchor` table: where the audit chain starts after retention purged its oldest
//! entries (one row, `id = 1`, absent until the first purge).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_anchor")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// The last purged entry's position.
    pub seq: i64,
    /// Its chain MAC: what the first kept entry chains from.
    pub mac: String,
    /// HMAC of (`seq`, `mac`) under the audit key.
    pub seal: String,
    pub purged_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
