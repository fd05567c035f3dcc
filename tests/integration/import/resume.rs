//! An import interrupted after some batches (a test hook stops it where a kill would) and
//! run again resumes after its checkpoint and ends with exactly the file's content; so
//! does one killed with SIGKILL at an unknown point.

use super::*;

on_both_databases!(
    an_interrupted_import_resumes_and_ends_with_exactly_the_files_content,
    an_import_killed_mid_run_and_rerun_ends_with_exactly_the_files_content
);

async fn an_interrupted_import_resumes_and_ends_with_exactly_the_files_content(app: &TestApp) {
    catalogue(app).await;
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, "people.ndjson", &(1..=23).map(|n| profile(n).to_string()).collect::<Vec<_>>());

    let stopped = import(app, &path, &["--batch", "5", "--stop-after-batches", "2"]);
    assert_eq!(stopped.summary["finished"], false, "{}", stopped.summary);
    assert_eq!(app.count_rows("customers").await, 10, "two batches committed");

    let resumed = import(app, &path, &["--batch", "5"]);
    assert_eq!(resumed.code, Some(0), "{}", resumed.stderr);
    assert_eq!(resumed.summary["resumedAfterLine"], 10, "{}", resumed.summary);
    assert_eq!((resumed.summary["created"].as_u64(), resumed.summary["updated"].as_u64()), (Some(13), Some(0)));
    let after = row_counts(app).await;
    assert_eq!(after, expected(23), "exactly the file's content");

    let rerun = import(app, &path, &["--batch", "5"]);
    assert_eq!(rerun.summary["resumedAfterLine"], Value::Null, "a finished import leaves no checkpoint");
    assert_eq!(rerun.summary["updated"], 23);
    assert_eq!(row_counts(app).await, after);
}

async fn an_import_killed_mid_run_and_rerun_ends_with_exactly_the_files_content(app: &TestApp) {
    catalogue(app).await;
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, "people.ndjson", &(1..=400).map(|n| profile(n).to_string()).collect::<Vec<_>>());
    let mut child = customers(app)
        .arg("import")
        .arg(&path)
        .args(["--batch", "20"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once some batches are in (or when it is done: then the rerun updates).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while app.count_rows("customers").await < 40 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    std::process::Command::new("kill").args(["-KILL", &child.id().to_string()]).status().unwrap();
    child.wait().unwrap();

    let rerun = import(app, &path, &["--batch", "20"]);
    assert_eq!(rerun.code, Some(0), "{}", rerun.stderr);
    assert_eq!(row_counts(app).await, expected(400), "{}", rerun.summary);
}

/// The rows `n` full profiles make.
fn expected(n: i64) -> Vec<(&'static str, i64)> {
    vec![
        ("customers", n),
        ("channel_identities", 3 * n),
        ("customer_labels", 2 * n),
        ("preferences", n),
        ("customer_attributes", 3 * n),
        ("external_refs", n),
    ]
}
