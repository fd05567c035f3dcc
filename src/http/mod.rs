//! The HTTP surface: `/graphql` (POST; GET serves GraphiQL), `/healthz`, `/readyz`,
//! `/metrics`. Tests drive [`app`] with `oneshot`, no port needed.

pub mod auth;
mod endpoint;
mod graphiql;
mod health;

use crate::graphql::CustomersSchema;
use crate::service::Services;
use auth::Authenticator;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use std::sync::Arc;
use std::time::Duration;
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
        .route("/graphql", get(graphiql::graphiql).post(endpoint::graphql))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::GATEWAY_TIMEOUT, Duration::from_secs(30)))
        .with_state(state)
}
