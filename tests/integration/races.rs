//! A lost race on every unique index: concurrent requests (each on its own task, started
//! together, several rounds so that the race really happens on PostgreSQL) that would write
//! the same unique key. The loser gets the designed answer — the existing row, or
//! `CONFLICT` naming its field — never `INTERNAL`, and one row is written.

use crate::common::*;
use serde_json::{Value, json};

const ROUNDS: usize = 8;

/// The answers without errors, after checking that every other one is a `CONFLICT` on
/// `field` (a lost race must never surface as `INTERNAL`).
#[track_caller]
fn winners_among_conflicts_on<'a>(answers: &'a [Value], field: &str) -> Vec<&'a Value> {
    let (won, lost): (Vec<&Value>, Vec<&Value>) = answers.iter().partition(|a| a.get("errors").is_none());
    for answer in lost {
        assert_error(answer, "CONFLICT", field);
    }
    won
}

/// The same request `n` times.
fn times(n: usize, query: &'static str, variables: Value) -> Vec<(&'static str, Value)> {
    vec![(query, variables); n]
}

/// `ux_identities_customer_lookup`: one identifier once per customer.
async fn two_concurrent_adds_of_one_identifier_to_a_customer_keep_one_and_refuse_the_other(app: &TestApp) {
    for round in 0..ROUNDS {
        let customer = app.create_customer(json!({})).await;
        let identity = json!({ "channel": "EMAIL", "value": format!("race-{round}@example.com") });
        let variables = json!({ "customerId": customer, "identity": identity });

        let answers = app.concurrently(times(2, ADD_CHANNEL_IDENTITY, variables)).await;

        assert_eq!(winners_among_conflicts_on(&answers, "identity.value").len(), 1, "round {round}: {answers:#?}");
        let identities = app.customer(&customer, "identities { value }").await["identities"].clone();
        assert_eq!(identities, json!([{ "value": format!("race-{round}@example.com") }]), "round {round}");
    }
    assert_eq!(app.count_rows("channel_identities").await, ROUNDS as i64);
}

/// `ux_labels_name_key`: label names are unique whatever their case.
async fn concurrent_creations_of_one_label_name_make_one_label_and_refuse_the_others(app: &TestApp) {
    for round in 0..ROUNDS {
        let names = [format!("Callback {round}"), format!("CALLBACK {round}"), format!("callback {round}")];
        let requests = (0..6).map(|i| (CREATE_LABEL, json!({ "input": { "name": names[i % 3] } }))).collect();

        let answers = app.concurrently(requests).await;

        assert_eq!(winners_among_conflicts_on(&answers, "input.name").len(), 1, "round {round}: {answers:#?}");
        assert_eq!(app.count_rows("labels").await, round as i64 + 1, "round {round}");
    }
}

/// `ux_interactions_conversation`, retried: linking is idempotent for the same customer.
async fn concurrent_links_of_one_conversation_to_one_customer_all_answer_the_same_link(app: &TestApp) {
    let customer = app.create_customer(json!({})).await;
    for round in 0..ROUNDS {
        let interaction = conversation(&format!("conv-retry-{round}"), "2026-03-01T10:00:00Z");
        let variables = json!({ "customerId": customer, "interaction": interaction });

        let answers = app.concurrently(times(6, LINK_INTERACTION, variables)).await;

        let ids: Vec<&Value> = answers.iter().map(|a| &a["data"]["linkInteraction"]["id"]).collect();
        assert!(answers.iter().all(|a| a.get("errors").is_none()), "round {round}: {answers:#?}");
        assert!(ids.iter().all(|id| *id == ids[0]), "round {round}: one link for all: {ids:?}");
    }
    assert_eq!(app.count_rows("interactions").await, ROUNDS as i64);
}

/// `ux_interactions_conversation`, contested: a conversation belongs to one customer.
async fn concurrent_links_of_one_conversation_to_twelve_customers_link_it_once(app: &TestApp) {
    let mut customers = Vec::new();
    for _ in 0..12 {
        customers.push(app.create_customer(json!({})).await);
    }
    for round in 0..ROUNDS {
        let interaction = conversation(&format!("conv-contested-{round}"), "2026-03-01T10:00:00Z");
        let requests = customers
            .iter()
            .map(|c| (LINK_INTERACTION, json!({ "customerId": c, "interaction": interaction })))
            .collect();

        let answers = app.concurrently(requests).await;

        let won = winners_among_conflicts_on(&answers, "interaction.conversationId");
        assert_eq!(won.len(), 1, "round {round}: {answers:#?}");
        let owner = &won[0]["data"]["linkInteraction"]["customer"]["id"];
        let history = app.history(owner.as_str().expect("the owner"), None).await;
        assert!(history.contains(&id(&won[0]["data"]["linkInteraction"])), "round {round}");
    }
    assert_eq!(app.count_rows("interactions").await, ROUNDS as i64);
}

/// `ux_external_refs_system_id` through the upsert: every sync answers the one profile.
async fn concurrent_syncs_of_a_new_crm_record_create_one_profile(app: &TestApp) {
    for round in 0..ROUNDS {
        let reference = json!({ "system": "Salesforce", "externalId": format!("003RACE{round}") });
        let requests = (0..6)
            .map(|n| {
                let input = json!({ "displayName": format!("Racer {n}") });
                (UPSERT_CUSTOMER_BY_EXTERNAL_REF, json!({ "ref": reference, "input": input }))
            })
            .collect();

        let answers = app.concurrently(requests).await;

        assert!(answers.iter().all(|a| a.get("errors").is_none()), "round {round}: {answers:#?}");
        let ids: std::collections::BTreeSet<String> =
            answers.iter().map(|a| id(&a["data"]["upsertCustomerByExternalRef"])).collect();
        assert_eq!(ids.len(), 1, "round {round}: {answers:#?}");
    }
    assert_eq!(app.count_rows("customers").await, ROUNDS as i64);
    assert_eq!(app.count_rows("external_refs").await, ROUNDS as i64);
}

/// `ux_external_refs_system_id` through creation: a CRM record is linked to one profile.
async fn concurrent_creations_with_one_crm_record_create_one_profile_and_refuse_the_others(app: &TestApp) {
    for round in 0..ROUNDS {
        let refs = json!([{ "system": "Salesforce", "externalId": format!("003NEW{round}") }]);
        let answers = app.concurrently(times(6, CREATE_CUSTOMER, json!({ "input": { "externalRefs": refs } }))).await;

        let won = winners_among_conflicts_on(&answers, "input.externalRefs.0");
        assert_eq!(won.len(), 1, "round {round}: {answers:#?}");
        assert_eq!(app.count_rows("customers").await, round as i64 + 1, "round {round}: no half-made profile");
    }
    assert_eq!(app.count_rows("external_refs").await, ROUNDS as i64);
}

/// `ux_identities_anonymous_key`: Channel Manager calls `resolveCustomer` for every inbound
/// interaction, often twice at once for the same new visitor; they end up on one profile.
async fn concurrent_resolves_of_a_new_identifier_create_one_profile(app: &TestApp) {
    for round in 0..ROUNDS {
        let identity = json!({ "channel": "WEB", "value": format!("widget-visitor-{round}") });
        let answers = app.concurrently(times(8, RESOLVE_CUSTOMER, json!({ "identity": identity }))).await;

        assert!(answers.iter().all(|a| a.get("errors").is_none()), "round {round}: {answers:#?}");
        let resolutions: Vec<&Value> = answers.iter().map(|a| &a["data"]["resolveCustomer"]).collect();
        let ids: std::collections::BTreeSet<String> = resolutions.iter().map(|r| id(&r["customer"])).collect();
        assert_eq!(ids.len(), 1, "round {round}: {resolutions:#?}");
        let created = resolutions.iter().filter(|r| r["status"] == "CREATED_ANONYMOUS").count();
        assert_eq!(created, 1, "round {round}: exactly one call created it, the others found it");
    }
    assert_eq!(app.count_rows("customers").await, ROUNDS as i64);
    assert_eq!(app.count_rows("channel_identities").await, ROUNDS as i64);
}

on_both_databases!(
    two_concurrent_adds_of_one_identifier_to_a_customer_keep_one_and_refuse_the_other,
    concurrent_creations_of_one_label_name_make_one_label_and_refuse_the_others,
    concurrent_links_of_one_conversation_to_one_customer_all_answer_the_same_link,
    concurrent_links_of_one_conversation_to_twelve_customers_link_it_once,
    concurrent_syncs_of_a_new_crm_record_create_one_profile,
    concurrent_creations_with_one_crm_record_create_one_profile_and_refuse_the_others,
    concurrent_resolves_of_a_new_identifier_create_one_profile,
);

/// Replicas of a new deployment start together on an empty PostgreSQL database and an
/// empty key store: each migrates (or finds it done), creates the key store's tables (or
/// finds them), writes the master key's probe (or checks it), and starts; none fails on what
/// another created a moment before. Several rounds, so the race really happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_on_an_empty_postgres_database_all_start() {
    for _round in 0..3 {
        let Some(database) = TestDatabase::empty_postgres().await else { return };
        let starts = (0..4).map(|_| {
            let mut settings = settings(database.url(), database.data_dir());
            settings.keystore_url = Some(database.keystore_url());
            tokio::spawn(async move { customers::startup::state(&settings).await.map(|_| ()) })
        });
        for started in futures_util::future::join_all(starts).await {
            started.expect("the start did not panic").expect("every replica starts");
        }
        let mut settings = settings(database.url(), database.data_dir());
        settings.keystore_url = Some(database.keystore_url());
        let state = customers::startup::state(&settings).await.expect("a later start");
        let token = token_for("ops", ALL_SCOPES);
        let request = graphql_request(Some(&token), "{ customers(first: 1) { totalCount } }", &json!({}));
        let (status, body) = call(customers::app(state), request).await;
        assert_eq!((status.as_u16(), &body["data"]["customers"]["totalCount"]), (200, &json!(0)), "{body}");
    }
}
