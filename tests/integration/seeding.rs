//! The benchmarks' seeder (`Services::seed_profiles`: the bulk insert, then the batch's
//! search tokens, audit entries and events): a profile it writes reads back exactly as one
//! created through `createCustomer` from the same input, with the same rows in every table.

use crate::common::*;
use customers::domain::audit::Actor;
use customers::graphql::inputs::CreateCustomerInput;
use customers::store::entity::search_token;
use customers::store::search;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};

on_both_databases!(a_seeded_profile_reads_back_and_is_stored_as_one_created_through_the_service);

/// The subject of the tokens `TestApp::admin` sends (label assignments record it).
const ADMIN_SUBJECT: &str = "agent-007";

const SEARCH_CUSTOMERS: &str = include_str!("../operations/search_customers.graphql");

const READ: &str = "displayName status version identities { channel provider value verified primary shared } \
    labels { name } labelAssignments { label { name } source assignedBy } attributes { key value } \
    preferences { language timezone preferredChannel doNotContact consents { channel status source } } \
    externalRefs { system externalId }";

/// Every table a new profile writes to.
const TABLES: [&str; 11] = [
    "customers",
    "channel_identities",
    "customer_labels",
    "preferences",
    "customer_attributes",
    "external_refs",
    "customer_search_tokens",
    "consent_records",
    "audit_log",
    "audit_pending",
    "event_outbox",
];

fn input(n: usize) -> Value {
    json!({
        "displayName": format!("Seeded Person{n}"),
        "identities": [
            { "channel": "PHONE", "value": format!("+92 300 123{n:04}"), "primary": true, "verified": true },
            { "channel": "EMAIL", "value": format!("Person{n}@Example.com"), "primary": true },
            { "channel": "WHATSAPP", "value": format!("+92 300 123{n:04}") }
        ],
        "attributes": [
            { "key": "tier", "value": "gold" },
            { "key": "account_number", "value": format!("ACC-{n:04}") }
        ],
        "labelIds": [],
        "preferences": {
            "language": "en-GB",
            "timezone": "Asia/Karachi",
            "preferredChannel": "PHONE",
            "consents": [{ "channel": "SMS", "status": "OPT_IN" }, { "channel": "EMAIL", "status": "OPT_OUT" }]
        },
        "externalRefs": [{ "system": "crm", "externalId": format!("C-{n}") }]
    })
}

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push(app.count_rows(table).await);
    }
    out
}

/// The same read with the profile's own number made generic.
fn generic(read: &Value, n: usize) -> String {
    read.to_string()
        .replace(&format!("{n:04}"), "NNNN")
        .replace(&format!("erson{n}"), "ersonN")
        .replace(&format!("C-{n}"), "C-N")
}

async fn a_seeded_profile_reads_back_and_is_stored_as_one_created_through_the_service(app: &TestApp) {
    app.define_attribute(json!({ "key": "tier", "type": "ENUM", "enumValues": ["gold", "silver"] })).await;
    app.define_attribute(json!({ "key": "account_number", "type": "STRING", "pii": true, "searchable": true })).await;
    let vip = app.create_label("VIP").await;
    let bench = app.create_label("Bench").await;
    let with_labels = |n| {
        let mut v = input(n);
        v["labelIds"] = json!([vip, bench]);
        v
    };

    let before = counts(app).await;
    let created = app.create_customer(with_labels(1)).await;
    let after_one = counts(app).await;
    let value = async_graphql::Value::from_json(with_labels(2)).unwrap();
    let parsed = <CreateCustomerInput as async_graphql::InputType>::parse(Some(value)).unwrap();
    let profile = parsed.parse("input", &app.services.normalize).unwrap();
    let ids = app.services.seed_profiles(&Actor::system(ADMIN_SUBJECT), &[profile]).await.unwrap();
    let after_two = counts(app).await;

    let delta = |a: &[i64], b: &[i64]| -> Vec<(&str, i64)> {
        TABLES.into_iter().zip(b.iter().zip(a).map(|(b, a)| b - a)).collect()
    };
    assert_eq!(delta(&after_one, &after_two), delta(&before, &after_one), "the same rows in every table");
    let (service, seeded) = (app.customer(&created, READ).await, app.customer(ids[0].as_str(), READ).await);
    assert_eq!(generic(&seeded, 2), generic(&service, 1), "reads back the same");
    assert_eq!(seeded["identities"].as_array().map(Vec::len), Some(3), "{seeded}");

    let tokens = |id: String| format!("customer_search_tokens WHERE customer_id = '{id}'");
    assert_eq!(app.count_rows(&tokens(ids[0].to_string())).await, app.count_rows(&tokens(created.clone())).await);
    for (text, want) in [("Seeded Person2", ids[0].to_string()), ("ACC-0002", ids[0].to_string()), ("1230001", created)]
    {
        let found = app.admin(SEARCH_CUSTOMERS, json!({ "text": text })).await;
        let first = &found["searchCustomers"]["edges"][0]["node"]["id"];
        assert_eq!(first.as_str(), Some(want.as_str()), "{text}: {found}");
    }
    // The tokens written from memory are those a rebuild from the stored rows writes.
    let stored = || async {
        let rows = search_token::Entity::find()
            .filter(search_token::Column::CustomerId.eq(ids[0].as_str()))
            .all(&app.store.db)
            .await
            .unwrap();
        let mut rows: Vec<(i64, String)> = rows.into_iter().map(|r| (r.token, r.kind)).collect();
        rows.sort();
        rows
    };
    let seeded_tokens = stored().await;
    search::rebuild(&app.store.db, &app.store.codec, &ids).await.unwrap();
    assert_eq!(stored().await, seeded_tokens);
    assert!(seeded_tokens.len() > 20, "{}", seeded_tokens.len());
    let audit = format!("SELECT action FROM audit_log WHERE customer_id = '{}'", ids[0]);
    assert_eq!(app.sql_strings(&audit, &["action"]).await, Some(vec!["customer.create".to_owned()]));
}
