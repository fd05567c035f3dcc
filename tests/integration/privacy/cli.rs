//! `customers export`, `customers erase` and `customers retention run` as an operator runs
//! them: JSON on standard output, the erasure idempotent, the reason kept out of the logs,
//! and the audit log still verifying afterwards.

use crate::cli::{customers, free_port};
use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = customers(dir, free_port());
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// The id of a demo customer with a name (straight from the database file).
fn a_named_customer(dir: &Path) -> String {
    let url = format!("sqlite://{}/customers.db?mode=rw", dir.display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sea_orm::{ConnectionTrait as _, Statement};
        let db = sea_orm::Database::connect(url).await.unwrap();
        let sql = "SELECT id FROM customers WHERE display_name IS NOT NULL AND status = 'ACTIVE' ORDER BY id LIMIT 1";
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        row.try_get::<String>("", "id").unwrap()
    })
}

#[test]
fn an_operator_exports_erases_and_runs_retention_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["seed-demo"], &[]).status.success());
    let id = a_named_customer(dir.path());

    let before = json_of(&run(dir.path(), &["export", "--customer", &id], &[]));
    assert_eq!(
        (before["format"].as_str(), before["version"].as_i64()),
        (Some("customers.subject-access-export"), Some(1))
    );
    assert_eq!(before["customer"]["id"], id.as_str());
    assert!(!before["identities"].as_array().unwrap().is_empty(), "{before}");
    let name = before["customer"]["displayName"].as_str().unwrap().to_owned();

    let erased = run(dir.path(), &["erase", "--customer", &id, "--reason", "DSAR-CLI-555"], &[]);
    let receipt = json_of(&erased);
    assert_eq!((receipt["customerId"].as_str(), receipt["erasedBy"].as_str()), (Some(id.as_str()), Some("cli")));
    assert_eq!(receipt["alreadyErased"], false);
    let logs = String::from_utf8_lossy(&erased.stderr);
    assert!(logs.contains("customer erased"), "{logs}");
    assert!(!logs.contains("DSAR-CLI-555") && !logs.contains(&name), "no reason or PII in the logs: {logs}");

    let again = json_of(&run(dir.path(), &["erase", "--customer", &id, "--reason", "again"], &[]));
    assert_eq!((again["alreadyErased"].as_bool(), again["reason"].as_str()), (Some(true), Some("DSAR-CLI-555")));
    let after = json_of(&run(dir.path(), &["export", "--customer", &id], &[]));
    assert_eq!(after["customer"]["status"], "ERASED");
    assert_eq!(after["identities"], serde_json::json!([]));
    assert!(!after.to_string().contains(&name));

    let refused = run(dir.path(), &["erase", "--customer", "not-an-id", "--reason", "x"], &[]);
    assert!(!refused.status.success());

    let policy = [("CUSTOMERS_RETENTION_INTERACTIONS_DAYS", "1"), ("CUSTOMERS_RETENTION_AUDIT_DAYS", "1")];
    let dry = json_of(&run(dir.path(), &["retention", "run", "--dry-run"], &policy));
    assert_eq!(dry["dryRun"], true);
    let interactions = dry["interactions"].as_u64().unwrap();
    assert!(interactions >= 6, "the demo's conversations of 30 and 7 days ago: {dry}");
    let done = json_of(&run(dir.path(), &["retention", "run"], &policy));
    assert_eq!((done["dryRun"].as_bool(), done["interactions"].as_u64()), (Some(false), Some(interactions)));
    let verify = run(dir.path(), &["audit", "verify"], &[]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}

#[test]
fn an_operator_rotates_the_generated_master_key_and_every_profile_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["seed-demo"], &[]).status.success());
    let id = a_named_customer(dir.path());
    let name = json_of(&run(dir.path(), &["export", "--customer", &id], &[]))["customer"]["displayName"].clone();
    assert!(name.is_string(), "{name}");
    let key_file = dir.path().join("master-key");
    let old = std::fs::read_to_string(&key_file).unwrap().trim().to_owned();
    let new = "bmV3LW1hc3Rlci1rZXktMDEyMzQ1Njc4OWFiY2RlZmc=";

    let rotated = run(dir.path(), &["rotate-master-key"], &[("CUSTOMERS_NEW_MASTER_KEY", new)]);

    assert!(rotated.status.success(), "{}", String::from_utf8_lossy(&rotated.stderr));
    assert!(String::from_utf8_lossy(&rotated.stdout).contains("the new key is in force"));
    assert_eq!(std::fs::read_to_string(&key_file).unwrap().trim(), new, "the generated key file holds the new key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let after = json_of(&run(dir.path(), &["export", "--customer", &id], &[]));
    assert_eq!(after["customer"]["displayName"], name, "readable under the new key from the file");
    let resealed = run(dir.path(), &["reseal"], &[]);
    assert!(resealed.status.success(), "{}", String::from_utf8_lossy(&resealed.stderr));
    assert!(String::from_utf8_lossy(&resealed.stdout).contains("0 left in the old form"));

    let with_old = run(dir.path(), &["export", "--customer", &id], &[("CUSTOMERS_MASTER_KEY", &old)]);
    assert!(!with_old.status.success(), "the retired key no longer opens anything");
    assert!(
        String::from_utf8_lossy(&with_old.stderr).contains("master key"),
        "{}",
        String::from_utf8_lossy(&with_old.stderr)
    );
}
