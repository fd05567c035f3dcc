//! `GET /graphql`: the GraphiQL page (when `CUSTOMERS_GRAPHIQL` is on; 404 otherwise).

use super::AppState;
use async_graphql::http::GraphiQLSource;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

pub(super) async fn graphiql(State(state): State<AppState>) -> Response {
    if !state.graphiql {
        return StatusCode::NOT_FOUND.into_response();
    }
    Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response()
}
