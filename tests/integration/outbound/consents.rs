//! Consent records: history with proof, the latest in force, expiry, per identity.

use super::*;

async fn record(app: &TestApp, input: Value) -> Value {
    app.admin(RECORD_CONSENT, json!({ "input": input })).await["recordConsent"].clone()
}

async fn consent_history_is_kept_with_its_proof_and_the_latest_record_decides(app: &TestApp) {
    let id = uk_customer(app).await;
    let marketing = decide(app, &id, "marketing", TUESDAY).await;
    assert_eq!(marketing["allowed"], false);
    assert!(has_code(&marketing, "NO_CONSENT"), "{marketing}");

    let given = record(
        app,
        json!({ "customerId": id, "channel": "PHONE", "purpose": "marketing", "status": "OPT_IN",
                "source": "web-form", "wording": "sms-marketing-v3", "evidenceRef": "log 4711",
                "givenAt": "2026-05-01T09:00:00Z" }),
    )
    .await;
    assert_eq!((given["principal"].clone(), given["identityId"].clone()), (json!("agent-007"), Value::Null));
    let allowed = decide(app, &id, "marketing", TUESDAY).await;
    assert_eq!(allowed["allowed"], true, "{allowed}");
    assert!(has_code(&allowed, "CONSENT_GIVEN") && has_code(&allowed, "TIMEZONE_DERIVED"), "{allowed}");
    assert!(has_code(&allowed, "INSIDE_CALLING_HOURS"), "{allowed}");

    // A per-number opt-out given later withdraws it for that number.
    let identity = allowed["identity"]["id"].as_str().unwrap().to_owned();
    record(
        app,
        json!({ "customerId": id, "channel": "PHONE", "identityId": identity, "purpose": "marketing",
                "status": "OPT_OUT", "givenAt": "2026-05-20T09:00:00Z" }),
    )
    .await;
    let withdrawn = decide(app, &id, "marketing", TUESDAY).await;
    assert_eq!(withdrawn["allowed"], false);
    assert!(has_code(&withdrawn, "OPTED_OUT"), "{withdrawn}");
    // Before the opt-out was given, the opt-in was in force.
    assert_eq!(decide(app, &id, "marketing", "2026-05-19T10:00:00Z").await["allowed"], true);

    let history = app
        .admin(
            "query($id: ID!) { consentHistory(customerId: $id) { purpose status source wording evidenceRef identityId givenAt } }",
            json!({ "id": id }),
        )
        .await;
    let rows = history["consentHistory"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "both records are kept: {history}");
    assert_eq!(rows[0]["status"], "OPT_IN");
    assert_eq!((rows[0]["source"].clone(), rows[0]["wording"].clone()), (json!("web-form"), json!("sms-marketing-v3")));
    assert_eq!(rows[0]["evidenceRef"], "log 4711");
    assert_eq!((rows[1]["status"].clone(), rows[1]["identityId"].clone()), (json!("OPT_OUT"), json!(identity)));
}

async fn an_expired_consent_no_longer_allows_marketing(app: &TestApp) {
    let id = uk_customer(app).await;
    record(
        app,
        json!({ "customerId": id, "channel": "PHONE", "purpose": "*", "status": "OPT_IN",
                "givenAt": "2026-01-01T00:00:00Z", "expiresAt": "2026-06-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(decide(app, &id, "marketing", "2026-05-26T10:00:00Z").await["allowed"], true);
    let expired = decide(app, &id, "marketing", TUESDAY).await;
    assert_eq!(expired["allowed"], false);
    assert!(has_code(&expired, "CONSENT_EXPIRED"), "{expired}");
}

async fn consent_input_is_checked_at_its_fields(app: &TestApp) {
    let id = uk_customer(app).await;
    let other = app.create_customer(json!({ "identities": [{ "channel": "PHONE", "value": "+447400123999" }] })).await;
    let foreign = app.admin(CUSTOMER, json!({ "id": other })).await["customer"]["identities"][0]["id"].clone();
    let cases = [
        (json!({ "customerId": id, "channel": "PHONE", "purpose": "newsletter", "status": "OPT_IN" }), "input.purpose"),
        (
            json!({ "customerId": id, "channel": "PHONE", "purpose": "marketing", "status": "OPT_IN", "identityId": foreign }),
            "input.identityId",
        ),
        (
            json!({ "customerId": id, "channel": "PHONE", "purpose": "marketing", "status": "OPT_IN", "givenAt": "2026-01-02T00:00:00Z", "expiresAt": "2026-01-01T00:00:00Z" }),
            "input.expiresAt",
        ),
        (
            json!({ "customerId": id, "channel": "PHONE", "purpose": "marketing", "status": "OPT_IN", "givenAt": "2999-01-01T00:00:00Z" }),
            "input.givenAt",
        ),
    ];
    for (input, field) in cases {
        let body = app.attempt(RECORD_CONSENT, json!({ "input": input })).await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let without_scope = app
        .as_scopes(
            "customers:read",
            RECORD_CONSENT,
            json!({ "input": { "customerId": id, "channel": "PHONE", "purpose": "marketing", "status": "OPT_IN" } }),
        )
        .await;
    assert_eq!(error_codes(&without_scope), ["FORBIDDEN"]);
    let with_consents_write = app
        .as_scopes(
            "consents:write",
            RECORD_CONSENT,
            json!({ "input": { "customerId": id, "channel": "PHONE", "purpose": "marketing", "status": "OPT_IN" } }),
        )
        .await;
    assert!(with_consents_write["errors"].is_null(), "{with_consents_write}");
}

on_both_databases!(
    consent_history_is_kept_with_its_proof_and_the_latest_record_decides,
    an_expired_consent_no_longer_allows_marketing,
    consent_input_is_checked_at_its_fields,
);
