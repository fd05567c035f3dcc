//! Health (`/healthz`: the process answers), readiness (`/readyz`: the database answers)
//! and metrics (`/metrics`, Prometheus text).

use super::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    if state.services.store.ping().await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

pub(super) async fn metrics(State(state): State<AppState>) -> Response {
    let body = format!(
        "# HELP customers_sql_statements_total SQL statements sent to the database.\n\
         # TYPE customers_sql_statements_total counter\n\
         customers_sql_statements_total {}\n",
        state.services.store.statements.get()
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
