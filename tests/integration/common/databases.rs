//! A database of its own for every test, made in milliseconds from a template: PostgreSQL
//! clones a migrated template database (`CREATE DATABASE … TEMPLATE …`), SQLite copies a
//! migrated file. Nextest runs every test in its own process, so a template is made once
//! for all of them and for later runs: it is named after a hash of the migrations and the
//! test master key, built under a temporary name and renamed into place when complete
//! (PostgreSQL also under an advisory lock, so that one process builds it while the others
//! wait). A template holds what `Store::migrate` and `Store::check_master_key` write.
//!
//! Templates of older migrations stay behind (a few MB each); drop them at will:
//! `customers_template_*` databases, `target/tmp/customers-templates/`.

use super::test_codec;
use customers::store::Store;
use sea_orm::{ConnectOptions, ConnectionTrait as _, DatabaseConnection, Statement};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Per session, for speed: a test database need not survive a crash of the server.
const SESSION_OPTIONS: &str = "options=-c%20synchronous_commit%3Doff";
/// `pg_advisory_lock` key of the template build (any constant both processes agree on).
const TEMPLATE_LOCK: i64 = 0x637573_746d706c;

pub struct TestDatabase {
    url: String,
    kind: Kind,
}

enum Kind {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A copy of the migrated SQLite template in a new temporary folder.
    pub async fn sqlite() -> Self {
        let template = sqlite_template().await;
        let dir = tempfile::tempdir().expect("a temporary folder");
        let file = dir.path().join("customers.db");
        std::fs::copy(&template, &file).unwrap_or_else(|e| panic!("copy {}: {e}", template.display()));
        TestDatabase { url: format!("sqlite://{}?mode=rwc", file.display()), kind: Kind::Sqlite(dir) }
    }

    /// A clone of the migrated PostgreSQL template, dropped with this value. `None` (after
    /// saying so on stderr) when PostgreSQL is not reachable, unless it is required.
    pub async fn postgres() -> Option<Self> {
        let admin_url = std::env::var("CUSTOMERS_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
        let admin = match reachable(&admin_url).await {
            Ok(admin) => admin,
            Err(e) if postgres_required() => panic!(
                "PostgreSQL is not reachable at {} ({e}) and CUSTOMERS_TEST_REQUIRE_POSTGRES is set: start it or set CUSTOMERS_TEST_POSTGRES_URL",
                redacted(&admin_url)
            ),
            Err(e) => {
                // Straight to stderr: the test harness's capture would hide a passing test's eprintln!.
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "PostgreSQL half skipped: not reachable at {} ({e}); CUSTOMERS_TEST_REQUIRE_POSTGRES=1 makes this a failure",
                    redacted(&admin_url)
                );
                return None;
            }
        };
        let template = postgres_template(&admin, &admin_url).await;
        let name = format!("customers_test_{}", uuid::Uuid::now_v7().simple());
        execute(&admin, &format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
        admin.close().await.ok();
        let url = database_url(&admin_url, &name);
        Some(TestDatabase { url, kind: Kind::Postgres { admin_url, name } })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the service may keep files.
    pub fn data_dir(&self) -> PathBuf {
        match &self.kind {
            Kind::Sqlite(dir) => dir.path().to_path_buf(),
            Kind::Postgres { .. } => std::env::temp_dir(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.kind, Kind::Postgres { .. })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Kind::Postgres { admin_url, name } = &self.kind else { return };
        let (admin_url, sql) = (admin_url.clone(), format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        // Drop runs inside the test's runtime: block on a thread with a runtime of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                if let Ok(admin) = connect_admin(&admin_url).await {
                    let _ = admin.execute_unprepared(&sql).await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

fn postgres_required() -> bool {
    std::env::var("CUSTOMERS_TEST_REQUIRE_POSTGRES").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// A template key: a hash of the migrations (read now, so that a changed migration makes a
/// new template without a rebuild of the tests) and of the master key the probe is sealed with.
fn template_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| {
        use sha2::Digest as _;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/src");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("a migrations file").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
            .collect();
        files.sort();
        let mut hash = sha2::Sha256::new();
        hash.update(super::TEST_MASTER_KEY);
        for file in files {
            hash.update(file.file_name().expect("a file name").as_encoded_bytes());
            hash.update(std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())));
        }
        hash.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
    })
}

/// Migrate a new database and write the master key probe: what every template holds.
async fn prepare(url: &str) -> Store {
    let store = Store::connect(url, test_codec()).await.expect("connect to the template being built");
    store.migrate().await.expect("migrate the template");
    store.check_master_key().await.expect("write the master key probe");
    store
}

async fn sqlite_template() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("customers-templates");
    let template = dir.join(format!("sqlite-{}.db", template_key()));
    if template.exists() {
        return template;
    }
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let build = tempfile::tempdir_in(&dir).expect("a folder to build the template in");
    let store = prepare(&format!("sqlite://{}?mode=rwc", build.path().join("build.db").display())).await;
    // One self-contained file (no WAL beside it), then renamed into place in one step.
    let built = build.path().join("template.db");
    execute(&store.db, &format!("VACUUM INTO '{}'", built.display().to_string().replace('\'', "''"))).await;
    store.db.close().await.ok();
    std::fs::rename(&built, &template).unwrap_or_else(|e| panic!("{}: {e}", template.display()));
    template
}

/// The template's name, built first if need be. Nobody stays connected to it (it refuses
/// connections): `CREATE DATABASE … TEMPLATE` needs that.
async fn postgres_template(admin: &DatabaseConnection, admin_url: &str) -> String {
    let name = format!("customers_template_{}", template_key());
    if database_exists(admin, &name).await {
        return name;
    }
    execute(admin, &format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})")).await;
    if !database_exists(admin, &name).await {
        // Under the lock nobody else is building: what is left was left by a build that died.
        for leftover in databases_where(admin, "datname LIKE 'customers\\_building\\_%'").await {
            execute(admin, &format!("DROP DATABASE IF EXISTS {leftover} WITH (FORCE)")).await;
        }
        let building = format!("customers_building_{}", uuid::Uuid::now_v7().simple());
        execute(admin, &format!("CREATE DATABASE {building}")).await;
        prepare(&database_url(admin_url, &building)).await.db.close().await.ok();
        execute(admin, &format!("ALTER DATABASE {building} WITH ALLOW_CONNECTIONS false")).await;
        execute(admin, &format!("ALTER DATABASE {building} RENAME TO {name}")).await;
    }
    execute(admin, &format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})")).await;
    name
}

async fn database_exists(admin: &DatabaseConnection, name: &str) -> bool {
    !databases_where(admin, &format!("datname = '{name}'")).await.is_empty()
}

async fn databases_where(admin: &DatabaseConnection, condition: &str) -> Vec<String> {
    let sql = format!("SELECT datname FROM pg_database WHERE {condition}");
    let rows = admin.query_all_raw(Statement::from_string(admin.get_database_backend(), sql)).await;
    rows.expect("list databases").iter().map(|row| row.try_get::<String>("", "datname").expect("datname")).collect()
}

async fn execute(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The administrative connection, or why there is none. A refused TCP connection answers
/// at once (sqlx would retry it until its timeout, for each of the PostgreSQL tests).
async fn reachable(admin_url: &str) -> Result<DatabaseConnection, String> {
    let host = admin_url.split_once("://").map_or("", |(_, rest)| rest).split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    if !host.is_empty() {
        let address = if host.contains(':') && !host.ends_with(']') { host.to_owned() } else { format!("{host}:5432") };
        let connect = tokio::net::TcpStream::connect(address);
        match tokio::time::timeout(Duration::from_secs(2), connect).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e.to_string()),
            Err(_) => return Err("no answer within 2 s".into()),
        }
    }
    connect_admin(admin_url).await.map_err(|e| e.to_string())
}

/// One connection (the advisory lock belongs to a session) to the administrative database.
async fn connect_admin(admin_url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(with_session_options(admin_url));
    options.max_connections(1).min_connections(1).connect_timeout(Duration::from_secs(3)).sqlx_logging(false);
    sea_orm::Database::connect(options).await
}

/// The URL of another database on the same server, with the test session options.
fn database_url(admin_url: &str, database: &str) -> String {
    let (without_query, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
    let authority_end = without_query.find("://").map_or(0, |i| i + 3);
    let server = match without_query[authority_end..].find('/') {
        Some(slash) => &without_query[..authority_end + slash],
        None => without_query,
    };
    let url = if query.is_empty() { format!("{server}/{database}") } else { format!("{server}/{database}?{query}") };
    with_session_options(&url)
}

/// Adds the test session options, and on this machine no TLS (a TLS handshake costs a
/// debug build some 90 ms, and every test connects three times), unless the URL says otherwise.
fn with_session_options(url: &str) -> String {
    let (_, query) = url.split_once('?').unwrap_or((url, ""));
    let has = |key: &str| query.split('&').any(|p| p.starts_with(key));
    let host = url.split_once("://").map_or("", |(_, rest)| rest).split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let local = ["127.0.0.1", "localhost", "[::1]"].iter().any(|h| host == *h || host.starts_with(&format!("{h}:")));
    let mut extra = Vec::new();
    if !has("options=") {
        extra.push(SESSION_OPTIONS);
    }
    if local && !has("sslmode=") {
        extra.push("sslmode=disable");
    }
    match (extra.is_empty(), query.is_empty()) {
        (true, _) => url.to_owned(),
        (false, true) => format!("{}?{}", url.trim_end_matches('?'), extra.join("&")),
        (false, false) => format!("{url}&{}", extra.join("&")),
    }
}

/// The URL without its password, for messages.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    match rest.split_once('@') {
        Some((credentials, host)) if credentials.contains(':') => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}
