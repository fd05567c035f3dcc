//! `import_checkpoints` table: the last line of a file a bulk import committed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_checkpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub file_hash: String,
    pub committed_line: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
