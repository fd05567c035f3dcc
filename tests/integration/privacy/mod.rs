//! Privacy: the data lifecycle (issue 10). Erasure leaves nothing of the person anywhere in
//! the database (every table's text, and the SQLite file's bytes), the export holds
//! everything and then nothing, legal holds stop erasure and purges, retention purges
//! exactly what its policy says (the audit chain still verifying), and free text is
//! redacted — each test on SQLite and on PostgreSQL; the CLI through the binary.

mod cli;
mod erasure;
mod export;
mod ledgers;
mod redaction;
mod retention;

use crate::common::*;
use customers::service::Services;
use sea_orm::{ConnectionTrait as _, Statement};
use serde_json::{Value, json};

/// The service layer over the test app's database.
fn services(app: &TestApp) -> Services {
    Services::new(app.store.clone(), Default::default())
}

/// Every value of a one-column query, as text (NULLs left out).
async fn column(app: &TestApp, sql: &str) -> Vec<String> {
    let statement = Statement::from_string(app.store.backend(), sql.to_owned());
    let rows = app.store.db.query_all_raw(statement).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter().filter_map(|r| r.try_get::<Option<String>>("", "v").unwrap_or_else(|e| panic!("{sql}: {e}"))).collect()
}

/// Every (table, column) of the database.
async fn columns(app: &TestApp) -> Vec<(String, String)> {
    let sql = if app.is_postgres() {
        "SELECT table_name || '.' || column_name AS v FROM information_schema.columns WHERE table_schema = current_schema()"
            .to_owned()
    } else {
        "SELECT m.name || '.' || p.name AS v FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
            .to_owned()
    };
    let found = column(app, &sql).await;
    assert!(found.len() > 50, "every table's columns: {found:?}");
    found.into_iter().map(|tc| tc.split_once('.').map(|(t, c)| (t.to_owned(), c.to_owned())).unwrap()).collect()
}

/// Every stored value of every column of every table, as text: (`table.column`, value).
async fn everything_stored(app: &TestApp) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (table, col) in columns(app).await {
        let sql = format!("SELECT CAST(\"{col}\" AS TEXT) AS v FROM \"{table}\"");
        out.extend(column(app, &sql).await.into_iter().map(|v| (format!("{table}.{col}"), v)));
    }
    out
}

/// Asserts that none of `needles` is stored anywhere: no table's text (on both databases)
/// and, on SQLite, no byte of the database file or its log.
pub(crate) async fn assert_stored_nowhere(app: &TestApp, needles: &[String]) {
    assert!(!needles.is_empty());
    let stored = everything_stored(app).await;
    for needle in needles {
        let found: Vec<&(String, String)> = stored.iter().filter(|(_, v)| v.contains(needle.as_str())).collect();
        assert!(found.is_empty(), "{needle:?} is still stored: {found:?}");
    }
    if let Some(file) = app.sqlite_file() {
        let mut bytes = std::fs::read(&file).expect("the database file");
        if let Ok(wal) = std::fs::read(file.with_extension("db-wal")) {
            bytes.extend(wal);
        }
        for needle in needles {
            let hit = bytes.windows(needle.len()).position(|w| w == needle.as_bytes());
            assert!(hit.is_none(), "{needle:?} is still in the SQLite file at byte {hit:?}");
        }
    }
}

/// A value of a column for one row, as stored (a ciphertext, a blind index).
async fn stored(app: &TestApp, sql: &str) -> Vec<String> {
    let found = column(app, sql).await;
    assert!(!found.is_empty(), "nothing stored for {sql}");
    found
}

async fn erase(app: &TestApp, id: &str, reason: &str) -> Value {
    app.admin(ERASE_CUSTOMER, json!({ "id": id, "reason": reason })).await["eraseCustomer"].clone()
}

async fn export(app: &TestApp, id: &str) -> Value {
    app.admin(EXPORT_CUSTOMER, json!({ "id": id })).await["exportCustomer"].clone()
}
