//! `mergeCustomers(dryRun: true)`: the survivor as the merge would leave it, and not one
//! row written.

use super::scenario::*;
use super::snapshot::Snapshot;
use super::*;

async fn a_dry_run_shows_the_merged_survivor_but_writes_nothing(app: &TestApp) {
    let trio = three_profiles(app).await;
    let before = Snapshot::everything(app).await;
    let survivor_before = view(app, &trio.survivor).await;

    let shown = merge_or_show(app, &trio.survivor, &trio.merged(), true).await;

    assert_eq!(shown, merged_view(&trio), "the survivor as it would be");
    Snapshot::everything(app).await.assert_same_as(&before, "after the dry run");
    assert_eq!(app.count_rows("merges").await, 0);
    assert_eq!(view(app, &trio.survivor).await, survivor_before, "the survivor as it is");
    for id in trio.merged() {
        let merged = app.customer(id, "status mergedInto { id }").await;
        assert_eq!(merged, json!({ "status": "ACTIVE", "mergedInto": null }), "{id}");
    }
    assert_eq!(merges(app, &trio.survivor).await, json!([]));
}

async fn a_dry_run_reports_the_same_errors_as_the_merge(app: &TestApp) {
    let trio = three_profiles(app).await;
    let before = Snapshot::everything(app).await;

    let body = app.attempt(MERGE_CUSTOMERS, merge_variables(&trio.survivor, &[&trio.survivor], true)).await;

    assert_error(&body, "BAD_USER_INPUT", "mergedIds.0");
    Snapshot::everything(app).await.assert_same_as(&before, "after a refused dry run");
}

on_both_databases!(
    a_dry_run_shows_the_merged_survivor_but_writes_nothing,
    a_dry_run_reports_the_same_errors_as_the_merge,
);
