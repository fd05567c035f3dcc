//! The HTTP surface: `/graphql` (POST, and GET for queries; a browser's GET gets GraphiQL), `/healthz`, `/readyz`,
//! `/metrics`. Tests drive [`app`] with `oneshot`, no port needed.

pub mod auth;
mod endpoint;
mod graphiql;
mod health;
pub mod protect;
pub mod tls;
mod websocket;

use crate::graphql::CustomersSchema;
use crate::service::Services;
use auth::Authenticator;
use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use protect::Protection;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

pub use health::Readiness;

#[derive(Clone)]
pub struct AppState {
    pub schema: CustomersSchema,
    pub services: Services,
    pub auth: Arc<Authenticator>,
    pub protection: Arc<Protection>,
    pub readiness: Arc<health::Readiness>,
    /// Whether `GET /graphql` serves GraphiQL (`CUSTOMERS_GRAPHIQL`).
    pub graphiql: bool,
    /// Whether `/metrics` is served (`CUSTOMERS_METRICS`).
    pub metrics: bool,
}

/// The whole HTTP surface, protected (see [`protect`]).
pub fn app(state: AppState) -> Router {
    let protection = state.protection.clone();
    let graphql = Router::new()
        .route("/graphql", get(endpoint::graphql).post(endpoint::graphql))
        .route_layer(from_fn_with_state(protection.clone(), protect::shed_load));
    let mut router = Router::new().route("/healthz", get(|| async { "ok" })).route("/readyz", get(health::readyz));
    if state.metrics {
        router = router.route("/metrics", get(health::metrics));
    }
    router = router.route("/graphql/assets/{name}", get(graphiql::asset)); // cached: outside `graphql` (no-store)
    let router = router.merge(graphql).with_state(state);
    protect(router, protection)
}

/// The protections every route has: a panic answered with a reference, a request that
/// takes too long cut at 30 s, a body over the limit refused before it is read, `nosniff`.
pub fn protect(router: Router, protection: Arc<Protection>) -> Router {
    router
        .layer(from_fn_with_state(protection, protect::body_limit))
        .layer(TimeoutLayer::with_status_code(StatusCode::GATEWAY_TIMEOUT, Duration::from_secs(30)))
        .layer(CatchPanicLayer::custom(protect::panic_response))
}
