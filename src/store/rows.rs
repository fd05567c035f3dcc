//! Many rows of one table in one statement, whatever their number (decision 0014).
//!
//! On PostgreSQL the rows travel as one JSON text parameter and the server spreads them
//! with `json_populate_recordset` (typed by the table's own row type): one parameter
//! instead of one per value, so nothing is bound value by value on either side and the
//! statement text is the same for any number of rows (prepared once). COPY would be
//! cheaper still, but it cannot run inside the batch's transaction: sea-orm 2.0 gives no
//! access to a transaction's connection (`get_postgres_connection_pool` is the pool's),
//! and COPY on another connection could not commit with the batch and its checkpoint.
//! On SQLite (in process: a statement costs no round trip) it is a multi-row `INSERT`
//! per 30,000 values.

use super::StoreResult;
use super::error::DbContext;
use sea_orm::sea_query::{OnConflict, Value};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ConnectionTrait, DbBackend, EntityName as _, EntityTrait, IdenStatic as _,
    Iterable as _, Statement,
};

/// Bind values per SQLite statement: under its 32,766.
const VALUES_PER_INSERT: usize = 30_000;

/// What to do with a row whose key is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// Fail the statement (the caller's transaction or savepoint rolls back).
    Fail,
    /// Keep the row already there.
    Ignore,
}

/// Insert `rows` (each with the same columns set) in as few statements as the backend allows.
pub async fn insert<A>(db: &impl ConnectionTrait, rows: Vec<A>, conflict: Conflict, what: &str) -> StoreResult<()>
where
    A: ActiveModelTrait + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    let Some(first) = rows.first() else { return Ok(()) };
    let columns: Vec<_> = <A::Entity as EntityTrait>::Column::iter().filter(|c| !matches!(first.get(*c), ActiveValue::NotSet)).collect();
    if db.get_database_backend() == DbBackend::Postgres {
        let table = A::Entity::default().table_name();
        let names = columns.iter().map(|c| format!("\"{}\"", c.as_str())).collect::<Vec<_>>().join(", ");
        let mut json = String::with_capacity(rows.len() * 64 * columns.len());
        json.push('[');
        for (i, row) in rows.iter().enumerate() {
            json.push_str(if i == 0 { "{" } else { ",{" });
            for (k, c) in columns.iter().enumerate() {
                if k > 0 {
                    json.push(',');
                }
                json.push('"');
                json.push_str(c.as_str());
                json.push_str("\":");
                let value = match row.get(*c) {
                    ActiveValue::Set(v) | ActiveValue::Unchanged(v) => to_json(&v),
                    ActiveValue::NotSet => serde_json::Value::Null,
                };
                json.push_str(&value.to_string());
            }
            json.push('}');
        }
        json.push(']');
        let tail = match conflict {
            Conflict::Fail => "",
            Conflict::Ignore => " ON CONFLICT DO NOTHING",
        };
        let sql = format!(
            "INSERT INTO \"{table}\" ({names}) SELECT {names} FROM json_populate_recordset(NULL::\"{table}\", $1::json){tail}"
        );
        db.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, [Value::from(json)]))
            .await
            .context(what)?;
        return Ok(());
    }
    let per = (VALUES_PER_INSERT / columns.len().max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per).collect();
        let mut insert = <A::Entity as EntityTrait>::insert_many(chunk);
        if conflict == Conflict::Ignore {
            insert = insert.on_conflict(OnConflict::new().do_nothing().to_owned());
        }
        insert.exec_without_returning(db).await.context(what)?;
    }
    Ok(())
}

/// A value as `json_populate_recordset` reads it back into its column's type (times in
/// RFC 3339, which `timestamptz` and `timestamp` both read).
fn to_json(value: &Value) -> serde_json::Value {
    use chrono::SecondsFormat;
    match value {
        Value::ChronoDateTimeUtc(Some(t)) => t.to_rfc3339_opts(SecondsFormat::AutoSi, true).into(),
        Value::ChronoDateTimeWithTimeZone(Some(t)) => t.to_rfc3339_opts(SecondsFormat::AutoSi, true).into(),
        Value::ChronoDateTime(Some(t)) => t.format("%Y-%m-%dT%H:%M:%S%.f").to_string().into(),
        other => sea_orm::sea_query::value::sea_value_to_json_value(other),
    }
}
