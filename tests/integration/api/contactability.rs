//! `Customer.contactability` through the API: consent, do-not-contact, windows in the
//! customer's timezone across a DST change and across midnight.

use crate::common::*;
use serde_json::{Value, json};

async fn contact(app: &TestApp, id: &str, at: &str, purpose: Option<&str>) -> Value {
    app.admin(CONTACTABILITY, json!({ "id": id, "at": at, "purpose": purpose })).await["customer"]["contactability"]
        .clone()
}

/// A customer with a phone and an email who prefers SMS.
async fn sms_customer(app: &TestApp, tz: &str, windows: Value, consents: Value) -> String {
    app.create_customer(json!({
        "identities": [{ "channel": "PHONE", "value": "+447911123456", "primary": true, "verified": true }, { "channel": "EMAIL", "value": "c@example.com", "verified": true }],
        "preferences": { "timezone": tz, "preferredChannel": "SMS", "bestTimeToContact": windows, "consents": consents }
    }))
    .await
}

async fn windows_follow_the_customers_clock_across_a_dst_change(app: &TestApp) {
    let id = sms_customer(
        app,
        "Europe/London",
        json!([{ "days": ["MONDAY"], "start": "09:00", "end": "17:00" }]),
        json!([{ "channel": "SMS", "status": "OPT_IN" }]),
    )
    .await;
    // Monday 30 March 2026, the day after the clocks went forward: 09:00 BST is 08:00Z.
    let early = contact(app, &id, "2026-03-30T07:30:00Z", None).await;
    assert_eq!(early["allowed"], false);
    assert_eq!(early["nextWindowStart"], "2026-03-30T08:00:00+00:00");
    assert_eq!(early["channel"], "SMS");
    assert_eq!(early["identity"]["value"], "+447911123456", "SMS goes to the phone number");
    let open = contact(app, &id, "2026-03-30T08:30:00Z", None).await;
    assert_eq!(open["allowed"], true, "{open}");
    // Before the change (GMT), 09:00 local is 09:00Z.
    let winter = contact(app, &id, "2026-03-23T08:30:00Z", None).await;
    assert_eq!(winter["allowed"], false);
    assert_eq!(winter["nextWindowStart"], "2026-03-23T09:00:00+00:00");
}

async fn a_window_crossing_midnight_is_open_after_midnight_local_time(app: &TestApp) {
    let id = sms_customer(
        app,
        "Asia/Karachi",
        json!([{ "days": ["FRIDAY"], "start": "22:00", "end": "02:00" }]),
        json!([{ "channel": "SMS", "status": "OPT_IN" }]),
    )
    .await;
    // Saturday 00:30 in Karachi (UTC+5) is Friday 19:30Z.
    assert_eq!(contact(app, &id, "2026-11-27T19:30:00Z", None).await["allowed"], true);
    // Saturday 02:30 in Karachi: closed until next Friday 22:00 (17:00Z).
    let closed = contact(app, &id, "2026-11-27T21:30:00Z", None).await;
    assert_eq!(closed["allowed"], false);
    assert_eq!(closed["nextWindowStart"], "2026-12-04T17:00:00+00:00");
}

async fn opt_outs_marketing_consent_and_do_not_contact_are_respected(app: &TestApp) {
    let id = sms_customer(app, "UTC", json!([]), json!([{ "channel": "SMS", "status": "OPT_OUT" }])).await;
    let service = contact(app, &id, "2026-11-28T12:00:00Z", Some("service")).await;
    assert_eq!(service["allowed"], true);
    assert_ne!(service["channel"], "SMS", "the opted-out preferred channel is skipped: {service}");
    let marketing = contact(app, &id, "2026-11-28T12:00:00Z", Some("marketing")).await;
    assert_eq!(marketing["allowed"], false, "marketing needs an explicit opt-in: {marketing}");
    app.admin(SET_PREFERENCES, json!({ "customerId": id, "input": { "doNotContact": true } })).await;
    let dnc = contact(app, &id, "2026-11-28T12:00:00Z", None).await;
    assert_eq!((dnc["allowed"].clone(), dnc["nextWindowStart"].clone()), (json!(false), Value::Null));
    let unknown = app.attempt(CONTACTABILITY, json!({ "id": id, "purpose": "spam" })).await;
    assert_eq!(error_codes(&unknown), ["BAD_USER_INPUT"]);
}

on_both_databases!(
    windows_follow_the_customers_clock_across_a_dst_change,
    a_window_crossing_midnight_is_open_after_midnight_local_time,
    opt_outs_marketing_consent_and_do_not_contact_are_respected,
);
