//! Search latency (`searchCustomers`, issue 12) over N seeded profiles.
//!
//!   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search BENCH_PROFILES=100000 \
//!     cargo bench --bench search
//!
//! `BENCH_PROFILES` (2000) profiles are seeded straight through the store (a name from 300
//! first names × 1000 surnames, a phone, an e-mail; sealed and tokenised as the service
//! does): `store::bulk::insert_profiles` (which writes the search tokens too), 2,000 profiles per
//! transaction, 3 transactions in flight on PostgreSQL, a progress line per 20,000. Measured
//! 2026-11-30 (release, PostgreSQL, fresh database): 1,000,000 profiles (~27 tokens each)
//! in 315 s, 3,178 profiles/s on average (~4,500/s at first, falling as the indexes grow;
//! load average 2.9–8 on 2 cores), where the repository-by-repository seeding ran at
//! ~58/s. PostgreSQL's CPU is the limit (the seeder itself uses ~6%). After seeding, on
//! PostgreSQL, the tokens' index is compacted (`store::search::compact`, as `customers
//! reindex` does) and the database analysed (without statistics, full-name searches at 1M
//! took 1.5 s, with them 21 ms at p50: docs/benchmarks.md). Unless the database already holds at least that
//! many (`BENCH_RESEED=1` seeds again): a 1M-profile database is seeded once and measured
//! many times (its key store is kept in a file of the temporary directory named after the
//! database, or `BENCH_KEYSTORE_URL`). `BENCH_ITERATIONS` (300) searches are measured per kind of text; the
//! database is the one named (PostgreSQL; SQLite by default, a temporary file).
//!
//! Prints p50 / p95 / p99 / max and SQL statements per search, per kind: the query alone
//! (`store::search::find`, first 20) and the whole service call (with its audit entry,
//! one INSERT and its commit).

use customers::domain::audit::Actor;
use customers::domain::enums::LabelSource;
use customers::domain::id::CustomerId;
use customers::domain::identity::IdentitySpec;
use customers::domain::search::{SearchPlan, SearchText, TOTAL_CAP};
use customers::domain::{Channel, Pii};
use customers::service::search::Search;
use customers::store::bulk::{self, NewProfile};
use customers::store::{Store, search};
use std::time::{Duration, Instant};

/// The text of the i-th search of a kind.
type TextOf = Box<dyn Fn(usize) -> String>;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const FIRST: [&str; 30] = [
    "james",
    "mary",
    "robert",
    "patricia",
    "john",
    "jennifer",
    "michael",
    "linda",
    "david",
    "elizabeth",
    "william",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "ayesha",
    "ali",
    "fatima",
    "muhammad",
    "zainab",
    "hassan",
    "maria",
    "jose",
    "lucia",
    "carlos",
    "sofia",
    "mateo",
];
const LAST: [&str; 20] = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "khan",
    "ahmed",
    "hussain",
    "malik",
    "qureshi",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
];

/// Profile `n`'s name: 300 first names (10 variants of each) × 1000 surnames (50 of each).
fn name(n: usize) -> String {
    let first = format!("{}{}", FIRST[n % 30], ["", "a", "e", "o", "i", "y", "n", "s", "t", "r"][(n / 30) % 10]);
    let last = format!("{}{}", LAST[(n / 300) % 20], (n / 6000) % 50);
    format!("{} {}", capital(&first), capital(&last))
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn phone(n: usize) -> String {
    format!("+92300{n:07}")
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()));
    let master = customers::store::MasterKey::from_bytes([7; 32]);
    // The key store: a SQLite file kept beside the temporary directory for a PostgreSQL
    // database, so that a database seeded once is measured again with its keys.
    let keystore = std::env::var("BENCH_KEYSTORE_URL").unwrap_or_else(|_| {
        let file = if url.starts_with("postgres") {
            let db = url.rsplit('/').next().unwrap_or("bench").replace(['?', '&', '='], "_");
            std::env::temp_dir().join(format!("customers-bench-search-{db}.keystore.db"))
        } else {
            dir.path().join("keystore.db")
        };
        format!("sqlite://{}?mode=rwc", file.display())
    });
    let codec = customers::store::PiiCodec::open_keystore(&keystore, &master, None).await.unwrap();
    let store = Store::connect(&url, codec).await.unwrap();
    store.migrate().await.unwrap();
    store.check_master_key().await.unwrap();
    let services = customers::service::Services::new(store.clone(), Default::default());
    let profiles = env_or("BENCH_PROFILES", 2000).max(1);
    let held = search::ids_after(&store.db, None, profiles as u64).await.unwrap().len();
    println!("backend: {}", if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" });
    if held < profiles || std::env::var("BENCH_RESEED").is_ok() {
        seed(&store, held, profiles).await;
    } else {
        println!("{held} profiles already seeded");
    }
    let iterations = env_or("BENCH_ITERATIONS", 300).max(1);
    let kinds: [(&str, TextOf); 6] = [
        ("full name", Box::new(move |i| name(i * 7919 % profiles))),
        ("surname word", Box::new(move |i| name(i * 7919 % profiles).split(' ').nth(1).unwrap_or("").to_owned())),
        ("2-letter prefix", Box::new(|i| FIRST[i % 30][..2].to_owned())),
        ("prefix + word", Box::new(move |i| format!("{} {}", &FIRST[i % 30][..3], LAST[i % 20]))),
        ("phone last 6", Box::new(move |i| phone(i * 7919 % profiles)[9..].to_owned())),
        ("exact e-mail", Box::new(move |i| format!("c{}@example.com", i * 7919 % profiles))),
    ];
    println!("{iterations} searches per kind; load average {}", loadavg());
    for (kind, text) in &kinds {
        let mut query = Vec::with_capacity(iterations);
        let mut service = Vec::with_capacity(iterations);
        let mut counted = Vec::with_capacity(iterations);
        let (mut found, before) = (0, store.statements.get());
        for i in 0..iterations {
            let text = SearchText::parse("text", &text(i)).unwrap();
            let plan = SearchPlan::new(&text, &services.normalize);
            let started = Instant::now();
            let hits = search::find(&store.db, &store.codec, &plan, &Default::default(), None, 21).await.unwrap();
            query.push(started.elapsed());
            found += hits.len();
            let started = Instant::now();
            search::count(&store.db, &store.codec, &plan, &Default::default(), TOTAL_CAP).await.unwrap();
            counted.push(started.elapsed());
            let started = Instant::now();
            let asked = Search { text, query: Default::default(), after: None, limit: 21 };
            services.search_customers(&Actor::system("bench"), &asked).await.unwrap();
            service.push(started.elapsed());
        }
        let statements = (store.statements.get() - before) as f64 / iterations as f64;
        report(&format!("{kind}: query"), &mut query);
        report(&format!("{kind}: totalCount (capped at {TOTAL_CAP})"), &mut counted);
        report(&format!("{kind}: service (+ audit)"), &mut service);
        println!(
            "    {:.1} results per search, {statements:.1} statements per query + count + service call",
            found as f64 / iterations as f64
        );
    }
}

/// Profiles per transaction: one multi-row insert per table (`store::bulk`), then the
/// batch's search tokens (written by `insert_profiles`: the rows `search::rebuild` writes, from
/// the profiles in memory instead of read back).
const SEED_BATCH: usize = 2000;
/// Transactions in flight: the database works on one batch while another is sealed here.
const SEED_TASKS: usize = 3;

fn new_profile(n: usize) -> NewProfile {
    let ident = |channel, value| IdentitySpec {
        channel,
        provider: None,
        value: Pii::new(value),
        verified: true,
        primary: true,
        shared: false,
    };
    NewProfile {
        id: CustomerId::generate(),
        display_name: Some(Pii::new(name(n))),
        identities: vec![ident(Channel::Phone, phone(n)), ident(Channel::Email, format!("c{n}@example.com"))],
        identity_ids: vec![],
        attributes: vec![],
        label_ids: vec![],
        preferences: None,
        external_refs: vec![],
    }
}

async fn seed_batch(store: &Store, from: usize, to: usize) {
    let profiles: Vec<NewProfile> = (from..to).map(new_profile).collect();
    let tx = store.begin_write().await.unwrap();
    bulk::insert_profiles(&tx, &store.codec, &profiles, "bench", LabelSource::Manual).await.unwrap();
    customers::store::commit(tx).await.unwrap();
}

async fn seed(store: &Store, from: usize, to: usize) {
    let started = Instant::now();
    // SQLite has one writer: concurrent transactions would only wait for each other.
    let tasks = if store.backend() == sea_orm::DbBackend::Sqlite { 1 } else { SEED_TASKS };
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(from));
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let (store, next) = (store.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let start = next.fetch_add(SEED_BATCH, std::sync::atomic::Ordering::Relaxed);
                    if start >= to {
                        return;
                    }
                    let end = (start + SEED_BATCH).min(to);
                    seed_batch(&store, start, end).await;
                    if end.is_multiple_of(20_000) || end == to {
                        let rate = (end - from) as f64 / started.elapsed().as_secs_f64();
                        eprintln!("seeded {end}/{to} ({rate:.0} profiles/s, load {})", loadavg());
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = started.elapsed();
    let rate = (to - from) as f64 / elapsed.as_secs_f64();
    println!("seeded {} profiles in {elapsed:.1?} ({rate:.0} profiles/s, load {})", to - from, loadavg());
    // As `customers reindex` leaves it: the tokens' index rebuilt in key order (seeded batch
    // by batch it is ~1.5× larger and scattered), then statistics for the planner.
    if store.backend() == sea_orm::DbBackend::Postgres {
        let started = Instant::now();
        search::compact(&store.db).await.unwrap();
        sea_orm::ConnectionTrait::execute_unprepared(&store.db, "VACUUM (ANALYZE)").await.unwrap();
        println!("index compacted and database analysed in {:.1?}", started.elapsed());
    }
}

fn report(label: &str, samples: &mut [Duration]) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    println!(
        "{label:<32} p50 {:>9.2?}  p95 {:>9.2?}  p99 {:>9.2?}  max {:>9.2?}",
        at(0.50),
        at(0.95),
        at(0.99),
        samples[samples.len() - 1]
    );
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split(' ').take(3).collect::<Vec<_>>().join(" ")
}
