//! An import interrupted after some batches (a test hook stops it where a kill would) and
//! run again resumes after its checkpoint and ends with exactly the file's content; so
//! does one killed with SIGKILL at an unknown point. Batches commit out of order (two are
//! written at once on PostgreSQL): a rerun skips exactly the ranges committed, a gap
//! included, and lines about the same profile in two batches are applied in file order.

use super::*;

on_both_databases!(
    an_interrupted_import_resumes_and_ends_with_exactly_the_files_content,
    an_import_killed_mid_run_and_rerun_ends_with_exactly_the_files_content,
    a_rerun_skips_exactly_the_ranges_committed_a_gap_included,
    lines_about_one_profile_in_two_batches_are_applied_in_the_files_order,
    the_batch_ranges_migration_carries_an_interrupted_import_both_ways
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

/// The file's SHA-256, as the import keys its checkpoint.
fn sha256(path: &Path) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The display name of the profile of CRM record `crm:C-n`, or `None` if there is none.
async fn name_of(app: &TestApp, n: usize) -> Option<String> {
    let found = app
        .admin(
            "query($id: String!) { customerByExternalRef(system: \"crm\", externalId: $id) { displayName } }",
            json!({ "id": format!("C-{n}") }),
        )
        .await;
    found["customerByExternalRef"]["displayName"].as_str().map(str::to_owned)
}

async fn a_rerun_skips_exactly_the_ranges_committed_a_gap_included(app: &TestApp) {
    catalogue(app).await;
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, "people.ndjson", &(1..=12).map(|n| profile(n).to_string()).collect::<Vec<_>>());
    // An earlier run committed lines 1-3 and 7-9 (its batch of 4-6 was still in flight
    // when it stopped); their profiles are not here, so whatever this run writes shows.
    let hash = sha256(&path);
    customers::store::imports::save(&app.store.db, &hash, 7, 9).await.unwrap();
    customers::store::imports::save(&app.store.db, &hash, 1, 3).await.unwrap();

    let run = import(app, &path, &["--batch", "2"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.summary["resumedAfterLine"], 3, "{}", run.summary);
    assert_eq!(run.summary["skippedLines"], 6, "{}", run.summary);
    assert_eq!((run.summary["created"].as_u64(), run.summary["updated"].as_u64()), (Some(6), Some(0)));
    let mut written = Vec::new();
    for n in 1..=12 {
        if name_of(app, n).await.is_some() {
            written.push(n);
        }
    }
    assert_eq!(written, [4, 5, 6, 10, 11, 12], "the lines outside the committed ranges, and only those");
    assert_eq!(app.count_rows("import_batches").await, 0, "a finished import forgets its ranges");
}

async fn lines_about_one_profile_in_two_batches_are_applied_in_the_files_order(app: &TestApp) {
    catalogue(app).await;
    let dir = tempfile::tempdir().unwrap();
    let first = file(&dir, "first.ndjson", &(1..=3).map(|n| profile(n).to_string()).collect::<Vec<_>>());
    assert_eq!(import(app, &first, &[]).code, Some(0));
    // Batch 1 ends with an update of profile 1 after 30 new profiles; batch 2 starts with a
    // later update of it. Written at once, batch 2 would reach the profile first and batch
    // 1 would then overwrite it with the older line.
    let renamed = |name: &str| {
        let mut line = profile(1);
        line["displayName"] = json!(name);
        line.to_string()
    };
    let mut lines: Vec<String> = (100..130).map(|n| profile(n).to_string()).collect();
    lines.push(renamed("Older"));
    lines.push(renamed("Newer"));
    lines.extend((130..138).map(|n| profile(n).to_string()));
    let second = file(&dir, "second.ndjson", &lines);
    let run = import(app, &second, &["--batch", "31"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!((run.summary["created"].as_u64(), run.summary["updated"].as_u64()), (Some(38), Some(2)));
    assert_eq!(name_of(app, 1).await.as_deref(), Some("Newer"), "the file's last line about it wins");
    assert_eq!(row_counts(app).await, expected(41));
}

/// `(file, first line, last line)` of `sql`, which names them `f`, `a` and `b`.
async fn ranges(app: &TestApp, sql: &str) -> Vec<(String, i64, i64)> {
    use sea_orm::ConnectionTrait as _;
    let stmt = sea_orm::Statement::from_string(app.store.backend(), sql.to_owned());
    let rows = app.store.db.query_all_raw(stmt).await.expect(sql);
    rows.iter()
        .map(|r| (r.try_get("", "f").expect("f"), r.try_get("", "a").expect("a"), r.try_get("", "b").expect("b")))
        .collect()
}

async fn the_batch_ranges_migration_carries_an_interrupted_import_both_ways(app: &TestApp) {
    use migration::MigratorTrait as _;
    for (file, first, last) in [("f1", 1, 40), ("f1", 41, 60), ("f1", 81, 100), ("f2", 21, 40)] {
        customers::store::imports::save(&app.store.db, file, first, last).await.unwrap();
    }
    let migrations = migration::Migrator::migrations();
    let at = migrations.iter().position(|m| m.name() == "m20270102_000001_import_batches").expect("the migration");
    migration::Migrator::down(&app.store.db, Some((migrations.len() - at) as u32)).await.expect("down");
    // One last line per file: the range from line 1 (what follows it is applied again on
    // resume, which an import keyed by profile allows); a file without it starts over.
    let old = ranges(
        app,
        "SELECT file_hash AS f, committed_line - committed_line + 1 AS a, committed_line AS b FROM import_checkpoints",
    )
    .await;
    assert_eq!(old, [("f1".to_owned(), 1, 40)]);

    migration::Migrator::up(&app.store.db, None).await.expect("up");
    let new = ranges(app, "SELECT file_hash AS f, first_line AS a, last_line AS b FROM import_batches").await;
    assert_eq!(new, [("f1".to_owned(), 1, 40)], "the checkpoint becomes the range from line 1 to it");
    assert_eq!(customers::store::imports::committed(&app.store.db, "f1").await.unwrap().prefix(), 40);
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
