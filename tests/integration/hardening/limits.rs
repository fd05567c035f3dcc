//! Each limit is hit and answered with its own error, while a normal client sharing the
//! service at the same moment is served.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use customers::config::Limits;
use serde_json::{Value, json};

/// The error code and, for query limits, which limit.
fn refusal(body: &Value) -> (String, Option<String>) {
    let e = &body["errors"][0]["extensions"];
    (e["code"].as_str().unwrap_or_default().to_owned(), e["limit"].as_str().map(str::to_owned))
}

/// A normal client (the 360° view of a real profile) is served while `hostile` runs.
async fn served_meanwhile(app: &TestApp, hostile: impl std::future::Future<Output = ()>) {
    let id = app.create_customer(json!({ "displayName": "Ayesha Khan" })).await;
    let normal = async {
        let body = app.attempt(CUSTOMER_360, json!({ "first": 10 })).await;
        assert!(body.get("errors").is_none(), "the normal client was refused: {body:#}");
        assert_eq!(node_ids(&body["data"]["customers"]), std::slice::from_ref(&id));
    };
    futures_util::join!(hostile, normal);
}

async fn query_limit_is_answered(app: &TestApp, query: String, limit: &str) {
    let (status, body) = app.post(Some(&app.token(ALL_SCOPES)), &query, json!({})).await;
    assert_eq!(refusal(&body), ("LIMIT_EXCEEDED".to_owned(), Some(limit.to_owned())), "{status} {body:#}");
    assert!(body["data"].is_null(), "nothing was resolved");
}

async fn a_body_over_the_limit_is_refused_before_it_is_read(app: &TestApp) {
    served_meanwhile(app, async {
        let padding = "x".repeat(2 * 1024 * 1024);
        let body = json!({ "query": "{ labels { id } }", "variables": { "pad": padding } }).to_string();
        let req = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", app.token(ALL_SCOPES)))
            .body(Body::from(body))
            .unwrap();
        let (status, body) = app.send(req).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(refusal(&body).0, "PAYLOAD_TOO_LARGE");
        // A body that does not say its length (chunked) is cut at the limit too.
        let stream = futures_util::stream::iter(
            (0..40).map(|_| Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b' '; 64 * 1024]))),
        );
        let req = Request::post("/graphql")
            .header("content-type", "application/json")
            .body(Body::from_stream(stream))
            .unwrap();
        assert_eq!(app.send(req).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    })
    .await;
}

async fn list_amplification_is_refused_by_complexity(app: &TestApp) {
    let query = "{ customers(first: 100) { edges { node { interactions(first: 100) { edges { node { \
                 customer { interactions(first: 100) { edges { node { id summary } } } } } } } } } } }";
    served_meanwhile(app, query_limit_is_answered(app, query.to_owned(), "complexity")).await;
}

async fn too_many_aliases_are_refused(app: &TestApp) {
    let fields: Vec<String> = (0..2000).map(|i| format!("a{i}: labels {{ id }}")).collect();
    // 2,000 aliases are also over the token limit, which is checked first.
    query_limit_is_answered(app, format!("{{ {} }}", fields.join(" ")), "tokens").await;
    let fields: Vec<String> = (0..31).map(|i| format!("a{i}: labels {{ id }}")).collect();
    served_meanwhile(app, query_limit_is_answered(app, format!("{{ {} }}", fields.join(" ")), "aliases")).await;
}

async fn too_many_directives_and_too_deep_are_refused(app: &TestApp) {
    let directives = "@include(if: true) ".repeat(51);
    query_limit_is_answered(app, format!("{{ labels {directives} {{ id }} }}"), "directives").await;
    let deep = format!("{{ __schema {{ types {{ {} name {} }} }} }}", "ofType { ".repeat(16), "}".repeat(16));
    query_limit_is_answered(app, deep, "depth").await;
}

async fn too_many_representations_are_refused(app: &TestApp) {
    let reps: Vec<Value> = (0..1001).map(|_| json!({ "__typename": "Label", "id": "x" })).collect();
    let query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Label { id } } }";
    let (_, body) = app.post(Some(&app.token(ALL_SCOPES)), query, json!({ "r": reps })).await;
    assert_eq!(refusal(&body), ("LIMIT_EXCEEDED".to_owned(), Some("representations".to_owned())));
}

async fn the_standard_introspection_query_and_the_360_view_pass_the_limits(app: &TestApp) {
    let (status, body) = app.post(None, INTROSPECTION, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("errors").is_none(), "{body:#}");
    let types = body["data"]["__schema"]["types"].as_array().expect("types");
    assert!(types.iter().any(|t| t["name"] == "Customer"));
    // A page of 100 full 360° views is within the complexity limit.
    let body = app.attempt(CUSTOMER_360, json!({ "first": 100 })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
}

async fn input_lists_and_identities_per_profile_are_bounded(app: &TestApp) {
    let many: Vec<Value> = (0..5000).map(|i| json!({ "channel": "WEB", "value": format!("v-{i}") })).collect();
    let body = app.attempt(CREATE_CUSTOMER, json!({ "input": { "identities": many } })).await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(error_field(&body).as_deref(), Some("input.identities"));
    let fifty: Vec<Value> = (0..50).map(|i| json!({ "channel": "WEB", "value": format!("w-{i}") })).collect();
    let id = app.create_customer(json!({ "identities": fifty })).await;
    let body = app
        .attempt(
            ADD_CHANNEL_IDENTITY,
            json!({ "customerId": id, "identity": { "channel": "WEB", "value": "one-more" } }),
        )
        .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(app.count_rows("channel_identities").await, 50, "nothing of the refused write stayed");
}

on_both_databases!(
    a_body_over_the_limit_is_refused_before_it_is_read,
    list_amplification_is_refused_by_complexity,
    too_many_aliases_are_refused,
    too_many_directives_and_too_deep_are_refused,
    too_many_representations_are_refused,
    the_standard_introspection_query_and_the_360_view_pass_the_limits,
    input_lists_and_identities_per_profile_are_bounded,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_principal_over_its_rate_gets_429_while_others_are_served() {
    let limits = Limits { rate_per_second: 1, rate_burst: 3, ..Limits::default() };
    let app = TestApp::sqlite_with(limits).await;
    let greedy = token_for("greedy", ALL_SCOPES);
    let mut refused = None;
    for _ in 0..10 {
        let (status, body) = app.post(Some(&greedy), "{ labels { id } }", json!({})).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(body);
            break;
        }
    }
    let body = refused.expect("the fourth request in a second is over a burst of three");
    assert_eq!(refusal(&body).0, "RATE_LIMITED");
    let (status, _) = app.post(Some(&token_for("patient", ALL_SCOPES)), "{ labels { id } }", json!({})).await;
    assert_eq!(status, StatusCode::OK, "another principal has its own rate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn load_over_the_in_flight_bound_is_shed_with_503_and_retry_after() {
    let app = TestApp::sqlite_with(Limits { max_in_flight: 1, ..Limits::default() }).await;
    let requests = (0..40).map(|_| (CUSTOMERS, json!({ "first": 100 }))).collect();
    let (served, shed): (Vec<_>, Vec<_>) =
        app.concurrently_with_status(requests).await.into_iter().partition(|(status, _, _)| *status == StatusCode::OK);
    assert!(!served.is_empty(), "some requests are served");
    assert!(!shed.is_empty(), "with one slot, forty requests at once are not all served");
    for (status, retry_after, body) in shed {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert_eq!(refusal(&body).0, "OVERLOADED");
    }
}

#[tokio::test]
async fn a_panic_is_answered_internal_with_a_reference() {
    use tower::ServiceExt as _;
    async fn boom() -> &'static str {
        if std::hint::black_box(true) {
            panic!("a message quoting input +923001234567");
        }
        "never"
    }
    let router = axum::Router::new().route("/boom", axum::routing::get(boom));
    let protection = std::sync::Arc::new(customers::http::protect::Protection::new(&Limits::default()));
    let router = customers::http::protect(router, protection);
    let resp = router.oneshot(Request::get("/boom").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(refusal(&body).0, "INTERNAL");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("reference") && !message.contains("923"), "{message}");
}

#[tokio::test]
async fn responses_say_nosniff_and_graphql_responses_are_not_stored() {
    let app = TestApp::sqlite().await;
    let resp = app.raw(Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(json!({ "query": "{ _service { sdl } }" }).to_string()))
        .unwrap();
    let resp = app.raw(req).await;
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn graphiql_and_metrics_can_be_switched_off_for_production() {
    let app = TestApp::sqlite_configured(|s| {
        s.graphiql = false;
        s.metrics = false;
    })
    .await;
    let page = Request::get("/graphql").header("accept", "text/html").body(Body::empty()).unwrap();
    assert_eq!(app.raw(page).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.raw(Request::get("/metrics").body(Body::empty()).unwrap()).await.status(), StatusCode::NOT_FOUND);
    let on = TestApp::sqlite().await;
    let page = Request::get("/graphql").header("accept", "text/html").body(Body::empty()).unwrap();
    assert_eq!(on.raw(page).await.status(), StatusCode::OK);
    assert_eq!(on.raw(Request::get("/metrics").body(Body::empty()).unwrap()).await.status(), StatusCode::OK);
}
