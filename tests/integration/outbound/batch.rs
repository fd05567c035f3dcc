//! Decisions at campaign size: the batch equals the per-customer decision, costs the same
//! statements for 10, 1,000 and 10,000 customers, and can be recorded as evidence.

use super::*;

/// A small deterministic generator (no dependency): the same "random" profiles every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn random_profile(rng: &mut Lcg, n: usize) -> Value {
    let numbers = ["+44740012", "+92300123", "+1212456", "+3361234"];
    let prefix = numbers[rng.next(numbers.len() as u64) as usize];
    let mut identities = vec![
        json!({ "channel": "PHONE", "value": format!("{prefix}{:04}", 1000 + n), "verified": rng.next(4) > 0, "primary": true, "shared": rng.next(8) == 0 }),
    ];
    if rng.next(2) == 0 {
        identities
            .push(json!({ "channel": "EMAIL", "value": format!("p{n}@example.com"), "verified": rng.next(3) > 0 }));
    }
    let statuses = ["OPT_IN", "OPT_OUT", "UNKNOWN"];
    let mut consents = vec![];
    for channel in ["SMS", "EMAIL", "PHONE"] {
        if rng.next(2) == 0 {
            consents.push(json!({ "channel": channel, "status": statuses[rng.next(3) as usize] }));
        }
    }
    let timezones = [Value::Null, json!("Europe/London"), json!("Asia/Karachi"), json!("America/Los_Angeles")];
    let windows = if rng.next(2) == 0 {
        json!([])
    } else {
        json!([{ "days": ["MONDAY", "TUESDAY", "SATURDAY"], "start": "09:00", "end": "18:00" }])
    };
    let channels = [Value::Null, json!("SMS"), json!("EMAIL"), json!("PHONE")];
    json!({
        "identities": identities,
        "preferences": {
            "timezone": timezones[rng.next(4) as usize],
            "preferredChannel": channels[rng.next(4) as usize],
            "bestTimeToContact": windows,
            "doNotContact": rng.next(10) == 0,
            "consents": consents,
        }
    })
}

async fn the_batch_decision_equals_the_per_customer_one_for_random_profiles(app: &TestApp) {
    let mut rng = Lcg(13);
    let mut ids = Vec::new();
    for n in 0..24 {
        let id = app.create_customer(random_profile(&mut rng, n)).await;
        if rng.next(3) == 0 {
            let purpose = ["marketing", "*", "collections"][rng.next(3) as usize];
            let status = ["OPT_IN", "OPT_OUT"][rng.next(2) as usize];
            app.admin(RECORD_CONSENT, json!({ "input": { "customerId": id, "channel": "PHONE", "purpose": purpose, "status": status, "givenAt": "2026-01-01T00:00:00Z" } })).await;
        }
        if rng.next(4) == 0 {
            let call = json!({ "kind": "ACTIVITY", "channel": "PHONE", "direction": "OUTBOUND", "startedAt": "2026-06-01T12:00:00Z" });
            app.admin(LINK_INTERACTION, json!({ "customerId": id, "interaction": call })).await;
        }
        ids.push(id);
    }
    ids.push("00000000-0000-7000-8000-000000000000".to_owned()); // no such customer
    let one = "query($id: ID!, $purpose: String, $at: DateTime) { customer(id: $id) { contactability(purpose: $purpose, at: $at) {
        customerId allowed reasons codes channel identity { id } nextWindowStart } } }";
    let mut allowed = 0;
    for purpose in ["marketing", "service", "collections"] {
        for at in ["2026-06-02T10:00:00Z", "2026-06-02T03:00:00Z", "2026-06-06T17:30:00Z"] {
            let batch = app.admin(CONTACTABILITY_OF, json!({ "ids": ids, "purpose": purpose, "at": at })).await;
            let batch = batch["contactabilityOf"].as_array().unwrap().clone();
            assert_eq!(batch.len(), ids.len());
            for (id, from_batch) in ids.iter().zip(&batch) {
                assert_eq!(from_batch["customerId"], json!(id));
                let single = app.admin(one, json!({ "id": id, "purpose": purpose, "at": at })).await;
                let single = &single["customer"]["contactability"];
                if single.is_null() {
                    assert!(has_code(from_batch, "UNKNOWN_CUSTOMER"), "{from_batch}");
                    continue;
                }
                let mut from_batch = from_batch.clone();
                from_batch.as_object_mut().unwrap().retain(|k, _| k != "evidenceId");
                from_batch["identity"] = from_batch["identity"].get("id").map_or(Value::Null, |i| json!({ "id": i }));
                assert_eq!(&from_batch, single, "{purpose} at {at}");
                allowed += usize::from(single["allowed"] == true);
            }
        }
    }
    assert!(allowed > 5, "the random profiles exercise allowed decisions too ({allowed})");
}

/// `n` profiles written straight into the store with its multi-row inserts (a few
/// statements per thousand): a UK mobile each, an email for every other one, preferences
/// with a timezone for every third. Returns their ids.
async fn seed_in_bulk(app: &TestApp, n: usize) -> Vec<String> {
    use customers::domain::Pii;
    use customers::domain::enums::LabelSource;
    use customers::domain::identity::IdentitySpec;
    use customers::domain::preference::Preferences;
    use customers::store::bulk::{NewProfile, insert_profiles};
    let spec = |channel, value: String| IdentitySpec {
        channel,
        provider: None,
        value: Pii::new(value),
        verified: true,
        primary: true,
        shared: false,
    };
    let profiles: Vec<NewProfile> = (0..n)
        .map(|i| {
            let mut identities = vec![spec(customers::domain::Channel::Phone, format!("+4474002{i:05}"))];
            if i % 2 == 0 {
                identities.push(spec(customers::domain::Channel::Email, format!("bulk{i}@example.com")));
            }
            let preferences =
                (i % 3 == 0).then(|| Preferences { timezone: Some("Europe/London".into()), ..Default::default() });
            NewProfile {
                id: customers::domain::id::CustomerId::generate(),
                display_name: None,
                identities,
                identity_ids: vec![],
                attributes: vec![],
                label_ids: vec![],
                preferences,
                external_refs: vec![],
            }
        })
        .collect();
    for chunk in profiles.chunks(2500) {
        insert_profiles(&app.store.db, &app.store.codec, chunk, "test", LabelSource::Manual).await.unwrap();
    }
    profiles.iter().map(|p| p.id.to_string()).collect()
}

async fn statements_are_the_same_for_10_1000_and_10000_customers(app: &TestApp) {
    let mut rng = Lcg(7);
    let mut ids = Vec::new();
    // Fifty full random profiles through the API (every kind of row the decision reads:
    // consents, consent records, windows, outbound attempts), the rest seeded in bulk.
    for n in 0..50 {
        ids.push(app.create_customer(random_profile(&mut rng, n)).await);
    }
    for id in ids.iter().step_by(5) {
        app.admin(
            RECORD_CONSENT,
            json!({ "input": { "customerId": id, "channel": "PHONE", "purpose": "marketing", "status": "OPT_IN" } }),
        )
        .await;
        let call = json!({ "kind": "ACTIVITY", "channel": "PHONE", "direction": "OUTBOUND", "startedAt": "2026-06-01T12:00:00Z" });
        app.admin(LINK_INTERACTION, json!({ "customerId": id, "interaction": call })).await;
    }
    ids.extend(seed_in_bulk(app, 10_000 - ids.len()).await);
    assert_eq!(ids.len(), 10_000);
    let mut counts = Vec::new();
    for n in [10, 1000, 10_000, 10] {
        let vars = json!({ "ids": &ids[..n], "purpose": "marketing", "at": TUESDAY });
        let before = app.statements();
        // Masked (no `pii:read`): nothing revealed, so no read audit in the count.
        let body = app.as_scopes("customers:read", CONTACTABILITY_OF, vars).await;
        counts.push(app.statements() - before);
        let decisions = body["data"]["contactabilityOf"].as_array().map(Vec::len);
        assert_eq!(decisions, Some(n), "{}", body["errors"]);
    }
    eprintln!("contactabilityOf statements for 10, 1,000, 10,000 and 10 customers: {counts:?}");
    assert_eq!(
        (counts[0], counts[1], counts[2]),
        (counts[3], counts[3], counts[3]),
        "10, 1,000, 10,000, 10: {counts:?}"
    );
    assert!(counts[2] <= 12, "a fixed handful of statements: {counts:?}");
}

async fn recorded_decisions_keep_codes_and_rule_versions(app: &TestApp) {
    let a = uk_customer(app).await;
    let b = app.create_customer(json!({ "preferences": { "doNotContact": true } })).await;
    let body = app
        .admin(CONTACTABILITY_OF, json!({ "ids": [a, b], "purpose": "service", "at": TUESDAY, "record": true }))
        .await;
    let decisions = body["contactabilityOf"].as_array().unwrap();
    let evidence_id = decisions[0]["evidenceId"].as_str().expect("recorded").to_owned();
    assert_eq!(decisions[1]["evidenceId"], json!(evidence_id));
    let evidence = customers::store::outbound::recorded(&app.store.db, &evidence_id).await.unwrap().expect("stored");
    assert_eq!((evidence.purpose.as_str(), evidence.principal.as_deref()), ("service", Some("agent-007")));
    assert_eq!(evidence.rules, app.services.rule_versions());
    assert_eq!(evidence.decisions.len(), 2);
    assert!(evidence.decisions[0].allowed);
    assert_eq!(evidence.decisions[1].codes, [customers::domain::contactability::ReasonCode::DoNotContact]);
    let not_recorded = app.admin(CONTACTABILITY_OF, json!({ "ids": [a], "purpose": "service", "at": TUESDAY })).await;
    assert!(not_recorded["contactabilityOf"][0]["evidenceId"].is_null());
}

/// Seeding a thousand profiles through the API is faster than the default rate limit.
fn unthrottled(s: &mut customers::config::Settings) {
    s.limits.rate_per_second = 1_000_000;
    s.limits.rate_burst = 1_000_000;
}

on_both_databases_with!(super::unthrottled =>
    the_batch_decision_equals_the_per_customer_one_for_random_profiles,
    statements_are_the_same_for_10_1000_and_10000_customers,
);
on_both_databases!(recorded_decisions_keep_codes_and_rule_versions);
