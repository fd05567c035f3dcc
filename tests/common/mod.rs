//! Test harness: the real app (`customers::app`) driven with `oneshot`, on a fresh
//! database per test — a temporary SQLite file, or a new PostgreSQL database that is
//! dropped when the test ends.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use customers::config::{Secret, Settings};
use customers::store::Store;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use std::path::PathBuf;
use tower::ServiceExt as _;

pub const SECRET: &str = "test-secret-0123456789abcdef-0123456789";
/// base64 of 32 bytes: the master key PII is encrypted with in tests.
pub const TEST_MASTER_KEY: &str = "dGVzdC1tYXN0ZXIta2V5LTAxMjM0NTY3ODlhYmNkZWY=";
pub const ALL_SCOPES: &str =
    "customers:read pii:read customers:write labels:assign labels:manage customers:merge schema:manage privacy:admin";

/// Runs each listed test on SQLite and on PostgreSQL: `name::sqlite`, `name::postgres`.
#[macro_export]
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
                let app = $crate::common::TestApp::postgres().await;
                super::$name(&app).await;
            }
        }
    )+};
}

pub enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

pub struct TestApp {
    pub router: axum::Router,
    pub store: Store,
    pub backend: Backend,
}

pub fn settings(database_url: &str, data_dir: PathBuf) -> Settings {
    Settings {
        database_url: database_url.to_owned(),
        listen: "127.0.0.1:0".parse().expect("an address"),
        jwt_secret: Some(Secret::new(SECRET)),
        jwks: None,
        jwt_issuer: None,
        jwt_audience: None,
        jwt_max_lifetime_secs: customers::config::DEFAULT_JWT_MAX_LIFETIME_SECS,
        master_key: Some(Secret::new(TEST_MASTER_KEY)),
        data_dir,
        default_region: Some(customers::domain::identity::parse_region("PK").expect("a region")),
        log_format: None,
        limits: customers::config::Limits::default(),
    }
}

/// Where the PostgreSQL tests create their databases.
pub fn postgres_admin_url() -> String {
    std::env::var("CUSTOMERS_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl TestApp {
    async fn build(url: &str, data_dir: PathBuf, backend: Backend) -> Self {
        let settings = settings(url, data_dir);
        let key = customers::startup::master_key(&settings).expect("the test master key");
        let store =
            Store::connect(url, customers::store::PiiCodec::new(&key)).await.expect("connect to the test database");
        store.migrate().await.expect("migrate the test database");
        store.check_master_key().await.expect("the master key check");
        let state = customers::startup::state_with_store(&settings, store.clone()).expect("build the app state");
        TestApp { router: customers::app(state), store, backend }
    }

    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/customers.db?mode=rwc", dir.path().display());
        let data = dir.path().to_path_buf();
        Self::build(&url, data, Backend::Sqlite(dir)).await
    }

    pub async fn postgres() -> Self {
        use sea_orm::ConnectionTrait as _;
        let admin_url = postgres_admin_url();
        let name = format!("customers_test_{}", uuid::Uuid::now_v7().simple());
        let admin = sea_orm::Database::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is not reachable at {admin_url} ({e}); start it or set CUSTOMERS_TEST_POSTGRES_URL")
        });
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create the test database");
        admin.close().await.ok();
        let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or(admin_url.clone());
        let url = format!("{base}/{name}");
        let dir = std::env::temp_dir();
        Self::build(&url, dir, Backend::Postgres { admin_url, name }).await
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres { .. })
    }

    pub fn token(&self, scopes: &str) -> String {
        customers::http::auth::mint_hs256(SECRET.as_bytes(), "agent-007", scopes, 300, None, None).expect("mint")
    }

    /// POST a GraphQL request with an optional bearer token; returns (status, body).
    pub async fn post(&self, auth: Option<&str>, query: &str, variables: Value) -> (StatusCode, Value) {
        let mut req = Request::post("/graphql").header("content-type", "application/json");
        if let Some(auth) = auth {
            req = req.header("authorization", format!("Bearer {auth}"));
        }
        let body = json!({ "query": query, "variables": variables }).to_string();
        self.send(req.body(Body::from(body)).expect("request")).await
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        let resp = self.router.clone().oneshot(req).await.expect("the app answers");
        let status = resp.status();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let body =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, body)
    }

    /// A request with every scope; panics on GraphQL errors. Returns `data`.
    pub async fn admin(&self, query: &str, variables: Value) -> Value {
        let (_, body) = self.post(Some(&self.token(ALL_SCOPES)), query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// A request with the given scopes; returns the whole body (data and errors).
    pub async fn as_scopes(&self, scopes: &str, query: &str, variables: Value) -> Value {
        self.post(Some(&self.token(scopes)), query, variables).await.1
    }

    pub fn statements(&self) -> u64 {
        self.store.statements.get()
    }

    /// Create a customer with every scope; returns its id.
    pub async fn create_customer(&self, input: Value) -> String {
        let data = self
            .admin(
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }",
                json!({ "input": input }),
            )
            .await;
        data["createCustomer"]["id"].as_str().expect("id").to_owned()
    }

    pub async fn create_label(&self, name: &str) -> String {
        let data = self
            .admin(
                "mutation($n: String!) { createLabel(input: { name: $n, color: \"#aa0000\" }) { id } }",
                json!({ "n": name }),
            )
            .await;
        data["createLabel"]["id"].as_str().expect("id").to_owned()
    }

    pub async fn define_attribute(&self, input: Value) {
        self.admin(
            "mutation($i: AttributeDefinitionInput!) { defineAttribute(input: $i) { key } }",
            json!({ "i": input }),
        )
        .await;
    }

    /// Count rows of a table directly (to prove nothing was written).
    pub async fn count_rows(&self, table: &str) -> i64 {
        use sea_orm::{ConnectionTrait as _, Statement};
        let backend = self.store.backend();
        let row = self
            .store
            .db
            .query_one_raw(Statement::from_string(backend, format!("SELECT COUNT(*) AS n FROM {table}")))
            .await
            .expect("count")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("n")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Backend::Postgres { admin_url, name } = &self.backend {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime: use a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    use sea_orm::ConnectionTrait as _;
                    if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// The codes of the errors in a response.
pub fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errs| errs.iter().filter_map(|e| e["extensions"]["code"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// The first error's `extensions.field`.
pub fn error_field(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["field"].as_str().map(String::from)
}
