//! A webhook receiver for tests: a real HTTP server on a free port that records every
//! delivery (signature header and body) and refuses the first `fail_first` (or all).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Delivery {
    pub signature: Option<String>,
    pub body: Bytes,
    pub accepted: bool,
}

#[derive(Default)]
struct Inner {
    deliveries: Mutex<Vec<Delivery>>,
    fail_first: AtomicUsize,
    fail_always: std::sync::atomic::AtomicBool,
    /// How long each answer takes (recorded on arrival, answered after).
    delay: std::time::Duration,
}

pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Refuse (HTTP 500) the first `fail_first` deliveries, accept the rest.
    pub async fn start(fail_first: usize) -> Self {
        Self::start_slow(fail_first, std::time::Duration::ZERO).await
    }

    /// Like [`Self::start`], answering each delivery `delay` after it arrived.
    pub async fn start_slow(fail_first: usize, delay: std::time::Duration) -> Self {
        let inner = Arc::new(Inner { fail_first: AtomicUsize::new(fail_first), delay, ..Inner::default() });
        let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let url = format!("http://{}/hook", listener.local_addr().expect("an address"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, inner, server }
    }

    /// Refuse every delivery from now on (or accept again).
    pub fn fail_always(&self, on: bool) {
        self.inner.fail_always.store(on, Ordering::SeqCst);
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.inner.deliveries.lock().expect("the receiver's log").clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let refuse = inner.fail_always.load(Ordering::SeqCst)
        || inner.fail_first.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    let signature = headers.get("x-customers-signature").and_then(|v| v.to_str().ok()).map(str::to_owned);
    inner.deliveries.lock().expect("the receiver's log").push(Delivery { signature, body, accepted: !refuse });
    tokio::time::sleep(inner.delay).await;
    if refuse { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::NO_CONTENT }
}
