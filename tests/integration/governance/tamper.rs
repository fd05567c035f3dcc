//! The chain makes tampering evident: an edited, deleted or inserted entry, or the newest
//! entries cut off, is found and named by `verify`; the export is an explicit NDJSON format
//! that reads back to what was written; the sealer and `customers audit verify` work as the
//! binary runs them.

use super::*;
use customers::domain::audit::Tamper;
use customers::store::audit::export::ExportedEntry;
use sea_orm::{ConnectionTrait as _, Statement};

on_both_databases!(
    an_untouched_log_verifies_and_entries_are_sealed_in_order,
    an_edited_entry_is_found_at_its_position,
    a_deleted_entry_is_found_where_the_gap_is,
    an_inserted_entry_is_found,
    an_entry_taken_off_the_sealers_queue_is_found,
    queue_rows_that_cannot_be_sealed_do_not_hold_up_the_ones_behind_them,
    a_refused_entry_is_logged_once_not_at_every_pass,
    deleting_the_newest_entries_is_found,
    hiding_a_read_from_a_profiles_log_is_found,
    the_export_round_trips_and_honours_since,
);

/// A profile written six times (and read back), every entry sealed.
async fn sealed_log(app: &TestApp) -> String {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    for n in 0..5 {
        app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": format!("Name {n}") } })).await;
    }
    let (requests, background) = (app.statements(), app.store.background_statements.get());
    services(app).seal_audit().await.expect("seal");
    // The sealer's statements count as background work, not as the requests'.
    assert!(app.store.background_statements.get() > background);
    assert_eq!(app.statements(), requests);
    id
}

async fn sql(app: &TestApp, statement: &str) {
    app.store.db.execute_raw(Statement::from_string(app.store.backend(), statement.to_owned())).await.expect(statement);
}

async fn last_seq(app: &TestApp) -> i64 {
    let rows = app.sql_strings("SELECT CAST(MAX(seq) AS TEXT) AS s FROM audit_seals", &["s"]).await;
    rows.expect("a sealed entry")[0].parse().expect("a number")
}

async fn entry_id_at(app: &TestApp, seq: i64) -> String {
    let rows = app.sql_strings(&format!("SELECT entry_id AS id FROM audit_seals WHERE seq = {seq}"), &["id"]).await;
    rows.expect("an entry at that position").remove(0)
}

async fn an_untouched_log_verifies_and_entries_are_sealed_in_order(app: &TestApp) {
    sealed_log(app).await;
    let total = app.count_rows("audit_log").await as u64;

    let report = services(app).verify_audit().await.unwrap();

    assert_eq!(report.finding, None);
    assert_eq!((report.sealed, report.pending), (total, 0));
    let listed = entries(app, json!({})).await;
    let seqs: Vec<i64> = listed.iter().map(|e| e["seq"].as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(seqs, (1..=total as i64).rev().collect::<Vec<_>>(), "newest first, gap-free");
    // Entries written after a seal are pending and verified by their own MAC.
    app.customer(listed[0]["customerId"].as_str().unwrap(), "displayName").await;
    let report = services(app).verify_audit().await.unwrap();
    assert_eq!((report.finding, report.pending), (None, 1));
}

/// Deleting a profile's row from the per-profile index would hide a page's read from that
/// profile's log: verify names the entry, sealed or not.
async fn hiding_a_read_from_a_profiles_log_is_found(app: &TestApp) {
    let a = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let b = app.create_customer(json!({ "displayName": "Bilal Ahmed" })).await;
    let page = "query Page { customers(first: 10) { edges { node { id displayName } } } }";
    let body = app.post(Some(&token_for("pager", "customers:read pii:read")), page, json!({})).await.1;
    assert!(body.get("errors").is_none(), "{body:#}");
    let read = entries(app, json!({ "principal": "pager" })).await.remove(0);
    let read_id = read["id"].as_str().unwrap().to_owned();
    assert_eq!(pii_reads(app, &b).await.len(), 1);
    assert_eq!(services(app).verify_audit().await.unwrap().finding, None, "untouched: pending and indexed");

    // SQLite: the profile's row of the per-profile index is deleted. PostgreSQL indexes the
    // entry's own list (`ix_audit_listed`): there the read can only be hidden by editing
    // the entry, which its MAC gives away.
    let expected = if app.is_postgres() {
        let other = "00000000-0000-7000-8000-000000000000";
        sql(app, &format!("UPDATE audit_log SET details = replace(details, '{b}', '{other}') WHERE id = '{read_id}'"))
            .await;
        Tamper::Edited
    } else {
        sql(app, &format!("DELETE FROM audit_subjects WHERE customer_id = '{b}'")).await;
        Tamper::Unindexed
    };
    assert!(pii_reads(app, &b).await.is_empty(), "hidden from the profile's log");
    assert_eq!(pii_reads(app, &a).await.len(), 1);

    let finding = services(app).verify_audit().await.unwrap().finding.expect("found while pending");
    assert_eq!((finding.seq, finding.id.as_deref(), &finding.tamper), (None, Some(read_id.as_str()), &expected));
    services(app).seal_audit().await.expect("seal");
    let finding = services(app).verify_audit().await.unwrap().finding.expect("found once sealed");
    assert_eq!((finding.id.as_deref(), &finding.tamper), (Some(read_id.as_str()), &expected));
    // An indexless entry is sealed (its MAC checks out); an edited one is refused a place.
    assert_eq!(finding.seq.is_some(), !app.is_postgres());
}

async fn an_edited_entry_is_found_at_its_position(app: &TestApp) {
    sealed_log(app).await;
    let edited = entry_id_at(app, 3).await;
    sql(app, &format!("UPDATE audit_log SET actor = 'someone-else' WHERE id = '{edited}'")).await;

    let finding = services(app).verify_audit().await.unwrap().finding.expect("found");

    assert_eq!((finding.seq, finding.id.as_deref(), finding.tamper), (Some(3), Some(edited.as_str()), Tamper::Edited));
}

/// An entry deleted is found at its position; deleted with its position, where the gap is.
async fn a_deleted_entry_is_found_where_the_gap_is(app: &TestApp) {
    sealed_log(app).await;
    let deleted = entry_id_at(app, 2).await;
    sql(app, &format!("DELETE FROM audit_log WHERE id = '{deleted}'")).await;

    let report = services(app).verify_audit().await.unwrap();
    let finding = report.finding.expect("found");
    assert_eq!(
        (finding.seq, finding.id.as_deref(), finding.tamper),
        (Some(2), Some(deleted.as_str()), Tamper::Deleted)
    );

    sql(app, "DELETE FROM audit_seals WHERE seq = 2").await;
    let report = services(app).verify_audit().await.unwrap();
    let finding = report.finding.expect("found");
    assert_eq!((finding.seq, finding.tamper), (Some(3), Tamper::Missing { expected_seq: 2 }));
    assert_eq!(report.sealed, 1, "the entries before the gap check out");
}

/// Entries are never updated: sealing writes positions and empties the queue. A valid entry
/// taken off the queue (so that it would never be chained) is found.
async fn an_entry_taken_off_the_sealers_queue_is_found(app: &TestApp) {
    let id = sealed_log(app).await;
    assert_eq!(app.count_rows("audit_pending").await, 0, "sealing empties the queue");
    assert_eq!(app.count_rows("audit_seals").await, app.count_rows("audit_log").await);
    app.customer(&id, "displayName").await;
    let read = entries(app, json!({ "action": "pii.read" })).await.remove(0);
    let read_id = read["id"].as_str().unwrap().to_owned();
    assert_eq!(app.count_rows(&format!("audit_pending WHERE entry_id = '{read_id}'")).await, 1, "queued with it");
    assert_eq!(services(app).verify_audit().await.unwrap().finding, None);

    sql(app, &format!("DELETE FROM audit_pending WHERE entry_id = '{read_id}'")).await;

    let finding = services(app).verify_audit().await.unwrap().finding.expect("found");
    assert_eq!((finding.seq, finding.id.as_deref(), finding.tamper), (None, Some(read_id.as_str()), Tamper::Unqueued));

    // An entry deleted before it is sealed leaves its place in the queue: found too.
    sql(app, &format!("INSERT INTO audit_pending (entry_id) VALUES ('{read_id}')")).await;
    assert_eq!(services(app).verify_audit().await.unwrap().finding, None);
    sql(app, &format!("DELETE FROM audit_log WHERE id = '{read_id}'")).await;
    let finding = services(app).verify_audit().await.unwrap().finding.expect("found");
    assert_eq!((finding.seq, finding.id.as_deref(), finding.tamper), (None, Some(read_id.as_str()), Tamper::Deleted));
}

async fn an_inserted_entry_is_found(app: &TestApp) {
    sealed_log(app).await;
    let last = last_seq(app).await;
    // A copy of a real entry under a new id, in the chain's next position, with the
    // original's MACs: without the master key no valid MAC can be made for it.
    let original = entry_id_at(app, last).await;
    let copy = format!("INSERT INTO audit_log (id, at, actor, action, entity_id, details, customer_id, operation, fields, entry_mac)
        SELECT '00000000-0000-7000-8000-000000000001', at, actor, action, entity_id, details, customer_id, operation, fields, entry_mac
        FROM audit_log WHERE id = '{original}'");
    sql(app, &copy).await;
    sql(
        app,
        &format!(
            "INSERT INTO audit_seals (seq, entry_id, chain_mac)
        SELECT {}, '00000000-0000-7000-8000-000000000001', chain_mac FROM audit_seals WHERE seq = {last}",
            last + 1
        ),
    )
    .await;

    let finding = services(app).verify_audit().await.unwrap().finding.expect("found");
    assert_eq!((finding.seq, finding.tamper), (Some(last + 1), Tamper::Edited));

    // Unsealed, with no MAC at all: found among the pending entries.
    sql(app, &format!("DELETE FROM audit_seals WHERE seq = {}", last + 1)).await;
    sql(app, "DELETE FROM audit_log WHERE id = '00000000-0000-7000-8000-000000000001'").await;
    sql(
        app,
        "INSERT INTO audit_log (id, at, actor, action, entity_id, details) VALUES
        ('00000000-0000-7000-8000-000000000002', '2026-01-01 00:00:00+00:00', 'ghost', 'pii.read', 'x', 'null')",
    )
    .await;
    assert_eq!(
        app.count_rows("audit_pending WHERE entry_id = '00000000-0000-7000-8000-000000000002'").await,
        1,
        "the database queues every entry inserted"
    );
    let finding = services(app).verify_audit().await.unwrap().finding.expect("found");
    assert_eq!(
        (finding.id.as_deref(), finding.tamper),
        (Some("00000000-0000-7000-8000-000000000002"), Tamper::Unsigned)
    );
    // The sealer refuses it: it stays out of the chain.
    services(app).seal_audit().await.unwrap();
    assert_eq!(app.count_rows("audit_seals WHERE entry_id = '00000000-0000-7000-8000-000000000002'").await, 0);
    assert_eq!(
        app.count_rows("audit_pending WHERE entry_id = '00000000-0000-7000-8000-000000000002'").await,
        1,
        "and stays in the queue"
    );
}

async fn a_refused_entry_is_logged_once_not_at_every_pass(app: &TestApp) {
    sealed_log(app).await;
    let unsigned = |id: &str| {
        format!(
            "INSERT INTO audit_log (id, at, actor, action, entity_id, details) VALUES
            ('{id}', '2026-01-01 00:00:00+00:00', 'ghost', 'pii.read', 'x', 'null')"
        )
    };
    let (first, second) = ("00000000-0000-7000-8000-000000000003", "00000000-0000-7000-8000-000000000004");
    sql(app, &unsigned(first)).await;
    // The passes run inline on this thread, where the capture listens.
    let (logs, _guard) = capture_logs();
    let services = services(app);
    for _ in 0..3 {
        services.seal_audit().await.expect("seal");
    }
    sql(app, &unsigned(second)).await;
    services.seal_audit().await.expect("seal");

    let refusals =
        |id: &str| logs.text().lines().filter(|l| l.contains("does not match its MAC") && l.contains(id)).count();
    assert_eq!((refusals(first), refusals(second)), (1, 1), "{}", logs.text());
    assert_eq!(
        app.count_rows(&format!("audit_pending WHERE entry_id IN ('{first}', '{second}')")).await,
        2,
        "both stay queued, out of the chain"
    );
}

async fn deleting_the_newest_entries_is_found(app: &TestApp) {
    sealed_log(app).await;
    let last = last_seq(app).await;
    sql(app, "DELETE FROM audit_log WHERE id IN (SELECT entry_id FROM audit_seals WHERE seq >= 5)").await;
    sql(app, "DELETE FROM audit_seals WHERE seq >= 5").await;

    let finding = services(app).verify_audit().await.unwrap().finding.expect("found");

    assert_eq!((finding.seq, finding.tamper), (Some(4), Tamper::Truncated { head_seq: last }));
}

async fn the_export_round_trips_and_honours_since(app: &TestApp) {
    sealed_log(app).await;
    let mut out = Vec::new();
    let n = services(app).export_audit(None, &mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(n as usize, lines.len());
    assert_eq!(lines.len() as i64, app.count_rows("audit_log").await);

    let parsed: Vec<ExportedEntry> = lines.iter().map(|l| serde_json::from_str(l).expect("an entry")).collect();
    for (line, entry) in lines.iter().zip(&parsed) {
        assert_eq!(*line, serde_json::to_string(entry).unwrap(), "re-encodes to the same line");
        assert_eq!(entry.v, 1);
    }
    let seqs: Vec<i64> = parsed.iter().map(|e| e.seq.unwrap()).collect();
    assert_eq!(seqs, (1..=lines.len() as i64).collect::<Vec<_>>(), "oldest first");
    let listed = entries(app, json!({})).await;
    let newest = parsed.last().unwrap();
    let listed_newest = listed.iter().find(|e| e["id"] == json!(newest.id)).expect("listed");
    assert_eq!(
        (listed_newest["action"].as_str(), listed_newest["fields"].clone()),
        (Some(newest.action.as_str()), json!(newest.fields))
    );

    let mut later = Vec::new();
    let since = parsed[3].at;
    services(app).export_audit(Some(since), &mut later).await.unwrap();
    let later: Vec<ExportedEntry> =
        String::from_utf8(later).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(later.iter().all(|e| e.at >= since));
    assert!(later.len() >= 3 && later.len() < parsed.len() + 1);
}

/// The binary as an operator runs it: `audit verify` seals and checks (exit 0), names the
/// tampered entry (exit 1), and `audit export` writes one JSON line per entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_commands_verify_and_export_the_log_of_a_real_database() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| crate::cli::customers(dir.path(), 0).args(args).output().expect("run customers");
    assert!(run(&["seed-demo"]).status.success());

    let intact = run(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&intact.stdout).to_string();
    assert!(intact.status.success(), "{stdout}");
    assert!(stdout.contains("audit log intact"), "{stdout}");

    let export = run(&["audit", "export"]);
    assert!(export.status.success());
    let lines: Vec<ExportedEntry> = String::from_utf8(export.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("an exported entry"))
        .collect();
    assert!(lines.len() >= 10, "seed-demo writes a profile, labels and attributes");
    assert!(lines.iter().all(|e| e.principal == "seed-demo" && e.seq.is_some()));

    let url = format!("sqlite://{}/customers.db", dir.path().display());
    let db = sea_orm::Database::connect(&url).await.unwrap();
    db.execute_unprepared(
        "UPDATE audit_log SET fields = '[]' WHERE id = (SELECT entry_id FROM audit_seals WHERE seq = 3)",
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let tampered = run(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&tampered.stdout).to_string();
    assert_eq!(tampered.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("TAMPERED at seq 3"), "{stdout}");
}

/// More queue rows the sealer cannot seal (forged, or left by deleted entries) than a whole
/// round reads, at the head of the queue, and a sealed entry queued again: the entries
/// behind them are still sealed, none twice, and verification names the first dangling row.
async fn queue_rows_that_cannot_be_sealed_do_not_hold_up_the_ones_behind_them(app: &TestApp) {
    let pad = if app.is_postgres() { "lpad(CAST(i AS TEXT), 12, '0')" } else { "printf('%012d', i)" };
    sql(
        app,
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500) \
             INSERT INTO audit_pending (entry_id) SELECT '00000000-0000-7000-8000-' || {pad} FROM n"
        ),
    )
    .await;
    let id = sealed_log(app).await;
    // And a sealed entry queued again by hand: dropped from the queue, not sealed twice.
    sql(app, "INSERT INTO audit_pending (entry_id) SELECT entry_id FROM audit_seals WHERE seq = 1").await;
    services(app).seal_audit().await.expect("seal");

    assert_eq!(app.count_rows("audit_pending").await, 1500, "only the dangling rows are left");
    assert_eq!(app.count_rows("audit_seals").await, app.count_rows("audit_log").await, "every entry sealed");
    assert!(app.count_rows(&format!("audit_log WHERE customer_id = '{id}'")).await >= 6);
    let finding = services(app).verify_audit().await.unwrap().finding.expect("found");
    assert_eq!((finding.seq, finding.tamper), (None, Tamper::Deleted));
}
