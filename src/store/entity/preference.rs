//! `preferences` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "preferences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: String,
    pub language: Option<String>,
    pub timezone: Option<String>,
    pub preferred_channel: Option<String>,
    pub preferred_identity_id: Option<String>,
    pub preferred_agent_id: Option<String>,
    pub best_time_to_contact: String,
    pub do_not_contact: bool,
    pub consents: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
