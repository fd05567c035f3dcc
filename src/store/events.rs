//! The transactional outbox: events written in the transaction of the change they
//! describe (one statement per write), read by the dispatcher in `seq` order per
//! partition, marked delivered, retried or dead-lettered. On PostgreSQL a dispatcher round
//! locks the partitions it serves (`FOR UPDATE SKIP LOCKED` on `event_partitions`) for the
//! length of its transaction, so replicas share the outbox without delivering one
//! customer's events out of order; SQLite has one writer and one replica.

use super::StoreResult;
use super::entity::event_outbox::{self, Column, Entity};
use super::error::DbContext;
use crate::domain::event::{DeadLetter, EventData, EventDraft, StoredEvent, partition_of};
use crate::domain::id::new_id;
use chrono::{DateTime, SubsecRound as _, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait as _, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};

/// How many partitions `event_partitions` holds (the migration creates 0..16).
pub const PARTITIONS: u32 = 16;

pub const PENDING: i16 = 0;
pub const DELIVERED: i16 = 1;
pub const DEAD: i16 = 2;

/// Rows per INSERT / ids per UPDATE: far below PostgreSQL's 65,535 bind parameters.
const CHUNK: usize = 1000;

/// Write `drafts` to the outbox, now, each with the profile's current version (read by a
/// subquery in the same statement). Call it inside the transaction of the change.
pub async fn insert(db: &impl ConnectionTrait, drafts: Vec<EventDraft>) -> StoreResult<()> {
    if drafts.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let time = Utc::now().trunc_subsecs(6);
    if backend == DbBackend::Postgres {
        return insert_as_json(db, &drafts, time).await;
    }
    for chunk in drafts.chunks(CHUNK) {
        let mut sql = String::from(
            "INSERT INTO \"event_outbox\" (\"id\", \"customer_id\", \"partition\", \"event_type\", \"time\", \
             \"customer_version\", \"data\", \"status\", \"attempts\") VALUES ",
        );
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 7);
        for (i, draft) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            // Placeholders are numbered by position (PostgreSQL): values go in the same order.
            let data = serde_json::to_string(&draft.data).context("encode an event")?;
            let row: [Value; 7] = [
                new_id().into(),
                draft.customer_id.clone().into(),
                partition_of(&draft.customer_id, PARTITIONS).into(),
                draft.event_type.clone().into(),
                time.into(),
                draft.customer_id.clone().into(),
                data.into(),
            ];
            let first = values.len();
            let ph: Vec<String> = (1..=7).map(|k| placeholder(backend, first + k)).collect();
            values.extend(row);
            sql.push_str(&format!(
                "({}, {}, {}, {}, {}, (SELECT \"version\" FROM \"customers\" WHERE \"id\" = {}), {}, 0, 0)",
                ph[0], ph[1], ph[2], ph[3], ph[4], ph[5], ph[6]
            ));
        }
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.context("write events")?;
    }
    Ok(())
}

/// PostgreSQL: every draft in one statement whatever their number, as one JSON parameter
/// spread by the server (as `rows::insert` does): the statement text is the same for 1 or
/// 500 events, and no value is bound one by one. `WITH ORDINALITY` keeps the drafts' order,
/// which `seq` (the delivery order) follows; each event reads its profile's version by a
/// sub-query, as on SQLite.
async fn insert_as_json(db: &impl ConnectionTrait, drafts: &[EventDraft], time: DateTime<Utc>) -> StoreResult<()> {
    let time = time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let rows = drafts
        .iter()
        .map(|draft| {
            let data = serde_json::to_string(&draft.data).context("encode an event")?;
            Ok(serde_json::json!({
                "id": new_id(),
                "customer_id": draft.customer_id,
                "partition": partition_of(&draft.customer_id, PARTITIONS),
                "event_type": draft.event_type,
                "time": time,
                "data": data,
            }))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let json = serde_json::to_string(&rows).context("encode events")?;
    let sql = "INSERT INTO \"event_outbox\" (\"id\", \"customer_id\", \"partition\", \"event_type\", \"time\", \
               \"customer_version\", \"data\", \"status\", \"attempts\") \
               SELECT r.\"id\", r.\"customer_id\", r.\"partition\", r.\"event_type\", r.\"time\", \
               (SELECT c.\"version\" FROM \"customers\" c WHERE c.\"id\" = r.\"customer_id\"), r.\"data\", 0, 0 \
               FROM json_populate_recordset(NULL::\"event_outbox\", $1::json) WITH ORDINALITY AS r \
               ORDER BY r.ordinality";
    db.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, [Value::from(json)]))
        .await
        .context("write events")?;
    Ok(())
}

fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// Lock the partitions no other dispatcher holds, for the rest of `tx` (PostgreSQL).
pub async fn claim_partitions(tx: &impl ConnectionTrait) -> StoreResult<Vec<i32>> {
    let sql = "SELECT \"partition\" FROM \"event_partitions\" ORDER BY \"partition\" FOR UPDATE SKIP LOCKED";
    let rows = tx.query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await.context("claim partitions")?;
    rows.iter().map(|r| r.try_get::<i32>("", "partition").context("read a partition")).collect()
}

/// Up to `limit` pending events, oldest first, of `partitions` (all when `None`).
pub async fn pending(
    db: &impl ConnectionTrait,
    partitions: Option<&[i32]>,
    limit: u64,
) -> StoreResult<Vec<StoredEvent>> {
    let mut query = Entity::find().filter(Column::Status.eq(PENDING));
    if let Some(partitions) = partitions {
        query = query.filter(Column::Partition.is_in(partitions.iter().copied()));
    }
    let rows = query.order_by_asc(Column::Seq).limit(limit).all(db).await.context("read pending events")?;
    rows.into_iter().map(to_event).collect()
}

/// Every event of `customer_id`, oldest first (whatever their state).
pub async fn of_customer(db: &impl ConnectionTrait, customer_id: &str) -> StoreResult<Vec<StoredEvent>> {
    let rows = Entity::find()
        .filter(Column::CustomerId.eq(customer_id))
        .order_by_asc(Column::Seq)
        .all(db)
        .await
        .context("read a customer's events")?;
    rows.into_iter().map(to_event).collect()
}

/// Events written at or after `since`, oldest first, up to `limit` (whatever their state).
pub async fn since(db: &impl ConnectionTrait, since: DateTime<Utc>, limit: u64) -> StoreResult<Vec<StoredEvent>> {
    let rows = Entity::find()
        .filter(Column::Time.gte(since))
        .order_by_asc(Column::Seq)
        .limit(limit)
        .all(db)
        .await
        .context("read events")?;
    rows.into_iter().map(to_event).collect()
}

fn to_event(row: event_outbox::Model) -> StoreResult<StoredEvent> {
    let data: EventData = serde_json::from_str(&row.data).context("decode an event")?;
    Ok(StoredEvent {
        seq: row.seq,
        id: row.id,
        customer_id: row.customer_id,
        event_type: row.event_type,
        time: row.time,
        customer_version: row.customer_version,
        data,
        attempts: row.attempts,
        next_attempt_at: row.next_attempt_at,
    })
}

/// Mark `seqs` delivered at `at`.
pub async fn mark_delivered(db: &impl ConnectionTrait, seqs: &[i64], at: DateTime<Utc>) -> StoreResult<()> {
    for chunk in seqs.chunks(CHUNK) {
        Entity::update_many()
            .col_expr(Column::Status, Expr::value(DELIVERED))
            .col_expr(Column::DeliveredAt, Expr::value(at))
            .col_expr(Column::LastError, Expr::value(Option::<String>::None))
            .filter(Column::Seq.is_in(chunk.iter().copied()))
            .exec(db)
            .await
            .context("mark events delivered")?;
    }
    Ok(())
}

/// Record a failed attempt: retried at `retry_at`, or (`None`) dead-lettered.
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    seq: i64,
    attempts: i32,
    retry_at: Option<DateTime<Utc>>,
    error: &str,
) -> StoreResult<()> {
    let error: String = error.chars().take(500).collect();
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(if retry_at.is_some() { PENDING } else { DEAD }))
        .col_expr(Column::Attempts, Expr::value(attempts))
        .col_expr(Column::NextAttemptAt, Expr::value(retry_at))
        .col_expr(Column::LastError, Expr::value(Some(error)))
        .filter(Column::Seq.eq(seq))
        .exec(db)
        .await
        .context("record a failed delivery")?;
    Ok(())
}

/// Deliver again every event written at or after `since` (delivered, dead or pending):
/// they become pending with no attempts. Returns how many.
pub async fn replay(db: &impl ConnectionTrait, since: DateTime<Utc>) -> StoreResult<u64> {
    let result = Entity::update_many()
        .col_expr(Column::Status, Expr::value(PENDING))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(Column::NextAttemptAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(Column::LastError, Expr::value(Option::<String>::None))
        .filter(Column::Time.gte(since))
        .exec(db)
        .await
        .context("replay events")?;
    Ok(result.rows_affected)
}

/// Delivered events written before `cutoff` (retention: `replay` cannot reach further back
/// than what is kept); pending and dead-lettered events stay. With `count_only`, counts
/// them instead. Returns how many.
pub async fn purge_delivered_before(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
    count_only: bool,
) -> StoreResult<u64> {
    let done = Condition::all().add(Column::Status.eq(DELIVERED)).add(Column::Time.lt(cutoff));
    if count_only {
        return Entity::find().filter(done).count(db).await.context("count delivered events to purge");
    }
    let result = Entity::delete_many().filter(done).exec(db).await.context("purge delivered events")?;
    Ok(result.rows_affected)
}

/// Dead letters, oldest first, up to `limit`.
pub async fn dead_letters(db: &impl ConnectionTrait, limit: u64) -> StoreResult<Vec<DeadLetter>> {
    let rows = Entity::find()
        .filter(Column::Status.eq(DEAD))
        .order_by_asc(Column::Seq)
        .limit(limit)
        .all(db)
        .await
        .context("read dead letters")?;
    Ok(rows
        .into_iter()
        .map(|r| DeadLetter {
            seq: r.seq,
            id: r.id,
            customer_id: r.customer_id,
            event_type: r.event_type,
            time: r.time,
            attempts: r.attempts,
            last_error: r.last_error,
        })
        .collect())
}

/// The channel a commit that added events notifies on PostgreSQL (the `event_outbox_wake`
/// trigger of migration m20270103, which names it too).
pub const WAKE_CHANNEL: &str = "customers_events";

/// On PostgreSQL, a listener on [`WAKE_CHANNEL`] over a connection of its own: it hears of
/// every commit that added events, on any replica. `None` on SQLite (polled).
pub async fn listen_for_new_events(
    db: &sea_orm::DatabaseConnection,
) -> anyhow::Result<Option<sea_orm::sqlx::postgres::PgListener>> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(None);
    }
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(db.get_postgres_connection_pool()).await?;
    listener.listen(WAKE_CHANNEL).await?;
    Ok(Some(listener))
}
