//! Bulk import and export (issue 12, item 2) through the real binary, on SQLite and on
//! PostgreSQL: good lines imported and bad ones reported without their values, reruns
//! idempotent, an interrupted import resumed to exactly the file's content, CSV with a
//! header mapping, and an export that masks PII unless asked and reads back through import.

mod bulk;
mod export;
mod lines;
mod resume;

use crate::common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary, configured for the test app's database, key store and master key.
fn customers(app: &TestApp) -> Command {
    app.binary()
}

/// What an import run said: its exit code, summary, rejected lines and standard error.
struct Run {
    code: Option<i32>,
    summary: Value,
    rejected: Vec<Value>,
    stderr: String,
}

fn import(app: &TestApp, file: &Path, args: &[&str]) -> Run {
    let report = file.with_extension("errors.ndjson");
    let out = customers(app).arg("import").arg(file).arg("--errors").arg(&report).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let summary = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{stderr}", String::from_utf8_lossy(&out.stdout)));
    let rejected = std::fs::read_to_string(&report)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Run { code: out.status.code(), summary, rejected, stderr }
}

fn export(app: &TestApp, args: &[&str]) -> Output {
    let out = customers(app).arg("export").args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn ndjson(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// A file in a directory that lives as long as the test.
fn file(dir: &tempfile::TempDir, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// A full profile: 3 identities, 2 labels, preferences, 3 attributes, keyed by `crm:N`.
fn profile(n: usize) -> Value {
    json!({
        "displayName": format!("Person {n}"),
        "identities": [
            { "channel": "EMAIL", "value": format!("person{n}@example.com") },
            { "channel": "PHONE", "value": format!("+92300{:07}", n) },
            { "channel": "WHATSAPP", "value": format!("+92301{:07}", n) }
        ],
        "attributes": [
            { "key": "tier", "value": if n.is_multiple_of(2) { "gold" } else { "silver" } },
            { "key": "score", "value": n },
            { "key": "passport", "value": format!("PK-{n:06}") }
        ],
        "labels": ["VIP", "Newsletter"],
        "preferences": { "language": "en", "timezone": "Asia/Karachi", "consents": [{ "channel": "SMS", "status": "OPT_IN" }] },
        "externalRefs": [{ "system": "crm", "externalId": format!("C-{n}") }]
    })
}

/// The catalogue the profiles need: two labels, three attributes (one of them PII).
async fn catalogue(app: &TestApp) {
    app.create_label("VIP").await;
    app.create_label("Newsletter").await;
    app.define_attribute(json!({ "key": "tier", "type": "STRING" })).await;
    app.define_attribute(json!({ "key": "score", "type": "NUMBER" })).await;
    app.define_attribute(json!({ "key": "passport", "type": "STRING", "pii": true })).await;
}

/// Rows of every table an import writes.
async fn row_counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in
        ["customers", "channel_identities", "customer_labels", "preferences", "customer_attributes", "external_refs"]
    {
        out.push((table, app.count_rows(table).await));
    }
    out
}
