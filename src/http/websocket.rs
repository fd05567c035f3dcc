//! GraphQL over WebSocket at `/graphql` (an upgrade request): the `graphql-transport-ws`
//! protocol (and the older `graphql-ws`), which routers speak to subgraphs for
//! subscriptions. The caller authenticates with the upgrade request's `Authorization`
//! header or with `authorization` in the `connection_init` payload (`"Bearer <jwt>"` or the
//! bare token); an invalid token closes the connection. Every operation on the connection
//! then runs as that caller, with its own loaders, through the same extensions as HTTP.

use super::AppState;
use crate::graphql::loaders::new_loaders;
use crate::graphql::{Caller, CustomersSchema};
use crate::store::Store;
use async_graphql::{Data, Executor, Request, Response};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{FromRequestParts as _, WebSocketUpgrade};
use axum::http::header;
use axum::response::{IntoResponse, Response as HttpResponse};
use futures_util::stream::BoxStream;
use std::any::TypeId;
use std::sync::Arc;

/// Whether `parts` ask for a WebSocket upgrade.
pub(super) fn is_upgrade(headers: &axum::http::HeaderMap) -> bool {
    headers.get(header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

pub(super) async fn upgrade(state: AppState, request: axum::extract::Request) -> HttpResponse {
    let (mut parts, _) = request.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &state).await {
        Ok(protocol) => protocol,
        Err(status) => return status.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let header_token = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let executor = Operations { schema: state.schema.clone(), store: state.services.store.clone() };
    let auth = state.auth.clone();
    upgrade.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| async move {
        GraphQLWebSocket::new(socket, executor, protocol)
            .on_connection_init(move |payload| async move {
                let token = payload_token(&payload).or(header_token);
                let caller = match token {
                    None => Caller(None),
                    Some(value) => match auth.from_header(&value).await {
                        Ok(principal) => Caller(Some(principal)),
                        Err(err) => {
                            tracing::info!(reason = %err, "bearer token refused on a WebSocket");
                            return Err(async_graphql::Error::new("invalid or expired bearer token"));
                        }
                    },
                };
                let mut data = Data::default();
                data.insert(caller);
                Ok(data)
            })
            .serve()
            .await
    })
}

/// `authorization` (any case) of the `connection_init` payload, as a header value.
fn payload_token(payload: &serde_json::Value) -> Option<String> {
    let object = payload.as_object()?;
    let (_, value) = object.iter().find(|(k, _)| k.eq_ignore_ascii_case("authorization"))?;
    let value = value.as_str()?.trim();
    if value.len() > 7 && value[..7].eq_ignore_ascii_case("bearer ") {
        Some(value.to_owned())
    } else {
        Some(format!("Bearer {value}"))
    }
}

/// The schema, with each operation given the connection's caller in its request data (where
/// the PII decision looks for it) and loaders of its own.
#[derive(Clone)]
struct Operations {
    schema: CustomersSchema,
    store: Store,
}

impl Operations {
    fn prepare(&self, request: Request, session: &Data) -> Request {
        let caller = session.get(&TypeId::of::<Caller>()).and_then(|c| c.downcast_ref::<Caller>()).cloned();
        request.data(caller.unwrap_or_default()).data(new_loaders(self.store.clone()))
    }
}

impl Executor for Operations {
    async fn execute(&self, request: Request) -> Response {
        let request = self.prepare(request, &Data::default());
        self.schema.execute(request).await
    }

    fn execute_stream(&self, request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        let session = session_data.unwrap_or_default();
        let request = self.prepare(request, &session);
        self.schema.execute_stream_with_session_data(request, session)
    }
}

#[cfg(test)]
mod tests {
    use super::payload_token;
    use serde_json::json;

    #[test]
    fn the_token_is_taken_from_the_payload_with_or_without_its_scheme() {
        assert_eq!(payload_token(&json!({ "Authorization": "Bearer abc" })).as_deref(), Some("Bearer abc"));
        assert_eq!(payload_token(&json!({ "authorization": "abc" })).as_deref(), Some("Bearer abc"));
        assert_eq!(payload_token(&json!({})), None);
        assert_eq!(payload_token(&json!(null)), None);
    }
}
