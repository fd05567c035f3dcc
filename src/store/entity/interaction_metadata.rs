//! `interaction_metadata` table: one sealed JSON document per interaction.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interaction_metadata")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub interaction_id: String,
    pub metadata: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
