//! Merges that must be refused, each with a clear error on the offending argument, and
//! each writing nothing at all (every table compared with direct SQL).

use super::scenario::*;
use super::snapshot::Snapshot;
use super::*;

/// Try a merge that must fail; assert the error and that nothing was written.
async fn refused(app: &TestApp, survivor: &str, merged: &[&str], code: &str, field: &str) {
    let before = Snapshot::everything(app).await;

    let body = attempt_merge(app, survivor, merged).await;

    assert_error(&body, code, field);
    assert!(body["data"].is_null(), "{body:#}");
    Snapshot::everything(app).await.assert_same_as(&before, &format!("after a refused merge ({code} {field})"));
}

async fn merging_a_profile_into_itself_is_bad_input_on_the_merged_id(app: &TestApp) {
    let trio = three_profiles(app).await;

    refused(app, &trio.survivor, &[&trio.survivor], "BAD_USER_INPUT", "mergedIds.0").await;
    refused(app, &trio.survivor, &[&trio.first, &trio.survivor], "BAD_USER_INPUT", "mergedIds.1").await;
}

async fn naming_the_same_profile_twice_is_bad_input_on_the_repeat(app: &TestApp) {
    let trio = three_profiles(app).await;

    refused(app, &trio.survivor, &[&trio.first, &trio.first], "BAD_USER_INPUT", "mergedIds.1").await;
}

async fn an_empty_list_of_profiles_to_merge_is_bad_input(app: &TestApp) {
    let trio = three_profiles(app).await;

    refused(app, &trio.survivor, &[], "BAD_USER_INPUT", "mergedIds").await;
}

async fn a_malformed_id_is_bad_input_on_that_id(app: &TestApp) {
    let trio = three_profiles(app).await;

    refused(app, &trio.survivor, &[&trio.first, "not-an-id"], "BAD_USER_INPUT", "mergedIds.1").await;
    refused(app, "not-an-id", &[&trio.first], "BAD_USER_INPUT", "survivorId").await;
}

async fn merging_into_a_merged_profile_is_a_conflict_on_the_survivor(app: &TestApp) {
    let trio = three_profiles(app).await;
    merge(app, &trio.survivor, &[&trio.first]).await;

    refused(app, &trio.first, &[&trio.second], "CONFLICT", "survivorId").await;
}

async fn merging_an_already_merged_profile_is_a_conflict_on_that_id(app: &TestApp) {
    let trio = three_profiles(app).await;
    merge(app, &trio.survivor, &[&trio.first]).await;

    refused(app, &trio.second, &[&trio.survivor, &trio.first], "CONFLICT", "mergedIds.1").await;
    refused(app, &trio.second, &[&trio.first, &trio.survivor], "CONFLICT", "mergedIds.0").await;
}

async fn merging_an_unknown_profile_is_not_found_on_that_id(app: &TestApp) {
    let trio = three_profiles(app).await;
    let missing = missing_id();

    refused(app, &trio.survivor, &[&trio.first, &missing], "NOT_FOUND", "mergedIds.1").await;
    refused(app, &missing, &[&trio.first], "NOT_FOUND", "survivorId").await;
}

async fn merging_needs_the_merge_scope(app: &TestApp) {
    let trio = three_profiles(app).await;
    let before = Snapshot::everything(app).await;

    let body = app
        .as_scopes(
            &all_scopes_but("customers:merge"),
            MERGE_CUSTOMERS,
            merge_variables(&trio.survivor, &trio.merged(), false),
        )
        .await;

    assert_eq!(error_codes(&body), ["FORBIDDEN"], "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["requiredScope"], "customers:merge", "{body:#}");
    Snapshot::everything(app).await.assert_same_as(&before, "after a merge without the scope");
}

on_both_databases!(
    merging_a_profile_into_itself_is_bad_input_on_the_merged_id,
    naming_the_same_profile_twice_is_bad_input_on_the_repeat,
    an_empty_list_of_profiles_to_merge_is_bad_input,
    a_malformed_id_is_bad_input_on_that_id,
    merging_into_a_merged_profile_is_a_conflict_on_the_survivor,
    merging_an_already_merged_profile_is_a_conflict_on_that_id,
    merging_an_unknown_profile_is_not_found_on_that_id,
    merging_needs_the_merge_scope,
);
