//! Every write emits exactly its events, in its own transaction: a write that fails emits
//! nothing, and a write whose event cannot be written fails whole.

use super::*;
use crate::api::fixtures::RAW_PII;
use sea_orm::ConnectionTrait as _;

on_both_databases!(
    every_write_to_a_profile_emits_exactly_its_events,
    merges_unmerges_and_relinks_emit_an_event_for_every_profile_they_change,
    reads_refusals_and_catalogue_changes_emit_nothing,
    a_write_that_rolls_back_emits_nothing,
    a_write_whose_event_cannot_be_written_is_refused_whole,
);

async fn every_write_to_a_profile_emits_exactly_its_events(app: &TestApp) {
    app.define_attribute(json!({ "key": "account_number", "type": "STRING", "pii": true })).await;
    let vip = app.create_label("VIP").await;
    let id = app
        .create_customer(json!({
            "displayName": "Ayesha Khan",
            "identities": [{ "channel": "PHONE", "value": "+923001234567" }],
            "attributes": [{ "key": "account_number", "value": "PK-ACC-99812" }],
        }))
        .await;
    app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Ayesha K." } })).await;
    app.admin(
        ADD_CHANNEL_IDENTITY,
        json!({ "customerId": id, "identity": { "channel": "EMAIL", "value": "ayesha.khan@example.com" } }),
    )
    .await;
    let email = app.identity_id(&id, "EMAIL").await;
    app.admin("mutation($i: ID!) { setIdentityShared(identityId: $i, shared: true) { id } }", json!({ "i": email }))
        .await;
    app.admin("mutation($i: ID!) { removeChannelIdentity(identityId: $i) { id } }", json!({ "i": email })).await;
    app.admin(SET_PREFERENCES, json!({ "customerId": id, "input": { "language": "ur-pk" } })).await;
    app.admin(
        SET_PREFERENCES,
        json!({ "customerId": id, "input": { "doNotContact": true, "consents": [{ "channel": "EMAIL", "status": "OPT_OUT" }] } }),
    )
    .await;
    app.admin(SET_ATTRIBUTES, json!({ "customerId": id, "attributes": [{ "key": "account_number", "value": "X-1" }] }))
        .await;
    app.admin(ASSIGN_LABELS, json!({ "customerId": id, "labelIds": [vip] })).await;
    app.admin(UNASSIGN_LABELS, json!({ "customerId": id, "labelIds": [vip] })).await;
    app.link(&id, conversation("conv-1", "2026-11-01T10:00:00Z")).await;

    let events = events_of(app, &id).await;
    let types: Vec<&str> = events.iter().map(|e| e.event_type.trim_start_matches("cx.customers.")).collect();
    assert_eq!(
        types,
        [
            "customer.created",
            "customer.updated",
            "identity.added",
            "customer.updated",
            "identity.removed",
            "preferences.changed",
            "consent.changed",
            "customer.updated",
            "labels.changed",
            "labels.changed",
            "interaction.linked",
        ]
    );
    // Each carries the principal, the operation, the changed field names and the version
    // the write left the profile at; the versions only grow.
    assert!(events.iter().all(|e| e.data.principal == "agent-007" && e.customer_id == id));
    assert_eq!(events[1].data.fields, ["displayName"]);
    assert_eq!(events[6].data.fields, ["preferences.doNotContact", "preferences.consents.EMAIL"]);
    let versions: Vec<i32> = events.iter().map(|e| e.customer_version.expect("a version")).collect();
    assert!(versions.windows(2).all(|w| w[0] <= w[1]), "{versions:?}");
    assert_eq!(*versions.last().unwrap() as i64, app.version(&id).await);
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    // The envelope is CloudEvents 1.0 and carries no PII value.
    let envelope = serde_json::to_value(events[1].to_cloud_event("/cx/customers")).unwrap();
    assert_eq!(envelope["specversion"], "1.0");
    assert_eq!(envelope["subject"], id);
    assert_eq!(envelope["type"], "cx.customers.customer.updated");
    assert_eq!(envelope["data"]["fields"], json!(["displayName"]));
    let all: Vec<Value> = events.iter().map(|e| serde_json::to_value(e.to_cloud_event("/s")).unwrap()).collect();
    let text = serde_json::to_string(&all).unwrap().to_lowercase();
    for raw in RAW_PII.iter().chain(&["ayesha k.", "x-1", "ayesha.khan@example.com"]) {
        assert!(!text.contains(&raw.to_lowercase()), "{raw:?} in an event");
    }
}

async fn merges_unmerges_and_relinks_emit_an_event_for_every_profile_they_change(app: &TestApp) {
    let survivor = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let merged = app.create_customer(json!({ "displayName": "A. Khan" })).await;
    let linked = app.link(&merged, conversation("conv-9", "2026-11-01T10:00:00Z")).await;
    let interaction = linked["id"].as_str().expect("an interaction id").to_owned();
    app.admin(RELINK_INTERACTION, json!({ "interactionId": interaction, "toCustomerId": survivor })).await;
    app.admin(MERGE_CUSTOMERS, json!({ "survivorId": survivor, "mergedIds": [merged] })).await;
    let merge_id = app.customer(&survivor, "merges { id }").await["merges"][0]["id"].as_str().unwrap().to_owned();
    app.admin(UNMERGE_CUSTOMER, json!({ "mergeId": merge_id })).await;

    assert_eq!(
        types_of(app, &survivor).await,
        [
            "cx.customers.customer.created",
            "cx.customers.interaction.relinked",
            "cx.customers.customer.merged",
            "cx.customers.customer.unmerged"
        ]
    );
    assert_eq!(
        types_of(app, &merged).await,
        [
            "cx.customers.customer.created",
            "cx.customers.interaction.linked",
            "cx.customers.interaction.relinked",
            "cx.customers.customer.merged",
            "cx.customers.customer.unmerged"
        ]
    );
    let relinked = events_of(app, &merged).await.remove(2);
    assert_eq!(relinked.data.entity.as_deref(), Some(interaction.as_str()));
    assert_eq!(relinked.data.details["to"], survivor);
}

async fn reads_refusals_and_catalogue_changes_emit_nothing(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let before = app.count_rows("event_outbox").await;

    app.customer(&id, "displayName identities { value }").await; // a PII read (audited, not an event)
    let label = app.create_label("VIP").await;
    app.admin(UPDATE_LABEL, json!({ "id": label, "input": { "name": "Gold" } })).await;
    app.define_attribute(json!({ "key": "tier", "type": "STRING" })).await;
    let stale =
        app.attempt(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "X" }, "expectedVersion": 99 })).await;
    let bad = app
        .attempt(
            ADD_CHANNEL_IDENTITY,
            json!({ "customerId": id, "identity": { "channel": "EMAIL", "value": "not-an-email" } }),
        )
        .await;

    assert_eq!(error_codes(&stale), ["CONFLICT"], "{stale:#}");
    assert_eq!(error_codes(&bad), ["BAD_USER_INPUT"], "{bad:#}");
    assert_eq!(app.count_rows("event_outbox").await, before);
}

/// A trigger that fails every UPDATE of `table`, or every INSERT into it.
async fn fail_on(app: &TestApp, verb: &str, table: &str) {
    let sql = if app.is_postgres() {
        format!(
            "CREATE FUNCTION fail_it() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$;
             CREATE TRIGGER fail_it BEFORE {verb} ON {table} FOR EACH ROW EXECUTE FUNCTION fail_it();"
        )
    } else {
        format!("CREATE TRIGGER fail_it BEFORE {verb} ON {table} BEGIN SELECT RAISE(ABORT, 'injected'); END;")
    };
    app.store.db.execute_unprepared(&sql).await.expect("install the failing trigger");
}

async fn a_write_that_rolls_back_emits_nothing(app: &TestApp) {
    let survivor = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let merged = app.create_customer(json!({ "displayName": "A. Khan" })).await;
    app.link(&merged, conversation("conv-1", "2026-11-01T10:00:00Z")).await;
    fail_on(app, "UPDATE", "interactions").await; // the merge fails halfway
    let before = app.count_rows("event_outbox").await;

    let body = app.attempt(MERGE_CUSTOMERS, json!({ "survivorId": survivor, "mergedIds": [merged] })).await;

    assert_eq!(error_codes(&body), ["INTERNAL"], "{body:#}");
    assert_eq!(app.count_rows("event_outbox").await, before);
}

async fn a_write_whose_event_cannot_be_written_is_refused_whole(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let audit_before = app.count_rows("audit_log").await;
    fail_on(app, "INSERT", "event_outbox").await;

    let body = app.attempt(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": "Ayesha K." } })).await;

    assert_eq!(error_codes(&body), ["INTERNAL"], "{body:#}");
    assert_eq!(app.count_rows("audit_log").await, audit_before);
    assert_eq!(app.customer(&id, "displayName").await["displayName"], "Ayesha Khan");
}
