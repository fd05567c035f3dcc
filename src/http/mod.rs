//! The HTTP surface: `/graphql` (POST; GET serves GraphiQL), `/healthz`, `/readyz`,
//! `/metrics`. Tests drive [`app`] with `oneshot`, no port needed.

pub mod auth;

use crate::graphql::loaders::new_loaders;
use crate::graphql::{Caller, CustomersSchema};
use crate::service::Services;
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse, rejection::GraphQLRejection};
use auth::Authenticator;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::timeout::TimeoutLayer;

/// Largest request body accepted (bulk writes go through dedicated imports, not one request).
const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub schema: CustomersSchema,
    pub services: Services,
    pub auth: Arc<Authenticator>,
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::GATEWAY_TIMEOUT, Duration::from_secs(30)))
        .with_state(state)
}

fn error_body(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "data": null, "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}

async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    let started = Instant::now();
    let caller = match headers.get(header::AUTHORIZATION) {
        None => Caller(None),
        Some(value) => {
            match value.to_str().map_err(|_| auth::AuthError::Malformed).and_then(|v| state.auth.from_header(v)) {
                Ok(principal) => Caller(Some(principal)),
                Err(err) => {
                    tracing::info!(reason = %err, "bearer token refused");
                    return error_body(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "invalid or expired bearer token");
                }
            }
        }
    };
    let req = match req {
        Ok(req) => req.into_inner(),
        Err(_) => {
            return error_body(StatusCode::BAD_REQUEST, "BAD_REQUEST", "the request is not a valid GraphQL request");
        }
    };
    let operation = req.operation_name.clone();
    let subject = caller.0.as_ref().map(|p| p.subject.clone());
    let statements_before = state.services.store.statements.get();
    let loaders = new_loaders(state.services.store.clone());
    let req = req.data(caller).data(loaders);
    let resp = state.schema.execute(req).await;
    // Never log variables or the query text: both can carry PII.
    tracing::info!(
        operation = operation.as_deref().unwrap_or("-"),
        sub = subject.as_deref().unwrap_or("-"),
        errors = resp.errors.len(),
        sql_statements = state.services.store.statements.get().saturating_sub(statements_before),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "graphql"
    );
    GraphQLResponse::from(resp).into_response()
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.services.store.ping().await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let body = format!(
        "# HELP customers_sql_statements_total SQL statements sent to the database.\n\
         # TYPE customers_sql_statements_total counter\n\
         customers_sql_statements_total {}\n",
        state.services.store.statements.get()
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
