//! Completing the history: `updateInteraction`, idempotency keys for activities, metadata
//! within its limits, and the filters of `Customer.interactions`.

use super::*;
use sea_orm::{ConnectionTrait as _, Statement};

async fn a_conversation_linked_open_is_completed_later_with_every_field(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let linked = app.link(&customer, conversation("conv-open", "2026-03-01T10:00:00Z")).await;
    let version = app.version(&customer).await;

    let input = json!({
        "endedAt": "2026-03-01T10:09:00Z", "summary": "Refund promised", "outcome": "resolved",
        "topic": "billing/refund", "sentiment": "NEGATIVE", "agentId": "agent-7",
        "metadata": { "queue": "billing", "wrapUp": { "code": 12 } }
    });
    let body = update(app, &id(&linked), input).await;

    assert!(body.get("errors").is_none(), "{body:#}");
    let done = &body["data"]["updateInteraction"];
    assert_eq!(instant(&done["endedAt"]), instant(&json!("2026-03-01T10:09:00Z")));
    assert_eq!(
        (&done["summary"], &done["outcome"], &done["topic"], &done["sentiment"], &done["agentId"]),
        (
            &json!("Refund promised"),
            &json!("resolved"),
            &json!("billing/refund"),
            &json!("NEGATIVE"),
            &json!("agent-7")
        )
    );
    assert_eq!(done["metadata"], json!({ "queue": "billing", "wrapUp": { "code": 12 } }));
    assert_eq!(done["customer"]["version"], json!(version + 1), "an update is a change to the profile");
    let stored = history(app, &customer, json!({})).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["outcome"], "resolved");
    assert_eq!(stored[0]["metadata"], done["metadata"]);

    // The audit log (and so the change events) name the fields, never their values.
    let log = app.admin(AUDIT_LOG, json!({ "action": "interaction.update", "first": 10 })).await;
    let entry = &log["auditLog"]["edges"][0]["node"];
    assert_eq!((&entry["customerId"], &entry["entityId"]), (&json!(customer), &linked["id"]));
    assert_eq!(entry["fields"], json!(["endedAt", "summary", "outcome", "topic", "sentiment", "agentId", "metadata"]));
    assert!(!entry.to_string().contains("Refund promised") && !entry.to_string().contains("billing/refund"));
}

async fn omitted_fields_stay_and_null_clears(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let mut input = conversation("conv-keep", "2026-03-01T10:00:00Z");
    input["outcome"] = json!("escalated");
    input["topic"] = json!("fiber");
    input["summary"] = json!("Line down");
    let linked = app.link(&customer, input).await;

    let body = update(app, &id(&linked), json!({ "outcome": null, "sentiment": "POSITIVE" })).await;

    let done = &body["data"]["updateInteraction"];
    assert_eq!((&done["outcome"], &done["sentiment"]), (&Value::Null, &json!("POSITIVE")), "{body:#}");
    assert_eq!((&done["topic"], &done["summary"]), (&json!("fiber"), &json!("Line down")));
}

async fn a_bad_update_names_its_field_and_changes_nothing(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let linked = app.link(&customer, conversation("conv-bad", "2026-03-01T10:00:00Z")).await;
    let interaction = id(&linked);
    let version = app.version(&customer).await;

    let cases = [
        (json!({ "endedAt": "2026-03-01T09:00:00Z", "outcome": "resolved" }), "BAD_USER_INPUT", "input.endedAt"),
        (json!({ "outcome": "call +92 300 1234567" }), "BAD_USER_INPUT", "input.outcome"),
        (json!({ "topic": "" }), "BAD_USER_INPUT", "input.topic"),
        (json!({ "summary": "x".repeat(2001) }), "BAD_USER_INPUT", "input.summary"),
        (json!({}), "BAD_USER_INPUT", "input"),
    ];
    for (input, code, field) in cases {
        let body = update(app, &interaction, input).await;
        assert_error(&body, code, field);
        assert!(!body.to_string().contains("1234567"), "no input value in an error: {body}");
    }
    let body = update(app, &missing_id(), json!({ "outcome": "resolved" })).await;
    assert_error(&body, "NOT_FOUND", "id");
    assert_eq!(app.version(&customer).await, version);
    assert_eq!(history(app, &customer, json!({})).await[0]["outcome"], Value::Null);
}

async fn update_interaction_needs_interactions_write(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let linked = app.link(&customer, conversation("conv-scope", "2026-03-01T10:00:00Z")).await;
    let variables = json!({ "id": id(&linked), "input": { "outcome": "resolved" } });

    let reader = app.as_scopes("customers:read pii:read", UPDATE_INTERACTION, variables.clone()).await;
    assert_eq!(error_codes(&reader), ["FORBIDDEN"], "{reader:#}");
    assert_eq!(reader["errors"][0]["extensions"]["requiredScope"], "interactions:write");

    let manager = app.as_scopes("customers:read interactions:write", UPDATE_INTERACTION, variables.clone()).await;
    assert_eq!(manager["data"]["updateInteraction"]["outcome"], "resolved", "{manager:#}");
    // customers:write implies it (tokens issued before the split).
    let legacy = app.as_scopes("customers:read customers:write", UPDATE_INTERACTION, variables).await;
    assert!(legacy.get("errors").is_none(), "{legacy:#}");
}

async fn an_activity_retried_with_its_idempotency_key_is_linked_once(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let mut input = activity_input("EMAIL", "2026-03-01T10:00:00Z");
    input["idempotencyKey"] = json!("campaign-42/mail-1");
    input["metadata"] = json!({ "template": "renewal" });

    let first = app.link(&customer, input.clone()).await;
    let retry = app.link(&customer, input.clone()).await;
    // Retries racing each other still make one interaction.
    let variables = json!({ "customerId": customer, "interaction": input });
    let raced = app.concurrently(vec![(LINK_INTERACTION, variables.clone()); 6]).await;

    assert_eq!(retry["id"], first["id"]);
    for body in raced {
        assert_eq!(body["data"]["linkInteraction"]["id"], first["id"], "{body:#}");
    }
    assert_eq!(app.count_rows("interactions").await, 1);
    // Without a key, the same activity twice is two activities (as before).
    app.link(&customer, activity_input("EMAIL", "2026-03-01T10:00:00Z")).await;
    app.link(&customer, activity_input("EMAIL", "2026-03-01T10:00:00Z")).await;
    assert_eq!(app.count_rows("interactions").await, 3);
}

async fn the_same_idempotency_key_with_another_request_is_a_conflict(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let other = app.create_customer(json!({})).await;
    let mut input = activity_input("SMS", "2026-03-01T10:00:00Z");
    input["idempotencyKey"] = json!("sms-7781");
    app.link(&customer, input.clone()).await;

    let mut changed = input.clone();
    changed["channel"] = json!("EMAIL");
    let body = app.attempt(LINK_INTERACTION, json!({ "customerId": customer, "interaction": changed })).await;
    assert_error(&body, "CONFLICT", "interaction.idempotencyKey");
    let body = app.attempt(LINK_INTERACTION, json!({ "customerId": other, "interaction": input })).await;
    assert_error(&body, "CONFLICT", "interaction.idempotencyKey");
    assert_eq!(app.count_rows("interactions").await, 1);
}

async fn metadata_is_bounded_in_size_and_depth(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let cases = [
        (json!({ "blob": "x".repeat(8 * 1024) }), "interaction.metadata"),
        (json!({ "a": { "b": { "c": { "d": { "e": { "f": 1 } } } } } }), "interaction.metadata"),
        (json!(["not", "an", "object"]), "interaction.metadata"),
    ];
    for (metadata, field) in cases {
        let mut input = activity_input("WEB", "2026-03-01T10:00:00Z");
        input["metadata"] = metadata;
        let body = app.attempt(LINK_INTERACTION, json!({ "customerId": customer, "interaction": input })).await;
        assert_error(&body, "BAD_USER_INPUT", field);
    }
    assert_eq!(app.count_rows("interactions").await, 0);

    let mut input = activity_input("WEB", "2026-03-01T10:00:00Z");
    input["metadata"] = json!({ "a": { "b": { "c": { "d": { "e": 1 } } } }, "blob": "x".repeat(7 * 1024) });
    let linked = app.link(&customer, input).await;
    let body = update(app, &id(&linked), json!({ "metadata": { "blob": "y".repeat(9 * 1024) } })).await;
    assert_error(&body, "BAD_USER_INPUT", "input.metadata");
}

async fn metadata_is_sealed_at_rest_and_hidden_without_pii_read(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let mut input = activity_input("PHONE", "2026-03-01T10:00:00Z");
    input["metadata"] = json!({ "callerSaid": "my number is +923001234567" });
    let linked = app.link(&customer, input).await;

    let query = "query($id: ID!) { customer(id: $id) { interactions { edges { node { id metadata } } } } }";
    let masked = app.as_scopes("customers:read", query, json!({ "id": customer })).await;
    assert_eq!(masked["data"]["customer"]["interactions"]["edges"][0]["node"]["metadata"], Value::Null, "{masked:#}");
    let shown = app.as_scopes("customers:read pii:read", query, json!({ "id": customer })).await;
    let node = &shown["data"]["customer"]["interactions"]["edges"][0]["node"];
    assert_eq!((&node["id"], &node["metadata"]["callerSaid"]), (&linked["id"], &json!("my number is +923001234567")));

    let stmt = Statement::from_string(app.store.backend(), "SELECT metadata FROM interaction_metadata".to_owned());
    let rows = app.store.db.query_all_raw(stmt).await.expect("read the table");
    assert_eq!(rows.len(), 1);
    let raw: String = rows[0].try_get("", "metadata").expect("metadata");
    assert!(!raw.contains("923001234567") && !raw.contains("callerSaid"), "sealed at rest: {raw}");
}

async fn history_filters_by_kind_period_outcome_and_topic(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    let link = |conv: Option<&str>, at: &str, outcome: Option<&str>, topic: Option<&str>| {
        let mut input = match conv {
            Some(c) => conversation(c, at),
            None => activity_input("EMAIL", at),
        };
        input["outcome"] = json!(outcome);
        input["topic"] = json!(topic);
        input
    };
    let a =
        id(&app.link(&customer, link(Some("c-a"), "2026-03-01T10:00:00Z", Some("resolved"), Some("billing"))).await);
    let b = id(&app.link(&customer, link(None, "2026-03-02T10:00:00Z", Some("resolved"), Some("fiber"))).await);
    let c = id(&app.link(&customer, link(Some("c-c"), "2026-03-03T10:00:00Z", Some("escalated"), Some("fiber"))).await);
    let d = id(&app.link(&customer, link(None, "2026-03-04T10:00:00Z", None, None)).await);

    let ids = |rows: Vec<Value>| rows.iter().map(id).collect::<Vec<_>>();
    assert_eq!(ids(history(app, &customer, json!({})).await), [d.as_str(), &c, &b, &a]);
    assert_eq!(ids(history(app, &customer, json!({ "kind": "CONVERSATION" })).await), [c.as_str(), &a]);
    assert_eq!(ids(history(app, &customer, json!({ "outcome": "resolved" })).await), [b.as_str(), &a]);
    assert_eq!(ids(history(app, &customer, json!({ "topic": "fiber" })).await), [c.as_str(), &b]);
    assert_eq!(ids(history(app, &customer, json!({ "topic": "fiber", "kind": "ACTIVITY" })).await), [b.as_str()]);
    let period = json!({ "since": "2026-03-02T10:00:00Z", "until": "2026-03-04T10:00:00Z" });
    assert_eq!(ids(history(app, &customer, period).await), [c.as_str(), &b], "since is inclusive, until exclusive");
    // Pages of a filtered history follow the filter.
    let first = app.admin(CUSTOMER_HISTORY, json!({ "id": customer, "first": 1, "outcome": "resolved" })).await;
    let cursor = first["customer"]["interactions"]["pageInfo"]["endCursor"].clone();
    let next = app
        .admin(CUSTOMER_HISTORY, json!({ "id": customer, "first": 1, "outcome": "resolved", "after": cursor }))
        .await;
    assert_eq!(node_ids(&next["customer"]["interactions"]), [a.as_str()]);

    let bad = app
        .attempt(
            CUSTOMER_HISTORY,
            json!({ "id": customer, "since": "2026-03-04T00:00:00Z", "until": "2026-03-01T00:00:00Z" }),
        )
        .await;
    assert_error(&bad, "BAD_USER_INPUT", "until");
}

on_both_databases!(
    a_conversation_linked_open_is_completed_later_with_every_field,
    omitted_fields_stay_and_null_clears,
    a_bad_update_names_its_field_and_changes_nothing,
    update_interaction_needs_interactions_write,
    an_activity_retried_with_its_idempotency_key_is_linked_once,
    the_same_idempotency_key_with_another_request_is_a_conflict,
    metadata_is_bounded_in_size_and_depth,
    metadata_is_sealed_at_rest_and_hidden_without_pii_read,
    history_filters_by_kind_period_outcome_and_topic,
);
