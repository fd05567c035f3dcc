//! Creating and changing profiles: normalisation, the whole profile in one query,
//! validation that loses nothing, and optimistic concurrency.

use super::fixtures::*;
use crate::common::*;
use serde_json::json;

async fn a_created_customer_comes_back_whole_with_normalised_identities(app: &TestApp) {
    define_schema(app).await;
    let vip = app.create_label("VIP").await;
    let id = full_customer(app, 0, std::slice::from_ref(&vip), 3).await;
    let c = app.admin(CUSTOMER, json!({ "id": id })).await["customer"].clone();

    assert_eq!(c["displayName"], "Ayesha Khan");
    assert_eq!(c["status"], "ACTIVE");
    let values: Vec<&str> = c["identities"].as_array().unwrap().iter().map(|i| i["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["+923001234567", "ayesha.khan@example.com", "ayesha"]);
    assert_eq!(c["identities"][0]["primary"], true);
    assert_eq!(c["identities"][0]["verified"], true);
    assert_eq!(c["labels"][0]["id"], vip.as_str());
    let p = &c["preferences"];
    assert_eq!(p["language"], "ur-PK");
    assert_eq!(p["timezone"], "Asia/Karachi");
    assert_eq!(p["preferredIdentity"]["value"], "+923001234567");
    assert_eq!(p["preferredAgentId"], "agent-42");
    assert_eq!(p["bestTimeToContact"], json!([{ "days": ["MONDAY", "FRIDAY"], "start": "09:00", "end": "17:30" }]));
    assert_eq!(p["consents"], json!([{ "channel": "SMS", "status": "OPT_IN", "source": "web-form" }]));
    let attrs: Vec<(&str, &serde_json::Value)> =
        c["attributes"].as_array().unwrap().iter().map(|a| (a["key"].as_str().unwrap(), &a["value"])).collect();
    assert_eq!(
        attrs,
        [
            ("account_number", &json!("PK-ACC-99812")),
            ("date_of_birth", &json!("1988-04-12")),
            ("lifetime_value", &json!(18250.5)),
            ("tier", &json!("gold")),
        ]
    );
    let history = c["interactions"]["edges"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0]["node"]["conversation"]["id"], "conv-0-2", "newest first");
    assert_eq!(history[0]["node"]["customer"]["id"], id.as_str());
    assert_eq!(c["externalRefs"], json!([{ "system": "salesforce", "externalId": "003XYZ0" }]));
}

async fn one_phone_number_written_four_ways_is_one_identity(app: &TestApp) {
    let id = app.create_customer(json!({ "identities": [{ "channel": "PHONE", "value": "0092 300 1234567" }] })).await;
    for same in ["+92-300-1234567", "+923001234567", "0300 1234567", "(0300) 123-4567"] {
        let identity = json!({ "channel": "PHONE", "value": same });
        let body = app.attempt(ADD_CHANNEL_IDENTITY, json!({ "customerId": id, "identity": identity })).await;
        assert_error(&body, "CONFLICT", "identity.value");
    }
    assert_eq!(app.count_rows("channel_identities").await, 1);
}

async fn an_identifier_that_cannot_be_normalised_is_rejected_naming_its_field_and_nothing_is_written(app: &TestApp) {
    let body = app
        .attempt(
            CREATE_CUSTOMER,
            json!({ "input": { "displayName": "X", "identities": [
                { "channel": "EMAIL", "value": "good@example.com" },
                { "channel": "PHONE", "value": "call me maybe 12" }
            ] } }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", "input.identities.1.value");
    assert!(!body.to_string().contains("call me maybe"), "the error must not echo the value: {body}");
    assert_eq!(app.count_rows("customers").await, 0);
    let bad_email = app
        .attempt(
            CREATE_CUSTOMER,
            json!({ "input": { "identities": [{ "channel": "EMAIL", "value": "not-an-email" }] } }),
        )
        .await;
    assert_error(&bad_email, "BAD_USER_INPUT", "input.identities.0.value");
}

async fn a_failure_inside_the_write_transaction_leaves_nothing_behind(app: &TestApp) {
    // The unknown label is only found after the customer and its identities were inserted.
    let body = app
        .attempt(
            CREATE_CUSTOMER,
            json!({ "input": { "displayName": "Half", "identities": [{ "channel": "EMAIL", "value": "half@example.com" }],
                               "labelIds": ["0190a0b0-0000-7000-8000-000000000000"] } }),
        )
        .await;
    assert_error(&body, "NOT_FOUND", "input.labelIds.0");
    for table in ["customers", "channel_identities", "preferences", "customer_labels"] {
        assert_eq!(app.count_rows(table).await, 0, "{table} should be empty");
    }
}

async fn a_stale_expected_version_is_a_conflict_and_changes_nothing(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "First Name" })).await;
    let update = json!({ "id": id, "input": { "displayName": "Second Name" }, "expectedVersion": 1 });
    let ok = app.admin(UPDATE_CUSTOMER, update.clone()).await;
    assert_eq!(ok["updateCustomer"], json!({ "id": id, "displayName": "Second Name", "version": 2 }));

    let stale = app.attempt(UPDATE_CUSTOMER, update).await;
    assert_error(&stale, "CONFLICT", "expectedVersion");
    assert_eq!(app.version(&id).await, 2);
}

async fn updating_a_missing_customer_is_not_found(app: &TestApp) {
    let missing = json!({ "id": "0190a0b0-0000-7000-8000-000000000000", "input": { "displayName": "x" } });
    let body = app.attempt(UPDATE_CUSTOMER, missing).await;
    assert_error(&body, "NOT_FOUND", "id");
    let malformed = app.attempt(UPDATE_CUSTOMER, json!({ "id": "42", "input": {} })).await;
    assert_eq!(error_codes(&malformed), ["BAD_USER_INPUT"]);
}

async fn identities_can_be_added_made_primary_and_removed(app: &TestApp) {
    let id = app
        .create_customer(json!({ "identities": [{ "channel": "EMAIL", "value": "old@example.com", "primary": true }] }))
        .await;
    let identity = json!({ "channel": "EMAIL", "value": "New@Example.com", "primary": true });
    let added = app.admin(ADD_CHANNEL_IDENTITY, json!({ "customerId": id, "identity": identity })).await;
    let identities = added["addChannelIdentity"]["identities"].as_array().unwrap().clone();
    assert_eq!(added["addChannelIdentity"]["version"], 2);
    assert_eq!(identities[0]["value"], "new@example.com", "the new primary comes first");
    assert_eq!(identities[0]["primary"], true);
    assert_eq!(identities[1]["primary"], false, "one primary per channel");

    let removed = app
        .admin(
            "mutation($i: ID!) { removeChannelIdentity(identityId: $i) { identities { value } } }",
            json!({ "i": identities[1]["id"] }),
        )
        .await;
    assert_eq!(removed["removeChannelIdentity"]["identities"], json!([{ "value": "new@example.com" }]));
    let again = app
        .attempt(
            "mutation($i: ID!) { removeChannelIdentity(identityId: $i) { id } }",
            json!({ "i": identities[1]["id"] }),
        )
        .await;
    assert_eq!(error_codes(&again), ["NOT_FOUND"]);
}

async fn a_display_name_can_be_cleared_with_null(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "  Jane   Doe " })).await;
    assert_eq!(app.customer(&id, "displayName").await["displayName"], "Jane Doe", "whitespace is tidied");
    let cleared = app.admin(UPDATE_CUSTOMER, json!({ "id": id, "input": { "displayName": null } })).await;
    assert_eq!(cleared["updateCustomer"]["displayName"], serde_json::Value::Null);
}

on_both_databases!(
    a_created_customer_comes_back_whole_with_normalised_identities,
    one_phone_number_written_four_ways_is_one_identity,
    an_identifier_that_cannot_be_normalised_is_rejected_naming_its_field_and_nothing_is_written,
    a_failure_inside_the_write_transaction_leaves_nothing_behind,
    a_stale_expected_version_is_a_conflict_and_changes_nothing,
    updating_a_missing_customer_is_not_found,
    identities_can_be_added_made_primary_and_removed,
    a_display_name_can_be_cleared_with_null,
);
