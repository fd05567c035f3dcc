//! Rows of the read path decoded by column position (issue 14, docs/performance.md).
//!
//! sea-orm's derived `FromQueryResult` finds each column by name, and for a joined select
//! (`select_also`) it first formats the prefixed name (`format!("{pre}{col}")`); a NULL in
//! an `Option` column is read as an error whose message is formatted (`format!("{idx:?}")`)
//! and then dropped. On a page of 50 360° views that was ~12% of the service's CPU. Here a
//! model lists its fields in the entity's column order ([`positional!`]) and each cell is
//! read by index straight from the driver's row; a test checks each list against the
//! entity's columns, so a column added to an entity cannot shift the others unnoticed.
//!
//! Only for selects whose column list is the entity's own (`Entity::find()`, or an explicit
//! list in `Column::iter()` order), and for `select_also` (the second entity's columns
//! follow the first's).

use sea_orm::sqlx::{self, Row as _};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryResult, QueryTrait, Select, SelectTwo};

/// A value read from one cell of a row, by index.
pub trait Cell: Sized {
    fn at(row: &QueryResult, index: usize) -> Result<Self, DbErr>;
}

fn cell<T>(row: &QueryResult, index: usize) -> Result<Option<T>, DbErr>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>,
{
    let decoded = if let Some(row) = row.try_as_pg_row() {
        // Unchecked: the column's type is not compared with the Rust type's (a type-info
        // lookup and comparison per cell). The columns are this schema's own, listed in
        // order and tested on both databases. What a mismatch would do for these types:
        // integers decode by the value's length (in range, or an error), text must be
        // UTF-8, a timestamp is 8 bytes of microseconds in either PostgreSQL type.
        row.try_get_unchecked::<Option<T>, _>(index)
    } else if let Some(row) = row.try_as_sqlite_row() {
        row.try_get::<Option<T>, _>(index)
    } else {
        return Err(DbErr::Type("a row of an unsupported database".into()));
    };
    // sqlx's decode errors name the column index and the types, never the value.
    decoded.map_err(|e| DbErr::Type(e.to_string()))
}

macro_rules! cells {
    ($($t:ty),+ $(,)?) => {$(
        impl Cell for $t {
            fn at(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                cell::<$t>(row, index)?.ok_or_else(|| DbErr::Type(format!("column {index} is null")))
            }
        }
        impl Cell for Option<$t> {
            fn at(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                cell::<$t>(row, index)
            }
        }
    )+};
}

cells!(String, bool, i32, chrono::DateTime<chrono::Utc>);

/// A model read by position: its fields in the entity's column order.
pub trait Positional: Sized {
    /// The field names, in order (checked against the entity's columns by a test).
    const COLUMNS: &'static [&'static str];

    /// The model from the row's cells `first..first + COLUMNS.len()`.
    fn decode(row: &QueryResult, first: usize) -> Result<Self, DbErr>;
}

/// `positional!(entity::Model { field, … })`: every field, in the entity's column order.
macro_rules! positional {
    ($model:path { $($field:ident),+ $(,)? }) => {
        impl Positional for $model {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];

            #[allow(unused_assignments, reason = "the last field's index is not used again")]
            fn decode(row: &QueryResult, first: usize) -> Result<Self, DbErr> {
                let mut at = first;
                Ok(Self {$($field: {
                    let value = Cell::at(row, at)?;
                    at += 1;
                    value
                }),+})
            }
        }
    };
}

use super::entity::{
    attribute_definition, customer, customer_attribute, customer_label, external_ref, identity, interaction, label,
    preference,
};

positional!(customer::Model { id, display_name, status, merged_into, version, created_at, updated_at });
positional!(identity::Model {
    id,
    customer_id,
    channel,
    provider,
    value,
    lookup_key,
    verified,
    is_primary,
    shared,
    anonymous_key,
    created_at,
});
positional!(interaction::Model {
    id,
    customer_id,
    conversation_id,
    kind,
    channel,
    direction,
    started_at,
    ended_at,
    summary,
    agent_id,
    created_at,
    outcome,
    topic,
    sentiment,
    idempotency_key,
    idempotency_digest,
});
positional!(customer_label::Model { customer_id, label_id, source, assigned_by, assigned_at });
positional!(label::Model { id, name, name_key, color, description, source, created_at, updated_at });
positional!(customer_attribute::Model { customer_id, key, value, updated_at });
positional!(attribute_definition::Model {
    key,
    label,
    attr_type,
    pii,
    required,
    enum_values,
    searchable,
    created_at,
    updated_at,
});
positional!(preference::Model {
    customer_id,
    language,
    timezone,
    preferred_channel,
    preferred_identity_id,
    preferred_agent_id,
    best_time_to_contact,
    do_not_contact,
    consents,
    updated_at,
});
positional!(external_ref::Model { id, customer_id, system, external_id, external_key, created_at });

/// Every row of `stmt`, each a model from its first cells.
pub async fn all<M: Positional>(db: &impl ConnectionTrait, stmt: sea_orm::Statement) -> Result<Vec<M>, DbErr> {
    db.query_all_raw(stmt).await?.iter().map(|row| M::decode(row, 0)).collect()
}

/// `select.all(db)`, by position: for a select of the entity's own columns.
pub async fn select<E>(db: &impl ConnectionTrait, select: Select<E>) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Positional,
{
    all(db, select.build(db.get_database_backend())).await
}

/// `select.all(db)` of a `select_also` with an inner join, by position: both models of
/// each row (an outer join's missing side would not decode).
pub async fn select_two<E, F>(
    db: &impl ConnectionTrait,
    select: SelectTwo<E, F>,
) -> Result<Vec<(E::Model, F::Model)>, DbErr>
where
    E: EntityTrait,
    F: EntityTrait,
    E::Model: Positional,
    F::Model: Positional,
{
    let second = E::Model::COLUMNS.len();
    let rows = db.query_all_raw(select.build(db.get_database_backend())).await?;
    rows.iter().map(|row| Ok((E::Model::decode(row, 0)?, F::Model::decode(row, second)?))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{IdenStatic as _, Iterable as _};

    fn columns<E: EntityTrait>() -> Vec<String> {
        E::Column::iter().map(|c| c.as_str().to_owned()).collect()
    }

    /// A field list out of the entity's column order would read the wrong cells.
    #[test]
    fn every_positional_model_lists_its_entity_columns_in_order() {
        fn check<E: EntityTrait>()
        where
            E::Model: Positional,
        {
            assert_eq!(E::Model::COLUMNS, columns::<E>(), "{}", E::default().table_name());
        }
        check::<customer::Entity>();
        check::<identity::Entity>();
        check::<interaction::Entity>();
        check::<customer_label::Entity>();
        check::<label::Entity>();
        check::<customer_attribute::Entity>();
        check::<attribute_definition::Entity>();
        check::<preference::Entity>();
        check::<external_ref::Entity>();
    }
}
