//! Governance: the audit log of every change and of every response that showed personal
//! data, its tamper evidence, and its export — each test on SQLite and on PostgreSQL.

mod audit_groups;
mod audit_listed;
mod audit_reads;
mod audit_writes;
mod seal_migration;
mod tamper;

use crate::common::*;
use customers::service::Services;
use serde_json::{Value, json};

/// The service layer over the test app's database (to seal and verify directly).
fn services(app: &TestApp) -> Services {
    Services::new(app.store.clone(), Default::default())
}

/// Make every insert into `audit_log` fail (a trigger) until the returned statement is run
/// (`app.store.db.execute_unprepared(remove)`): a record that cannot be written.
async fn fail_audit_inserts(app: &TestApp) -> &'static str {
    use sea_orm::ConnectionTrait as _;
    let (install, remove) = if app.is_postgres() {
        (
            "CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$;
             CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_audit();",
            "DROP TRIGGER fail_audit ON audit_log; DROP FUNCTION fail_audit();",
        )
    } else {
        (
            "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'injected'); END;",
            "DROP TRIGGER fail_audit;",
        )
    };
    app.store.db.execute_unprepared(install).await.expect("install the failing trigger");
    remove
}

/// Every entry (newest first) matching `filter`, as `auditLog` answers them.
async fn entries(app: &TestApp, filter: Value) -> Vec<Value> {
    let mut variables = filter;
    variables["first"] = json!(100);
    let data = app.admin(AUDIT_LOG, variables).await;
    data["auditLog"]["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()).collect()
}

/// The `pii.read` entries about one profile, newest first.
async fn pii_reads(app: &TestApp, customer_id: &str) -> Vec<Value> {
    entries(app, json!({ "customerId": customer_id, "action": "pii.read" })).await
}

/// Every entry's action about one profile, oldest first, reads left out.
async fn changes(app: &TestApp, customer_id: &str) -> Vec<String> {
    let mut actions: Vec<String> = entries(app, json!({ "customerId": customer_id }))
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .filter(|a| a != "pii.read")
        .collect();
    actions.reverse();
    actions
}
