//! `relinkInteraction`: one interaction moves to another profile, both histories show it,
//! the move is audited, and it is refused (writing nothing) without the merge scope, for
//! an unknown interaction, or towards a merged profile.

use super::snapshot::Snapshot;
use super::*;
use serde_json::json;

/// Two customers, the first with two interactions; returns (from, to, [older, newer]).
async fn two_customers(app: &TestApp) -> (String, String, [String; 2]) {
    let from = app.create_customer(json!({ "displayName": "Visitor" })).await;
    let to = app.create_customer(json!({ "displayName": "Known" })).await;
    let older = id(&app.link(&from, conversation("conv-1", "2026-03-01T10:00:00Z")).await);
    let newer = id(&app.link(&from, conversation("conv-2", "2026-03-02T10:00:00Z")).await);
    (from, to, [older, newer])
}

async fn relinking_moves_the_interaction_and_both_histories_show_it(app: &TestApp) {
    let (from, to, [older, newer]) = two_customers(app).await;
    let kept = id(&app.link(&to, conversation("conv-3", "2026-03-03T10:00:00Z")).await);

    let data = app.admin(RELINK_INTERACTION, json!({ "interactionId": older, "toCustomerId": to })).await;

    assert_eq!(data["relinkInteraction"], json!({ "id": older, "customer": { "id": to } }));
    assert_eq!(app.history(&from, None).await, [newer]);
    assert_eq!(app.history(&to, None).await, [kept, older]);
}

async fn a_relink_is_audited_with_who_and_from_where_to_where(app: &TestApp) {
    let (from, to, [older, _]) = two_customers(app).await;

    app.admin(RELINK_INTERACTION, json!({ "interactionId": older, "toCustomerId": to })).await;

    for customer in [&from, &to] {
        assert_eq!(
            audit(app, customer).await,
            [json!({ "principal": "agent-007", "action": "interaction.relink", "entityId": older,
                "details": { "from": from, "to": to } })]
        );
    }
}

async fn refused(app: &TestApp, scopes: &str, interaction: &str, to: &str) -> serde_json::Value {
    let before = Snapshot::everything(app).await;
    let body =
        app.as_scopes(scopes, RELINK_INTERACTION, json!({ "interactionId": interaction, "toCustomerId": to })).await;
    assert!(body["data"].is_null(), "{body:#}");
    Snapshot::everything(app).await.assert_same_as(&before, "after a refused relink");
    body
}

async fn relinking_needs_the_merge_scope(app: &TestApp) {
    let (from, to, [older, newer]) = two_customers(app).await;

    let body = refused(app, &all_scopes_but("customers:merge"), &older, &to).await;

    assert_eq!(error_codes(&body), ["FORBIDDEN"], "{body:#}");
    assert_eq!(app.history(&from, None).await, [newer, older]);
}

async fn relinking_an_unknown_interaction_is_not_found(app: &TestApp) {
    let (_, to, _) = two_customers(app).await;

    let body = refused(app, ALL_SCOPES, &missing_id(), &to).await;

    assert_error(&body, "NOT_FOUND", "interactionId");
}

async fn relinking_to_an_unknown_customer_is_not_found(app: &TestApp) {
    let (_, _, [older, _]) = two_customers(app).await;

    let body = refused(app, ALL_SCOPES, &older, &missing_id()).await;

    assert_error(&body, "NOT_FOUND", "toCustomerId");
}

async fn relinking_to_a_merged_profile_is_a_conflict(app: &TestApp) {
    let (from, to, [older, newer]) = two_customers(app).await;
    let survivor = app.create_customer(json!({ "displayName": "Survivor" })).await;
    merge(app, &survivor, &[&to]).await;

    let body = refused(app, ALL_SCOPES, &older, &to).await;

    assert_error(&body, "CONFLICT", "toCustomerId");
    assert_eq!(app.history(&from, None).await, [newer, older]);
}

on_both_databases!(
    relinking_moves_the_interaction_and_both_histories_show_it,
    a_relink_is_audited_with_who_and_from_where_to_where,
    relinking_needs_the_merge_scope,
    relinking_an_unknown_interaction_is_not_found,
    relinking_to_an_unknown_customer_is_not_found,
    relinking_to_a_merged_profile_is_a_conflict,
);
