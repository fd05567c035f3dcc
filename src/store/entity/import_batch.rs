//! `import_batches` table: the line ranges of a file (by its SHA-256) that a bulk import
//! committed, one row per batch, written in the batch's transaction.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_batches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub file_hash: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub first_line: i64,
    pub last_line: i64,
    pub committed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
