//! `interactions` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub customer_id: String,
    pub conversation_id: Option<String>,
    pub kind: String,
    pub channel: String,
    pub direction: String,
    pub started_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    pub summary: Option<String>,
    pub agent_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub outcome: Option<String>,
    pub topic: Option<String>,
    pub sentiment: Option<String>,
    pub idempotency_key: Option<String>,
    pub idempotency_digest: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
