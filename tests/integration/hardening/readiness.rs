//! `/readyz` answers within a second whatever the database does (here PostgreSQL behind a
//! proxy the test freezes: connections stay open, nothing gets through, as in a network
//! partition or with a hung database host), and no statement runs past the timeout.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy to `upstream` that can be frozen: from then on it forwards nothing (and
/// accepts new connections without answering them), but closes nothing either.
struct Proxy {
    addr: SocketAddr,
    frozen: Arc<AtomicBool>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let frozen = Arc::new(AtomicBool::new(false));
        let flag = frozen.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let flag = flag.clone();
                tokio::spawn(async move {
                    if flag.load(Ordering::SeqCst) {
                        std::future::pending::<()>().await; // hold the socket, say nothing
                    }
                    let Ok(server) = TcpStream::connect(upstream).await else { return };
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    tokio::spawn(pipe(cr, sw, flag.clone()));
                    pipe(sr, cw, flag).await;
                });
            }
        });
        Self { addr, frozen }
    }

    fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }
}

async fn pipe(mut from: impl AsyncReadExt + Unpin, mut to: impl AsyncWriteExt + Unpin, frozen: Arc<AtomicBool>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let Ok(n) = from.read(&mut buf).await else { return };
        if n == 0 {
            return;
        }
        if frozen.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

async fn readyz(router: &axum::Router) -> (StatusCode, Duration) {
    use tower::ServiceExt as _;
    let started = Instant::now();
    let resp = router.clone().oneshot(Request::get("/readyz").body(Body::empty()).unwrap()).await.unwrap();
    (resp.status(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_answers_503_within_a_second_when_the_database_hangs() {
    let Some(database) = TestDatabase::postgres().await else { return };
    let upstream: SocketAddr = "127.0.0.1:5432".parse().unwrap();
    let proxy = Proxy::start(upstream).await;
    let url = database.url().replace("127.0.0.1:5432", &proxy.addr.to_string());
    let router = TestApp::router_for(&url, database.data_dir(), database.keystore_url()).await;

    let (status, _) = readyz(&router).await;
    assert_eq!(status, StatusCode::OK);
    proxy.freeze();
    // The answer of a second ago may be reused; after that, the check itself must answer.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, took) = readyz(&router).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < Duration::from_secs(1), "/readyz took {took:?} with the database hung");
    let (status, took) = readyz(&router).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < Duration::from_millis(100), "a second probe reuses the answer ({took:?})");
    drop(database);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_statement_longer_than_the_timeout_is_cancelled() {
    use sea_orm::ConnectionTrait as _;
    let Some(database) = TestDatabase::postgres().await else { return };
    let timeout = Some(Duration::from_millis(200));
    let store = customers::store::Store::connect_with(database.url(), test_codec().await, timeout).await.unwrap();
    let started = Instant::now();
    let slow = store.db.execute_unprepared("SELECT pg_sleep(5)").await;
    assert!(slow.is_err(), "the server cancels it");
    assert!(started.elapsed() < Duration::from_secs(2), "cancelled after {:?}", started.elapsed());
    assert!(store.db.execute_unprepared("SELECT 1").await.is_ok(), "short statements still run");
}
