//! "Get Customer by Channel Identifier": every status, identifiers in several formats,
//! shared identifiers, ranking, concurrency, and contactability.

use crate::common::*;
use serde_json::json;

async fn a_known_number_resolves_to_its_profile_whatever_its_format(app: &TestApp) {
    let id = app
        .create_customer(
            json!({ "displayName": "Ayesha", "identities": [{ "channel": "PHONE", "value": "+923001234567" }] }),
        )
        .await;
    for format in ["0092 300 1234567", "+92-300-1234567", "+923001234567", "0300 1234567", "(0300) 123 4567"] {
        let r = app.resolve("PHONE", format, true).await;
        assert_eq!(r["status"], "RESOLVED", "{format}");
        assert_eq!(r["customer"]["id"], id.as_str(), "{format}");
        assert_eq!(r["suggestedMatches"], json!([]));
    }
    assert_eq!(app.count_rows("customers").await, 1, "nothing was created");
}

async fn an_unknown_identifier_creates_one_anonymous_profile_that_later_resolves(app: &TestApp) {
    let first = app.resolve("EMAIL", " Visitor@Example.com ", true).await;
    assert_eq!(first["status"], "CREATED_ANONYMOUS");
    assert_eq!(first["customer"]["status"], "ANONYMOUS");
    assert_eq!(
        first["customer"]["identities"],
        json!([{ "value": "v***@***.com" }]),
        "normalised, and masked without pii:read"
    );
    let again = app.resolve("EMAIL", "visitor@example.com", true).await;
    assert_eq!(again["status"], "RESOLVED");
    assert_eq!(again["customer"]["id"], first["customer"]["id"]);
    assert_eq!(app.count_rows("customers").await, 1);
}

async fn without_create_if_missing_an_unknown_identifier_is_not_found_and_nothing_is_written(app: &TestApp) {
    let r = app.resolve("WHATSAPP", "+447911123456", false).await;
    assert_eq!(r, json!({ "status": "NOT_FOUND", "customer": null, "suggestedMatches": [], "matches": [] }));
    assert_eq!(app.count_rows("customers").await, 0);
    let read_only = app
        .as_scopes(
            "customers:read",
            RESOLVE_CUSTOMER,
            json!({ "identity": { "channel": "EMAIL", "value": "x@example.com" } }),
        )
        .await;
    assert_eq!(error_codes(&read_only), ["FORBIDDEN"], "creating the anonymous profile needs customers:write");
    assert_eq!(app.count_rows("customers").await, 0);
}

async fn several_holders_are_ambiguous_with_ranked_explained_suggestions(app: &TestApp) {
    let phone = "+923001112223";
    let weak = app
        .create_customer(json!({ "displayName": "Cousin", "identities": [{ "channel": "PHONE", "value": phone }] }))
        .await;
    let strong = app
        .create_customer(json!({ "displayName": "Owner", "identities": [
            { "channel": "PHONE", "value": phone, "verified": true, "primary": true },
            { "channel": "EMAIL", "value": "owner@example.com" }
        ] }))
        .await;
    let recent = chrono::Utc::now() - chrono::Duration::days(2);
    app.link(&strong, conversation("conv-1", &recent.to_rfc3339())).await;

    let body = app
        .as_scopes(
            CHANNEL_MANAGER,
            RESOLVE_CUSTOMER,
            json!({ "identity": { "channel": "PHONE", "value": "0300 1112223" }, "alsoKnownAs": [{ "channel": "EMAIL", "value": "OWNER@example.com" }] }),
        )
        .await;
    let r = &body["data"]["resolveCustomer"];
    assert_eq!(r["status"], "AMBIGUOUS", "{body}");
    assert_eq!(r["customer"]["status"], "ANONYMOUS", "an anonymous record to attach the interaction to");
    assert_eq!(r["suggestedMatches"], json!([{ "id": strong }, { "id": weak }]));
    assert_eq!(r["matches"][0]["score"], 40 + 20 + 20 + 15);
    let reasons: Vec<&str> =
        r["matches"][0]["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert_eq!(
        reasons,
        [
            "holds this identifier verified",
            "it is their primary PHONE identifier",
            "active 2 days ago",
            "also holds 1 of the other identifiers given"
        ]
    );
    assert_eq!(r["matches"][1]["score"], 0);

    let again = app.resolve("PHONE", phone, true).await;
    assert_eq!(again["status"], "AMBIGUOUS");
    assert_eq!(again["customer"]["id"], r["customer"]["id"], "the same anonymous record is reused");
    assert_eq!(app.count_rows("customers").await, 3);
}

async fn a_shared_identifier_never_resolves_to_its_one_owner(app: &TestApp) {
    let owner = app
        .create_customer(json!({ "identities": [{ "channel": "PHONE", "value": "+442079460958", "shared": true }] }))
        .await;
    let r = app.resolve("PHONE", "+44 20 7946 0958", true).await;
    assert_eq!(r["status"], "AMBIGUOUS");
    assert_eq!(r["suggestedMatches"], json!([{ "id": owner }]));
    assert!(r["matches"][0]["reasons"].as_array().unwrap().contains(&json!("the identifier is marked shared")));

    let identity = app.customer(&owner, "identities { id shared }").await["identities"][0].clone();
    assert_eq!(identity["shared"], true);
    app.admin(
        "mutation($i: ID!) { setIdentityShared(identityId: $i, shared: false) { id } }",
        json!({ "i": identity["id"] }),
    )
    .await;
    let r = app.resolve("PHONE", "+442079460958", true).await;
    assert_eq!(
        r["status"], "RESOLVED",
        "no longer shared: its one known owner (the anonymous record made meanwhile is not a person)"
    );
    assert_eq!(r["customer"]["id"], owner.as_str());
}

async fn an_identifier_that_cannot_be_normalised_is_bad_input(app: &TestApp) {
    let variables = json!({ "identity": { "channel": "PHONE", "value": "call me on 12" } });
    let body = app.as_scopes(CHANNEL_MANAGER, RESOLVE_CUSTOMER, variables).await;
    assert_error(&body, "BAD_USER_INPUT", "identity.value");
}

async fn resolving_a_known_identifier_is_one_statement(app: &TestApp) {
    app.create_customer(json!({ "identities": [{ "channel": "EMAIL", "value": "one@example.com" }] })).await;
    let before = app.statements();
    let body = app
        .as_scopes(
            CHANNEL_MANAGER,
            "{ resolveCustomer(identity: { channel: EMAIL, value: \"one@example.com\" }) { status customer { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["resolveCustomer"]["status"], "RESOLVED");
    assert_eq!(app.statements() - before, 1);
}

on_both_databases!(
    a_known_number_resolves_to_its_profile_whatever_its_format,
    an_unknown_identifier_creates_one_anonymous_profile_that_later_resolves,
    without_create_if_missing_an_unknown_identifier_is_not_found_and_nothing_is_written,
    several_holders_are_ambiguous_with_ranked_explained_suggestions,
    a_shared_identifier_never_resolves_to_its_one_owner,
    an_identifier_that_cannot_be_normalised_is_bad_input,
    resolving_a_known_identifier_is_one_statement,
);
