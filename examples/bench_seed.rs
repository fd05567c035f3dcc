//! The load benchmark's seeder (`scripts/bench` runs it; decision 0016).
//!
//! `bench_seed --customers N --interactions K --out DIR` (the database, keys and secret from
//! the usual `CUSTOMERS_…` variables) brings the database up to N full profiles
//! (identities, labels, preferences with consents, attributes, a CRM link): 1,000 per
//! transaction through `Services::seed_profiles` (the bulk import's multi-row inserts, PII
//! sealed and blind-indexed by the codec, search tokens, audit entries and events: the rows
//! `create_customer` writes, tested), 4 transactions in flight on PostgreSQL, then K
//! interactions each, written by multi-row inserts with their summaries sealed by the
//! codec, and the routing signals rebuilt for the batch. It then replays each read the
//! benchmark drives once in process, recording the SQL statements the service sent (with
//! their values inlined: the data is synthetic) as pgbench scripts in `DIR/sql/`.
//! `DIR/ids.txt` lists the customer ids, `DIR/label.txt` the label the benchmark assigns.
//!
//! Measured 2026-11-30 (release, fresh PostgreSQL database, K = 20): 830 profiles/s with
//! 16,600 interactions/s (20,000 profiles, load average 4.4 on 2 cores; 550/s with a build
//! beside it, load 6), where one `create_customer` per profile ran at 120/s (2,000 profiles,
//! load 4.7): 1M profiles with 20M interactions in about 20–30 minutes. Same row counts in
//! every table either way (customers, interactions, search tokens, audit, outbox).

use async_graphql::{ID, Json, MaybeUndefined};
use axum::body::Body;
use axum::http::Request;
use chrono::{Duration, Utc};
use customers::config::Settings;
use customers::domain::audit::Actor;
use customers::domain::enums::{AttributeType, ConsentStatus, Direction, InteractionKind};
use customers::domain::id::{CustomerId, InteractionId};
use customers::domain::{Channel, Pii};
use customers::graphql::inputs::*;
use customers::service::Services;
use customers::store::codec::Aad;
use customers::store::entity::{customer, interaction};
use customers::store::{Store, activity, labels};
use http_body_util::BodyExt as _;
use sea_orm::{EntityTrait as _, PaginatorTrait as _, Set};
use serde_json::{Value, json};
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tower::ServiceExt as _;

/// Profiles per transaction (and per multi-row insert of each table).
const BATCH: usize = 1000;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn out_dir() -> std::path::PathBuf {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.iter().position(|a| a == "--out").and_then(|i| args.get(i + 1)).cloned();
    std::path::PathBuf::from(dir.unwrap_or_else(|| "target/bench".into()))
}

fn ident(channel: Channel, value: String, primary: bool) -> ChannelIdentityInput {
    ChannelIdentityInput { channel, value, provider: None, verified: primary, primary, shared: false }
}

fn attr(key: &str, value: Value) -> AttributeInput {
    AttributeInput { key: key.into(), value: Some(Json(value)) }
}

/// The catalogue the profiles use (defined once), and its label ids.
async fn catalogue(services: &Services, admin: &Actor) -> anyhow::Result<Vec<ID>> {
    let existing = labels::all(&services.store.db).await?;
    if !existing.is_empty() {
        return Ok(existing.iter().map(|l| ID(l.id.to_string())).collect());
    }
    for (key, attr_type, pii, values) in [
        ("tier", AttributeType::Enum, false, Some(vec!["bronze".to_owned(), "silver".into(), "gold".into()])),
        ("lifetime_value", AttributeType::Number, false, None),
        ("account_number", AttributeType::String, true, None),
    ] {
        let input = AttributeDefinitionInput {
            key: key.into(),
            label: None,
            attr_type,
            pii,
            required: false,
            confirm_pii_removal: false,
            searchable: false,
            enum_values: values,
        };
        services.define_attribute(admin, input.parse()?).await?;
    }
    let mut ids = Vec::new();
    for name in ["VIP", "Debtor", "Bench"] {
        let input =
            LabelInput { name: name.into(), color: MaybeUndefined::Undefined, description: MaybeUndefined::Undefined };
        ids.push(ID(services.create_label(admin, input.spec()?).await?.id.to_string()));
    }
    Ok(ids)
}

fn profile(n: usize, labels: &[ID]) -> CreateCustomerInput {
    CreateCustomerInput {
        display_name: Some(format!("Bench Customer {n}")),
        identities: vec![
            ident(Channel::Phone, format!("+44 7{:09}", n), true),
            ident(Channel::Email, format!("c{n}@bench.example"), true),
            ident(Channel::Whatsapp, format!("+44 7{:09}", n), false),
        ],
        attributes: vec![
            attr("tier", json!(["bronze", "silver", "gold"][n % 3])),
            attr("lifetime_value", json!(n as f64 * 1.5)),
            attr("account_number", json!(format!("ACC-{n:08}"))),
        ],
        label_ids: labels[..2].to_vec(),
        preferences: Some(PreferenceInput {
            language: MaybeUndefined::Value("en-GB".into()),
            timezone: MaybeUndefined::Value("Europe/London".into()),
            preferred_channel: MaybeUndefined::Value(Channel::Phone),
            consents: Some(vec![
                ChannelConsentInput { channel: Channel::Sms, status: ConsentStatus::OptIn, source: None },
                ChannelConsentInput { channel: Channel::Email, status: ConsentStatus::OptOut, source: None },
            ]),
            ..Default::default()
        }),
        external_refs: vec![ExternalRefInput { system: "salesforce".into(), external_id: format!("003B{n:010}") }],
    }
}

/// `k` interactions per customer, sealed like the service seals them, in multi-row inserts.
async fn history(store: &Store, customers: &[CustomerId], k: usize) -> anyhow::Result<()> {
    let mut rows = Vec::with_capacity(customers.len() * k);
    let now = Utc::now();
    for (c, customer_id) in customers.iter().enumerate() {
        for i in 0..k {
            let id = InteractionId::generate();
            let started = now - Duration::hours(((c * 7 + i * 131) % (24 * 120)) as i64);
            let summary = store
                .codec
                .seal(customer_id.as_str(), Aad::summary(id.as_str()), &Pii::new("Billing question"))
                .await?;
            rows.push(interaction::ActiveModel {
                id: Set(id.as_str().to_owned()),
                customer_id: Set(customer_id.as_str().to_owned()),
                conversation_id: Set(Some(format!("bench-{}", id.as_str()))),
                kind: Set(InteractionKind::Conversation.as_str().to_owned()),
                channel: Set([Channel::Phone, Channel::Email, Channel::Whatsapp][i % 3].as_str().to_owned()),
                direction: Set(Direction::Inbound.as_str().to_owned()),
                started_at: Set(started),
                ended_at: Set(Some(started + Duration::minutes(6))),
                summary: Set(Some(summary)),
                agent_id: Set(Some("agent-42".into())),
                created_at: Set(now),
                outcome: Set(Some("resolved".into())),
                topic: Set(Some("billing".into())),
                sentiment: Set(None),
                idempotency_key: Set(None),
                idempotency_digest: Set(None),
            });
        }
    }
    // 16 values a row: 2,000 rows stay under SQLite's 32,766 bind values.
    for chunk in rows.chunks(2000) {
        interaction::Entity::insert_many(chunk.to_vec()).exec_without_returning(&store.db).await?;
    }
    activity::rebuild(&store.db, customers).await?;
    Ok(())
}

async fn seed(services: &Services, target: usize, k: usize, out: &std::path::Path) -> anyhow::Result<Vec<ID>> {
    let admin = Actor::system("bench-seed");
    let labels = catalogue(services, &admin).await?;
    let existing = customer::Entity::find().count(&services.store.db).await? as usize;
    let ids = Arc::new(Mutex::new(std::fs::OpenOptions::new().create(true).append(true).open(out.join("ids.txt"))?));
    let next = Arc::new(AtomicUsize::new(existing));
    let started = std::time::Instant::now();
    // SQLite has one writer: parallel seeding would only meet busy errors.
    let sqlite = services.store.backend() == sea_orm::DbBackend::Sqlite;
    let workers = if sqlite { 1 } else { (customers::config::cores() * 2).max(4) };
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (services, labels, next, ids, admin) =
                (services.clone(), labels.clone(), next.clone(), ids.clone(), admin.clone());
            tokio::spawn(async move {
                loop {
                    let from = next.fetch_add(BATCH, Ordering::Relaxed);
                    if from >= target {
                        return anyhow::Ok(());
                    }
                    let mut inputs = Vec::with_capacity(BATCH);
                    for n in from..(from + BATCH).min(target) {
                        inputs.push(profile(n, &labels).parse("input", &services.normalize)?);
                    }
                    let batch = services.seed_profiles(&admin, &inputs).await?;
                    history(&services.store, &batch, k).await?;
                    let lines: String = batch.iter().map(|id| format!("{id}\n")).collect();
                    ids.lock().map_err(|_| anyhow::anyhow!("ids file"))?.write_all(lines.as_bytes())?;
                    let done = (from + BATCH).min(target);
                    if done.is_multiple_of(10_000) || done == target {
                        let rate = (done - existing) as f64 / started.elapsed().as_secs_f64();
                        eprintln!(
                            "seeded {done}/{target} profiles in {:.0?} ({rate:.0} profiles/s)",
                            started.elapsed()
                        );
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    services.seal_audit().await?;
    eprintln!("{target} profiles ({existing} there before) in {:.1?}", started.elapsed());
    Ok(labels)
}

/// Run each read once in process and keep the SELECTs it sent, values inlined.
async fn capture(settings: &Settings, store: &Store, out: &std::path::Path, n: usize) -> anyhow::Result<()> {
    let recorded: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut capturing = store.clone();
    let sink = recorded.clone();
    capturing.db.set_metric_callback(move |info| {
        let sql = info.statement.to_string();
        if sql.trim_start().to_ascii_uppercase().starts_with("SELECT")
            && let Ok(mut r) = sink.lock()
        {
            r.push(sql);
        }
    });
    let state = customers::startup::state_with_store(settings, capturing).await?;
    let secret = customers::startup::hs256_secret(settings)?.unwrap_or_default();
    let scopes = "customers:read pii:read customers:write labels:assign";
    let token = customers::http::auth::mint_hs256(&secret, "bench", scopes, 3600, None, None)?;
    let router = customers::app(state);
    let id = std::fs::read_to_string(out.join("ids.txt"))?.lines().nth(n).unwrap_or_default().to_owned();
    std::fs::create_dir_all(out.join("sql"))?;
    let ops = std::env::var("BENCH_OPERATIONS").unwrap_or_else(|_| "benches/load/operations.json".into());
    let ops = std::fs::read_to_string(ops)?;
    let ops: Value = serde_json::from_str(&ops)?;
    for (name, op) in ops.as_object().into_iter().flatten() {
        let Some(query) = op["query"].as_str() else { continue };
        if query.trim_start().starts_with("mutation") {
            continue;
        }
        let vars = json!({ "id": id, "email": format!("c{n}@bench.example") });
        let body = json!({ "query": query, "variables": vars }).to_string();
        let req = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(body))?;
        recorded.lock().map_err(|_| anyhow::anyhow!("capture"))?.clear();
        let resp = router.clone().oneshot(req).await?;
        let bytes = resp.into_body().collect().await?.to_bytes();
        anyhow::ensure!(!String::from_utf8_lossy(&bytes).contains("\"errors\""), "{name}: errors");
        let sql: Vec<String> = recorded.lock().map_err(|_| anyhow::anyhow!("capture"))?.drain(..).collect();
        let script: String = sql.iter().map(|s| format!("{};\n", pgbench_safe(&s.replace('\n', " ")))).collect();
        std::fs::write(out.join("sql").join(format!("{name}.sql")), script)?;
        eprintln!("{name}: {} SELECT statements captured", sql.len());
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let settings = Settings::from_env()?;
        let (target, k, out) = (arg("--customers", 10_000), arg("--interactions", 20), out_dir());
        std::fs::create_dir_all(&out)?;
        let codec = customers::startup::codec(&settings).await?;
        let store = Store::connect_pooled(&settings.database_url, codec, None, &settings.pool).await?;
        store.migrate().await?;
        store.check_master_key().await?;
        let services = Services::new(store.clone(), customers::startup::normalize_options(&settings));
        let labels = seed(&services, target, k, &out).await?;
        std::fs::write(out.join("label.txt"), labels.last().map(|l| l.to_string()).unwrap_or_default())?;
        capture(&settings, &store, &out, target / 2).await
    })
}

/// `sql` as pgbench reads it: pgbench takes `:name` for one of its variables, and a blind
/// index literal (`'v1:…'`) has one; `'v1' || chr(58) || '…'` is the same constant (folded
/// once by `-M prepared`) without it.
fn pgbench_safe(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find("'v1:") {
        out.push_str(&rest[..at]);
        out.push_str("('v1' || chr(58) || '");
        rest = &rest[at + 4..];
        let end = rest.find('\'').unwrap_or(rest.len());
        out.push_str(&rest[..end]);
        out.push_str("')");
        rest = rest.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}
