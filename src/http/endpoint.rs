//! `POST /graphql`: authenticate the caller, execute with per-request loaders, log without PII.

use super::AppState;
use super::auth;
use crate::graphql::Caller;
use crate::graphql::loaders::new_loaders;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse, rejection::GraphQLRejection};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::time::Instant;

/// A GraphQL-shaped error response with `extensions.code`.
pub(crate) fn error_body(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "data": null, "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}

pub(super) async fn graphql(
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
    let principal = caller.0.as_ref().map_or("anonymous", |p| p.subject.as_str());
    if let Some(refused) = state.protection.over_rate(principal) {
        return refused;
    }
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
