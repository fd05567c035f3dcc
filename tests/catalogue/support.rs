//! Helpers shared by the catalogue tests: error assertions, reading a customer back,
//! and direct SQL reads that prove what was (or was not) stored.
#![allow(dead_code)]

use crate::common::*;
use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait as _, Statement};
use serde_json::{Value, json};

/// Run a request with every scope and return the whole body (data and errors).
pub async fn attempt(app: &TestApp, query: &str, variables: Value) -> Value {
    app.as_scopes(ALL_SCOPES, query, variables).await
}

/// The body carries exactly one error, with this code, about this field.
#[track_caller]
pub fn assert_error(body: &Value, code: &str, field: &str) {
    assert_eq!(error_codes(body), [code], "expected one {code} error: {body:#}");
    assert_eq!(error_field(body).as_deref(), Some(field), "expected the error on `{field}`: {body:#}");
}

/// Read one customer with the given selection (every scope).
pub async fn customer(app: &TestApp, id: &str, selection: &str) -> Value {
    let query = format!("query($id: ID!) {{ customer(id: $id) {{ {selection} }} }}");
    let data = app.admin(&query, json!({ "id": id })).await;
    assert!(!data["customer"].is_null(), "customer {id} not found");
    data["customer"].clone()
}

pub async fn version(app: &TestApp, id: &str) -> i64 {
    customer(app, id, "version").await["version"].as_i64().expect("version")
}

/// The names of a customer's labels, in the order the API returns them.
pub async fn label_names(app: &TestApp, id: &str) -> Vec<String> {
    strings(&customer(app, id, "labels { name }").await["labels"], "name")
}

/// One string field of every object of a JSON array.
pub fn strings(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|item| item[field].as_str().unwrap_or_else(|| panic!("no string `{field}` in {item}")).to_owned())
        .collect()
}

/// The ids of the nodes of a connection.
pub fn node_ids(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection}"))
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("node id").to_owned())
        .collect()
}

/// A well-formed id that names nothing.
pub fn missing_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn instant(value: &Value) -> DateTime<FixedOffset> {
    let text = value.as_str().unwrap_or_else(|| panic!("not a date-time: {value}"));
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text:?} is not RFC 3339: {e}"))
}

/// The text columns of the first row a query returns, straight from the database.
pub async fn sql_strings(app: &TestApp, sql: &str, columns: &[&str]) -> Option<Vec<String>> {
    let row =
        app.store.db.query_one_raw(Statement::from_string(app.store.backend(), sql.to_owned())).await.expect(sql)?;
    Some(columns.iter().map(|c| row.try_get::<String>("", c).unwrap_or_else(|e| panic!("{c}: {e}"))).collect())
}
