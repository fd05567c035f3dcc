//! `customers contactability`: campaign decisions as a stream (issue 13, item 4). Customer
//! ids come one per line (standard input or `--file`); decisions go out as NDJSON, one per
//! id in input order, with their reason codes. Ids are decided in batches through the same
//! service call as `Query.contactabilityOf` (`Services::contactability_of`), so a batch
//! costs the same fixed number of statements whatever its size, and memory stays flat
//! whatever the length of the list.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use customers::domain::contactability::policy::PurposePolicy;
use customers::domain::id::CustomerId;
use customers::domain::import::LineError;
use customers::service::Services;
use customers::service::outbound::CustomerDecision;
use customers::store::outbound::MAX_BATCH;
use serde::Serialize;
use std::io::{BufRead as _, Write};
use std::path::PathBuf;

/// Decide contactability for many customers (NDJSON out, one decision per id).
#[derive(clap::Args)]
pub struct Args {
    /// The purpose: `marketing`, `service`, `collections`, an alias, or a purpose of the
    /// configured policy.
    #[arg(long)]
    purpose: String,
    /// The instant to decide for (RFC 3339, e.g. 2026-06-02T10:00:00Z); default: now, one
    /// instant for the whole run.
    #[arg(long)]
    at: Option<DateTime<Utc>>,
    /// Record the decisions as evidence: one record per batch, its id on each line
    /// (`evidenceId`).
    #[arg(long)]
    record: bool,
    /// Read the customer ids from this file (one per line; blank lines and lines starting
    /// with `#` are skipped) instead of standard input.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Write the decisions to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Customers per batch (one service call each): 1 to 10,000.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
}

/// One output line. No PII: the identity is named by its id.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Line<'a> {
    customer_id: &'a str,
    allowed: bool,
    codes: &'a [customers::domain::contactability::ReasonCode],
    reasons: &'a [String],
    channel: Option<&'a str>,
    identity_id: Option<&'a str>,
    next_window_start: Option<DateTime<Utc>>,
    evidence_id: Option<&'a str>,
}

/// What a run did (JSON on standard error at the end).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub decisions: u64,
    pub allowed: u64,
    pub rejected: u64,
    /// SQL statements each batch sent (the same for any batch size).
    pub statements_per_batch: Vec<u64>,
    pub evidence_ids: Vec<String>,
}

/// The command as `main` runs it: the summary on standard error at the end; exit status 2
/// when some lines were rejected (the others are decided), as `customers import` does.
pub async fn command(settings: &customers::config::Settings, args: Args) -> anyhow::Result<()> {
    let services = customers::startup::state(settings).await?.services;
    let summary = run(&services, args).await?;
    eprintln!("{}", serde_json::to_string(&summary)?);
    if summary.rejected > 0 {
        std::process::exit(2);
    }
    Ok(())
}

/// Decide for every id read, batch by batch, writing each batch's decisions as it goes.
pub async fn run(services: &Services, args: Args) -> anyhow::Result<Summary> {
    if args.batch == 0 || args.batch > MAX_BATCH {
        anyhow::bail!("--batch: 1 to {MAX_BATCH} customers");
    }
    let purpose = services.outbound_policy().purpose("--purpose", &args.purpose).map_err(failed)?.clone();
    let input = super::input(args.file.as_deref())?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("Failed to create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut run = Run {
        services,
        purpose,
        at: args.at.unwrap_or_else(Utc::now),
        record: args.record,
        summary: Summary::default(),
    };
    let mut batch = Vec::with_capacity(args.batch);
    for (n, line) in input.lines().enumerate() {
        let line = line.context("Failed to read the customer ids")?;
        let raw = line.trim();
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        match CustomerId::parse("customerId", raw) {
            Ok(id) => batch.push(id),
            Err(e) => {
                // The line's number, the field and the reason: never the value (it could be
                // a phone number pasted by mistake).
                eprintln!("{}", serde_json::to_string(&LineError::of(n as u64 + 1, &e))?);
                run.summary.rejected += 1;
            }
        }
        if batch.len() == args.batch {
            run.decide(&std::mem::take(&mut batch), &mut out).await?;
        }
    }
    if !batch.is_empty() {
        run.decide(&batch, &mut out).await?;
    }
    out.flush()?;
    Ok(run.summary)
}

struct Run<'a> {
    services: &'a Services,
    purpose: PurposePolicy,
    at: DateTime<Utc>,
    record: bool,
    summary: Summary,
}

impl Run<'_> {
    async fn decide(&mut self, ids: &[CustomerId], out: &mut dyn Write) -> anyhow::Result<()> {
        let store = &self.services.store;
        let sent = || store.statements.get() - store.background_statements.get() - store.anomaly_statements.get();
        let before = sent();
        let actor = customers::domain::audit::Actor::system("cli");
        let batch =
            self.services.contactability_of(&actor, ids, &self.purpose, self.at, self.record).await.map_err(failed)?;
        self.summary.statements_per_batch.push(sent() - before);
        let evidence = batch.evidence_id.as_deref();
        for d in &batch.decisions {
            serde_json::to_writer(&mut *out, &line(d, evidence))?;
            out.write_all(b"\n")?;
            self.summary.decisions += 1;
            self.summary.allowed += u64::from(d.decision.allowed);
        }
        self.summary.evidence_ids.extend(batch.evidence_id);
        Ok(())
    }
}

fn line<'a>(d: &'a CustomerDecision, evidence_id: Option<&'a str>) -> Line<'a> {
    Line {
        customer_id: d.customer_id.as_str(),
        allowed: d.decision.allowed,
        codes: &d.decision.codes,
        reasons: &d.decision.reasons,
        channel: d.decision.channel.map(|c| c.as_str()),
        identity_id: d.decision.identity_id.as_ref().map(|i| i.as_str()),
        next_window_start: d.decision.next_window_start,
        evidence_id,
    }
}

/// Errors as the command line says them: fields are named as they are.
fn failed(error: customers::domain::Error) -> anyhow::Error {
    super::failed(error, |_| None)
}
