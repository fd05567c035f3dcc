//! What the benchmarks share: the service's settings for a benchmark, and the store they
//! open, migrated and checked as `customers serve` does.

use customers::config::{Limits, Secret, Settings};
use customers::store::Store;
use std::path::Path;

/// The allocator the service's binary runs with (`src/main.rs`), so the figures are its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The HS256 secret the benchmarks mint their tokens with.
pub const SECRET: &str = "bench-secret-0123456789abcdef-0123456789";

/// Production defaults on `url`, data in `dir`. `BENCH_KEYSTORE_URL` sets the key store
/// (default: a SQLite file beside the data). Every limit is checked as in production; the
/// rate is raised so that one principal sending calls back to back is measured, not refused.
pub fn settings(url: &str, dir: &Path) -> Settings {
    Settings {
        jwt_secret: Some(Secret::new(SECRET)),
        keystore_url: std::env::var("BENCH_KEYSTORE_URL").ok(),
        default_region: Some(customers::domain::identity::parse_region("PK").unwrap()),
        limits: Limits { rate_per_second: 1_000_000, rate_burst: 1_000_000, ..Limits::default() },
        ..Settings::embedded(url, dir.to_path_buf())
    }
}

/// The store of `settings`, migrated, under its master key.
pub async fn store(settings: &Settings) -> Store {
    let codec = customers::startup::codec(settings).await.unwrap();
    // The service's pool settings (`CUSTOMERS_DB_…`, `CUSTOMERS_AUDIT_READS_SYNC`), the size
    // from `BENCH_DB_MAX_CONNECTIONS` when it is set.
    let mut pool = customers::config::PoolSettings::from_env().unwrap();
    if let Some(max) = std::env::var("BENCH_DB_MAX_CONNECTIONS").ok().and_then(|v| v.parse().ok()) {
        pool.max_connections = Some(max);
    }
    let store = Store::connect_pooled(&settings.database_url, codec, None, &pool).await.unwrap();
    store.migrate().await.unwrap();
    store.check_master_key().await.unwrap();
    store
}
