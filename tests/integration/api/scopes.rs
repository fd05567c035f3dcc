//! Scopes that match the roles: the new scopes split from the old ones, tokens issued
//! before the split keep every right they had, labels need `labels:assign` wherever they
//! are assigned, consent changes need `consents:write`, staff ids in merge ledgers need
//! `privacy:admin`, and `resolveCustomer` can be kept to `customers:resolve`.

use crate::common::*;
use serde_json::{Value, json};

const RESOLVE: &str = "query($v: String!) { resolveCustomer(identity: { channel: EMAIL, value: $v }, createIfMissing: false) { status } }";
const RESOLVE_OR_CREATE: &str =
    "{ resolveCustomer(identity: { channel: EMAIL, value: \"new@example.com\" }) { status customer { id } } }";
const SET_CONSENT: &str = "mutation($c: ID!) { setPreferences(customerId: $c, input: { doNotContact: true, consents: [{ channel: SMS, status: OPT_OUT }] }) { __typename } }";
const SET_ALL_PREFERENCES: &str = "mutation($c: ID!) { setPreferences(customerId: $c, input: { language: \"en\", doNotContact: false, consents: [{ channel: SMS, status: OPT_IN }] }) { id } }";
const LINK: &str = "mutation($c: ID!) { linkInteraction(customerId: $c, interaction: { kind: ACTIVITY, channel: EMAIL, direction: OUTBOUND, startedAt: \"2026-11-02T00:00:00Z\" }) { __typename } }";
const RELINK: &str =
    "mutation($i: ID!, $to: ID!) { relinkInteraction(interactionId: $i, toCustomerId: $to) { __typename } }";
const CREATE: &str = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }";
const UPSERT: &str = "mutation($ref: ExternalRefInput!, $input: CreateCustomerInput!) { upsertCustomerByExternalRef(ref: $ref, input: $input) { id } }";

struct Scene {
    customer: String,
    other: String,
    label: String,
    interaction: String,
}

async fn scene(app: &TestApp) -> Scene {
    let customer =
        app.create_customer(json!({ "identities": [{ "channel": "EMAIL", "value": "known@example.com" }] })).await;
    let other = app.create_customer(json!({ "displayName": "Other" })).await;
    let interaction = id(&app.link(&customer, conversation("conv-scopes", "2026-11-01T10:00:00Z")).await);
    Scene { customer, other, label: app.create_label("VIP").await, interaction }
}

fn vars(s: &Scene) -> Value {
    json!({ "c": s.customer, "i": s.interaction, "to": s.other, "v": "known@example.com" })
}

fn assert_forbidden(body: &Value, scope: &str, field: Option<&str>) {
    assert_eq!(error_codes(body), ["FORBIDDEN"], "{body}");
    assert_eq!(body["errors"][0]["extensions"]["requiredScope"], scope, "{body}");
    assert_eq!(error_field(body).as_deref(), field, "{body}");
}

/// A table of tokens as issued before the split, each with what it could do then.
async fn every_old_token_keeps_what_it_could_do(app: &TestApp) {
    let s = scene(app).await;
    let with_consent = json!({ "input": { "displayName": "C", "preferences": { "doNotContact": true, "consents": [{ "channel": "SMS", "status": "OPT_IN" }] } } });
    let upsert =
        json!({ "ref": { "system": "crm", "externalId": "7" }, "input": { "preferences": { "doNotContact": true } } });
    let labelled = json!({ "input": { "labelIds": [s.label] } });
    let cases: Vec<(&str, &str, Value)> = vec![
        ("customers:read", RESOLVE, vars(&s)),
        ("customers:read customers:write", SET_ALL_PREFERENCES, vars(&s)),
        ("customers:read customers:write", SET_CONSENT, vars(&s)),
        ("customers:read customers:write", LINK, vars(&s)),
        ("customers:read customers:write", CREATE, with_consent),
        ("customers:read customers:write", UPSERT, upsert),
        ("customers:read customers:write", RESOLVE_OR_CREATE, json!({})),
        ("customers:read customers:write labels:assign", CREATE, labelled),
        ("customers:read customers:merge", RELINK, vars(&s)),
        (ALL_SCOPES, LINK, vars(&s)),
        (ALL_SCOPES, RELINK, json!({ "i": s.interaction, "to": s.customer })),
    ];
    for (scopes, operation, variables) in cases {
        let body = app.as_scopes(scopes, operation, variables).await;
        assert!(body.get("errors").is_none(), "{scopes:?} lost {operation}: {body}");
    }
    let prefs = app.customer(&s.customer, "preferences { language doNotContact }").await;
    assert_eq!(prefs["preferences"], json!({ "language": "en", "doNotContact": true }));
}

/// Each new scope alone grants its operation and nothing else split from the old scopes.
async fn each_new_scope_alone_grants_exactly_its_operation(app: &TestApp) {
    let s = scene(app).await;
    let operations = [
        ("customers:resolve", RESOLVE),
        ("consents:write", SET_CONSENT),
        ("interactions:write", LINK),
        ("interactions:relink", RELINK),
    ];
    for (held, _) in operations {
        for (needed, operation) in operations {
            let body = app.as_scopes(held, operation, vars(&s)).await;
            if held == needed {
                assert!(body.get("errors").is_none(), "{held} alone: {body}");
            } else {
                assert_forbidden(&body, needed, None);
            }
        }
    }
    assert_eq!(app.history(&s.other, None).await.len(), 1, "relinked by interactions:relink");
    let prefs = app.customer(&s.customer, "preferences { doNotContact consents { channel status } }").await;
    assert_eq!(
        prefs["preferences"],
        json!({ "doNotContact": true, "consents": [{ "channel": "SMS", "status": "OPT_OUT" }] })
    );
}

/// `consents:write` changes consent and do-not-contact only; an input that also touches
/// another preference is refused whole, naming that field.
async fn consents_write_changes_consent_and_nothing_else(app: &TestApp) {
    let s = scene(app).await;
    let outbound = "customers:read consents:write";
    let language = app.as_scopes(outbound, SET_ALL_PREFERENCES, vars(&s)).await;
    assert_forbidden(&language, "customers:write", Some("input.language"));
    let prefs = app.customer(&s.customer, "preferences { language consents { status } }").await;
    assert_eq!(prefs["preferences"], json!({ "language": null, "consents": [] }), "nothing written");
    let ok = app.as_scopes(outbound, SET_CONSENT, vars(&s)).await;
    assert!(ok.get("errors").is_none(), "{ok}");
    let create = app.as_scopes(&format!("{outbound} customers:resolve"), CREATE, json!({ "input": {} })).await;
    assert_forbidden(&create, "customers:write", None);
}

/// `labelIds` of createCustomer and upsertCustomerByExternalRef assign labels: without
/// `labels:assign` they are refused and nothing is written.
async fn label_ids_need_labels_assign(app: &TestApp) {
    let s = scene(app).await;
    let writer = "customers:read customers:write";
    let customers_before = app.count_rows("customers").await;
    let created =
        app.as_scopes(writer, CREATE, json!({ "input": { "displayName": "N", "labelIds": [s.label] } })).await;
    assert_forbidden(&created, "labels:assign", Some("input.labelIds"));
    let crm_ref = json!({ "system": "crm", "externalId": "42" });
    let existing = id(&app.admin(UPSERT, json!({ "ref": crm_ref, "input": {} })).await["upsertCustomerByExternalRef"]);
    let upserted = app.as_scopes(writer, UPSERT, json!({ "ref": crm_ref, "input": { "labelIds": [s.label] } })).await;
    assert_forbidden(&upserted, "labels:assign", Some("input.labelIds"));
    assert_eq!(app.count_rows("customers").await, customers_before + 1, "only the admin's upsert wrote");
    assert_eq!(app.count_rows("customer_labels").await, 0, "no label was assigned");

    let agent = format!("{writer} labels:assign");
    let upserted = app.as_scopes(&agent, UPSERT, json!({ "ref": crm_ref, "input": { "labelIds": [s.label] } })).await;
    assert!(upserted.get("errors").is_none(), "{upserted}");
    assert_eq!(app.label_names(&existing).await, ["VIP"]);
    let created = app.as_scopes(&agent, CREATE, json!({ "input": { "labelIds": [s.label] } })).await;
    assert_eq!(app.label_names(&id(&created["data"]["createCustomer"])).await, ["VIP"]);
}

/// Staff ids in the merge ledger (`mergedBy`, `undoneBy`) are for `privacy:admin` only.
async fn staff_ids_in_merges_need_privacy_admin(app: &TestApp) {
    let s = scene(app).await;
    app.admin(MERGE_CUSTOMERS, json!({ "survivorId": s.customer, "mergedIds": [s.other] })).await;
    let merges = |scopes: &'static str| {
        let query = "query($id: ID!) { customer(id: $id) { merges { id mergedBy undoneBy } } }";
        app.as_scopes(scopes, query, json!({ "id": s.customer }))
    };
    let reader = merges("customers:read customers:merge pii:read").await;
    assert_eq!(reader["data"]["customer"]["merges"][0]["mergedBy"], Value::Null, "{reader}");
    assert!(reader.get("errors").is_none() && !reader.to_string().contains("agent-007"), "{reader}");
    let merge_id = reader["data"]["customer"]["merges"][0]["id"].clone();
    app.admin(UNMERGE_CUSTOMER, json!({ "mergeId": merge_id })).await;
    let reader = merges("customers:read").await;
    assert!(!reader.to_string().contains("agent-007"), "undoneBy hidden too: {reader}");
    let officer = merges("customers:read privacy:admin").await;
    let merge = &officer["data"]["customer"]["merges"][0];
    assert_eq!((&merge["mergedBy"], &merge["undoneBy"]), (&json!("agent-007"), &json!("agent-007")));
}

fn resolve_requires_scope(settings: &mut customers::config::Settings) {
    settings.access.scopes.resolve_requires_scope = true;
}

/// With `CUSTOMERS_RESOLVE_REQUIRES_SCOPE`, `customers:read` no longer resolves (nor
/// probes) identifiers; `customers:resolve` does, and the SDL says so to the router.
async fn resolving_can_be_kept_to_customers_resolve(app: &TestApp) {
    let s = scene(app).await;
    let before = app.count_rows("customers").await;
    for operation in [RESOLVE, RESOLVE_OR_CREATE] {
        let body = app.as_scopes("customers:read customers:write", operation, vars(&s)).await;
        assert_forbidden(&body, "customers:resolve", None);
    }
    assert_eq!(app.count_rows("customers").await, before, "nothing created");
    let channel_manager = "customers:resolve customers:read";
    let found = app.as_scopes(channel_manager, RESOLVE, vars(&s)).await;
    assert_eq!(found["data"]["resolveCustomer"]["status"], "RESOLVED", "{found}");
    let sdl = app.post(None, "{ _service { sdl } }", json!({})).await.1;
    let sdl = sdl["data"]["_service"]["sdl"].as_str().unwrap().to_owned();
    let line = sdl.lines().find(|l| l.trim_start().starts_with("resolveCustomer(")).unwrap();
    assert!(line.ends_with("@requiresScopes(scopes: [[\"customers:resolve\"]])"), "{line}");
}

on_both_databases!(
    every_old_token_keeps_what_it_could_do,
    each_new_scope_alone_grants_exactly_its_operation,
    consents_write_changes_consent_and_nothing_else,
    label_ids_need_labels_assign,
    staff_ids_in_merges_need_privacy_admin,
);
on_both_databases_with!(super::resolve_requires_scope => resolving_can_be_kept_to_customers_resolve);
