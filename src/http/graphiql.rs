//! `GET /graphql`: the GraphiQL page.

use async_graphql::http::GraphiQLSource;
use axum::response::Html;

pub(super) async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}
