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
pub async fn insert<A>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
    conflict: Conflict,
    what: &'static str,
) -> StoreResult<()>
where
    A: ActiveModelTrait + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    let Some(first) = rows.first() else { return Ok(()) };
    let columns: Vec<_> =
        <A::Entity as EntityTrait>::Column::iter().filter(|c| !matches!(first.get(*c), ActiveValue::NotSet)).collect();
    if db.get_database_backend() == DbBackend::Postgres {
        let table = A::Entity::default().table_name();
        let names = columns.iter().map(|c| format!("\"{}\"", c.as_str())).collect::<Vec<_>>().join(", ");
        // Each row an object keyed by column name (what the function matches on).
        let keys: Vec<Vec<u8>> = columns.iter().map(|c| format!("\"{}\":", c.as_str()).into_bytes()).collect();
        let mut json: Vec<u8> = Vec::with_capacity(rows.len() * 64 * columns.len());
        json.push(b'[');
        for (i, row) in rows.iter().enumerate() {
            json.extend_from_slice(if i == 0 { b"{" } else { b",{" });
            for (k, (c, key)) in columns.iter().zip(&keys).enumerate() {
                if k > 0 {
                    json.push(b',');
                }
                json.extend_from_slice(key);
                match row.get(*c) {
                    ActiveValue::Set(v) | ActiveValue::Unchanged(v) => push_json(&mut json, &v),
                    ActiveValue::NotSet => json.extend_from_slice(b"null"),
                }
            }
            json.push(b'}');
        }
        json.push(b']');
        // serde_json writes UTF-8 only: the check cannot fail.
        let json = String::from_utf8(json).map_err(anyhow::Error::new).context("encode rows as JSON")?;
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

/// `value` as JSON that `json_populate_recordset` reads back into its column's type (times
/// in RFC 3339, which `timestamptz` and `timestamp` both read). The common kinds are
/// written in place (no `serde_json::Value` per cell).
fn push_json(out: &mut Vec<u8>, value: &Value) {
    use chrono::SecondsFormat;
    use std::io::Write as _;
    // Writing into a Vec cannot fail.
    let quoted = |out: &mut Vec<u8>, text: &str| {
        let _ = serde_json::to_writer(&mut *out, text);
    };
    match value {
        Value::String(Some(s)) => quoted(out, s),
        Value::Bool(Some(b)) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(Some(n)) => {
            let _ = write!(out, "{n}");
        }
        Value::BigInt(Some(n)) => {
            let _ = write!(out, "{n}");
        }
        Value::SmallInt(Some(n)) => {
            let _ = write!(out, "{n}");
        }
        Value::ChronoDateTimeUtc(Some(t)) => quoted(out, &t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        Value::ChronoDateTimeWithTimeZone(Some(t)) => quoted(out, &t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        Value::ChronoDateTime(Some(t)) => quoted(out, &t.format("%Y-%m-%dT%H:%M:%S%.f").to_string()),
        other => {
            let _ = serde_json::to_writer(&mut *out, &sea_orm::sea_query::value::sea_value_to_json_value(other));
        }
    }
}
