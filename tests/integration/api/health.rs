//! Health, readiness, metrics and GraphiQL.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};

async fn health_readiness_and_metrics_answer(app: &TestApp) {
    let (status, body) = app.send(Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, Some("ok")));
    let (status, body) = app.send(Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, Some("ready")));
    let (status, body) = app.send(Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let line =
        body.as_str().unwrap().lines().find(|l| l.starts_with("customers_sql_statements_total ")).unwrap().to_owned();
    let n: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(n > 0, "the master key check and the readiness ping ran statements");
    let (status, body) = app.send(Request::get("/graphql").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.as_str().unwrap().contains("graphiql"), "GET /graphql serves GraphiQL");
}

async fn a_body_that_is_not_graphql_is_a_clear_400(app: &TestApp) {
    let req = Request::post("/graphql").header("content-type", "application/json").body(Body::from("{nope")).unwrap();
    let (status, body) = app.send(req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_codes(&body), ["BAD_REQUEST"]);
}

on_both_databases!(health_readiness_and_metrics_answer, a_body_that_is_not_graphql_is_a_clear_400);
