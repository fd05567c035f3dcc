//! Reading answers: error assertions and the small JSON shapes scenarios compare.

use chrono::{DateTime, FixedOffset};
use serde_json::{Value, json};

/// The codes of the errors in a response.
pub fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errs| errs.iter().filter_map(|e| e["extensions"]["code"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// The first error's `extensions.field`.
pub fn error_field(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["field"].as_str().map(String::from)
}

/// The body carries exactly one error, with this code, about this field.
#[track_caller]
pub fn assert_error(body: &Value, code: &str, field: &str) {
    assert_eq!(error_codes(body), [code], "expected one {code} error: {body:#}");
    assert_eq!(error_field(body).as_deref(), Some(field), "expected the error on `{field}`: {body:#}");
}

/// The `id` of an object.
#[track_caller]
pub fn id(object: &Value) -> String {
    object["id"].as_str().unwrap_or_else(|| panic!("no id in {object}")).to_owned()
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
        .map(|e| id(&e["node"]))
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

/// The input of an inbound WhatsApp conversation (change fields as a scenario needs).
pub fn conversation(conversation_id: &str, started_at: &str) -> Value {
    json!({ "conversationId": conversation_id, "kind": "CONVERSATION", "channel": "WHATSAPP",
        "direction": "INBOUND", "startedAt": started_at })
}
