//! A merge is one transaction: a failure in the middle of it (a database trigger that
//! rejects the move of the interactions, which come after identities, labels, attributes,
//! preferences and external refs) leaves no row half-moved, and leaks nothing.

use super::scenario::*;
use super::snapshot::Snapshot;
use super::*;
use sea_orm::ConnectionTrait as _;

async fn install_failing_trigger(app: &TestApp) {
    let sql = if app.is_postgres() {
        "CREATE FUNCTION fail_interactions() RETURNS trigger LANGUAGE plpgsql
             AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
         CREATE TRIGGER fail_merge BEFORE UPDATE ON interactions
             FOR EACH ROW EXECUTE FUNCTION fail_interactions();"
    } else {
        "CREATE TRIGGER fail_merge BEFORE UPDATE ON interactions BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
    };
    app.store.db.execute_unprepared(sql).await.expect("install the failing trigger");
}

async fn drop_failing_trigger(app: &TestApp) {
    let sql = if app.is_postgres() {
        "DROP TRIGGER fail_merge ON interactions; DROP FUNCTION fail_interactions();"
    } else {
        "DROP TRIGGER fail_merge;"
    };
    app.store.db.execute_unprepared(sql).await.expect("drop the failing trigger");
}

async fn a_merge_failing_halfway_leaves_every_table_as_it_was(app: &TestApp) {
    let trio = three_profiles(app).await;
    install_failing_trigger(app).await;
    let before = Snapshot::everything(app).await;

    let body = attempt_merge(app, &trio.survivor, &trio.merged()).await;

    assert_eq!(error_codes(&body), ["INTERNAL"], "{body:#}");
    assert!(body["data"].is_null(), "{body:#}");
    let message = body["errors"][0]["message"].as_str().expect("a message");
    assert!(!message.to_lowercase().contains("injected"), "the database's words leaked: {message:?}");
    assert!(!message.contains("interactions"), "the database's words leaked: {message:?}");
    Snapshot::everything(app).await.assert_same_as(&before, "after the failed merge");
    for id in trio.merged() {
        assert_eq!(app.customer(id, "status").await["status"], "ACTIVE", "{id} is not merged");
    }
}

async fn the_same_merge_succeeds_once_the_failure_is_gone(app: &TestApp) {
    let trio = three_profiles(app).await;
    install_failing_trigger(app).await;
    let failed = attempt_merge(app, &trio.survivor, &trio.merged()).await;
    assert_eq!(error_codes(&failed), ["INTERNAL"], "{failed:#}");
    drop_failing_trigger(app).await;

    let returned = merge(app, &trio.survivor, &trio.merged()).await;

    assert_eq!(returned, merged_view(&trio));
    assert_eq!(app.count_rows("merges").await, 1);
}

on_both_databases!(
    a_merge_failing_halfway_leaves_every_table_as_it_was,
    the_same_merge_succeeds_once_the_failure_is_gone
);
