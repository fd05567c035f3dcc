//! `linkInteraction` and `Customer.interactions`: every field round-trips, retries are
//! safe, a conversation belongs to one customer, and history is newest first.

use crate::common::*;
use serde_json::{Value, json};

async fn a_linked_interaction_comes_back_with_every_field(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let input = json!({
        "conversationId": "conv-8841", "kind": "CONVERSATION", "channel": "WHATSAPP", "direction": "INBOUND",
        "startedAt": "2026-03-01T10:00:00+05:00", "endedAt": "2026-03-01T10:12:30.250+05:00",
        "summary": "Asked about a refund", "agentId": "agent-42"
    });

    let linked = app.link(&customer, input).await;

    assert!(uuid::Uuid::parse_str(linked["id"].as_str().unwrap()).is_ok(), "{linked}");
    assert_eq!(
        (&linked["kind"], &linked["channel"], &linked["direction"]),
        (&json!("CONVERSATION"), &json!("WHATSAPP"), &json!("INBOUND"))
    );
    assert_eq!(instant(&linked["startedAt"]), instant(&json!("2026-03-01T05:00:00Z")));
    assert_eq!(instant(&linked["endedAt"]), instant(&json!("2026-03-01T05:12:30.250Z")));
    assert_eq!((&linked["summary"], &linked["agentId"]), (&json!("Asked about a refund"), &json!("agent-42")));
    assert_eq!((&linked["conversation"], &linked["customer"]["id"]), (&json!({ "id": "conv-8841" }), &json!(customer)));
    assert_eq!(app.history(&customer, None).await, [linked["id"].as_str().unwrap()]);
}

async fn an_activity_without_optional_fields_links_with_nulls(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let input =
        json!({ "kind": "ACTIVITY", "channel": "PHONE", "direction": "OUTBOUND", "startedAt": "2026-03-02T09:00:00Z" });

    let linked = app.link(&customer, input).await;

    for field in ["endedAt", "summary", "agentId", "conversation"] {
        assert_eq!(linked[field], Value::Null, "{field} in {linked}");
    }
    assert_eq!(linked["kind"], "ACTIVITY");
}

async fn an_interaction_cannot_end_before_it_starts(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let mut input = conversation("conv-1", "2026-03-01T10:00:00Z");
    input["endedAt"] = json!("2026-03-01T09:59:59Z");

    let body = app.attempt(LINK_INTERACTION, json!({ "customerId": customer, "interaction": input })).await;

    assert_error(&body, "BAD_USER_INPUT", "interaction.endedAt");
    assert_eq!(app.count_rows("interactions").await, 0);
}

async fn linking_the_same_conversation_twice_returns_the_same_interaction(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;

    let first = app.link(&customer, conversation("conv-retry", "2026-03-01T10:00:00Z")).await;
    let retry = app.link(&customer, conversation("conv-retry", "2026-03-01T10:00:00Z")).await;

    assert_eq!(retry["id"], first["id"]);
    assert_eq!(app.count_rows("interactions").await, 1);
}

async fn linking_a_conversation_already_linked_to_another_customer_is_a_conflict(app: &TestApp) {
    let owner = app.create_customer(json!({})).await;
    let other = app.create_customer(json!({})).await;
    let first = app.link(&owner, conversation("conv-owned", "2026-03-01T10:00:00Z")).await;

    let taken = conversation("conv-owned", "2026-03-01T10:00:00Z");
    let body = app.attempt(LINK_INTERACTION, json!({ "customerId": other, "interaction": taken })).await;

    assert_error(&body, "CONFLICT", "interaction.conversationId");
    assert_eq!(app.history(&owner, None).await, [first["id"].as_str().unwrap()]);
    assert_eq!(app.history(&other, None).await, Vec::<String>::new());
}

async fn activities_without_a_conversation_are_separate_interactions(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let activity =
        json!({ "kind": "ACTIVITY", "channel": "EMAIL", "direction": "OUTBOUND", "startedAt": "2026-03-01T10:00:00Z" });

    let first = app.link(&customer, activity.clone()).await;
    let second = app.link(&customer, activity).await;

    assert_ne!(first["id"], second["id"]);
    assert_eq!(app.count_rows("interactions").await, 2);
}

async fn the_interaction_history_is_newest_first(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let middle = app.link(&customer, conversation("c-middle", "2026-03-02T08:00:00Z")).await;
    let newest = app.link(&customer, conversation("c-newest", "2026-03-03T08:00:00+05:00")).await;
    let mut oldest = conversation("c-oldest", "2026-03-01T23:00:00-05:00");
    oldest["channel"] = json!("EMAIL");
    let oldest = app.link(&customer, oldest).await;

    assert_eq!(app.history(&customer, None).await, [id(&newest), id(&middle), id(&oldest)]);
    assert_eq!(app.history(&customer, Some("WHATSAPP")).await, [id(&newest), id(&middle)]);
}

on_both_databases!(
    a_linked_interaction_comes_back_with_every_field,
    an_activity_without_optional_fields_links_with_nulls,
    an_interaction_cannot_end_before_it_starts,
    linking_the_same_conversation_twice_returns_the_same_interaction,
    linking_a_conversation_already_linked_to_another_customer_is_a_conflict,
    activities_without_a_conversation_are_separate_interactions,
    the_interaction_history_is_newest_first,
);
