//! `audit_log` and `audit_chain` tables.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub at: DateTimeUtc,
    pub actor: String,
    pub action: String,
    pub entity_id: String,
    /// JSON: ids and counts, never PII.
    pub details: String,
    /// Position in the chain; `None` until sealed.
    pub seq: Option<i64>,
    pub customer_id: Option<String>,
    /// The GraphQL operation name the client gave, if any.
    pub operation: Option<String>,
    /// JSON array of field names (what was revealed or changed), never values.
    pub fields: Option<String>,
    /// MAC of this entry's content, written with it.
    pub entry_mac: Option<String>,
    /// MAC over the previous entry's `chain_mac`, `seq` and `entry_mac`; set when sealed.
    pub chain_mac: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The chain's head: one row (`id = 1`).
pub mod chain {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_chain")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub seq: i64,
        pub mac: Option<String>,
        pub adopted: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The per-profile index of entries about several profiles (`audit_subjects`): a row per
/// (profile, entry).
pub mod subject {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_subjects")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub customer_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub at: DateTimeUtc,
        #[sea_orm(primary_key, auto_increment = false)]
        pub entry_id: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
