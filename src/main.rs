//! `customers`: serve the subgraph (default), migrate, print the SDL, mint a local token,
//! or load demo data. Configuration comes from the environment (see `config.rs`).

#![deny(clippy::unwrap_used, clippy::expect_used)]

use anyhow::Context as _;

/// mimalloc instead of glibc's malloc: a request allocates and frees many small values
/// (GraphQL values, JSON, rows) across worker threads, where glibc's arenas spent a quarter
/// of the CPU of a page of 360° views (perf; decision 0016, docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Parser, Subcommand};
use customers::config::Settings;
use customers::graphql::{SdlOptions, build_schema, federation_sdl};
use customers::{seed, startup};

mod cli;

#[derive(Parser)]
#[command(name = "customers", version, about = "Customer Interaction Profiles subgraph")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve GraphQL (the default).
    Serve,
    /// Apply migrations and exit.
    Migrate,
    /// Print the federation SDL (what `schema.graphql` holds).
    PrintSchema {
        /// Leave out @requiresScopes/@authenticated (for routers that need a plan for them).
        #[arg(long)]
        without_auth_directives: bool,
    },
    /// Mint a token for the local HS256 secret.
    Token {
        /// Space-separated scopes, e.g. "customers:read pii:read".
        #[arg(long, default_value = "customers:read")]
        scope: String,
        /// The principal recorded in audit entries.
        #[arg(long, default_value = "local-dev")]
        sub: String,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: i64,
        /// Say the user authenticated with several factors (`amr: ["mfa"]`), as
        /// `CUSTOMERS_PII_REQUIRES_MFA` needs for `pii:read` to count.
        #[arg(long)]
        mfa: bool,
    },
    /// Load a small, realistic demo data set.
    SeedDemo,
    /// Re-wrap every customer's data key under a new master key, given in
    /// CUSTOMERS_NEW_MASTER_KEY (the key in force stays in CUSTOMERS_MASTER_KEY). The data is
    /// not touched. Resumable and safe to interrupt: run it again. Until it reports the
    /// rotation finished, servers need both variables; afterwards, the new key alone.
    RotateMasterKey {
        /// Keys re-wrapped per transaction.
        #[arg(long, default_value_t = 500)]
        batch: u64,
    },
    /// Re-seal values written before envelope encryption (`v1:`, or free text in clear)
    /// under each customer's data key. Also runs in the background at every start.
    Reseal,
    /// Rebuild every profile's search tokens (`searchCustomers`) from its current data: after
    /// upgrading to a release with search, or to repair. Batches of 500
    /// profiles, one transaction each: safe to interrupt and run again; servers may keep
    /// running. On PostgreSQL it then rebuilds the tokens' index compactly (`REINDEX INDEX
    /// CONCURRENTLY`: searches and writes go on).
    Reindex {
        /// Only rebuild the tokens' index compactly (after a large import), not the tokens.
        #[arg(long)]
        index_only: bool,
    },
    /// Change events: replay them, list dead letters.
    Events {
        #[command(subcommand)]
        command: cli::events::Command,
    },
    /// The audit log: verify its chain, export it, seal what is pending.
    Audit {
        #[command(subcommand)]
        command: cli::audit::Command,
    },
    /// Erase a customer (right to erasure) and every profile merged into it; prints the
    /// receipt (JSON). Idempotent; refused while a legal hold is on.
    Erase {
        /// The profile's id.
        #[arg(long)]
        customer: String,
        /// Why (a case or ticket reference), kept in the audit log.
        #[arg(long)]
        reason: String,
    },
    /// With --customer: the subject-access export, every piece of data held about a
    /// customer, decrypted, as one JSON document on standard output (audited). Without it:
    /// profiles as NDJSON lines of the import's input shape (`customers import` reads them
    /// back), PII masked unless --with-pii (then audited).
    Export {
        /// The profile's id (subject-access export).
        #[arg(long)]
        customer: Option<String>,
        #[command(flatten)]
        bulk: cli::export::Args,
    },
    /// Import profiles from NDJSON (one `createCustomer` input per line, plus `labels` by
    /// name and `id`) or CSV with a header mapping. Idempotent by the line's `id` or first
    /// external ref; committed in batches; resumes after an interruption. Rejected lines
    /// are reported (line, field, reason; never a value) and the others imported; exits 2
    /// when some were rejected. Progress on standard error, the summary (JSON) on standard
    /// output.
    Import {
        /// An NDJSON file, or CSV (`.csv`, or --csv).
        file: std::path::PathBuf,
        /// Read the file as CSV with a header.
        #[arg(long)]
        csv: bool,
        /// CSV: `Column=path` (repeatable), e.g. `Email=identities.EMAIL`,
        /// `SF Id=externalRefs.salesforce`, `Score=attributes.score:number`, `Tags=labels`,
        /// `Lang=preferences.language`, `SMS=consents.SMS`, `Notes=-`. Without it a
        /// column's header is its path.
        #[arg(long = "map")]
        map: Vec<String>,
        /// Lines per transaction.
        #[arg(long, default_value_t = 500)]
        batch: usize,
        /// Write the rejected lines (JSON lines) to this file instead of standard error.
        #[arg(long)]
        errors: Option<std::path::PathBuf>,
        /// Start from the first line even if an earlier run of this file was interrupted.
        #[arg(long)]
        restart: bool,
        /// Stop after this many batches, as an interruption would (for tests).
        #[arg(long, hide = true)]
        stop_after_batches: Option<u64>,
    },
    /// Decide contactability for customer ids read one per line (standard input or --file),
    /// in batches through the same service call as `contactabilityOf`: one NDJSON decision
    /// per id with its reason codes; a summary (JSON) on standard error. Exits 2 when some
    /// lines were not ids (reported by line number, never by value).
    Contactability(cli::contactability::Args),
    /// Load a register of numbers or addresses onto a suppression list (NDJSON, or one
    /// value per line with `--channel`); bad lines are reported, the others loaded.
    SuppressionLoad(cli::suppression::Args),
    /// Retention: purge what the policy (`CUSTOMERS_RETENTION_*`) no longer keeps.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Run the policy once and print what was purged (JSON).
    Run {
        /// Report what would be purged, and purge nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::from_env()?;
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(threads) = settings.pool.worker_threads {
        runtime.worker_threads(threads);
    }
    runtime.build().context("Failed to start the runtime")?.block_on(run(cli, settings))
}

async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    customers::telemetry::init(settings.log_format);
    // The default hook prints a panic's message, which could quote input (PII): log where
    // it happened only. Requests that panic are answered with a reference (http::protect).
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        tracing::error!(%location, "panic (its message is not logged: it could quote input)");
    }));
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            startup::state(&settings).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::PrintSchema { without_auth_directives } => {
            let resolve_requires_scope = settings.access.scopes.resolve_requires_scope;
            let opts = SdlOptions { without_auth_directives, resolve_requires_scope };
            print!("{}", federation_sdl(&build_schema(None), opts));
            Ok(())
        }
        Command::Token { scope, sub, ttl, mfa } => {
            if ttl > settings.jwt_max_lifetime_secs {
                anyhow::bail!(
                    "--ttl is longer than CUSTOMERS_JWT_MAX_LIFETIME ({} s): the token would be refused",
                    settings.jwt_max_lifetime_secs
                );
            }
            let secret = startup::hs256_secret(&settings)?
                .context("tokens can only be minted for an HS256 secret (CUSTOMERS_JWT_SECRET or the local one)")?;
            let mut extra = serde_json::Map::new();
            if mfa {
                extra.insert("amr".into(), serde_json::json!(["mfa"]));
            }
            let token = customers::http::auth::mint_hs256_with(
                &secret,
                &sub,
                &scope,
                ttl,
                settings.jwt_issuer.as_deref(),
                settings.jwt_audience.as_deref(),
                extra,
            )?;
            println!("{token}");
            Ok(())
        }
        Command::Audit { command } => cli::audit::run(&settings, command).await,
        Command::RotateMasterKey { batch } => {
            let progress = startup::rotate_master_key(&settings, batch).await?;
            println!("master key rotated: {} keys re-wrapped; the new key is in force", progress.rewrapped);
            Ok(())
        }
        Command::Reseal => {
            let services = startup::state(&settings).await?.services;
            let n = services.reseal_legacy(customers::service::keys::RESEAL_BATCH).await?;
            println!("{n} values re-sealed; {} left in the old form", services.legacy_remaining().await?);
            Ok(())
        }
        Command::Reindex { index_only } => {
            let services = startup::state(&settings).await?.services;
            if index_only {
                services.compact_search_index().await?;
                println!("search index rebuilt");
                return Ok(());
            }
            let n = services.reindex_all(|done| eprintln!("{done} profiles re-indexed")).await?;
            println!("{n} profiles re-indexed");
            Ok(())
        }
        Command::Erase { customer, reason } => {
            let services = startup::state(&settings).await?.services;
            let id = parse_customer(&customer)?;
            let receipt = services.erase_customer(&cli::actor(), &id, &reason).await.map_err(cli_error)?;
            println!("{}", serde_json::to_string_pretty(&receipt)?);
            Ok(())
        }
        Command::Export { customer: None, bulk } => cli::export::run(&settings, bulk).await,
        Command::Import { file, csv, map, batch, errors, restart, stop_after_batches } => {
            let services = startup::state(&settings).await?.services;
            let csv = csv || file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            let job = customers::jobs::import::ImportJob { path: file, csv, map, batch, restart, stop_after_batches };
            let mut report: Box<dyn std::io::Write> = match errors {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(&path).with_context(|| format!("Failed to create {}", path.display()))?,
                )),
                None => Box::new(std::io::stderr()),
            };
            let summary = customers::jobs::import::run(&services, &cli::actor(), &job, &mut report).await?;
            println!("{}", serde_json::to_string(&summary)?);
            if summary.rejected > 0 {
                std::process::exit(2);
            }
            Ok(())
        }
        Command::Export { customer: Some(customer), .. } => {
            let services = startup::state(&settings).await?.services;
            let id = parse_customer(&customer)?;
            let document = services.export_customer(&cli::actor(), &id).await.map_err(cli_error)?;
            println!("{}", serde_json::to_string_pretty(&document)?);
            Ok(())
        }
        Command::Retention { command: RetentionCommand::Run { dry_run } } => {
            let services = startup::state(&settings).await?.services;
            if !settings.retention.policy.any() {
                tracing::warn!("no CUSTOMERS_RETENTION_*_DAYS set: every kind of data is kept, nothing to purge");
            }
            let report =
                services.run_retention(&cli::actor(), &settings.retention.policy, dry_run).await.map_err(cli_error)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Events { command } => cli::events::run(&settings, command).await,
        Command::Contactability(args) => cli::contactability::command(&settings, args).await,
        Command::SuppressionLoad(args) => cli::suppression::command(&settings, args).await,
        Command::SeedDemo => {
            let state = startup::state(&settings).await?;
            seed::demo(&state.services).await?;
            tracing::info!("demo data loaded");
            Ok(())
        }
    }
}

fn parse_customer(raw: &str) -> anyhow::Result<customers::domain::id::CustomerId> {
    customers::domain::id::CustomerId::parse("--customer", raw).map_err(cli_error)
}

/// A domain error as the command line says it (an internal one without its cause, which
/// is logged: it could quote values).
fn cli_error(error: customers::domain::Error) -> anyhow::Error {
    if let customers::domain::Error::Internal(cause) = &error {
        tracing::error!(error = format!("{cause:#}"), "internal error");
    }
    anyhow::anyhow!("{error}")
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let state = startup::state(&settings).await?;
    let sealer = state.services.spawn_audit_sealer(settings.audit_seal_interval);
    let _reseal = state.services.spawn_reseal();
    let judge = state.services.anomaly.spawn_judge(settings.anomaly_judge_interval);
    let retention = settings.retention.policy.any().then(|| {
        tracing::info!(interval_secs = settings.retention.interval.as_secs(), "retention task started");
        state.services.spawn_retention(settings.retention.policy, settings.retention.interval)
    });
    let dispatcher = customers::events::start(&state.services, &settings.events).await?;
    let services = state.services.clone();
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("Failed to listen on {}", settings.listen))?;
    let address = listener.local_addr()?;
    let app = customers::app(state);
    match &settings.tls {
        Some((cert, key)) => {
            let listener = customers::http::tls::TlsListener::new(listener, cert, key)?;
            tracing::info!(address = %address, "serving GraphQL at /graphql over TLS");
            axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.context("server error")?;
        }
        None => {
            tracing::info!(address = %address, "serving GraphQL at /graphql");
            axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.context("server error")?;
        }
    }
    // Judge what the last requests observed, and chain what they recorded, before leaving.
    judge.abort();
    if let Err(e) = services.anomaly.judge().await {
        tracing::error!(error = format!("{e:#}"), "could not judge the last access observations");
    }
    sealer.abort();
    if let Some(task) = retention {
        task.abort();
    }
    if let Some(dispatcher) = dispatcher {
        dispatcher.abort(); // what it had not recorded as delivered goes again (at least once)
    }
    services.seal_audit().await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
