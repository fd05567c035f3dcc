//! The key store's statements. Its schema is created here (`IF NOT EXISTS`), not by the
//! data migrations: it lives in another database. Plain SQL that SQLite and PostgreSQL
//! both take (placeholders rewritten to `$n` for PostgreSQL).

use anyhow::Context as _;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};

const SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS keystore_masters (key_id TEXT PRIMARY KEY, state TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS keystore_keys (owner TEXT PRIMARY KEY, key_id TEXT, wrapped TEXT, created_at TEXT NOT NULL, destroyed_at TEXT)",
    "CREATE INDEX IF NOT EXISTS ix_keystore_keys_key_id ON keystore_keys (key_id)",
];

pub const INSERT_KEY: &str =
    "INSERT INTO keystore_keys (owner, key_id, wrapped, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (owner) DO NOTHING";
pub const INSERT_MASTER: &str =
    "INSERT INTO keystore_masters (key_id, state, created_at) VALUES (?, ?, ?) ON CONFLICT (key_id) DO NOTHING";
pub const DESTROY_KEY: &str =
    "UPDATE keystore_keys SET key_id = NULL, wrapped = NULL, destroyed_at = ? WHERE owner = ?";
pub const TOMBSTONE: &str =
    "INSERT INTO keystore_keys (owner, created_at, destroyed_at) VALUES (?, ?, ?) ON CONFLICT (owner) DO NOTHING";

/// A row of `keystore_keys`.
#[derive(Clone, Debug)]
pub struct Row {
    pub owner: String,
    pub key_id: Option<String>,
    pub wrapped: Option<String>,
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

/// `?` → `$1, $2…` on PostgreSQL.
fn placeholders(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(ch);
        }
    }
    out
}

pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, placeholders(backend, sql), values)
}

/// Create the key store's tables if they are missing. On PostgreSQL under an advisory
/// lock: `CREATE TABLE IF NOT EXISTS` run by two replicas at once can still collide.
pub async fn create_tables(db: &DatabaseConnection) -> anyhow::Result<()> {
    use sea_orm::TransactionTrait as _;
    let tx = db.begin().await.context("Failed to begin creating the key store's tables")?;
    if db.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({SCHEMA_LOCK})"))
            .await
            .context("Failed to wait for another replica creating the key store's tables")?;
    }
    for sql in SCHEMA {
        tx.execute_unprepared(sql).await.context("Failed to create the key store's tables")?;
    }
    tx.commit().await.context("Failed to create the key store's tables")
}

/// The advisory lock taken while the key store's tables are created (any constant: it
/// only has to differ from the data migrations' lock).
const SCHEMA_LOCK: i64 = 0x6b65_7973; // "keys"

/// Run a statement; returns the rows it affected.
pub async fn run(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> anyhow::Result<u64> {
    let backend = db.get_database_backend();
    let done = db.execute_raw(statement(backend, sql, values)).await.context("Failed to write to the key store")?;
    Ok(done.rows_affected())
}

pub async fn fetch(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> anyhow::Result<Vec<Row>> {
    let backend = db.get_database_backend();
    let rows = db.query_all_raw(statement(backend, sql, values)).await.context("Failed to read the key store")?;
    rows.into_iter()
        .map(|r| {
            Ok(Row {
                owner: r.try_get("", "owner")?,
                key_id: r.try_get("", "key_id")?,
                wrapped: r.try_get("", "wrapped")?,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .context("Failed to decode a key store row")
}

/// One statement for a page's keys.
pub fn select_keys(backend: DbBackend, owners: &[String]) -> (String, Vec<Value>) {
    let marks = vec!["?"; owners.len()].join(", ");
    let sql = format!("SELECT owner, key_id, wrapped FROM keystore_keys WHERE owner IN ({marks})");
    (placeholders(backend, &sql), owners.iter().map(|o| Value::from(o.clone())).collect())
}

/// (key_id, state) of every master key the store knows.
pub async fn masters(db: &DatabaseConnection) -> anyhow::Result<Vec<(String, String)>> {
    let rows = db
        .query_all_raw(statement(db.get_database_backend(), "SELECT key_id, state FROM keystore_masters", vec![]))
        .await
        .context("Failed to read the key store's master keys")?;
    rows.into_iter()
        .map(|r| Ok((r.try_get::<String>("", "key_id")?, r.try_get::<String>("", "state")?)))
        .collect::<Result<_, sea_orm::DbErr>>()
        .context("Failed to decode a master key row")
}
