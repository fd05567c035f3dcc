//! Access: tokens, scopes on every mutation, and PII hidden on every path for callers
//! without `pii:read`.

use super::fixtures::*;
use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

const READ_ONLY: &str = "customers:read";

async fn pii_is_masked_on_every_path_for_a_caller_without_pii_read(app: &TestApp) {
    define_schema(app).await;
    let id = full_customer(app, 0, &[], 1).await;
    let one = app.admin(CUSTOMER, json!({ "id": id })).await;
    let identity_id = one["customer"]["identities"][0]["id"].clone();
    let interaction_id = one["customer"]["interactions"]["edges"][0]["node"]["id"].clone();

    // Root query.
    let body = app.as_scopes(READ_ONLY, CUSTOMER, json!({ "id": id })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let c = &body["data"]["customer"];
    assert_eq!(c["displayName"], "A***");
    let values: Vec<&str> = c["identities"].as_array().unwrap().iter().map(|i| i["value"].as_str().unwrap()).collect();
    assert_eq!(values[0], "***67");
    assert_eq!(values[1], "a***@***.com");
    assert_eq!(c["preferences"]["preferredIdentity"]["value"], "***67");
    let pii_attrs: Vec<&Value> = c["attributes"].as_array().unwrap().iter().filter(|a| a["pii"] == true).collect();
    assert_eq!(pii_attrs.len(), 2);
    for a in pii_attrs {
        assert_eq!((a["value"].clone(), a["redacted"].clone()), (Value::Null, json!(true)));
    }
    let tier = c["attributes"].as_array().unwrap().iter().find(|a| a["key"] == "tier").unwrap();
    assert_eq!(
        (tier["value"].clone(), tier["redacted"].clone()),
        (json!("gold"), json!(false)),
        "non-PII stays visible"
    );
    assert_eq!(c["interactions"]["edges"][0]["node"]["customer"]["displayName"], "A***", "nested path");
    assert_no_raw_pii(&body);

    // A list.
    let list = app.as_scopes(READ_ONLY, CUSTOMER_360, json!({ "first": 10 })).await;
    assert!(list.get("errors").is_none(), "{list}");
    assert_eq!(list["data"]["customers"]["edges"][0]["node"]["displayName"], "A***");
    assert_no_raw_pii(&list);

    // Federation entities.
    let entities = app
        .as_scopes(
            READ_ONLY,
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { displayName identities { value } attributes { value redacted } } ... on ChannelIdentity { value } ... on InteractionRef { customer { displayName } } } }",
            json!({ "r": [
                { "__typename": "Customer", "id": id },
                { "__typename": "ChannelIdentity", "id": identity_id },
                { "__typename": "InteractionRef", "id": interaction_id }
            ] }),
        )
        .await;
    assert!(entities.get("errors").is_none(), "{entities}");
    assert_eq!(entities["data"]["_entities"][0]["displayName"], "A***");
    assert_eq!(entities["data"]["_entities"][1]["value"], "***67");
    assert_eq!(entities["data"]["_entities"][2]["customer"]["displayName"], "A***");
    assert_no_raw_pii(&entities);

    // Mutation results are masked too.
    let written = app
        .as_scopes(
            "customers:read customers:write",
            "mutation($c: ID!) { setPreferences(customerId: $c, input: { doNotContact: true }) { displayName identities { value } } }",
            json!({ "c": id }),
        )
        .await;
    assert!(written.get("errors").is_none(), "{written}");
    assert_no_raw_pii(&written);

    // The same caller with pii:read sees everything.
    let full = app.as_scopes("customers:read pii:read", CUSTOMER, json!({ "id": id })).await;
    assert_eq!(full["data"]["customer"]["displayName"], "Ayesha Khan");
    assert_eq!(full["data"]["customer"]["identities"][0]["value"], "+923001234567");
}

async fn missing_and_invalid_tokens_are_unauthenticated(app: &TestApp) {
    let (status, body) = app.post(None, "{ customers { totalCount } }", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);

    let forged =
        customers::http::auth::mint_hs256(b"some-other-secret-some-other-secret", "eve", ALL_SCOPES, 300, None, None)
            .unwrap();
    let expired = customers::http::auth::mint_hs256(SECRET.as_bytes(), "eve", ALL_SCOPES, -600, None, None).unwrap();
    for token in [forged.as_str(), expired.as_str(), "not-a-jwt"] {
        let (status, body) = app.post(Some(token), "{ customers { totalCount } }", json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
        assert!(body["data"].is_null());
    }

    let catalogue = app.as_scopes("", "{ labels { id } attributeDefinitions { key } }", json!({})).await;
    assert!(catalogue.get("errors").is_none(), "any valid token reads the catalogue: {catalogue}");
    let sdl = app.post(None, "{ _service { sdl } }", json!({})).await.1;
    assert!(
        sdl["data"]["_service"]["sdl"].as_str().unwrap().contains("type Customer"),
        "the router fetches the SDL without a token"
    );
}

/// Every mutation refuses a caller that lacks its scope (even one holding all the
/// others) and writes nothing; with just its scope it goes through.
async fn every_mutation_needs_its_own_scope(app: &TestApp) {
    let customer =
        app.create_customer(json!({ "identities": [{ "channel": "EMAIL", "value": "s@example.com" }] })).await;
    let label = app.create_label("Scoped").await;
    let identity = app.identity_id(&customer, "EMAIL").await;
    let interaction = id(&app.link(&customer, conversation("conv-scoped", "2026-11-01T10:00:00Z")).await);
    let cases: Vec<(&str, &str, Value)> = vec![
        ("customers:write", "mutation { createCustomer(input: { displayName: \"N\" }) { id } }", json!({})),
        (
            "customers:write",
            "mutation($c: ID!) { updateCustomer(id: $c, input: { displayName: \"U\" }) { id } }",
            json!({ "c": customer }),
        ),
        (
            "customers:write",
            "mutation($c: ID!) { addChannelIdentity(customerId: $c, identity: { channel: EMAIL, value: \"t@example.com\" }) { id } }",
            json!({ "c": customer }),
        ),
        (
            "customers:write",
            "mutation($i: ID!) { setIdentityShared(identityId: $i, shared: true) { id } }",
            json!({ "i": identity }),
        ),
        (
            "customers:write",
            "mutation($i: ID!) { removeChannelIdentity(identityId: $i) { id } }",
            json!({ "i": identity }),
        ),
        (
            "customers:write",
            "mutation($c: ID!) { setPreferences(customerId: $c, input: { doNotContact: true }) { id } }",
            json!({ "c": customer }),
        ),
        (
            "customers:write",
            "mutation($c: ID!) { setAttributes(customerId: $c, attributes: []) { id } }",
            json!({ "c": customer }),
        ),
        (
            "customers:write",
            "mutation($c: ID!) { linkInteraction(customerId: $c, interaction: { kind: ACTIVITY, channel: EMAIL, direction: OUTBOUND, startedAt: \"2026-11-01T00:00:00Z\" }) { id } }",
            json!({ "c": customer }),
        ),
        (
            "customers:write",
            "mutation { upsertCustomerByExternalRef(ref: { system: \"crm\", externalId: \"9\" }, input: {}) { id } }",
            json!({}),
        ),
        (
            "customers:merge",
            "mutation($i: ID!, $c: ID!) { relinkInteraction(interactionId: $i, toCustomerId: $c) { id } }",
            json!({ "i": interaction, "c": customer }),
        ),
        ("labels:manage", "mutation { createLabel(input: { name: \"New\" }) { id } }", json!({})),
        (
            "labels:manage",
            "mutation($l: ID!) { updateLabel(id: $l, input: { name: \"Renamed\" }) { id } }",
            json!({ "l": label }),
        ),
        (
            "labels:assign",
            "mutation($c: ID!, $l: ID!) { assignLabels(customerId: $c, labelIds: [$l]) { id } }",
            json!({ "c": customer, "l": label }),
        ),
        (
            "labels:assign",
            "mutation($c: ID!, $l: ID!) { unassignLabels(customerId: $c, labelIds: [$l]) { id } }",
            json!({ "c": customer, "l": label }),
        ),
        ("schema:manage", "mutation { defineAttribute(input: { key: \"segment\", type: STRING }) { key } }", json!({})),
        ("labels:manage", "mutation($l: ID!) { deleteLabel(id: $l) }", json!({ "l": label })),
    ];
    let tables = [
        "customers",
        "channel_identities",
        "labels",
        "customer_labels",
        "preferences",
        "attribute_definitions",
        "interactions",
    ];
    // Refused without an old scope, a split operation names the new scope that the old one implied.
    let split = [
        ("customers:write", "linkInteraction(", "interactions:write"),
        ("customers:write", "setPreferences(", "consents:write"),
        ("customers:merge", "relinkInteraction(", "interactions:relink"),
    ];
    for (scope, mutation, vars) in cases {
        let required = split.iter().find(|(old, op, _)| *old == scope && mutation.contains(op)).map_or(scope, |s| s.2);
        let mut before = Vec::new();
        for t in tables {
            before.push(app.count_rows(t).await);
        }
        let version_before = app.version(&customer).await;

        let refused = app.as_scopes(&all_scopes_but(scope), mutation, vars.clone()).await;
        assert_eq!(error_codes(&refused), ["FORBIDDEN"], "{mutation} without {scope}: {refused}");
        assert_eq!(refused["errors"][0]["extensions"]["requiredScope"], required);
        let mut after = Vec::new();
        for t in tables {
            after.push(app.count_rows(t).await);
        }
        assert_eq!(before, after, "{mutation} wrote without {scope}");
        let version_after = app.version(&customer).await;
        assert_eq!(version_before, version_after, "{mutation} changed the customer without {scope}");

        let allowed = app.as_scopes(&format!("{scope} customers:read"), mutation, vars).await;
        assert!(allowed.get("errors").is_none(), "{mutation} with {scope}: {allowed}");
    }
}

async fn reading_needs_customers_read_on_every_path(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "R" })).await;
    for (query, vars) in [
        ("query($id: ID!) { customer(id: $id) { id } }", json!({ "id": id })),
        ("{ customers { totalCount } }", json!({})),
        (
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id } } }",
            json!({ "r": [{ "__typename": "Customer", "id": id }] }),
        ),
    ] {
        let body = app.as_scopes("customers:write pii:read", query, vars).await;
        assert_eq!(error_codes(&body), ["FORBIDDEN"], "{query}: {body}");
        assert!(!body.to_string().contains(&id), "nothing of the customer is returned: {body}");
    }
}

/// The database never holds PII in clear: names, identity values, PII attributes and
/// merge ledgers are sealed; lookups still find identities through their blind index.
async fn pii_is_encrypted_at_rest(app: &TestApp) {
    use sea_orm::{ConnectionTrait as _, Statement};
    define_schema(app).await;
    let id = full_customer(app, 0, &[], 1).await;
    let other = app.create_customer(json!({ "displayName": "Ayesha Khan", "identities": [{ "channel": "EMAIL", "value": "ayesha.khan@example.com" }] })).await;
    app.admin(MERGE_CUSTOMERS, json!({ "survivorId": id, "mergedIds": [other] })).await;
    let mut dump = String::new();
    for (table, columns) in [
        ("customers", "display_name"),
        ("channel_identities", "value, lookup_key"),
        ("customer_attributes", "value"),
        ("merges", "ledger"),
        ("audit_log", "details"),
    ] {
        let sql = format!("SELECT {columns} FROM {table}");
        let rows = app.store.db.query_all_raw(Statement::from_string(app.store.backend(), sql)).await.unwrap();
        for row in rows {
            for column in columns.split(", ") {
                dump.push_str(&row.try_get::<Option<String>>("", column).unwrap().unwrap_or_default());
                dump.push('\n');
            }
        }
    }
    for raw in RAW_PII {
        assert!(!dump.to_lowercase().contains(&raw.to_lowercase()), "{raw:?} is stored in clear");
    }
    assert!(dump.contains("\"gold\""), "non-PII attributes stay in clear (filters compare them)");
    let found = app
        .as_scopes("customers:read", "{ resolveCustomer(identity: { channel: PHONE, value: \"+923001234567\" }, createIfMissing: false) { status } }", json!({}))
        .await;
    assert_eq!(found["data"]["resolveCustomer"]["status"], "RESOLVED");
}

on_both_databases!(
    pii_is_encrypted_at_rest,
    pii_is_masked_on_every_path_for_a_caller_without_pii_read,
    missing_and_invalid_tokens_are_unauthenticated,
    every_mutation_needs_its_own_scope,
    reading_needs_customers_read_on_every_path,
);
