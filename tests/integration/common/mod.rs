//! The test harness: the real app (`customers::app`) driven with `oneshot`, on a database
//! of its own per test (see [`databases`]), and the requests and reads the scenarios share.

mod binary;
mod databases;
mod json;
mod logs;
mod operations;
mod steps;

pub use databases::TestDatabase;
pub use json::*;
pub use logs::capture_logs;
pub use operations::*;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use customers::config::{Secret, Settings};
use customers::store::{PiiCodec, Store};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt as _;

pub const SECRET: &str = "test-secret-0123456789abcdef-0123456789";
/// base64 of 32 bytes: the master key PII is encrypted with in tests.
pub const TEST_MASTER_KEY: &str = "dGVzdC1tYXN0ZXIta2V5LTAxMjM0NTY3ODlhYmNkZWY=";
/// Every scope of the first release: tokens issued before the scope split, which keep their
/// rights through the scopes they imply.
pub const ALL_SCOPES: &str =
    "customers:read pii:read customers:write labels:assign labels:manage customers:merge schema:manage privacy:admin";
/// What Channel Manager holds: it reads profiles and creates anonymous ones, nothing more.
pub const CHANNEL_MANAGER: &str = "customers:read customers:write";

/// Runs each listed scenario on SQLite and on PostgreSQL: `name::sqlite`, `name::postgres`.
/// Without PostgreSQL the `postgres` half says so and passes, unless
/// `CUSTOMERS_TEST_REQUIRE_POSTGRES=1` (CI) makes that a failure.
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::common::TestApp::sqlite().await;
                super::$name(&app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::common::TestApp::postgres().await {
                    super::$name(&app).await;
                }
            }
        }
    )+};
}
pub(crate) use on_both_databases;

/// [`on_both_databases`] with settings changed by `$configure` (a path from the caller's
/// module, e.g. `super::mfa_required`).
macro_rules! on_both_databases_with {
    ($configure:path => $($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::common::TestApp::sqlite_configured($configure).await;
                super::$name(&app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::common::TestApp::postgres_configured($configure).await {
                    super::$name(&app).await;
                }
            }
        }
    )+};
}
pub(crate) use on_both_databases_with;

/// The service's settings in tests. The one place a `Settings` is written out.
pub fn settings(database_url: &str, data_dir: PathBuf) -> Settings {
    Settings {
        jwt_secret: Some(Secret::new(SECRET)),
        master_key: Some(Secret::new(TEST_MASTER_KEY)),
        default_region: Some(customers::domain::identity::parse_region("PK").expect("a region")),
        ..Settings::embedded(database_url, data_dir)
    }
}

/// Seals and opens PII with the test master key, over a key store in memory.
pub async fn test_codec() -> PiiCodec {
    let settings = settings("sqlite::memory:", std::env::temp_dir());
    PiiCodec::in_memory(&customers::startup::master_key(&settings).expect("the test master key"))
        .await
        .expect("a key store in memory")
}

/// What the app is built into: its router, its store, its services.
type Built = (axum::Router, Store, customers::service::Services);

pub struct TestApp {
    pub router: axum::Router,
    pub store: Store,
    /// The service layer the router runs on (its anomaly detector's queue and live-update hub).
    pub services: customers::service::Services,
    /// Dropped with the app (a PostgreSQL database is dropped, a SQLite folder removed).
    database: TestDatabase,
}

impl TestApp {
    pub async fn sqlite() -> Self {
        Self::build(TestDatabase::sqlite().await).await
    }

    /// `None` when PostgreSQL is not reachable and not required (the test then says so).
    pub async fn postgres() -> Option<Self> {
        Some(Self::build(TestDatabase::postgres().await?).await)
    }

    /// On SQLite, with other limits.
    pub async fn sqlite_with(limits: customers::config::Limits) -> Self {
        Self::sqlite_configured(|s| s.limits = limits).await
    }

    /// On SQLite, with settings changed by `configure`.
    pub async fn sqlite_configured(configure: impl FnOnce(&mut Settings)) -> Self {
        Self::build_with(TestDatabase::sqlite().await, configure).await
    }

    /// On PostgreSQL, with settings changed by `configure`; `None` as for [`Self::postgres`].
    pub async fn postgres_configured(configure: impl FnOnce(&mut Settings)) -> Option<Self> {
        Some(Self::build_with(TestDatabase::postgres().await?, configure).await)
    }

    /// A restart: a new app (new process state, new connections) over the same database,
    /// with settings changed by `configure`.
    pub async fn restart(&mut self, configure: impl FnOnce(&mut Settings)) {
        let (router, store, services) = self.try_restart(configure).await.expect("restart the app");
        self.router = router;
        self.store = store;
        self.services = services;
    }

    /// A restart that may fail (a wrong master key refuses to start).
    pub async fn try_restart(&self, configure: impl FnOnce(&mut Settings)) -> anyhow::Result<Built> {
        let db = &self.database;
        Self::try_app_for(db.url(), db.data_dir(), db.keystore_url(), configure).await
    }

    /// The database under test.
    pub fn database(&self) -> &TestDatabase {
        &self.database
    }

    async fn build(database: TestDatabase) -> Self {
        Self::build_with(database, |_| {}).await
    }

    async fn build_with(database: TestDatabase, configure: impl FnOnce(&mut Settings)) -> Self {
        let (router, store, services) =
            Self::app_for(database.url(), database.data_dir(), database.keystore_url(), configure).await;
        TestApp { router, store, services, database }
    }

    /// The app on a database at `url` (already migrated from the template), with its key
    /// store at `keystore_url`.
    async fn app_for(
        url: &str,
        data_dir: PathBuf,
        keystore_url: String,
        configure: impl FnOnce(&mut Settings),
    ) -> Built {
        Self::try_app_for(url, data_dir, keystore_url, configure).await.expect("build the app")
    }

    async fn try_app_for(
        url: &str,
        data_dir: PathBuf,
        keystore_url: String,
        configure: impl FnOnce(&mut Settings),
    ) -> anyhow::Result<Built> {
        let mut settings = settings(url, data_dir);
        settings.keystore_url = Some(keystore_url);
        configure(&mut settings);
        let codec = customers::startup::codec(&settings).await?;
        let store = Store::connect_pooled(url, codec, None, &settings.pool).await?;
        // The template was migrated and sealed with the test key: this reads the probe (and
        // registers the master key in a new key store).
        store.check_master_key().await?;
        let state = customers::startup::state_with_store(&settings, store.clone()).await?;
        let services = state.services.clone();
        Ok((customers::app(state), store, services))
    }

    /// The app alone, on a database reached at `url` (a proxy in front of a test database).
    pub async fn router_for(url: &str, data_dir: PathBuf, keystore_url: String) -> axum::Router {
        Self::app_for(url, data_dir, keystore_url, |_| {}).await.0
    }

    /// The SQLite database file (`None` on PostgreSQL), to read its bytes.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        let rest = self.database.url().strip_prefix("sqlite://")?;
        Some(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
    }

    pub fn is_postgres(&self) -> bool {
        self.database.is_postgres()
    }

    /// The statements of the audit entry of a response that showed PII of several
    /// profiles: the entry alone on PostgreSQL (its list is indexed by a GIN index), the
    /// entry and its per-profile index rows, two INSERTs in a transaction, on SQLite.
    pub fn audit_of_several(&self) -> u64 {
        if self.is_postgres() { 1 } else { 2 }
    }

    /// The test database's URL and data folder (to run the service binary on it).
    pub fn database_url(&self) -> &str {
        self.database.url()
    }

    pub fn token(&self, scopes: &str) -> String {
        token_for("agent-007", scopes)
    }

    /// POST a GraphQL request with an optional bearer token; returns (status, body).
    pub async fn post(&self, auth: Option<&str>, query: &str, variables: Value) -> (StatusCode, Value) {
        call(self.router.clone(), graphql_request(auth, query, &variables)).await
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        call(self.router.clone(), req).await
    }

    /// The whole response (headers included).
    pub async fn raw(&self, req: Request<Body>) -> axum::response::Response {
        self.router.clone().oneshot(req).await.expect("the app answers")
    }

    /// A request with every scope; panics on GraphQL errors. Returns `data`.
    pub async fn admin(&self, query: &str, variables: Value) -> Value {
        let body = self.attempt(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// A request with every scope; returns the whole body (data and errors).
    pub async fn attempt(&self, query: &str, variables: Value) -> Value {
        self.as_scopes(ALL_SCOPES, query, variables).await
    }

    /// A request with the given scopes; returns the whole body (data and errors).
    pub async fn as_scopes(&self, scopes: &str, query: &str, variables: Value) -> Value {
        self.post(Some(&self.token(scopes)), query, variables).await.1
    }

    /// The same request sent many times at once, each on its own task and lined up to
    /// start together, with every scope; returns the bodies in order.
    pub async fn concurrently(&self, requests: Vec<(&'static str, Value)>) -> Vec<Value> {
        self.concurrently_with_status(requests).await.into_iter().map(|(_, _, body)| body).collect()
    }

    /// Requests sent at once (each on its own task, lined up to start together) with every
    /// scope: each answer's status, `Retry-After` and body, in order.
    pub async fn concurrently_with_status(
        &self,
        requests: Vec<(&'static str, Value)>,
    ) -> Vec<(StatusCode, Option<String>, Value)> {
        let start = Arc::new(tokio::sync::Barrier::new(requests.len()));
        let token = self.token(ALL_SCOPES);
        let tasks = requests.into_iter().map(|(query, variables)| {
            let (router, start) = (self.router.clone(), start.clone());
            let request = graphql_request(Some(&token), query, &variables);
            tokio::spawn(async move {
                start.wait().await;
                let resp = router.oneshot(request).await.expect("the app answers");
                let status = resp.status();
                let retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
                let bytes = resp.into_body().collect().await.expect("body").to_bytes();
                (status, retry_after, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
            })
        });
        futures_util::future::join_all(tasks).await.into_iter().map(|r| r.expect("the request task")).collect()
    }

    /// SQL statements the requests' own work sent so far: the counter `/metrics` exports,
    /// less the anomaly detector's and the audit sealer's (each bounded apart).
    pub fn statements(&self) -> u64 {
        self.store.statements.get() - self.store.anomaly_statements.get() - self.store.background_statements.get()
    }

    /// SQL statements the anomaly detector sent so far.
    pub fn anomaly_statements(&self) -> u64 {
        self.store.anomaly_statements.get()
    }
}

/// A token for the test secret.
pub fn token_for(subject: &str, scopes: &str) -> String {
    customers::http::auth::mint_hs256(SECRET.as_bytes(), subject, scopes, 300, None, None).expect("mint a token")
}

/// A token for the test secret with more claims (`amr`, `acr`).
pub fn token_with(subject: &str, scopes: &str, extra: Value) -> String {
    let extra = extra.as_object().cloned().unwrap_or_default();
    customers::http::auth::mint_hs256_with(SECRET.as_bytes(), subject, scopes, 300, None, None, extra)
        .expect("mint a token")
}

/// Every scope but one.
pub fn all_scopes_but(scope: &str) -> String {
    ALL_SCOPES.split(' ').filter(|s| *s != scope).collect::<Vec<_>>().join(" ")
}

pub fn graphql_request(auth: Option<&str>, query: &str, variables: &Value) -> Request<Body> {
    let mut req = Request::post("/graphql").header("content-type", "application/json");
    if let Some(auth) = auth {
        req = req.header("authorization", format!("Bearer {auth}"));
    }
    let body = json!({ "query": query, "variables": variables }).to_string();
    req.body(Body::from(body)).expect("request")
}

pub async fn call(router: axum::Router, req: Request<Body>) -> (StatusCode, Value) {
    let resp = router.oneshot(req).await.expect("the app answers");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, body)
}
