//! Attribute keys as integrations write them (issue 12, item 3): either case, digits and
//! `_`, case kept, unique regardless of case; existing snake_case keys unchanged.

use crate::common::*;
use serde_json::json;

fn id_of(v: &serde_json::Value) -> String {
    id(v)
}

on_both_databases!(
    crm_shaped_keys_are_defined_as_written_and_used_in_values_and_filters,
    a_key_differing_only_in_case_is_a_conflict_on_the_key,
    malformed_keys_are_refused_on_the_key,
    a_key_in_another_case_names_the_defined_attribute_in_values_and_filters,
);

/// Keys are unique regardless of case, so a key given in another case names the one
/// defined: values are stored under the defined key, and filters and `attributes(keys:)`
/// find them.
async fn a_key_in_another_case_names_the_defined_attribute_in_values_and_filters(app: &TestApp) {
    app.define_attribute(json!({ "key": "renewalDate", "type": "STRING" })).await;
    app.define_attribute(json!({ "key": "Tier", "type": "STRING" })).await;
    let id =
        app.create_customer(json!({ "displayName": "Kai", "attributes": [{ "key": "TIER", "value": "gold" }] })).await;
    let other = app.create_customer(json!({ "displayName": "Lee" })).await;
    let set = app
        .admin(
            SET_ATTRIBUTES,
            json!({ "customerId": id, "attributes": [{ "key": "RENEWALDATE", "value": "2027-01-31" }] }),
        )
        .await;
    let mut stored: Vec<(String, String)> = set["setAttributes"]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["key"].as_str().unwrap().to_owned(), a["value"].as_str().unwrap().to_owned()))
        .collect();
    stored.sort();
    assert_eq!(stored, [("Tier".to_owned(), "gold".to_owned()), ("renewalDate".to_owned(), "2027-01-31".to_owned())]);
    let keys = app.customer(&id, r#"attributes(keys: ["renewaldate"]) { key }"#).await;
    assert_eq!(keys["attributes"], json!([{ "key": "renewalDate" }]));

    for key in ["renewaldate", "RenewalDate", "renewalDate"] {
        let filter = json!({ "filter": { "attribute": { "key": key, "value": "2027-01-31" } } });
        let listed = app.admin(CUSTOMERS, filter).await;
        let found: Vec<String> =
            listed["customers"]["edges"].as_array().unwrap().iter().map(|e| id_of(&e["node"])).collect();
        assert_eq!(found, std::slice::from_ref(&id), "{key}: {listed}");
    }
    // Both spellings in one call name the same attribute twice.
    let twice = json!([{ "key": "renewalDate", "value": "a" }, { "key": "RenewalDate", "value": "b" }]);
    let body = app.attempt(SET_ATTRIBUTES, json!({ "customerId": other, "attributes": twice })).await;
    assert_error(&body, "BAD_USER_INPUT", "attributes.1.key");
    let unknown = app
        .attempt(SET_ATTRIBUTES, json!({ "customerId": other, "attributes": [{ "key": "renewal", "value": "x" }] }))
        .await;
    assert_error(&unknown, "BAD_USER_INPUT", "attributes.0.key");
}

async fn crm_shaped_keys_are_defined_as_written_and_used_in_values_and_filters(app: &TestApp) {
    for key in ["renewalDate", "Renewal_Date__c", "shoe_size"] {
        let body = app.attempt(DEFINE_ATTRIBUTE, json!({ "input": { "key": key, "type": "STRING" } })).await;
        assert_eq!(body["data"]["defineAttribute"]["key"], key, "{body}");
    }
    let defined = app.admin(ATTRIBUTE_DEFINITIONS, json!({})).await.to_string();
    for key in ["renewalDate", "Renewal_Date__c", "shoe_size"] {
        assert!(defined.contains(&format!("\"{key}\"")), "{key} kept as written: {defined}");
    }
    let id = app.create_customer(json!({ "displayName": "Kai" })).await;
    let attributes =
        json!([{ "key": "Renewal_Date__c", "value": "2027-01-31" }, { "key": "renewalDate", "value": "soon" }]);
    let set = app.admin(SET_ATTRIBUTES, json!({ "customerId": id, "attributes": attributes })).await;
    let keys: Vec<&str> =
        set["setAttributes"]["attributes"].as_array().unwrap().iter().map(|a| a["key"].as_str().unwrap()).collect();
    assert!(keys.contains(&"Renewal_Date__c") && keys.contains(&"renewalDate"), "{set}");
    let filter = json!({ "filter": { "attribute": { "key": "Renewal_Date__c", "value": "2027-01-31" } } });
    let listed = app.admin(CUSTOMERS, filter).await;
    assert_eq!(listed["customers"]["edges"].as_array().unwrap().len(), 1, "{listed}");
    // Redefining a key as written is a change of that definition, not a conflict.
    let again = app
        .attempt(DEFINE_ATTRIBUTE, json!({ "input": { "key": "renewalDate", "type": "STRING", "label": "Renewal" } }))
        .await;
    assert!(again["errors"].is_null(), "{again}");
}

async fn a_key_differing_only_in_case_is_a_conflict_on_the_key(app: &TestApp) {
    app.define_attribute(json!({ "key": "renewalDate", "type": "STRING" })).await;
    for other in ["RenewalDate", "RENEWALDATE", "renewaldate"] {
        let body = app.attempt(DEFINE_ATTRIBUTE, json!({ "input": { "key": other, "type": "STRING" } })).await;
        assert_error(&body, "CONFLICT", "input.key");
    }
    let defined = app.admin(ATTRIBUTE_DEFINITIONS, json!({})).await;
    let keys: Vec<&str> =
        defined["attributeDefinitions"].as_array().unwrap().iter().map(|d| d["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["renewalDate"]);
}

async fn malformed_keys_are_refused_on_the_key(app: &TestApp) {
    for bad in ["9lives", "_private", "renewal-date", "renewal date", "tïer", &"k".repeat(65)] {
        let body = app.attempt(DEFINE_ATTRIBUTE, json!({ "input": { "key": bad, "type": "STRING" } })).await;
        assert_error(&body, "BAD_USER_INPUT", "input.key");
    }
}
