//! Creating and changing profiles: normalisation, the whole profile in one query,
//! validation that loses nothing, and optimistic concurrency.

use crate::common::*;
use crate::fixtures::*;
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
        let body = app
            .as_scopes(
                ALL_SCOPES,
                "mutation($c: ID!, $v: String!) { addChannelIdentity(customerId: $c, identity: { channel: PHONE, value: $v }) { id } }",
                json!({ "c": id, "v": same }),
            )
            .await;
        assert_eq!(error_codes(&body), ["CONFLICT"], "{same} should be the same identity: {body}");
        assert_eq!(error_field(&body).as_deref(), Some("identity.value"));
    }
    assert_eq!(app.count_rows("channel_identities").await, 1);
}

async fn an_identifier_that_cannot_be_normalised_is_rejected_naming_its_field_and_nothing_is_written(app: &TestApp) {
    let body = app
        .as_scopes(
            ALL_SCOPES,
            "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }",
            json!({ "i": { "displayName": "X", "identities": [
                { "channel": "EMAIL", "value": "good@example.com" },
                { "channel": "PHONE", "value": "call me maybe 12" }
            ] } }),
        )
        .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(error_field(&body).as_deref(), Some("input.identities.1.value"));
    assert!(!body.to_string().contains("call me maybe"), "the error must not echo the value: {body}");
    assert_eq!(app.count_rows("customers").await, 0);
    let bad_email = app
        .as_scopes(
            ALL_SCOPES,
            "mutation { createCustomer(input: { identities: [{ channel: EMAIL, value: \"not-an-email\" }] }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_field(&bad_email).as_deref(), Some("input.identities.0.value"));
}

async fn a_failure_inside_the_write_transaction_leaves_nothing_behind(app: &TestApp) {
    // The unknown label is only found after the customer and its identities were inserted.
    let body = app
        .as_scopes(
            ALL_SCOPES,
            "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }",
            json!({ "i": { "displayName": "Half", "identities": [{ "channel": "EMAIL", "value": "half@example.com" }],
                           "labelIds": ["0190a0b0-0000-7000-8000-000000000000"] } }),
        )
        .await;
    assert_eq!(error_codes(&body), ["NOT_FOUND"]);
    assert_eq!(error_field(&body).as_deref(), Some("input.labelIds.0"));
    for table in ["customers", "channel_identities", "preferences", "customer_labels"] {
        assert_eq!(app.count_rows(table).await, 0, "{table} should be empty");
    }
}

async fn a_stale_expected_version_is_a_conflict_and_changes_nothing(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "First Name" })).await;
    let update = "mutation($id: ID!, $v: Int) { updateCustomer(id: $id, input: { displayName: \"Second Name\" }, expectedVersion: $v) { displayName version } }";
    let ok = app.admin(update, json!({ "id": id, "v": 1 })).await;
    assert_eq!(ok["updateCustomer"], json!({ "displayName": "Second Name", "version": 2 }));

    let stale = app.as_scopes(ALL_SCOPES, update, json!({ "id": id, "v": 1 })).await;
    assert_eq!(error_codes(&stale), ["CONFLICT"]);
    assert_eq!(error_field(&stale).as_deref(), Some("expectedVersion"));
    let now = app.admin("query($id: ID!) { customer(id: $id) { version } }", json!({ "id": id })).await;
    assert_eq!(now["customer"]["version"], 2);
}

async fn updating_a_missing_customer_is_not_found(app: &TestApp) {
    let body = app
        .as_scopes(
            ALL_SCOPES,
            "mutation { updateCustomer(id: \"0190a0b0-0000-7000-8000-000000000000\", input: { displayName: \"x\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&body), ["NOT_FOUND"]);
    assert_eq!(error_field(&body).as_deref(), Some("id"));
    let malformed =
        app.as_scopes(ALL_SCOPES, "mutation { updateCustomer(id: \"42\", input: {}) { id } }", json!({})).await;
    assert_eq!(error_codes(&malformed), ["BAD_USER_INPUT"]);
}

async fn identities_can_be_added_made_primary_and_removed(app: &TestApp) {
    let id = app
        .create_customer(json!({ "identities": [{ "channel": "EMAIL", "value": "old@example.com", "primary": true }] }))
        .await;
    let added = app
        .admin(
            "mutation($c: ID!) { addChannelIdentity(customerId: $c, identity: { channel: EMAIL, value: \"New@Example.com\", primary: true }) { version identities { id value primary } } }",
            json!({ "c": id }),
        )
        .await;
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
        .as_scopes(
            ALL_SCOPES,
            "mutation($i: ID!) { removeChannelIdentity(identityId: $i) { id } }",
            json!({ "i": identities[1]["id"] }),
        )
        .await;
    assert_eq!(error_codes(&again), ["NOT_FOUND"]);
}

async fn a_display_name_can_be_cleared_with_null(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "  Jane   Doe " })).await;
    let named = app.admin("query($id: ID!) { customer(id: $id) { displayName } }", json!({ "id": id })).await;
    assert_eq!(named["customer"]["displayName"], "Jane Doe", "whitespace is tidied");
    let cleared = app
        .admin(
            "mutation($id: ID!) { updateCustomer(id: $id, input: { displayName: null }) { displayName } }",
            json!({ "id": id }),
        )
        .await;
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
