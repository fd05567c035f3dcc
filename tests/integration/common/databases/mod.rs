//! A database of its own for every test, made quickly from a template: PostgreSQL
//! clones a migrated template database (`CREATE DATABASE … TEMPLATE …`), SQLite copies a
//! migrated file. Nextest runs every test in its own process, so a template is made once
//! for all of them and for later runs: it is named after a hash of the migrations and the
//! test master key, built under a temporary name and renamed into place when complete
//! (PostgreSQL also under an advisory lock, so that one process builds it while the others
//! wait). A template holds what `Store::migrate` and `Store::check_master_key` write.
//!
//! Templates of older migrations stay behind (a few MB each); drop them at will:
//! `customers_template_*` databases, `target/tmp/customers-templates/`.

mod connection;
mod templates;

use connection::{connect_admin, database_url, reachable, redacted};
use sea_orm::ConnectionTrait as _;
use std::path::PathBuf;
use templates::{execute, postgres_template, sqlite_template};

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

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
        Self::postgres_database(true).await
    }

    /// An empty PostgreSQL database (nothing migrated, an empty key store), dropped with
    /// this value: what replicas of a new deployment start on.
    pub async fn empty_postgres() -> Option<Self> {
        Self::postgres_database(false).await
    }

    async fn postgres_database(migrated: bool) -> Option<Self> {
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
        let name = format!("customers_test_{}", uuid::Uuid::now_v7().simple());
        if migrated {
            let template = postgres_template(&admin, &admin_url).await;
            execute(&admin, &format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
        } else {
            execute(&admin, &format!("CREATE DATABASE {name}")).await;
        }
        // The key store: a database of its own, as in a PostgreSQL deployment.
        execute(&admin, &format!("CREATE DATABASE {name}_keys")).await;
        admin.close().await.ok();
        let url = database_url(&admin_url, &name);
        Some(TestDatabase { url, kind: Kind::Postgres { admin_url, name } })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The key store of this database: a second SQLite file, or a second PostgreSQL database.
    pub fn keystore_url(&self) -> String {
        match &self.kind {
            Kind::Sqlite(dir) => format!("sqlite://{}?mode=rwc", dir.path().join("keystore.db").display()),
            Kind::Postgres { admin_url, name } => database_url(admin_url, &format!("{name}_keys")),
        }
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
        let keys = format!("DROP DATABASE IF EXISTS {name}_keys WITH (FORCE)");
        // Drop runs inside the test's runtime: block on a thread with a runtime of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                if let Ok(admin) = connect_admin(&admin_url).await {
                    let _ = admin.execute_unprepared(&sql).await;
                    let _ = admin.execute_unprepared(&keys).await;
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
