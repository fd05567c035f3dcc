//! The external profile maintainer (decision 0017), against a fake CRM started by each
//! test: the CRM up (its record cached as a linked profile), slow (left at the budget),
//! down (local data answers), failing until the circuit opens and half-opens, and
//! disagreeing with local data (nothing moves) — each on SQLite and on PostgreSQL; the
//! HTTP adapter's whole contract; and logs without PII or the token.

mod adapter;
mod conflicts;
mod fake_crm;
mod logs;

use crate::common::*;
use customers::config::{ProviderSettings, Secret};
use fake_crm::{CRM_TOKEN, FakeCrm, Mode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The identifier most scenarios look up (normalised; `0300 1112233` with region PK).
pub const PHONE: &str = "+923001112233";
pub const EMAIL: &str = "ayesha.crm@example.com";

const RESOLVE: &str = "query($identity: ChannelIdentityInput!) {
  resolveCustomer(identity: $identity) {
    status provider
    customer { id status displayName identities { channel value } externalRefs { system externalId } }
    matches { customer { id } reasons }
  }
}";

/// The provider settings of the tests: a generous budget (a loaded machine must not turn
/// an answer into a timeout), three failures open the circuit for two seconds (long enough
/// for the next resolves to find it open on a loaded machine).
pub fn crm_settings(url: &str) -> ProviderSettings {
    ProviderSettings {
        url: Some(url.to_owned()),
        token: Some(Secret::new(CRM_TOKEN)),
        call_timeout: Duration::from_secs(2),
        budget: Duration::from_secs(3),
        breaker_failures: 3,
        breaker_cooldown: Duration::from_secs(2),
    }
}

fn as_configured(_: &mut ProviderSettings) {}

/// A budget far below the CRM's delay, and a call timeout above it (so that only the
/// budget can cut the wait).
fn short_budget(s: &mut ProviderSettings) {
    s.budget = Duration::from_millis(300);
    s.call_timeout = Duration::from_secs(5);
}

/// Runs each scenario with a fake CRM on SQLite and on PostgreSQL, the app's provider
/// settings [`crm_settings`] changed by the given function.
macro_rules! with_a_crm {
    ($($name:ident => $tune:path),+ $(,)?) => {$(
        mod $name {
            use super::*;

            fn configure(url: &str) -> impl FnOnce(&mut customers::config::Settings) + '_ {
                move |s| {
                    s.provider = crm_settings(url);
                    let tune: fn(&mut ProviderSettings) = $tune;
                    tune(&mut s.provider);
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let mut crm = FakeCrm::start().await;
                let app = TestApp::sqlite_configured(configure(&crm.url.clone())).await;
                super::$name(&app, &mut crm).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let mut crm = FakeCrm::start().await;
                if let Some(app) = TestApp::postgres_configured(configure(&crm.url.clone())).await {
                    super::$name(&app, &mut crm).await;
                }
            }
        }
    )+};
}
pub(crate) use with_a_crm;

/// A CRM record in the contract's shape.
pub fn record(id: &str, name: &str, identities: Value) -> Value {
    json!({ "externalRef": { "system": "Acme-CRM", "id": id }, "displayName": name, "identities": identities })
}

/// Ayesha's record: her phone (verified, primary) and her e-mail.
pub fn ayesha(id: &str) -> Value {
    record(
        id,
        "Ayesha Khan",
        json!([
            { "channel": "PHONE", "value": PHONE, "verified": true, "primary": true },
            { "channel": "EMAIL", "value": EMAIL }
        ]),
    )
}

/// `resolveCustomer` with every scope; panics on errors.
pub async fn resolve(app: &TestApp, channel: &str, value: &str) -> Value {
    let body = app.attempt(RESOLVE, json!({ "identity": { "channel": channel, "value": value } })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["resolveCustomer"].clone()
}

/// The value of one `/metrics` series (`name{labels}`).
pub async fn metric(app: &TestApp, series: &str) -> u64 {
    let response = app.raw(axum::http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap()).await;
    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let prefix = format!("{series} ");
    let line = text.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no {prefix} in {text}"));
    line[prefix.len()..].parse().unwrap()
}

/// The `/metrics` count of one provider outcome.
pub async fn outcome_count(app: &TestApp, outcome: &str) -> u64 {
    metric(app, &format!("customers_profile_provider_total{{outcome=\"{outcome}\"}}")).await
}

/// Wait (up to ten seconds) until `rows` rows of `table` exist.
pub async fn until_rows(app: &TestApp, table: &str, rows: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.count_rows(table).await != rows {
        assert!(Instant::now() < deadline, "{table} never reached {rows} rows");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

with_a_crm!(
    the_crm_s_record_is_cached_as_a_linked_profile_that_answers_when_the_crm_is_down => as_configured,
    an_identifier_the_crm_does_not_know_resolves_locally => as_configured,
    a_slow_crm_is_left_at_the_budget_and_its_late_answer_is_still_cached => short_budget,
    a_failing_crm_opens_the_circuit_which_half_opens_after_the_cool_down => as_configured,
    eight_concurrent_first_contacts_cache_the_crm_s_record_once => as_configured,
);

async fn the_crm_s_record_is_cached_as_a_linked_profile_that_answers_when_the_crm_is_down(
    app: &TestApp,
    crm: &mut FakeCrm,
) {
    crm.put_record(ayesha("C-1001"));
    let first = resolve(app, "PHONE", "0300 1112233").await;
    assert_eq!((&first["status"], &first["provider"]), (&json!("RESOLVED"), &json!("OK")), "{first:#}");
    let customer = &first["customer"];
    assert_eq!(customer["status"], "ACTIVE");
    assert_eq!(customer["displayName"], "Ayesha Khan");
    assert_eq!(customer["externalRefs"], json!([{ "system": "acme-crm", "externalId": "C-1001" }]));
    let mut held: Vec<String> =
        customer["identities"].as_array().unwrap().iter().map(|i| i["value"].to_string()).collect();
    held.sort();
    assert_eq!(held, [format!("\"{PHONE}\""), format!("\"{EMAIL}\"")], "normalised like any write");
    let id = customer["id"].clone();
    assert_eq!(crm.requests(), 1);
    let events = app.count_rows("event_outbox").await;
    assert!(events > 0, "the cached profile was evented like any write");

    // Provider first: every resolve asks the CRM; an unchanged record is not written again.
    let second = resolve(app, "EMAIL", EMAIL).await;
    assert_eq!(
        (&second["status"], &second["provider"], &second["customer"]["id"]),
        (&json!("RESOLVED"), &json!("OK"), &id)
    );
    assert_eq!(crm.requests(), 2, "the second resolve reached the CRM too");
    assert_eq!(app.count_rows("event_outbox").await, events, "the same record: no write, no event");
    let syncs = app.count_rows("audit_log WHERE action IN ('customer.create', 'customer.sync')").await;
    assert_eq!(syncs, 1);

    // The CRM changes the record: the next resolve brings the change.
    let mut renamed = ayesha("C-1001");
    renamed["displayName"] = json!("Ayesha K. Siddiqui");
    crm.put_record(renamed);
    let third = resolve(app, "PHONE", PHONE).await;
    assert_eq!(third["customer"]["displayName"], "Ayesha K. Siddiqui");
    assert_eq!(third["customer"]["id"], id);
    assert_eq!(app.count_rows("audit_log WHERE action = 'customer.sync'").await, 1);

    // The CRM goes away (connections refused): the cached profile answers, and says so.
    crm.stop().await;
    let fourth = resolve(app, "PHONE", PHONE).await;
    assert_eq!(
        (&fourth["status"], &fourth["provider"], &fourth["customer"]["id"]),
        (&json!("RESOLVED"), &json!("FALLBACK_DOWN"), &id)
    );
    assert_eq!(app.count_rows("customers").await, 1);
    assert_eq!(outcome_count(app, "ok").await, 3);
    assert_eq!(outcome_count(app, "fallback_down").await, 1);
}

async fn an_identifier_the_crm_does_not_know_resolves_locally(app: &TestApp, crm: &mut FakeCrm) {
    crm.put_record(ayesha("C-1001"));
    let r = resolve(app, "EMAIL", "visitor@example.com").await;
    assert_eq!(
        (&r["status"], &r["provider"]),
        (&json!("CREATED_ANONYMOUS"), &json!("OK")),
        "the CRM's 404 is an answer"
    );
    assert_eq!(r["customer"]["externalRefs"], json!([]));
    assert_eq!(crm.requests(), 1);
}

async fn a_slow_crm_is_left_at_the_budget_and_its_late_answer_is_still_cached(app: &TestApp, crm: &mut FakeCrm) {
    crm.put_record(ayesha("C-1001"));
    crm.set_mode(Mode::Slow(Duration::from_secs(4)));
    let started = Instant::now();
    let r = resolve(app, "PHONE", PHONE).await;
    let took = started.elapsed();
    assert_eq!((&r["status"], &r["provider"]), (&json!("CREATED_ANONYMOUS"), &json!("FALLBACK_TIMEOUT")), "{r:#}");
    // The budget is 300 ms; the CRM answers after 4 s and the call may wait 5 s.
    assert!(took < Duration::from_millis(300 + 3000), "answered within the budget plus slack: {took:?}");

    // The call goes on without the resolve: the late answer is cached (the anonymous
    // profile made meanwhile stays), and the CRM's profile answers from then on.
    until_rows(app, "external_refs", 1).await;
    crm.set_mode(Mode::Answer);
    let again = resolve(app, "PHONE", PHONE).await;
    assert_eq!((&again["status"], &again["provider"]), (&json!("RESOLVED"), &json!("OK")));
    assert_eq!(again["customer"]["externalRefs"][0]["externalId"], "C-1001");
    assert_eq!(app.count_rows("customers").await, 2);
}

async fn a_failing_crm_opens_the_circuit_which_half_opens_after_the_cool_down(app: &TestApp, crm: &mut FakeCrm) {
    crm.put_record(ayesha("C-1001"));
    crm.set_mode(Mode::Fail);
    for n in 1..=3 {
        let r = resolve(app, "PHONE", PHONE).await;
        assert_eq!(r["provider"], "FALLBACK_DOWN", "failure {n}: a 500 is a fallback");
    }
    assert_eq!(crm.requests(), 3);
    for _ in 0..2 {
        let r = resolve(app, "PHONE", PHONE).await;
        assert_eq!((&r["status"], &r["provider"]), (&json!("RESOLVED"), &json!("CIRCUIT_OPEN")), "local data answers");
    }
    assert_eq!(crm.requests(), 3, "an open circuit does not call the CRM");
    assert_eq!(metric(app, "customers_profile_provider_circuit_open").await, 1);

    crm.set_mode(Mode::Answer);
    tokio::time::sleep(Duration::from_millis(2300)).await; // the cool-down is 2 s
    let trial = resolve(app, "PHONE", PHONE).await;
    assert_eq!((&trial["status"], &trial["provider"]), (&json!("RESOLVED"), &json!("OK")), "{trial:#}");
    assert_eq!(trial["customer"]["externalRefs"][0]["externalId"], "C-1001");
    assert_eq!(crm.requests(), 4, "one trial call after the cool-down");
    let closed = resolve(app, "PHONE", PHONE).await;
    assert_eq!(closed["provider"], "OK");
    assert_eq!(crm.requests(), 5, "the trial succeeded: the circuit is closed");
    assert_eq!(metric(app, "customers_profile_provider_circuit_open").await, 0);
    assert_eq!(outcome_count(app, "fallback_down").await, 3);
    assert_eq!(outcome_count(app, "circuit_open").await, 2);
    assert_eq!(outcome_count(app, "ok").await, 2);
}

async fn eight_concurrent_first_contacts_cache_the_crm_s_record_once(app: &TestApp, crm: &mut FakeCrm) {
    crm.put_record(ayesha("C-1001"));
    let variables = json!({ "identity": { "channel": "PHONE", "value": PHONE } });
    let bodies = app.concurrently(vec![(RESOLVE, variables); 8]).await;
    let ids: std::collections::HashSet<String> = bodies
        .iter()
        .map(|b| {
            let r = &b["data"]["resolveCustomer"];
            assert_eq!((&r["status"], &r["provider"]), (&json!("RESOLVED"), &json!("OK")), "{b:#}");
            r["customer"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "one profile for the record: {ids:?}");
    assert_eq!(app.count_rows("customers").await, 1);
    assert_eq!(app.count_rows("external_refs").await, 1);
    assert_eq!(app.count_rows("channel_identities").await, 2);
}

async fn without_a_provider_identification_is_local_and_still_one_statement(app: &TestApp) {
    app.create_customer(json!({ "identities": [{ "channel": "EMAIL", "value": "one@example.com" }] })).await;
    let before = app.statements();
    let body = app
        .as_scopes(
            CHANNEL_MANAGER,
            "{ resolveCustomer(identity: { channel: EMAIL, value: \"one@example.com\" }) { status provider customer { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["resolveCustomer"]["status"], "RESOLVED");
    assert_eq!(body["data"]["resolveCustomer"]["provider"], "LOCAL");
    assert_eq!(app.statements() - before, 1);
    assert_eq!(outcome_count(app, "local").await, 1);
}

on_both_databases!(without_a_provider_identification_is_local_and_still_one_statement);
