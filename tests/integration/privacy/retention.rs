//! Retention: each policy purges exactly what it says — interactions older than N days,
//! anonymous profiles without activity for N days (erased as `eraseCustomer` would), audit
//! entries older than N days as an anchored prefix of the chain, which still verifies — and
//! nothing of a profile under a legal hold. A dry run reports the same and writes nothing.

use super::*;
use customers::domain::audit::{Actor, Tamper};
use customers::domain::lifecycle::{RetentionPolicy, RetentionReport};

on_both_databases!(
    interactions_older_than_the_policy_are_purged_except_under_a_legal_hold,
    inactive_anonymous_profiles_are_erased_but_not_active_recent_or_held_ones,
    old_audit_entries_are_purged_as_an_anchored_prefix_and_the_chain_still_verifies,
    a_legal_hold_stops_the_audit_purge_before_the_held_profiles_entries,
    a_legal_hold_stops_the_audit_purge_at_an_entry_that_only_lists_the_held_profile,
    the_background_task_runs_the_policy_on_its_interval,
    delivered_events_leave_the_outbox_after_their_days_but_pending_and_dead_ones_stay,
);

const LONG_AGO: &str = "2020-01-01T00:00:00+00:00";

async fn run(app: &TestApp, policy: RetentionPolicy, dry_run: bool) -> RetentionReport {
    services(app).run_retention(&Actor::system("retention"), &policy, dry_run).await.expect("a retention run")
}

async fn sql(app: &TestApp, statement: &str) {
    app.store.db.execute_raw(Statement::from_string(app.store.backend(), statement.to_owned())).await.expect(statement);
}

/// Make a profile look untouched since long ago.
async fn age_profile(app: &TestApp, id: &str) {
    sql(app, &format!("UPDATE customers SET updated_at = '{LONG_AGO}' WHERE id = '{id}'")).await;
}

async fn hold(app: &TestApp, id: &str) {
    app.admin(SET_LEGAL_HOLD, json!({ "customerId": id, "on": true, "reason": "litigation" })).await;
}

fn days_ago(days: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339()
}

async fn interactions_older_than_the_policy_are_purged_except_under_a_legal_hold(app: &TestApp) {
    let a = app.create_customer(json!({ "displayName": "A" })).await;
    let held = app.create_customer(json!({ "displayName": "H" })).await;
    let old = id(&app.link(&a, conversation("conv-old", "2020-01-05T10:00:00Z")).await);
    let recent = id(&app.link(&a, conversation("conv-recent", &days_ago(1))).await);
    let held_old = id(&app.link(&held, conversation("conv-held", "2020-01-05T10:00:00Z")).await);
    let edge = id(&app.link(&a, conversation("conv-edge", &days_ago(29))).await);
    hold(app, &held).await;
    let policy = RetentionPolicy { interactions_days: Some(30), ..Default::default() };

    let dry = run(app, policy, true).await;

    assert_eq!((dry.dry_run, dry.interactions, dry.anonymous_profiles, dry.audit_entries), (true, 1, 0, 0));
    assert_eq!(app.count_rows("interactions").await, 4, "a dry run deletes nothing");

    let report = run(app, policy, false).await;

    assert_eq!(report.interactions, 1);
    assert_eq!(app.history(&a, None).await, [recent, edge]);
    assert_eq!(app.history(&held, None).await, [held_old]);
    assert!(!app.attempt(CUSTOMER_INTERACTIONS, json!({ "id": a })).await.to_string().contains(&old));
    let purges = app.admin(AUDIT_LOG, json!({ "action": "retention.purge" })).await["auditLog"]["edges"].clone();
    assert_eq!(purges[0]["node"]["details"]["purged"], 1, "{purges}");
    assert_eq!(purges[0]["node"]["principal"], "retention");
    assert_eq!(run(app, policy, false).await.interactions, 0, "nothing left to purge");
}

async fn inactive_anonymous_profiles_are_erased_but_not_active_recent_or_held_ones(app: &TestApp) {
    let resolve = |n: u32| async move {
        let value = format!("+92 300 99900{n:02}");
        id(&app.resolve("PHONE", &value, true).await["customer"])
    };
    let inactive = resolve(1).await;
    let active_recently = resolve(2).await;
    app.link(&active_recently, conversation("conv-anon", &days_ago(2))).await;
    let held = resolve(3).await;
    hold(app, &held).await;
    let recent = resolve(4).await;
    let known = app.create_customer(json!({ "displayName": "Known Customer" })).await;
    for id in [&inactive, &active_recently, &held, &known] {
        age_profile(app, id).await;
    }
    let policy = RetentionPolicy { anonymous_days: Some(90), ..Default::default() };

    let dry = run(app, policy, true).await;

    assert_eq!(dry.anonymous_profiles, 1);
    assert_eq!(app.customer(&inactive, "status").await["status"], "ANONYMOUS", "a dry run erases nothing");

    let report = run(app, policy, false).await;

    assert_eq!(report.anonymous_profiles, 1);
    assert_eq!(
        app.customer(&inactive, "status identities { id }").await,
        json!({ "status": "ERASED", "identities": [] })
    );
    assert_eq!(app.resolve("PHONE", "+92 300 9990001", false).await["status"], "NOT_FOUND");
    for (id, status) in
        [(&active_recently, "ANONYMOUS"), (&held, "ANONYMOUS"), (&recent, "ANONYMOUS"), (&known, "ACTIVE")]
    {
        assert_eq!(app.customer(id, "status").await["status"], status, "{id}");
    }
    let erased = app.admin(AUDIT_LOG, json!({ "customerId": inactive, "action": "customer.erase" })).await["auditLog"]
        ["edges"]
        .clone();
    assert_eq!(erased[0]["node"]["details"]["reason"], "retention: anonymous profile inactive for 90 days");
    assert_stored_nowhere(app, &["+923009990001".to_owned()]).await;
}

/// The entries at positions up to `seq` (a subquery).
fn up_to(seq: i64) -> String {
    format!("SELECT entry_id FROM audit_seals WHERE seq <= {seq}")
}

async fn sealed_entries(app: &TestApp) -> i64 {
    services(app).seal_audit().await.expect("seal");
    column(app, "SELECT CAST(MAX(seq) AS TEXT) AS v FROM audit_seals").await[0].parse().unwrap()
}

async fn old_audit_entries_are_purged_as_an_anchored_prefix_and_the_chain_still_verifies(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Audited" })).await;
    for n in 0..5 {
        app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": format!("Name {n}") } })).await;
    }
    let total = sealed_entries(app).await;
    let old = total - 2;
    sql(app, &format!("UPDATE audit_log SET at = '{LONG_AGO}' WHERE id IN ({})", up_to(old))).await;
    let policy = RetentionPolicy { audit_days: Some(365), ..Default::default() };

    let dry = run(app, policy, true).await;

    assert_eq!((dry.audit_entries, dry.audit_purged_through), (old as u64, Some(old)));
    assert_eq!(app.count_rows("audit_log").await, total);

    let report = run(app, policy, false).await;

    assert_eq!((report.audit_entries, report.audit_purged_through), (old as u64, Some(old)));
    assert_eq!(app.count_rows("audit_log").await, 2 + 1, "the two recent entries and the purge's own");
    let s = services(app);
    s.seal_audit().await.unwrap();
    let verified = s.verify_audit().await.unwrap();
    assert_eq!((verified.finding, verified.purged_through, verified.sealed), (None, Some(old), 3));
    app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Later" } })).await;
    s.seal_audit().await.unwrap();
    assert_eq!(s.verify_audit().await.unwrap().finding, None, "the chain goes on from the anchor");

    // Whoever can write the database cannot move the anchor, nor remove it.
    sql(app, "UPDATE audit_anchor SET seq = seq + 1").await;
    assert_eq!(s.verify_audit().await.unwrap().finding.map(|f| f.tamper), Some(Tamper::Broken));
    sql(app, "DELETE FROM audit_anchor").await;
    let finding = s.verify_audit().await.unwrap().finding.expect("the purged prefix shows as missing");
    assert_eq!(finding.tamper, Tamper::Missing { expected_seq: 1 });
}

async fn a_legal_hold_stops_the_audit_purge_before_the_held_profiles_entries(app: &TestApp) {
    let before = app.create_customer(json!({ "displayName": "Before" })).await;
    let held = app.create_customer(json!({ "displayName": "Held" })).await;
    let after = app.create_customer(json!({ "displayName": "After" })).await;
    hold(app, &held).await;
    let total = sealed_entries(app).await;
    sql(app, &format!("UPDATE audit_log SET at = '{LONG_AGO}' WHERE id IN ({})", up_to(total))).await;
    let first_held: i64 =
        column(app, &format!("SELECT CAST(MIN(s.seq) AS TEXT) AS v FROM audit_seals s JOIN audit_log a ON a.id = s.entry_id WHERE a.customer_id = '{held}'")).await
            [0]
        .parse()
        .unwrap();
    let held_entries = column(app, &format!("SELECT id AS v FROM audit_log WHERE customer_id = '{held}'")).await;
    let policy = RetentionPolicy { audit_days: Some(1), ..Default::default() };

    let report = run(app, policy, false).await;

    assert_eq!(report.audit_purged_through, Some(first_held - 1));
    let before_entries = column(app, &format!("SELECT id AS v FROM audit_log WHERE customer_id = '{before}'")).await;
    assert!(before_entries.is_empty(), "entries before the held profile's are purged");
    let kept = column(app, &format!("SELECT id AS v FROM audit_log WHERE customer_id = '{held}'")).await;
    assert_eq!(kept, held_entries, "every entry about the held profile stays");
    let after_kept = column(app, &format!("SELECT id AS v FROM audit_log WHERE customer_id = '{after}'")).await;
    assert!(!after_kept.is_empty(), "and the chain after it");
}

/// An entry about several profiles (a page) is about each profile it lists, though it names
/// none: the purge stops before it when one of them is held (through `audit_subjects` on
/// SQLite, through the entry's own list on PostgreSQL).
async fn a_legal_hold_stops_the_audit_purge_at_an_entry_that_only_lists_the_held_profile(app: &TestApp) {
    app.create_customer(json!({ "displayName": "Shown" })).await;
    let held = app.create_customer(json!({ "displayName": "Held" })).await;
    let page = "query Page { customers(first: 10) { edges { node { id displayName } } } }";
    let body = app.post(Some(&token_for("pager", "customers:read pii:read")), page, json!({})).await.1;
    assert!(body.get("errors").is_none(), "{body:#}");
    app.create_customer(json!({ "displayName": "Later" })).await;
    hold(app, &held).await;
    let total = sealed_entries(app).await;
    sql(app, &format!("UPDATE audit_log SET at = '{LONG_AGO}' WHERE id IN ({})", up_to(total))).await;
    // Only the page's entry is left about the held profile: the entries naming it name
    // nobody now (a purge reads positions and the anchor's MAC, not these).
    sql(app, &format!("UPDATE audit_log SET customer_id = NULL WHERE customer_id = '{held}'")).await;
    let listing = column(
        app,
        &format!("SELECT CAST(s.seq AS TEXT) AS v FROM audit_seals s JOIN audit_log a ON a.id = s.entry_id WHERE a.customer_id IS NULL AND a.details LIKE '%{held}%'"),
    )
    .await;
    assert_eq!(listing.len(), 1, "the page's entry: {listing:?}");
    let listing: i64 = listing[0].parse().unwrap();
    let policy = RetentionPolicy { audit_days: Some(1), ..Default::default() };

    let report = run(app, policy, false).await;

    assert_eq!(report.audit_purged_through, Some(listing - 1));
    let kept = column(
        app,
        &format!("SELECT id AS v FROM audit_log WHERE id IN (SELECT entry_id FROM audit_seals WHERE seq = {listing})"),
    )
    .await;
    assert_eq!(kept.len(), 1, "the entry listing the held profile stays");
}

async fn the_background_task_runs_the_policy_on_its_interval(app: &TestApp) {
    let a = app.create_customer(json!({ "displayName": "A" })).await;
    app.link(&a, conversation("conv-bg-old", "2020-01-05T10:00:00Z")).await;
    let recent = id(&app.link(&a, conversation("conv-bg-new", &days_ago(1))).await);
    let policy = RetentionPolicy { interactions_days: Some(30), ..Default::default() };

    let task = services(app).spawn_retention(policy, std::time::Duration::from_millis(50));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.count_rows("interactions").await > 1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    task.abort();

    assert_eq!(app.history(&a, None).await, [recent]);
    assert!(app.store.background_statements.get() > 0, "its statements count as background work");
}

async fn delivered_events_leave_the_outbox_after_their_days_but_pending_and_dead_ones_stay(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Evented" })).await;
    for n in 0..3 {
        app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": format!("Name {n}") } })).await;
    }
    let seqs: Vec<i64> = column(app, "SELECT CAST(seq AS TEXT) AS v FROM event_outbox ORDER BY seq")
        .await
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(seqs.len() >= 4, "every change wrote an event: {seqs:?}");
    let (old_delivered, old_pending, old_dead, recent_delivered) = (seqs[0], seqs[1], seqs[2], seqs[3]);
    sql(app, &format!("UPDATE event_outbox SET status = 1, time = '{LONG_AGO}' WHERE seq = {old_delivered}")).await;
    sql(app, &format!("UPDATE event_outbox SET status = 0, time = '{LONG_AGO}' WHERE seq = {old_pending}")).await;
    sql(app, &format!("UPDATE event_outbox SET status = 2, time = '{LONG_AGO}' WHERE seq = {old_dead}")).await;
    sql(app, &format!("UPDATE event_outbox SET status = 1 WHERE seq = {recent_delivered}")).await;
    let policy = RetentionPolicy { events_days: Some(7), ..Default::default() };

    let dry = run(app, policy, true).await;

    assert_eq!(dry.events, 1);
    assert_eq!(app.count_rows("event_outbox").await, seqs.len() as i64, "a dry run deletes nothing");

    let report = run(app, policy, false).await;

    assert_eq!(report.events, 1);
    let left: Vec<String> = column(app, "SELECT CAST(seq AS TEXT) AS v FROM event_outbox ORDER BY seq").await;
    assert!(!left.contains(&old_delivered.to_string()), "the old delivered event is gone");
    for kept in [old_pending, old_dead, recent_delivered] {
        assert!(left.contains(&kept.to_string()), "event {kept} stays: {left:?}");
    }
}
