//! Latency of the hot paths, through the real app (HTTP layer included, no socket):
//! the identification call Channel Manager makes for every interaction, one customer's
//! 360° view, and a page of 50 360° views.
//!
//!   cargo bench --bench hot_paths                      # SQLite (temporary file)
//!   BENCH_DATABASE_URL=postgres://…/db cargo bench --bench hot_paths
//!
//! Prints mean / p50 / p95 / p99 per operation and its SQL statement count.
//!
//! For instruction counts (repeatable on a loaded machine), run a few operations under
//! callgrind, dumping on entering [`profile_start`] and on entering [`profile_end`]: the
//! second dump holds the measured calls only, every thread included (`--zero-before` zeroes
//! the calling thread only):
//!
//!   BENCH_CUSTOMERS=50 BENCH_ITERATIONS=20 BENCH_ONLY=resolve valgrind --tool=callgrind \
//!     --dump-before='*profile_start*' --dump-before='*profile_end*' target/release/deps/hot_paths-…
//!
//! `BENCH_CUSTOMERS` (500) profiles are seeded; `BENCH_ITERATIONS` (300) calls are measured
//! per operation; `BENCH_CLIENTS` (1) callers send them concurrently (the throughput line
//! then shows what the service sustains, e.g. with the database's group commit);
//! `BENCH_ONLY` picks operations: `resolve`, `one`, `page`, `page-unaudited` (the same page,
//! same token, with the audit of the PII shown switched off: against `page`, what the audit
//! costs), `page-interleaved` (the two alternated call by call from one caller, which cancels
//! a shared machine's drift: the audit's cost with one caller), `page-sliced` (`BENCH_CLIENTS`
//! callers for `BENCH_SECONDS`, the audit switched on and off every `BENCH_SLICE_MS`: the
//! same for several callers), `page-masked` (comma-separated);
//! `BENCH_ROUNDS` (1) repeats the selected operations in turn, so that operations compared
//! with each other (`page` and `page-masked`) see the same drift of a shared machine;
//! `BENCH_ANOMALY=off` runs without the anomaly detector; `BENCH_SEALER=off` without the
//! audit sealer (to tell its share of the audit's cost from the entries' own). Otherwise the
//! audit sealer and the anomaly detector's judge run in the background as in the service.

use axum::body::Body;
use axum::http::Request;
use customers::config::Settings;
use customers::store::Store;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tower::ServiceExt as _;

mod common;

use common::SECRET;

/// `name` from the environment, else `default`.
fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Whether `BENCH_ONLY` (absent: every operation) selects `op`.
fn selected(op: &str) -> bool {
    std::env::var("BENCH_ONLY").map_or(true, |only| only.split(',').any(|o| o.trim() == op))
}

/// Callgrind's markers (`--dump-before`): never inlined, and with bodies
/// that differ, else the two are folded into one symbol.
#[inline(never)]
fn profile_start(name: &str) {
    std::hint::black_box(("start", name));
}

#[inline(never)]
fn profile_end(name: &str) {
    std::hint::black_box(("end", name));
}

#[derive(Clone)]
struct Bench {
    router: axum::Router,
    store: Store,
    services: customers::service::Services,
    token: String,
}

impl Bench {
    async fn call(&self, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let req = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", self.token))
            .body(Body::from(body))
            .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(v.get("errors").is_none(), "{v}");
        v["data"].clone()
    }

    async fn measure(&self, name: &str, query: &str, vars: impl Fn(usize) -> Value + Send + Sync + 'static) {
        for i in 0..20 {
            self.call(query, vars(i)).await; // warm up
        }
        let iterations = env_or("BENCH_ITERATIONS", 300).max(1);
        let clients = env_or("BENCH_CLIENTS", 1).clamp(1, iterations);
        let statements = self.store.statements.get();
        let (query, vars) = (std::sync::Arc::<str>::from(query), std::sync::Arc::new(vars));
        profile_start(name);
        let started = Instant::now();
        let callers: Vec<_> = (0..clients)
            .map(|client| {
                let (bench, query, vars) = (self.clone(), query.clone(), vars.clone());
                tokio::spawn(async move {
                    let mut times = Vec::new();
                    for i in (client..iterations).step_by(clients) {
                        let started = Instant::now();
                        bench.call(&query, vars(i)).await;
                        times.push(started.elapsed());
                    }
                    times
                })
            })
            .collect();
        let mut times: Vec<Duration> = Vec::with_capacity(iterations);
        for caller in callers {
            times.extend(caller.await.unwrap());
        }
        let wall = started.elapsed();
        profile_end(name);
        let per_call = (self.store.statements.get() - statements) as f64 / iterations as f64;
        times.sort();
        let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        println!(
            "{name:<34} {clients:>2} clients {:>8.1}/s  mean {:>8.2?}  p50 {:>8.2?}  p95 {:>8.2?}  p99 {:>8.2?}  {per_call:.1} SQL statements/call",
            iterations as f64 / wall.as_secs_f64(),
            mean,
            pct(0.50),
            pct(0.95),
            pct(0.99)
        );
    }
}

impl Bench {
    /// Twenty calls before measuring (connections, statement caches, allocator).
    async fn warm_up(&self, query: &str, vars: &Value) {
        for _ in 0..20 {
            self.call(query, vars.clone()).await;
        }
    }

    /// `page-interleaved`: the page audited and unaudited call by call, from one caller, so
    /// both halves see the same drift of a shared machine (rounds of hundreds of calls
    /// each drift by ±15% here). With one caller throughput is 1 / mean latency, so the
    /// ratio of the means is what the audit costs the throughput.
    ///
    /// A background sealer would spend its time during either half. With `BENCH_SEALER=off`
    /// the sealing is done here instead, in the foreground, once a second as the service's
    /// sealer does, and its time is charged to the audited half: the figure then includes
    /// the sealing at its full cost (more than it costs a caller when it runs on another core).
    async fn interleaved(&self, page: &str) {
        let vars = json!({ "first": 50 });
        self.warm_up(page, &vars).await;
        let iterations = env_or("BENCH_ITERATIONS", 300).max(2);
        let foreground_sealer = std::env::var("BENCH_SEALER").as_deref() == Ok("off");
        self.services.seal_audit().await.unwrap();
        let (mut audited, mut unaudited) = (Vec::new(), Vec::new());
        let (mut sealing, mut sealed, mut last_seal) = (Duration::ZERO, 0, Instant::now());
        for i in 0..iterations {
            if foreground_sealer && last_seal.elapsed() >= Duration::from_secs(1) {
                let started = Instant::now();
                sealed += self.services.seal_audit().await.unwrap();
                sealing += started.elapsed();
                last_seal = Instant::now();
            }
            // Alternate which half goes first in each pair.
            let audit = (i % 2 == 0) == ((i / 2) % 2 == 0);
            self.services.set_read_audit_for_benchmarks(audit);
            let started = Instant::now();
            self.call(page, vars.clone()).await;
            let took = started.elapsed();
            if audit { audited.push(took) } else { unaudited.push(took) }
        }
        self.services.set_read_audit_for_benchmarks(true);
        if foreground_sealer {
            let started = Instant::now();
            sealed += self.services.seal_audit().await.unwrap();
            sealing += started.elapsed();
            // Charged to the audited calls, spread evenly.
            let share = sealing / audited.len() as u32;
            audited.iter_mut().for_each(|took| *took += share);
            println!(
                "sealing: {sealed} entries in {sealing:.2?} ({:.2?} per entry), charged to the audited calls",
                sealing / sealed.max(1) as u32
            );
        }
        let summary = |times: &mut Vec<Duration>| {
            times.sort();
            let mean = times.iter().sum::<Duration>() / times.len() as u32;
            (mean, times[times.len() / 2], times[(times.len() * 95 / 100).min(times.len() - 1)])
        };
        let (a, u) = (summary(&mut audited), summary(&mut unaudited));
        for (name, (mean, p50, p95)) in [("audited", a), ("unaudited", u)] {
            println!(
                "customers(first: 50) 360°, interleaved, {name:<9}  1 clients {:>8.1}/s  mean {mean:>8.2?}  p50 {p50:>8.2?}  p95 {p95:>8.2?}",
                1.0 / mean.as_secs_f64()
            );
        }
        println!(
            "audit cost, interleaved: throughput {:+.1}%  p50 {:+.1}%",
            100.0 * (u.0.as_secs_f64() / a.0.as_secs_f64() - 1.0),
            100.0 * (u.1.as_secs_f64() / a.1.as_secs_f64() - 1.0)
        );
    }

    /// `page-sliced`: `BENCH_CLIENTS` callers send the page for `BENCH_SECONDS` (60) while
    /// the audit is switched on and off every `BENCH_SLICE_MS` (1000): every call in a slice
    /// is audited or none is, so a slice's throughput is that of a service auditing all of
    /// its traffic (CPU and commits included), and alternating slices cancel the machine's
    /// drift as `page-interleaved` does for one caller. A call counts for the slice it ends
    /// in (its record is written at its end).
    async fn sliced(&self, page: &str) {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        let vars = json!({ "first": 50 });
        self.warm_up(page, &vars).await;
        let clients = env_or("BENCH_CLIENTS", 4).max(1);
        let total = Duration::from_secs(env_or("BENCH_SECONDS", 60) as u64);
        let slice = Duration::from_millis(env_or("BENCH_SLICE_MS", 1000) as u64);
        let (epoch, stop) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        self.services.set_read_audit_for_benchmarks(true);
        let callers: Vec<_> = (0..clients)
            .map(|_| {
                let (bench, page, vars) = (self.clone(), page.to_owned(), vars.clone());
                let (epoch, stop) = (epoch.clone(), stop.clone());
                tokio::spawn(async move {
                    let mut ended_in = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        bench.call(&page, vars.clone()).await;
                        ended_in.push(epoch.load(Ordering::Relaxed));
                    }
                    ended_in
                })
            })
            .collect();
        // Slice n audits when n is even.
        let started = Instant::now();
        let mut spent = [Duration::ZERO; 2];
        let mut cpu = [CpuTicks::default(); 2];
        let mut n = 0u64;
        while started.elapsed() < total {
            let from = Instant::now();
            let ticks = CpuTicks::now();
            tokio::time::sleep(slice).await;
            spent[(n % 2) as usize] += from.elapsed();
            cpu[(n % 2) as usize].add(&CpuTicks::now().since(&ticks));
            n += 1;
            self.services.set_read_audit_for_benchmarks(n.is_multiple_of(2));
            epoch.store(n, Ordering::Relaxed);
        }
        stop.store(true, Ordering::Relaxed);
        let mut calls = [0u64; 2];
        for caller in callers {
            for ended in caller.await.unwrap() {
                if ended < n {
                    calls[(ended % 2) as usize] += 1;
                }
            }
        }
        self.services.set_read_audit_for_benchmarks(true);
        let rate = |m: usize| calls[m] as f64 / spent[m].as_secs_f64();
        for (name, m) in [("audited", 0), ("unaudited", 1)] {
            println!(
                "customers(first: 50) 360°, sliced, {name:<9} {clients:>2} clients {:>8.1}/s  ({} calls in {:.1?})",
                rate(m),
                calls[m],
                spent[m]
            );
        }
        for (name, m) in [("audited", 0), ("unaudited", 1)] {
            println!("  {name:<9} {}", cpu[m].describe(calls[m]));
        }
        println!("audit cost, sliced, {clients} clients: throughput {:+.1}%", 100.0 * (rate(0) / rate(1) - 1.0));
    }
}

/// Where the machine's CPU went during a slice (Linux: `/proc/stat`'s `cpu` line and this
/// process's own `utime + stime`, in clock ticks): busy, waiting for I/O, stolen by the
/// host, idle; and how much of the busy time was this process (the rest is PostgreSQL and
/// whatever else runs). Tells a cost in CPU from a cost in waiting.
#[derive(Clone, Copy, Default)]
struct CpuTicks {
    busy: u64,
    iowait: u64,
    steal: u64,
    idle: u64,
    ours: u64,
}

impl CpuTicks {
    fn now() -> Self {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let f: Vec<u64> =
            stat.lines().next().unwrap_or_default().split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
        let at = |i: usize| f.get(i).copied().unwrap_or(0);
        let own = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        // Fields after the command's closing parenthesis, from `state`: utime and stime are
        // the 12th and 13th.
        let own: Vec<u64> = own
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .map(|v| v.parse().unwrap_or(0))
            .collect();
        Self {
            busy: at(0) + at(1) + at(2) + at(5) + at(6),
            idle: at(3),
            iowait: at(4),
            steal: at(7),
            ours: own.get(11).copied().unwrap_or(0) + own.get(12).copied().unwrap_or(0),
        }
    }

    fn since(&self, before: &Self) -> Self {
        Self {
            busy: self.busy - before.busy,
            iowait: self.iowait - before.iowait,
            steal: self.steal - before.steal,
            idle: self.idle - before.idle,
            ours: self.ours - before.ours,
        }
    }

    fn add(&mut self, other: &Self) {
        self.busy += other.busy;
        self.iowait += other.iowait;
        self.steal += other.steal;
        self.idle += other.idle;
        self.ours += other.ours;
    }

    /// Shares of the machine's time, and CPU milliseconds per call (100 ticks a second).
    fn describe(&self, calls: u64) -> String {
        let all = (self.busy + self.iowait + self.steal + self.idle).max(1) as f64;
        let share = |t: u64| 100.0 * t as f64 / all;
        let per_call = |t: u64| 10.0 * t as f64 / calls.max(1) as f64;
        format!(
            "machine: busy {:.1}%  iowait {:.1}%  steal {:.1}%  idle {:.1}%;  CPU per call: ours {:.2} ms, the rest {:.2} ms",
            share(self.busy),
            share(self.iowait),
            share(self.steal),
            share(self.idle),
            per_call(self.ours),
            per_call(self.busy.saturating_sub(self.ours)),
        )
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()));
    let settings = Settings {
        // `BENCH_ANOMALY=off`: without the anomaly detector.
        anomaly: customers::domain::anomaly::Policy {
            enabled: std::env::var("BENCH_ANOMALY").map_or(true, |v| v != "off"),
            ..Default::default()
        },
        ..common::settings(&url, dir.path())
    };
    let store = common::store(&settings).await;
    let state = customers::startup::state_with_store(&settings, store.clone()).await.unwrap();
    // The background work of a running service.
    let _sealer = (std::env::var("BENCH_SEALER").as_deref() != Ok("off"))
        .then(|| state.services.spawn_audit_sealer(settings.audit_seal_interval));
    let _judge = state.services.anomaly.spawn_judge(settings.anomaly_judge_interval);
    let scopes = "customers:read pii:read customers:write labels:assign labels:manage schema:manage";
    let token = customers::http::auth::mint_hs256(SECRET.as_bytes(), "bench", scopes, 3600, None, None).unwrap();
    let services = state.services.clone();
    let bench = Bench { router: customers::app(state), store, services, token };

    println!("backend: {}", if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" });
    bench.call("mutation { defineAttribute(input: { key: \"tier\", type: ENUM, enumValues: [\"gold\", \"silver\"] }) { key } }", json!({})).await;
    bench.call("mutation { defineAttribute(input: { key: \"dob\", type: DATE, pii: true }) { key } }", json!({})).await;
    let vip =
        bench.call("mutation { createLabel(input: { name: \"VIP\" }) { id } }", json!({})).await["createLabel"]["id"]
            .clone();
    let customers = env_or("BENCH_CUSTOMERS", 500).max(1);
    let mut ids = Vec::with_capacity(customers);
    let seeded = Instant::now();
    for n in 0..customers {
        let data = bench
            .call(
                "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }",
                json!({ "i": {
                    "displayName": format!("Customer {n}"),
                    "identities": [
                        { "channel": "PHONE", "value": format!("+44 7911 {:06}", 100000 + n), "primary": true, "verified": true },
                        { "channel": "EMAIL", "value": format!("c{n}@example.com") }
                    ],
                    "labelIds": [vip],
                    "attributes": [{ "key": "tier", "value": "gold" }, { "key": "dob", "value": "1990-01-01" }],
                    "preferences": { "timezone": "Europe/London", "consents": [{ "channel": "SMS", "status": "OPT_IN" }] }
                } }),
            )
            .await;
        let id = data["createCustomer"]["id"].as_str().unwrap().to_owned();
        for k in 0..3 {
            bench
                .call(
                    "mutation($c: ID!, $i: InteractionInput!) { linkInteraction(customerId: $c, interaction: $i) { id } }",
                    json!({ "c": id, "i": { "conversationId": format!("conv-{n}-{k}"), "kind": "CONVERSATION", "channel": "PHONE", "direction": "INBOUND", "startedAt": format!("2026-11-{:02}T10:00:00Z", k + 1) } }),
                )
                .await;
        }
        ids.push(id);
    }
    let ids = std::sync::Arc::new(ids);
    println!(
        "seeded {customers} full profiles in {:.2?} ({:.2?} per profile with 3 interactions)",
        seeded.elapsed(),
        seeded.elapsed() / customers as u32
    );

    for round in 1..=env_or("BENCH_ROUNDS", 1).max(1) {
        println!("round {round}");
        measure_selected(&bench, &ids, customers).await;
    }
}

async fn measure_selected(bench: &Bench, ids: &std::sync::Arc<Vec<String>>, customers: usize) {
    if selected("resolve") {
        bench
            .measure("resolveCustomer (known)", "query($v: String!) { resolveCustomer(identity: { channel: PHONE, value: $v }) { status customer { id } } }", move |i| {
                json!({ "v": format!("0044 7911 {:06}", 100000 + i % customers) })
            })
            .await;
    }
    if selected("one") {
        let ids = ids.clone();
        let one = include_str!("../tests/operations/customer.graphql");
        bench.measure("customer(id) 360° view", one, move |i| json!({ "id": ids[i % ids.len()] })).await;
    }
    if selected("page") {
        let page = include_str!("../tests/operations/customer360.graphql");
        bench.measure("customers(first: 50) 360°", page, |_| json!({ "first": 50 })).await;
    }
    if selected("page-unaudited") {
        // The same calls as `page`, with the audit of the PII shown switched off (and so
        // nothing for the sealer to chain): against `page`, what the audit costs.
        bench.services.set_read_audit_for_benchmarks(false);
        let page = include_str!("../tests/operations/customer360.graphql");
        bench.measure("customers(first: 50) 360°, unaudited", page, |_| json!({ "first": 50 })).await;
        bench.services.set_read_audit_for_benchmarks(true);
    }
    if selected("page-masked") {
        // The same page for a caller without `pii:read`: nothing unmasked, nothing audited.
        // Against `page`, what recording the PII shown costs.
        let masked = customers::http::auth::mint_hs256(SECRET.as_bytes(), "bench", "customers:read", 3600, None, None);
        let masked = Bench { token: masked.unwrap(), ..bench.clone() };
        let page = include_str!("../tests/operations/customer360.graphql");
        masked.measure("customers(first: 50) 360°, masked", page, |_| json!({ "first": 50 })).await;
    }
    if selected("page-interleaved") {
        let page = include_str!("../tests/operations/customer360.graphql");
        bench.interleaved(page).await;
    }
    if selected("page-sliced") {
        let page = include_str!("../tests/operations/customer360.graphql");
        bench.sliced(page).await;
    }
}
