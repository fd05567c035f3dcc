//! Suppressions per customer and suppression lists matched by blind index; shared and
//! unverified identities; calling hours and attempt caps through the API.

use super::*;
use sea_orm::{ConnectionTrait, Statement};

async fn suppression_lists_match_identities_by_blind_index_and_store_no_numbers(app: &TestApp) {
    let id = uk_customer(app).await;
    let list = app
        .admin(
            "mutation($i: SuppressionListInput!) { createSuppressionList(input: $i) { id name purposes } }",
            json!({ "i": { "name": "tps", "reason": "Telephone Preference Service", "purposes": ["Campaign"] } }),
        )
        .await["createSuppressionList"]
        .clone();
    assert_eq!(list["purposes"], json!(["marketing"]), "aliases are stored by their purpose");
    let add = "mutation($l: ID!, $e: [SuppressionEntryInput!]!) { addSuppressionEntries(listId: $l, entries: $e) }";
    // Loaded in another format, and on SMS: a phone number matches on every phone channel.
    let entries =
        json!([{ "channel": "SMS", "value": "+44 7400 123456" }, { "channel": "EMAIL", "value": "X@Example.com" }]);
    assert_eq!(app.admin(add, json!({ "l": list["id"], "e": entries })).await["addSuppressionEntries"], 2);
    app.admin(
        RECORD_CONSENT,
        json!({ "input": { "customerId": id, "channel": "PHONE", "purpose": "*", "status": "OPT_IN", "givenAt": "2026-01-01T00:00:00Z" } }),
    )
    .await;
    let listed = decide(app, &id, "marketing", TUESDAY).await;
    assert_eq!(listed["allowed"], false);
    assert!(has_code(&listed, "SUPPRESSION_LISTED"), "{listed}");
    assert!(listed["reasons"].to_string().contains("suppression list tps"), "{listed}");
    assert_eq!(decide(app, &id, "service", TUESDAY).await["allowed"], true, "the list is for marketing only");

    let dup = app.attempt(
        "mutation($i: SuppressionListInput!) { createSuppressionList(input: $i) { id } }",
        json!({ "i": { "name": "tps", "reason": "again" } }),
    );
    assert_eq!(error_codes(&dup.await), ["CONFLICT"]);

    let rows = app
        .store
        .db
        .query_all_raw(Statement::from_string(app.store.backend(), "SELECT lookup_key FROM suppression_entries"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 5, "4 phone channels and 1 email");
    for row in rows {
        let key: String = row.try_get("", "lookup_key").unwrap();
        assert!(!key.contains("7400123456") && !key.contains("example"), "only blind indexes are stored");
    }

    let remove =
        "mutation($l: ID!, $e: [SuppressionEntryInput!]!) { removeSuppressionEntries(listId: $l, entries: $e) }";
    let removed =
        app.admin(remove, json!({ "l": list["id"], "e": [{ "channel": "PHONE", "value": "+447400123456" }] })).await;
    assert_eq!(removed["removeSuppressionEntries"], 4);
    assert_eq!(decide(app, &id, "marketing", TUESDAY).await["allowed"], true);
}

async fn a_suppression_stops_its_channel_and_purpose_until_lifted(app: &TestApp) {
    let id = uk_customer(app).await;
    let suppress =
        "mutation($i: SuppressionInput!) { suppressContact(input: $i) { id channel purpose reason expiresAt } }";
    let s = app
        .admin(suppress, json!({ "i": { "customerId": id, "channel": "PHONE", "purpose": "collections", "reason": "complaint 1234", "expiresAt": "2027-01-01T00:00:00Z" } }))
        .await["suppressContact"]
        .clone();
    let blocked = decide(app, &id, "collections", TUESDAY).await;
    assert_eq!(blocked["allowed"], false);
    assert!(has_code(&blocked, "SUPPRESSED"), "{blocked}");
    assert_eq!(decide(app, &id, "service", TUESDAY).await["allowed"], true);
    assert_eq!(decide(app, &id, "collections", "2027-01-05T10:00:00Z").await["allowed"], true, "expired");
    let lift = "mutation($id: ID!) { liftSuppression(id: $id) { liftedAt } }";
    assert!(app.admin(lift, json!({ "id": s["id"] })).await["liftSuppression"]["liftedAt"].is_string());
    assert_eq!(error_codes(&app.attempt(lift, json!({ "id": s["id"] })).await), ["NOT_FOUND"]);
    let history =
        app.admin("query($id: ID!) { suppressions(customerId: $id) { reason liftedAt } }", json!({ "id": id })).await;
    assert_eq!(history["suppressions"][0]["reason"], "complaint 1234", "kept after it was lifted");
}

async fn shared_and_unverified_numbers_are_excluded_by_default(app: &TestApp) {
    let unverified =
        app.create_customer(json!({ "identities": [{ "channel": "PHONE", "value": "+447400123450" }] })).await;
    let d = decide(app, &unverified, "service", TUESDAY).await;
    assert_eq!(d["allowed"], false);
    assert!(has_code(&d, "UNVERIFIED_EXCLUDED"), "{d}");
    let shared = app
        .create_customer(json!({ "identities": [{ "channel": "PHONE", "value": "+447400123451", "verified": true, "shared": true }] }))
        .await;
    let d = decide(app, &shared, "service", TUESDAY).await;
    assert!(has_code(&d, "SHARED_EXCLUDED"), "{d}");
}

async fn calling_hours_holidays_and_caps_apply_to_phone_contact(app: &TestApp) {
    let id = uk_customer(app).await;
    app.admin(
        RECORD_CONSENT,
        json!({ "input": { "customerId": id, "channel": "PHONE", "purpose": "*", "status": "OPT_IN", "givenAt": "2026-01-01T00:00:00Z" } }),
    )
    .await;
    // 07:00 BST: before the UK calling hours; they open at 08:00 BST (07:00Z).
    let early = decide(app, &id, "marketing", "2026-06-02T06:00:00Z").await;
    assert_eq!(
        (early["allowed"].clone(), early["nextWindowStart"].clone()),
        (json!(false), json!("2026-06-02T07:00:00+00:00"))
    );
    assert!(has_code(&early, "OUTSIDE_CALLING_HOURS"), "{early}");
    // The spring bank holiday.
    let holiday = decide(app, &id, "marketing", "2026-05-25T10:00:00Z").await;
    assert!(has_code(&holiday, "PUBLIC_HOLIDAY"), "{holiday}");
    assert_eq!(holiday["nextWindowStart"], "2026-05-26T07:00:00+00:00");
    // One marketing call today: the daily cap (1) is reached until a day after it.
    let call = json!({ "kind": "ACTIVITY", "channel": "PHONE", "direction": "OUTBOUND", "startedAt": "2026-06-02T08:00:00Z", "topic": "marketing/summer" });
    app.admin(LINK_INTERACTION, json!({ "customerId": id, "interaction": call })).await;
    let capped = decide(app, &id, "marketing", TUESDAY).await;
    assert_eq!(capped["allowed"], false);
    assert!(has_code(&capped, "DAILY_CAP_REACHED"), "{capped}");
    assert_eq!(capped["nextWindowStart"], "2026-06-03T08:00:00+00:00");
    assert_eq!(
        decide(app, &id, "collections", TUESDAY).await["allowed"],
        true,
        "a marketing call is not a collections one"
    );
}

on_both_databases!(
    suppression_lists_match_identities_by_blind_index_and_store_no_numbers,
    a_suppression_stops_its_channel_and_purpose_until_lifted,
    shared_and_unverified_numbers_are_excluded_by_default,
    calling_hours_holidays_and_caps_apply_to_phone_contact,
);
