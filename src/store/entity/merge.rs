//! `merges` table: the merge ledger.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "merges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub survivor_id: String,
    pub merged_ids: String,
    pub merged_by: String,
    pub merged_at: DateTimeUtc,
    pub undone_by: Option<String>,
    pub undone_at: Option<DateTimeUtc>,
    pub ledger: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
