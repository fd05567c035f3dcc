//! `customer_activity` table: a customer's routing signals but the counts.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_activity")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: String,
    pub last_interaction_id: Option<String>,
    pub last_at: Option<DateTimeUtc>,
    pub last_channel: Option<String>,
    pub last_direction: Option<String>,
    pub last_agent_id: Option<String>,
    pub open_conversations: i32,
    pub last_outcome: Option<String>,
    pub last_sentiment: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
