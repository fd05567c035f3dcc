//! GraphQL over HTTP as the spec has it (npm graphql-http's audit runs against the real
//! binary in `graphql_http`): the response type negotiated on `Accept`, 400 without `data`
//! for a request that fails before execution, 415 for a body that is not JSON, GET for
//! queries only; every error with an `extensions.code`, no message that repeats a value;
//! and response objects in the order of the selection.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";
const PII: [&str; 2] = ["+923001234567", "jane@example.com"];

/// A whole answer: status, the headers that matter here, and the body as sent.
struct Answer {
    status: StatusCode,
    content_type: String,
    allow: Option<String>,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The answer to a request that failed before execution: `errors` with these codes, no `data`.
    #[track_caller]
    fn is_request_error(&self, codes: &[&str]) {
        let body = self.json();
        assert!(body.get("data").is_none(), "a request error has no data: {}", self.text);
        assert_eq!(error_codes(&body), codes, "{}", self.text);
    }

    #[track_caller]
    fn has_no_pii(&self) {
        for pii in PII {
            assert!(!self.text.contains(pii), "{pii:?} is repeated in the answer: {}", self.text);
        }
    }
}

async fn exchange(app: &TestApp, req: Request<Body>) -> Answer {
    let resp = app.raw(req).await;
    let header = |name| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (status, content_type, allow) = (resp.status(), header("content-type").unwrap_or_default(), header("allow"));
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    Answer { status, content_type, allow, text: String::from_utf8(bytes.to_vec()).expect("UTF-8") }
}

/// A POST with the given `Accept` and `Content-Type` (each left out when `None`).
fn post(accept: Option<&str>, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut req = Request::post("/graphql");
    if let Some(accept) = accept {
        req = req.header("accept", accept);
    }
    if let Some(content_type) = content_type {
        req = req.header("content-type", content_type);
    }
    req.body(body.into()).expect("request")
}

/// A JSON POST of `request` (`query`, `variables`, …) accepting `accept`.
fn post_json(accept: &str, request: Value) -> Request<Body> {
    post(Some(accept), Some(JSON), request.to_string())
}

/// The same, with a bearer token for every scope.
fn post_as_admin(app: &TestApp, accept: &str, request: Value) -> Request<Body> {
    let mut req = post_json(accept, request);
    let token = format!("Bearer {}", app.token(ALL_SCOPES)).parse().expect("a header value");
    req.headers_mut().insert("authorization", token);
    req
}

fn get(params: &[(&str, &str)], accept: Option<&str>) -> Request<Body> {
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect();
    let mut req = Request::get(format!("/graphql?{}", query.join("&")));
    if let Some(accept) = accept {
        req = req.header("accept", accept);
    }
    req.body(Body::empty()).expect("request")
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const TYPENAME: &str = "{ __typename }";

#[tokio::test]
async fn the_response_type_follows_accept() {
    let app = TestApp::sqlite().await;
    let cases = [
        (Some(JSON), JSON),
        (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE),
        (Some("application/graphql-response+json, application/json"), GRAPHQL_RESPONSE),
        (Some("application/json;q=0.9, application/graphql-response+json"), GRAPHQL_RESPONSE),
        (Some("application/graphql-response+json;q=0.5, application/json"), JSON),
        (Some("application/graphql-response+json, */*"), GRAPHQL_RESPONSE),
        (Some("*/*"), JSON),
        (Some("application/*"), JSON),
        (None, JSON),
    ];
    for (accept, expected) in cases {
        let answer = exchange(&app, post(accept, Some(JSON), json!({ "query": TYPENAME }).to_string())).await;
        assert_eq!(answer.status, StatusCode::OK, "{accept:?}: {}", answer.text);
        let essence = answer.content_type.split(';').next().unwrap_or_default();
        assert_eq!(essence, expected, "Accept: {accept:?}");
        assert!(answer.content_type.contains("charset=utf-8"), "{}", answer.content_type);
        assert_eq!(answer.json(), json!({ "data": { "__typename": "Query" } }));
    }
}

#[tokio::test]
async fn a_client_that_accepts_neither_json_type_gets_406() {
    let app = TestApp::sqlite().await;
    for accept in ["text/html", "application/xml", "application/json;q=0"] {
        let answer = exchange(&app, post(Some(accept), Some(JSON), json!({ "query": TYPENAME }).to_string())).await;
        assert_eq!(answer.status, StatusCode::NOT_ACCEPTABLE, "Accept: {accept}");
        answer.is_request_error(&["BAD_REQUEST"]);
    }
}

#[tokio::test]
async fn request_errors_are_400_without_data_for_graphql_response_json_and_200_for_json() {
    let app = TestApp::sqlite().await;
    let cases = [
        (json!({ "query": "{" }), "GRAPHQL_PARSE_FAILED"),
        (json!({ "query": "{ noSuchField }" }), "GRAPHQL_VALIDATION_FAILED"),
        (
            json!({ "query": "query Q($id: ID!) { __typename }", "variables": { "id": null } }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "query($n: Int) { customers(first: $n) { totalCount } }", "variables": { "n": "x" } }),
            "BAD_USER_INPUT",
        ),
        (json!({ "query": "query($id: ID!) { customer(id: $id) { id } }" }), "BAD_USER_INPUT"),
        (
            json!({ "query": "query($id: ID!) { customer(id: $id) { id } }", "variables": { "id": null } }),
            "BAD_USER_INPUT",
        ),
        (json!({ "query": "query A { __typename } query B { __typename }" }), "OPERATION_RESOLUTION_FAILURE"),
        (json!({ "query": TYPENAME, "operationName": "Nope" }), "OPERATION_RESOLUTION_FAILURE"),
    ];
    for (request, code) in cases {
        let strict = exchange(&app, post_json(GRAPHQL_RESPONSE, request.clone())).await;
        assert_eq!(strict.status, StatusCode::BAD_REQUEST, "{request}: {}", strict.text);
        strict.is_request_error(&[code]);
        let legacy = exchange(&app, post_json(JSON, request.clone())).await;
        assert_eq!(legacy.status, StatusCode::OK, "{request}: {}", legacy.text);
        legacy.is_request_error(&[code]);
    }
}

#[tokio::test]
async fn a_field_error_is_200_with_data() {
    let app = TestApp::sqlite().await;
    // Executed: the guard refuses the field, `data` is there (null), with the error's code.
    let answer = exchange(&app, post_json(GRAPHQL_RESPONSE, json!({ "query": "{ labels { id } }" }))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let body = answer.json();
    assert!(body.get("data").is_some(), "{}", answer.text);
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn a_post_without_json_is_415_and_a_malformed_one_400() {
    let app = TestApp::sqlite().await;
    let body = || json!({ "query": TYPENAME }).to_string();
    for content_type in
        [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/json; charset=latin1")]
    {
        let answer = exchange(&app, post(Some(GRAPHQL_RESPONSE), content_type, body())).await;
        assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type:?}");
        answer.is_request_error(&["BAD_REQUEST"]);
    }
    let multipart = "multipart/form-data; boundary=x";
    let upload = "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{}\r\n--x--\r\n";
    assert_eq!(exchange(&app, post(None, Some(multipart), upload)).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let utf8 = exchange(&app, post(None, Some("application/json; charset=UTF-8"), body())).await;
    assert_eq!(utf8.status, StatusCode::OK, "{}", utf8.text);

    for malformed in ["", "{ \"not JSON", "[]", "{\"notquery\": \"{ __typename }\"}", "{\"query\": 1}"] {
        let answer = exchange(&app, post(Some(GRAPHQL_RESPONSE), Some(JSON), malformed)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{malformed:?}: {}", answer.text);
        answer.is_request_error(&["BAD_REQUEST"]);
    }
    // serde's own message would quote the value (`invalid type: string "…"`).
    let answer = exchange(&app, post_json(JSON, json!({ "query": TYPENAME, "variables": PII[1] }))).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    answer.has_no_pii();
}

#[tokio::test]
async fn a_query_can_be_sent_with_get() {
    let app = TestApp::sqlite().await;
    let query = "query Type($name: String!) { __type(name: $name) { name } }";
    let params = [("query", query), ("variables", r#"{"name":"Customer"}"#), ("operationName", "Type")];
    let answer = exchange(&app, get(&params, Some(GRAPHQL_RESPONSE))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.content_type.starts_with(GRAPHQL_RESPONSE));
    assert_eq!(answer.json(), json!({ "data": { "__type": { "name": "Customer" } } }));

    let answer = exchange(&app, get(&[("query", "{")], Some(GRAPHQL_RESPONSE))).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    answer.is_request_error(&["GRAPHQL_PARSE_FAILED"]);
    let answer = exchange(&app, get(&[("query", TYPENAME), ("variables", "[1]")], None)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    answer.is_request_error(&["BAD_REQUEST"]);
}

/// A GET without `query` is a person at the URL, unless the client asked for JSON.
#[tokio::test]
async fn a_get_without_a_query_gets_graphiql_unless_json_is_preferred() {
    let app = TestApp::sqlite().await;
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    for accept in [Some(browser), None, Some("*/*")] {
        let page = exchange(&app, get(&[], accept)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.content_type.starts_with("text/html"), "{accept:?}: {}", page.content_type);
    }
    // A browser that sends a query gets its answer, as JSON.
    let answer = exchange(&app, get(&[("query", TYPENAME)], Some(browser))).await;
    assert!(answer.content_type.starts_with(JSON), "{}", answer.content_type);
    for accept in [JSON, GRAPHQL_RESPONSE, "application/json, */*;q=0.5"] {
        let answer = exchange(&app, get(&[], Some(accept))).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{accept:?}: {}", answer.text);
        answer.is_request_error(&["BAD_REQUEST"]);
    }
}

async fn a_mutation_over_get_is_405_and_changes_nothing(app: &TestApp) {
    let labels = app.count_rows("labels").await;
    let mutation = r##"mutation { createLabel(input: { name: "via GET", color: "#aa0000" }) { id } }"##;
    let mut req = get(&[("query", mutation)], Some(GRAPHQL_RESPONSE));
    let token = format!("Bearer {}", app.token(ALL_SCOPES)).parse().expect("a header value");
    req.headers_mut().insert("authorization", token);
    let answer = exchange(app, req).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{}", answer.text);
    assert_eq!(answer.allow.as_deref(), Some("POST"));
    answer.is_request_error(&["BAD_REQUEST"]);
    assert_eq!(app.count_rows("labels").await, labels, "nothing was written");
    // The same document with a query selected by name is fine.
    let both = format!("{} query Q {{ __typename }}", mutation.replacen("mutation", "mutation M", 1));
    let answer = exchange(app, get(&[("query", &both), ("operationName", "Q")], None)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

#[tokio::test]
async fn an_invalid_token_is_401_unauthenticated() {
    let app = TestApp::sqlite().await;
    let mut req = post_json(GRAPHQL_RESPONSE, json!({ "query": TYPENAME }));
    req.headers_mut().insert("authorization", "Bearer not-a-token".parse().expect("a header value"));
    let answer = exchange(&app, req).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.content_type.starts_with(GRAPHQL_RESPONSE));
    answer.is_request_error(&["UNAUTHENTICATED"]);
}

/// Apollo Client's persisted-query link sends a hash alone first, then falls back to the
/// full query when told `PERSISTED_QUERY_NOT_SUPPORTED`.
#[tokio::test]
async fn a_persisted_query_is_answered_as_not_supported() {
    let app = TestApp::sqlite().await;
    let hash = "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38";
    let apq = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    for request in [json!({ "extensions": apq }), json!({ "query": TYPENAME, "extensions": apq })] {
        let answer = exchange(&app, post_json(GRAPHQL_RESPONSE, request)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        answer.is_request_error(&["PERSISTED_QUERY_NOT_SUPPORTED"]);
    }
    let extensions = apq.to_string();
    let answer = exchange(&app, get(&[("extensions", &extensions)], Some(GRAPHQL_RESPONSE))).await;
    answer.is_request_error(&["PERSISTED_QUERY_NOT_SUPPORTED"]);
}

async fn every_error_has_a_code_and_domain_codes_are_kept(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let assign = "mutation($c: ID!) { assignLabels(customerId: $c, labelIds: []) { id } }";
    let many_keys =
        format!("{{ customer(id: \"{id}\") {{ attributes(keys: [{}]) {{ key }} }} }}", "\"k\",".repeat(101));
    let cases = [
        (ALL_SCOPES, json!({ "query": assign, "variables": { "c": missing_id() } }), "NOT_FOUND"),
        ("customers:read", json!({ "query": assign, "variables": { "c": id } }), "FORBIDDEN"),
        (ALL_SCOPES, json!({ "query": many_keys }), "BAD_USER_INPUT"),
        (ALL_SCOPES, json!({ "query": format!("{{ {} }}", "__typename ".repeat(6_000)) }), "LIMIT_EXCEEDED"),
        (ALL_SCOPES, json!({ "query": "{ customer { id } }" }), "GRAPHQL_VALIDATION_FAILED"),
        (ALL_SCOPES, json!({ "query": "{ customer(id: 1.5) { id } }" }), "BAD_USER_INPUT"),
    ];
    for (scopes, request, code) in cases {
        let mut req = post_json(GRAPHQL_RESPONSE, request.clone());
        let token = format!("Bearer {}", app.token(scopes)).parse().expect("a header value");
        req.headers_mut().insert("authorization", token);
        let answer = exchange(app, req).await;
        let body = answer.json();
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        assert!(!errors.is_empty() && errors.iter().all(|e| e["extensions"]["code"].is_string()), "{}", answer.text);
        assert_eq!(error_codes(&body)[0], code, "{request}: {}", answer.text);
    }
}

/// Values that look like PII, where an Int or an enum is expected, inline and as variables,
/// in arguments and in input objects: the answer names the argument and type, never the value.
async fn a_value_that_does_not_coerce_is_never_repeated(app: &TestApp) {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let inline = |query: String| json!({ "query": query });
    let first = |n: &str| {
        let query = "query($n: Int) { customers(first: $n) { totalCount } }";
        json!({ "query": query, "variables": { "n": n } })
    };
    let filter = |f: Value| {
        let query = "query($f: CustomerFilter) { customers(filter: $f) { totalCount } }";
        json!({ "query": query, "variables": { "f": f } })
    };
    // `field` of the customer, reading `$v: ty`.
    let of_customer = |ty: &str, field: &str, v: &str| {
        let query = format!("query($id: ID!, $v: {ty}) {{ customer(id: $id) {{ {field} }} }}");
        json!({ "query": query, "variables": { "id": id, "v": v } })
    };
    let history =
        |channel: &str| format!("{{ customer(id: \"{id}\") {{ interactions(channel: {channel}) {{ __typename }} }} }}");
    let mut requests = Vec::new();
    for pii in PII {
        let quoted = serde_json::to_string(pii).expect("JSON");
        requests.extend([
            inline(format!("{{ customers(first: {quoted}) {{ totalCount }} }}")),
            inline(format!("{{ customers(first: {pii}) {{ totalCount }} }}")),
            first(pii),
            inline(format!("{{ customers(filter: {{ status: {quoted} }}) {{ totalCount }} }}")),
            filter(json!({ "status": pii })),
            filter(json!({ "updatedSince": pii })),
            inline(history(&quoted)),
            of_customer("Channel", "interactions(channel: $v) { __typename }", pii),
            of_customer("DateTime", "contactability(at: $v) { allowed }", pii),
        ]);
    }
    requests.push(filter(json!({ "updatedSince": 923001234567_i64 })));
    // A variable's object can have any key.
    requests.push(filter(Value::Object(serde_json::Map::from_iter([(PII[1].to_owned(), json!(1))]))));
    for request in requests {
        for accept in [GRAPHQL_RESPONSE, JSON] {
            let answer = exchange(app, post_as_admin(app, accept, request.clone())).await;
            let body = answer.json();
            assert!(!error_codes(&body).is_empty(), "{request} was accepted: {}", answer.text);
            answer.has_no_pii();
            assert!(!answer.text.contains("923001234567"), "{}", answer.text);
            let codes = error_codes(&body);
            assert!(
                codes
                    .iter()
                    .all(|c| ["BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"]
                        .contains(&c.as_str())),
                "{request}: {}",
                answer.text
            );
        }
    }
    // The message still says which argument and what it expects.
    let request =
        json!({ "query": "query($n: Int) { customers(first: $n) { totalCount } }", "variables": { "n": PII[0] } });
    let body = exchange(app, post_as_admin(app, JSON, request)).await.json();
    assert_eq!(body["errors"][0]["message"], "Invalid value for argument \"first\", expected type \"Int\"");
    assert_eq!(body["errors"][0]["extensions"], json!({ "code": "BAD_USER_INPUT", "field": "first" }));
}

/// async-graphql 7.2 inserts an object's fields as they complete, so one waiting on a
/// DataLoader (`labels`) moved to the end; they come back in the order selected.
async fn fields_come_back_in_the_order_they_were_selected(app: &TestApp) {
    let id = app
        .create_customer(
            json!({ "displayName": "Ayesha Khan", "identities": [{ "channel": "EMAIL", "value": "a.k@example.com" }] }),
        )
        .await;
    let label = app.create_label("vip").await;
    app.admin(ASSIGN_LABELS, json!({ "customerId": id, "labelIds": [label] })).await;
    let selection = "version status id displayName labels { id } createdAt identities { id }";
    let keys = ["version", "status", "id", "displayName", "labels", "createdAt", "identities"];
    let query = format!("{{ customer(id: \"{id}\") {{ {selection} }} }}");
    for _ in 0..5 {
        let answer = exchange(app, post_as_admin(app, GRAPHQL_RESPONSE, json!({ "query": query }))).await;
        let customer = &answer.text[answer.text.find("\"customer\"").expect("customer")..];
        let positions: Vec<usize> = keys.iter().map(|k| customer.find(&format!("\"{k}\":")).expect(k)).collect();
        assert!(positions.is_sorted(), "keys out of the selection's order: {}", answer.text);
    }
    // At the root too, and in each item of a list.
    let query = format!("{{ customer(id: \"{id}\") {{ id }} labels {{ name id }} customers {{ totalCount }} }}");
    let answer = exchange(app, post_as_admin(app, JSON, json!({ "query": query }))).await;
    let at = |k: &str| answer.text.find(k).unwrap_or_else(|| panic!("no {k} in {}", answer.text));
    assert!(at("\"customer\"") < at("\"labels\"") && at("\"labels\"") < at("\"customers\""), "{}", answer.text);
    assert!(answer.text.contains("\"labels\":[{\"name\":"), "{}", answer.text);
}

on_both_databases!(
    a_mutation_over_get_is_405_and_changes_nothing,
    every_error_has_a_code_and_domain_codes_are_kept,
    a_value_that_does_not_coerce_is_never_repeated,
    fields_come_back_in_the_order_they_were_selected,
);
