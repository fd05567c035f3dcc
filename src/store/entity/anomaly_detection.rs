//! `anomaly_detections` table: a rule crossed by a principal, open until cleared.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "anomaly_detections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub principal: String,
    pub rule: String,
    pub detected_at: DateTimeUtc,
    pub observed: i64,
    pub threshold: i64,
    pub window_secs: i64,
    pub open_key: Option<String>,
    pub cleared_by: Option<String>,
    pub cleared_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
