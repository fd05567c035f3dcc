//! `customer_search_tokens` table: the keyed blind-index tokens search looks up
//! (`store::search`). Primary key (token, kind, customer_id): a search reads it alone.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_search_tokens")]
pub struct Model {
    /// The first 8 bytes of HMAC-SHA256(blind-index key, `search/<kind>:<folded text>`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub token: i64,
    /// `domain::search::TokenKind::as_str`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
