//! `event_outbox` table: change events waiting for (or done with) delivery.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub id: String,
    pub customer_id: String,
    pub partition: i32,
    pub event_type: String,
    pub time: DateTimeUtc,
    pub customer_version: Option<i32>,
    pub data: String,
    /// 0 pending, 1 delivered, 2 dead letter.
    pub status: i16,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
