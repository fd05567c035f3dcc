//! `audit_log`, `audit_pending`, `audit_seals` and `audit_chain` tables. Entries are only
//! ever inserted: an entry's place in the chain is a row of its own (`audit_seals`).

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
    pub customer_id: Option<String>,
    /// The GraphQL operation name the client gave, if any.
    pub operation: Option<String>,
    /// JSON array of field names (what was revealed or changed), never values.
    pub fields: Option<String>,
    /// MAC of this entry's content, written with it.
    pub entry_mac: Option<String>,
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

/// An entry's place in the chain (`audit_seals`), written by the sealer.
pub mod seal {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_seals")]
    pub struct Model {
        /// Position in the chain: gap-free from the anchor (or 1).
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        /// The entry (unique).
        pub entry_id: String,
        /// MAC over the previous position's `chain_mac`, `seq` and the entry's `entry_mac`.
        pub chain_mac: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The sealer's queue (`audit_pending`): the entries written and not sealed yet. A row is
/// written by the statement (or transaction) that writes its entry.
pub mod pending {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_pending")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub entry_id: String,
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
