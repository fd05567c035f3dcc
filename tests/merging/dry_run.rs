//! `mergeCustomers(dryRun: true)`: the survivor as the merge would leave it, and not one
//! row written.

use crate::common::*;
use crate::scenario::*;
use crate::snapshot::Snapshot;
use crate::support::*;

async fn a_dry_run_shows_the_merged_survivor_but_writes_nothing(app: &TestApp) {
    let trio = three_profiles(app).await;
    let before = Snapshot::everything(app).await;
    let survivor_before = view(app, &trio.survivor).await;

    let shown = merge_returning(app, &trio.survivor, &trio.merged(), true).await;

    assert_eq!(shown, merged_view(&trio), "the survivor as it would be");
    Snapshot::everything(app).await.assert_same_as(&before, "after the dry run");
    assert_eq!(app.count_rows("merges").await, 0);
    assert_eq!(view(app, &trio.survivor).await, survivor_before, "the survivor as it is");
    for id in trio.merged() {
        let merged = customer(app, id, "status mergedInto { id }").await;
        assert_eq!(merged, serde_json::json!({ "status": "ACTIVE", "mergedInto": null }), "{id}");
    }
    assert_eq!(merges(app, &trio.survivor).await, serde_json::json!([]));
}

async fn a_dry_run_reports_the_same_errors_as_the_merge(app: &TestApp) {
    let trio = three_profiles(app).await;
    let query = "mutation($s: ID!, $m: [ID!]!) { mergeCustomers(survivorId: $s, mergedIds: $m, dryRun: true) { id } }";
    let before = Snapshot::everything(app).await;

    let body = attempt(app, query, serde_json::json!({ "s": trio.survivor, "m": [trio.survivor] })).await;

    assert_error(&body, "BAD_USER_INPUT", "mergedIds.0");
    Snapshot::everything(app).await.assert_same_as(&before, "after a refused dry run");
}

on_both_databases!(
    a_dry_run_shows_the_merged_survivor_but_writes_nothing,
    a_dry_run_reports_the_same_errors_as_the_merge,
);
