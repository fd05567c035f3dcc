//! The templates: built once per version of the migrations, then only cloned or copied.

use super::connection::database_url;
use crate::common::{TEST_MASTER_KEY, test_codec};
use customers::store::Store;
use sea_orm::{ConnectionTrait as _, DatabaseConnection, Statement};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// `pg_advisory_lock` key of the template build (any constant both processes agree on).
const TEMPLATE_LOCK: i64 = 0x637573_746d706c;

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
        hash.update(TEST_MASTER_KEY);
        for file in files {
            hash.update(file.file_name().expect("a file name").as_encoded_bytes());
            hash.update(std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())));
        }
        hash.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
    })
}

/// Migrate a new database and write the master key probe: what every template holds.
async fn prepare(url: &str) -> Store {
    let store = Store::connect(url, test_codec().await).await.expect("connect to the template being built");
    store.migrate().await.expect("migrate the template");
    store.check_master_key().await.expect("write the master key probe");
    store
}

pub(super) async fn sqlite_template() -> PathBuf {
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
pub(super) async fn postgres_template(admin: &DatabaseConnection, admin_url: &str) -> String {
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

pub(super) async fn execute(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}
