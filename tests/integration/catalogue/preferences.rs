//! `setPreferences`: canonical values, patch semantics (omitted stays, `null` clears),
//! validation that changes nothing, the preferred identity, and per-channel consents.

use crate::common::*;
use chrono::Utc;
use serde_json::{Value, json};

/// Set preferences; returns them as the mutation answers.
async fn set(app: &TestApp, customer: &str, input: Value) -> Value {
    let variables = json!({ "customerId": customer, "input": input });
    app.admin(SET_PREFERENCES, variables).await["setPreferences"]["preferences"].clone()
}

async fn attempt_set(app: &TestApp, customer: &str, input: Value) -> Value {
    app.attempt(SET_PREFERENCES, json!({ "customerId": customer, "input": input })).await
}

async fn preferences(app: &TestApp, customer_id: &str) -> Value {
    app.admin(PREFERENCES, json!({ "id": customer_id })).await["customer"]["preferences"].clone()
}

/// A customer with a phone and an email; returns (customer, phone identity id).
async fn reachable_customer(app: &TestApp) -> (String, String) {
    let identities =
        json!([{ "channel": "PHONE", "value": "0300 1234567" }, { "channel": "EMAIL", "value": "a@example.com" }]);
    let id = app.create_customer(json!({ "identities": identities })).await;
    let phone = app.identity_id(&id, "PHONE").await;
    (id, phone)
}

async fn a_new_customer_has_empty_preferences(app: &TestApp) {
    let id = app.create_customer(json!({})).await;

    let expected = json!({
        "language": null, "timezone": null, "preferredChannel": null, "preferredIdentity": null,
        "preferredAgentId": null, "bestTimeToContact": [], "doNotContact": false, "consents": []
    });
    assert_eq!(preferences(app, &id).await, expected);
}

async fn preferences_are_stored_in_canonical_form(app: &TestApp) {
    let (id, phone) = reachable_customer(app).await;
    let input = json!({
        "language": "en-gb", "timezone": "Asia/Karachi", "preferredChannel": "WHATSAPP",
        "preferredIdentityId": phone, "preferredAgentId": "agent-42", "doNotContact": true,
        "bestTimeToContact": [
            { "days": ["MONDAY", "FRIDAY"], "start": "09:00", "end": "17:30" },
            { "days": ["SATURDAY"], "start": "22:00", "end": "02:00" }
        ]
    });

    let returned = set(app, &id, input).await;

    let expected = json!({
        "language": "en-GB", "timezone": "Asia/Karachi", "preferredChannel": "WHATSAPP",
        "preferredIdentity": { "id": phone, "channel": "PHONE", "value": "+923001234567" },
        "preferredAgentId": "agent-42", "doNotContact": true, "consents": [],
        "bestTimeToContact": [
            { "days": ["MONDAY", "FRIDAY"], "start": "09:00", "end": "17:30" },
            { "days": ["SATURDAY"], "start": "22:00", "end": "02:00" }
        ]
    });
    assert_eq!(returned, expected);
    assert_eq!(preferences(app, &id).await, expected);
}

async fn omitted_fields_stay_and_null_clears_them(app: &TestApp) {
    let (id, phone) = reachable_customer(app).await;
    let window = json!([{ "days": ["TUESDAY"], "start": "10:00", "end": "12:00" }]);
    let all = json!({ "language": "ur-PK", "timezone": "Asia/Karachi", "preferredChannel": "SMS",
        "preferredIdentityId": phone, "preferredAgentId": "agent-1", "bestTimeToContact": window });
    set(app, &id, all).await;

    let after_dnc = set(app, &id, json!({ "doNotContact": true })).await;
    assert_eq!(
        (
            &after_dnc["language"],
            &after_dnc["timezone"],
            &after_dnc["preferredChannel"],
            &after_dnc["bestTimeToContact"]
        ),
        (&json!("ur-PK"), &json!("Asia/Karachi"), &json!("SMS"), &window)
    );
    assert_eq!((&after_dnc["preferredIdentity"]["id"], &after_dnc["doNotContact"]), (&json!(phone), &json!(true)));

    let cleared =
        set(app, &id, json!({ "language": null, "preferredIdentityId": null, "preferredAgentId": null })).await;
    assert_eq!(
        (&cleared["language"], &cleared["preferredIdentity"], &cleared["preferredAgentId"]),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    assert_eq!((&cleared["timezone"], &cleared["preferredChannel"]), (&json!("Asia/Karachi"), &json!("SMS")));
    assert_eq!((&cleared["bestTimeToContact"], &cleared["doNotContact"]), (&window, &json!(true)));

    let emptied = set(app, &id, json!({ "timezone": null, "preferredChannel": null, "bestTimeToContact": [] })).await;
    assert_eq!((&emptied["timezone"], &emptied["preferredChannel"]), (&Value::Null, &Value::Null));
    assert_eq!(emptied["bestTimeToContact"], json!([]));
}

async fn a_timezone_that_is_not_iana_is_bad_user_input_and_changes_nothing(app: &TestApp) {
    let id = app.create_customer(json!({})).await;
    set(app, &id, json!({ "language": "en", "timezone": "Europe/London" })).await;
    let before = app.version(&id).await;

    for timezone in ["PKT+5", "Mars/Olympus_Mons", ""] {
        let body = attempt_set(app, &id, json!({ "language": "fr", "timezone": timezone })).await;
        assert_error(&body, "BAD_USER_INPUT", "input.timezone");
    }

    let prefs = preferences(app, &id).await;
    assert_eq!((&prefs["language"], &prefs["timezone"]), (&json!("en"), &json!("Europe/London")));
    assert_eq!(app.version(&id).await, before);
}

async fn a_contact_window_time_that_is_not_hh_mm_is_bad_user_input(app: &TestApp) {
    let id = app.create_customer(json!({})).await;
    let window = |start: &str, end: &str| json!({ "days": ["MONDAY"], "start": start, "end": end });

    let body = attempt_set(app, &id, json!({ "bestTimeToContact": [window("9am", "17:00")] })).await;
    assert_error(&body, "BAD_USER_INPUT", "input.bestTimeToContact.0.start");

    let body =
        attempt_set(app, &id, json!({ "bestTimeToContact": [window("09:00", "17:00"), window("18:00", "25:00")] }))
            .await;
    assert_error(&body, "BAD_USER_INPUT", "input.bestTimeToContact.1.end");

    assert_eq!(preferences(app, &id).await["bestTimeToContact"], json!([]));
}

async fn the_preferred_identity_must_be_one_of_the_customers_own(app: &TestApp) {
    let (id, _) = reachable_customer(app).await;
    let (_, someone_elses) = reachable_customer(app).await;

    for other in [someone_elses.as_str(), "not-an-id"] {
        let body = attempt_set(app, &id, json!({ "preferredIdentityId": other })).await;
        assert_error(&body, "BAD_USER_INPUT", "input.preferredIdentityId");
    }
    assert_eq!(preferences(app, &id).await["preferredIdentity"], Value::Null);
}

async fn consents_are_kept_per_channel_with_when_and_where_from(app: &TestApp) {
    let id = app.create_customer(json!({})).await;
    let by_channel = |prefs: &Value, channel: &str| {
        prefs["consents"].as_array().unwrap().iter().find(|c| c["channel"] == channel).cloned().unwrap_or(Value::Null)
    };

    let started = Utc::now();
    let first = set(app, &id, json!({ "consents": [{ "channel": "SMS", "status": "OPT_IN", "source": "ivr" }] })).await;
    let sms_opt_in = by_channel(&first, "SMS");
    assert_eq!((&sms_opt_in["status"], &sms_opt_in["source"]), (&json!("OPT_IN"), &json!("ivr")));
    let at = instant(&sms_opt_in["updatedAt"]);
    assert!(at >= started - chrono::Duration::seconds(1) && at <= Utc::now(), "updatedAt {at} is when it was set");

    let second =
        set(app, &id, json!({ "consents": [{ "channel": "EMAIL", "status": "OPT_OUT", "source": "web-form" }] })).await;
    assert_eq!(second["consents"].as_array().unwrap().len(), 2, "{second}");
    assert_eq!(by_channel(&second, "SMS"), sms_opt_in, "the SMS consent is kept as it was");
    let email = by_channel(&second, "EMAIL");
    assert_eq!((&email["status"], &email["source"]), (&json!("OPT_OUT"), &json!("web-form")));

    let third = set(app, &id, json!({ "consents": [{ "channel": "SMS", "status": "OPT_OUT" }] })).await;
    let sms_opt_out = by_channel(&third, "SMS");
    assert_eq!((&sms_opt_out["status"], &sms_opt_out["source"]), (&json!("OPT_OUT"), &Value::Null));
    assert!(instant(&sms_opt_out["updatedAt"]) > at, "the replaced consent has a new updatedAt");
    assert_eq!(by_channel(&third, "EMAIL"), email);
    assert_eq!(third["consents"].as_array().unwrap().len(), 2);

    let untouched = set(app, &id, json!({ "doNotContact": true })).await;
    assert_eq!(untouched["consents"], third["consents"], "omitted consents stay");
}

on_both_databases!(
    a_new_customer_has_empty_preferences,
    preferences_are_stored_in_canonical_form,
    omitted_fields_stay_and_null_clears_them,
    a_timezone_that_is_not_iana_is_bad_user_input_and_changes_nothing,
    a_contact_window_time_that_is_not_hh_mm_is_bad_user_input,
    the_preferred_identity_must_be_one_of_the_customers_own,
    consents_are_kept_per_channel_with_when_and_where_from,
);
