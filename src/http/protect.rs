//! What stands between a hostile or broken client and the service, each answered with its
//! own status and `extensions.code` while other clients keep being served:
//!
//! - a request body over `max_body_bytes`: 413 `PAYLOAD_TOO_LARGE`, before anything is parsed;
//! - more than `max_in_flight` GraphQL requests at once: 503 `OVERLOADED` with `Retry-After`
//!   (shed, not queued);
//! - a principal over its rate: 429 `RATE_LIMITED` with `Retry-After`;
//! - a panic anywhere in a request: 500 `INTERNAL` with a reference (the log has the same
//!   reference and where it happened, never the panic's message, which could quote input);
//! - and on every response `X-Content-Type-Options: nosniff`, and `Cache-Control: no-store`
//!   on GraphQL responses (they can hold PII).

use super::endpoint::error_body;
use crate::config::Limits;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The shared state of the protections.
pub struct Protection {
    max_body_bytes: usize,
    in_flight: Arc<Semaphore>,
    rate: DefaultKeyedRateLimiter<String>,
}

impl Protection {
    pub fn new(limits: &Limits) -> Self {
        let per_second = NonZeroU32::new(limits.rate_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limits.rate_burst).unwrap_or(per_second);
        Self {
            max_body_bytes: limits.max_body_bytes,
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight)),
            rate: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
        }
    }

    /// Count a request of `principal` against its rate: the 429 to answer when it is over.
    pub fn over_rate(&self, principal: &str) -> Option<Response> {
        match self.rate.check_key(&principal.to_owned()) {
            Ok(()) => None,
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let mut response =
                    error_body(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "too many requests; retry later");
                retry_after(&mut response, wait.as_secs() + 1);
                // Keys of principals that are under their rate again are forgotten.
                if self.rate.len() > 10_000 {
                    self.rate.retain_recent();
                }
                Some(response)
            }
        }
    }
}

fn retry_after(response: &mut Response, secs: u64) {
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
}

/// Every route: refuse a body over the limit with 413 before any handler reads it, and
/// mark every response `nosniff`.
pub async fn body_limit(State(p): State<Arc<Protection>>, req: Request, next: Next) -> Response {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let mut response = if declared.is_some_and(|n| n > p.max_body_bytes) {
        too_large(p.max_body_bytes)
    } else {
        let (parts, body) = req.into_parts();
        match axum::body::to_bytes(body, p.max_body_bytes).await {
            Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
            Err(_) => too_large(p.max_body_bytes),
        }
    };
    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn too_large(max: usize) -> Response {
    error_body(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", &format!("the request body exceeds {max} bytes"))
}

/// GraphQL routes: serve at most `max_in_flight` at once and shed the rest with 503 (a
/// client retries; a queue without end would only make every client time out), and never
/// let a response be cached.
pub async fn shed_load(State(p): State<Arc<Protection>>, req: Request, next: Next) -> Response {
    let Ok(_permit) = p.in_flight.clone().try_acquire_owned() else {
        let mut response =
            error_body(StatusCode::SERVICE_UNAVAILABLE, "OVERLOADED", "the service is at capacity; retry shortly");
        retry_after(&mut response, 1);
        return response;
    };
    let mut response = next.run(req).await;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A panic in a request becomes a 500 with a reference, logged without its message.
pub fn panic_response(_payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let reference = crate::domain::id::new_id();
    tracing::error!(error.reference = %reference, "a request panicked");
    let mut response =
        error_body(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", &format!("internal error (reference {reference})"));
    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response.into_response()
}
