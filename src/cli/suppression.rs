//! `customers suppression-load`: a register (a national do-not-call list, a litigator list,
//! an internal do-not-contact list) loaded onto a suppression list in bulk (issue 13, item
//! 2). Entries are read as a stream, checked one by one (a bad line is reported by its
//! number, field and reason, never its value, and the others are loaded), and added in
//! batches through the same service call as `Mutation.addSuppressionEntries`: each batch one
//! transaction, audited, stored as blind indexes only. A rerun adds nothing twice (an entry
//! already on the list is kept, its expiry updated).
//!
//! Input: with `--channel`, one number or address per line, optionally followed by a comma
//! and an RFC 3339 expiry; without it, NDJSON with the mutation's input shape
//! (`{"channel": "PHONE", "value": "…", "expiresAt": "…"}`). Blank lines and lines starting
//! with `#` are skipped.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use customers::domain::Channel;
use customers::domain::contactability::commands::RawEntry;
use customers::domain::import::LineError;
use customers::domain::text::Located;
use customers::service::Services;
use serde::{Deserialize, Serialize};
use std::io::BufRead as _;
use std::path::PathBuf;

/// The most entries one batch adds (`addSuppressionEntries` takes as many per call).
const MAX_BATCH: usize = 10_000;

/// Load numbers or addresses onto a suppression list.
#[derive(clap::Args)]
pub struct Args {
    /// The list's id (`createSuppressionList`; `suppressionLists` lists them).
    #[arg(long)]
    list: String,
    /// Every line is a value of this channel (`PHONE`, `EMAIL`, …); without it the lines are
    /// NDJSON objects with their own `channel`.
    #[arg(long)]
    channel: Option<String>,
    /// Read this file instead of standard input.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Entries per batch (one transaction each): 1 to 10,000.
    #[arg(long, default_value_t = MAX_BATCH)]
    batch: usize,
}

/// What a run did (JSON on standard error at the end).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub added: u64,
    pub rejected: u64,
    pub batches: u64,
}

/// An NDJSON line.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsonEntry {
    channel: Channel,
    value: String,
    expires_at: Option<DateTime<Utc>>,
}

/// The command as `main` runs it: the summary on standard error; exit status 2 when some
/// lines were rejected (the others are loaded), as `customers import` does.
pub async fn command(settings: &customers::config::Settings, args: Args) -> anyhow::Result<()> {
    let services = customers::startup::state(settings).await?.services;
    let summary = run(&services, args).await?;
    eprintln!("{}", serde_json::to_string(&summary)?);
    if summary.rejected > 0 {
        std::process::exit(2);
    }
    Ok(())
}

/// Read, check and load every entry, batch by batch.
pub async fn run(services: &Services, args: Args) -> anyhow::Result<Summary> {
    if args.batch == 0 || args.batch > MAX_BATCH {
        anyhow::bail!("--batch: 1 to {MAX_BATCH} entries");
    }
    let channel = match &args.channel {
        Some(name) => Some(
            serde_json::from_value::<Channel>(serde_json::Value::String(name.trim().to_ascii_uppercase()))
                .map_err(|_| anyhow::anyhow!("--channel: not a channel (PHONE, EMAIL, WHATSAPP, …)"))?,
        ),
        None => None,
    };
    let input = super::input(args.file.as_deref())?;
    let actor = customers::domain::audit::Actor::system("cli");
    let mut summary = Summary::default();
    let mut batch = Vec::with_capacity(args.batch.min(1024));
    for (n, line) in input.lines().enumerate() {
        let number = n as u64 + 1;
        let line = line.context("Failed to read the entries")?;
        let raw = line.trim();
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        let entry = match parse(channel, raw) {
            Ok(entry) => Located::new("entry", entry),
            Err(error) => {
                reject(&mut summary, LineError { line: number, ..error })?;
                continue;
            }
        };
        if let Err(error) = services.check_suppression_entry(&entry) {
            reject(&mut summary, LineError::of(number, &error))?;
            continue;
        }
        batch.push(entry);
        if batch.len() == args.batch {
            add(services, &actor, &args.list, std::mem::take(&mut batch), &mut summary).await?;
        }
    }
    if !batch.is_empty() {
        add(services, &actor, &args.list, batch, &mut summary).await?;
    }
    Ok(summary)
}

/// One line as an entry; its error without the line's number (the caller adds it).
fn parse(channel: Option<Channel>, raw: &str) -> Result<RawEntry, LineError> {
    let bad = |field: &str, reason: &str| LineError::new(0, field, reason);
    match channel {
        Some(channel) => {
            let (value, expires) = match raw.rsplit_once(',') {
                Some((value, expires)) => (value.trim(), Some(expires.trim())),
                None => (raw, None),
            };
            let expires_at = match expires {
                Some(text) => Some(
                    DateTime::parse_from_rfc3339(text)
                        .map_err(|_| bad("expiresAt", "not an RFC 3339 date and time"))?
                        .with_timezone(&Utc),
                ),
                None => None,
            };
            Ok(RawEntry { channel, value: value.to_owned(), expires_at })
        }
        None => {
            // serde's message could quote the value: say only what is wrong.
            let entry: JsonEntry = serde_json::from_str(raw)
                .map_err(|_| bad("entry", "not a JSON object {channel, value, expiresAt?}"))?;
            Ok(RawEntry { channel: entry.channel, value: entry.value, expires_at: entry.expires_at })
        }
    }
}

/// Report a rejected line on standard error (its number, field and reason: never the value).
fn reject(summary: &mut Summary, error: LineError) -> anyhow::Result<()> {
    eprintln!("{}", serde_json::to_string(&error)?);
    summary.rejected += 1;
    Ok(())
}

/// Add one batch (one transaction, audited).
async fn add(
    services: &Services,
    actor: &customers::domain::audit::Actor,
    list: &str,
    batch: Vec<Located<RawEntry>>,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let added = services
        .add_suppression_entries(actor, list, batch)
        .await
        .map_err(|error| super::failed(error, |field| (field == "listId").then_some("--list")))?;
    summary.added += added as u64;
    summary.batches += 1;
    Ok(())
}
