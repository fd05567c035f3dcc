//! A fake CRM for the provider tests: a real axum HTTP server on 127.0.0.1:0 implementing
//! the customer contract (`docs/profile-provider.md`) over records held in memory, with
//! switchable behaviour (answer, 404, slow, 500, stopped) and a count of the requests
//! that reached it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The token the tests configure; the fake refuses any other with 401.
pub const CRM_TOKEN: &str = "crm-token-5ecret-never-logged";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// Answer from the records (404 when none holds the identifier).
    Answer,
    /// Answer like `Answer`, each answer this long after the request arrived.
    Slow(Duration),
    /// HTTP 500 to everything.
    Fail,
}

struct Inner {
    mode: Mutex<Mode>,
    records: Mutex<Vec<Value>>,
    requests: AtomicUsize,
}

pub struct FakeCrm {
    pub url: String,
    inner: Arc<Inner>,
    server: Option<tokio::task::JoinHandle<()>>,
    shutdown: Arc<tokio::sync::Notify>,
}

impl FakeCrm {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner {
            mode: Mutex::new(Mode::Answer),
            records: Mutex::default(),
            requests: AtomicUsize::new(0),
        });
        let app = axum::Router::new()
            .route("/customers/by-identifier", post(by_identifier))
            .route("/customers/{id}", get(by_id).put(upsert))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let shutdown = Arc::new(tokio::sync::Notify::new());
        let signal = shutdown.clone();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).with_graceful_shutdown(async move { signal.notified().await }).await;
        });
        Self { url, inner, server: Some(server), shutdown }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.inner.mode.lock().unwrap() = mode;
    }

    /// Add (or replace, by `externalRef.id`) a record.
    pub fn put_record(&self, record: Value) {
        let mut records = self.inner.records.lock().unwrap();
        records.retain(|r| r["externalRef"]["id"] != record["externalRef"]["id"]);
        records.push(record);
    }

    pub fn record(&self, id: &str) -> Option<Value> {
        self.inner.records.lock().unwrap().iter().find(|r| r["externalRef"]["id"] == id).cloned()
    }

    /// Requests that reached the server so far.
    pub fn requests(&self) -> usize {
        self.inner.requests.load(Ordering::SeqCst)
    }

    /// Stop: the listener closes and idle connections are closed, so connections are
    /// refused from now on.
    pub async fn stop(&mut self) {
        self.shutdown.notify_one();
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
    }
}

impl Drop for FakeCrm {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

/// Count the request, check the token, wait as the mode says; `Err` is the answer to give.
async fn arrive(inner: &Inner, headers: &HeaderMap) -> Result<(), Response> {
    inner.requests.fetch_add(1, Ordering::SeqCst);
    let mode = *inner.mode.lock().unwrap();
    if let Mode::Slow(delay) = mode {
        tokio::time::sleep(delay).await;
    }
    if mode == Mode::Fail {
        return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    let expected = format!("Bearer {CRM_TOKEN}");
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return Err(StatusCode::UNAUTHORIZED.into_response());
    }
    Ok(())
}

async fn by_identifier(State(inner): State<Arc<Inner>>, headers: HeaderMap, Json(q): Json<Value>) -> Response {
    if let Err(answer) = arrive(&inner, &headers).await {
        return answer;
    }
    let records = inner.records.lock().unwrap().clone();
    let found = records.into_iter().find(|r| {
        r["identities"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|i| i["channel"] == q["channel"] && i["value"] == q["value"]))
    });
    match found {
        Some(record) => Json(record).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn by_id(State(inner): State<Arc<Inner>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(answer) = arrive(&inner, &headers).await {
        return answer;
    }
    let records = inner.records.lock().unwrap().clone();
    match records.into_iter().find(|r| r["externalRef"]["id"] == id.as_str()) {
        Some(record) => Json(record).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn upsert(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(record): Json<Value>,
) -> Response {
    if let Err(answer) = arrive(&inner, &headers).await {
        return answer;
    }
    if record["externalRef"]["id"] != id.as_str() {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let mut records = inner.records.lock().unwrap();
    records.retain(|r| r["externalRef"]["id"] != id.as_str());
    records.push(record.clone());
    Json(record).into_response()
}
