//! Bulk import throughput (issue 12, item 2): a generated NDJSON file of N full profiles
//! (3 identities, 2 labels, preferences with a consent, 3 attributes of which one PII, an
//! external ref) imported by the job `customers import` runs, profiles per second.
//!
//!   cargo bench --bench import                                   # SQLite (temporary file)
//!   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench cargo bench --bench import
//!
//! `BENCH_PROFILES` (20000) profiles, `BENCH_BATCH` (500) lines per transaction. Each run
//! writes new profiles (its external ids carry the run's time), so it can be rerun on the
//! same database. The machine's load average is printed with the figure.

use customers::domain::attribute::AttributeDefinition;
use customers::domain::audit::Actor;
use customers::domain::enums::AttributeType;
use customers::domain::label::LabelSpec;
use customers::jobs::import::{ImportJob, run as import};
use customers::service::Services;
use customers::store::Store;
use serde_json::json;
use std::io::Write as _;
use std::time::Instant;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()));
    let (n, batch) = (env_or("BENCH_PROFILES", 20_000), env_or("BENCH_BATCH", 500));
    let master = customers::store::MasterKey::from_bytes([7u8; 32]);
    let keystore = std::env::var("BENCH_KEYSTORE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/keys.db?mode=rwc", dir.path().display()));
    let codec = customers::store::PiiCodec::open_keystore(&keystore, &master, None).await.unwrap();
    let store = Store::connect(&url, codec).await.unwrap();
    store.migrate().await.unwrap();
    store.check_master_key().await.unwrap();
    let services = Services::new(store, Default::default());
    let actor = Actor::system("bench");
    for name in ["VIP", "Newsletter"] {
        let _ = services.create_label(&actor, LabelSpec::new(name, None, None).unwrap()).await; // kept from a run before
    }
    for (key, kind, pii) in [
        ("tier", AttributeType::String, false),
        ("score", AttributeType::Number, false),
        ("passport", AttributeType::String, true),
    ] {
        let def = AttributeDefinition::new(key, None, kind, pii, false, None).unwrap();
        services.define_attribute(&actor, def).await.unwrap();
    }

    let run_id = chrono::Utc::now().timestamp_millis();
    let path = dir.path().join("profiles.ndjson");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..n {
        let line = json!({
            "displayName": format!("Bench Person {i}"),
            "identities": [
                { "channel": "EMAIL", "value": format!("p{run_id}.{i}@example.com") },
                { "channel": "PHONE", "value": format!("+92300{:07}", i % 10_000_000) },
                { "channel": "WHATSAPP", "value": format!("+92301{:07}", i % 10_000_000) }
            ],
            "attributes": [
                { "key": "tier", "value": "gold" }, { "key": "score", "value": i }, { "key": "passport", "value": format!("PK-{i:07}") }
            ],
            "labels": ["VIP", "Newsletter"],
            "preferences": { "language": "en", "timezone": "Asia/Karachi", "consents": [{ "channel": "SMS", "status": "OPT_IN" }] },
            "externalRefs": [{ "system": "bench", "externalId": format!("{run_id}-{i}") }]
        });
        writeln!(file, "{line}").unwrap();
    }
    file.flush().unwrap();
    drop(file);

    let job = ImportJob { path, csv: false, map: vec![], batch, restart: false, stop_after_batches: None };
    let before = services.store.statements.get();
    let started = Instant::now();
    let summary = import(&services, &actor, &job, &mut std::io::sink()).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(summary.created as usize, n, "{summary:?}");
    let statements = services.store.statements.get() - before;
    println!("backend: {}", if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" });
    println!(
        "import: {n} full profiles in {secs:.2} s = {:.0} profiles/s ({:.2} statements per profile, batch {batch})",
        n as f64 / secs,
        statements as f64 / n as f64
    );
    println!("load average: {}", std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim());
}
