//! `customers import FILE`: the file is read once to hash and count it, then line by line
//! into batches (`Services::import_batch`), each committed with its range of lines as the
//! file's checkpoint; two batches are written at once on PostgreSQL. A run that finds
//! committed ranges for the file (by content: SHA-256) skips those lines; a run that ends
//! clears them, so that running the same file again updates every profile again.

use super::csv_map::Mapping;
use super::progress::{Counts, Progress};
use crate::domain::audit::Actor;
use crate::domain::identity::NormalizeOptions;
use crate::domain::import::{BatchOutcome, Claims, Committed, ImportRecord, LineError};
use crate::graphql::inputs::import_record;
use crate::service::Services;
use crate::service::bulk::import::ImportBatch;
use anyhow::Context as _;
use serde::Serialize;
use serde_json::Value;
use sha2::Digest as _;
use std::io::{BufRead as _, Read as _, Write};
use std::path::PathBuf;

/// What to import and how.
#[derive(Clone, Debug)]
pub struct ImportJob {
    pub path: PathBuf,
    /// CSV with a header (otherwise NDJSON).
    pub csv: bool,
    /// `Column=path` overrides of the CSV header.
    pub map: Vec<String>,
    /// Lines per transaction.
    pub batch: usize,
    /// Ignore the checkpoint of an earlier, interrupted run of the same file.
    pub restart: bool,
    /// Stop (without clearing the checkpoint) after this many batches: how the tests
    /// interrupt an import at a known point.
    pub stop_after_batches: Option<u64>,
}

/// What a run did (printed as JSON on standard output).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub file_sha256: String,
    /// The last line read.
    pub lines: u64,
    pub created: u64,
    pub updated: u64,
    pub rejected: u64,
    /// Lines up to this one were committed by an earlier run, and skipped.
    pub resumed_after_line: Option<u64>,
    /// Lines an earlier run committed, and skipped: those up to `resumedAfterLine`, and
    /// any later batch it committed before it stopped (batches commit out of order).
    pub skipped_lines: u64,
    /// Every line was read (false when stopped after `stop_after_batches`).
    pub finished: bool,
}

type Lines = Box<dyn Iterator<Item = anyhow::Result<(u64, Result<Value, LineError>)>> + Send>;

/// A batch as the reading thread hands it over: the lines parsed into commands, those that
/// did not parse, and the range of lines it covers (what the checkpoint records once it
/// commits).
struct Parsed {
    first_line: u64,
    last_line: u64,
    records: Vec<ImportRecord>,
    errors: Vec<LineError>,
}

/// Batches read ahead: the thread parses the next one while this one is written.
const READ_AHEAD: usize = 2;

/// A batch being written by its own task, with what is reported once it is done.
struct InFlight {
    task: tokio::task::JoinHandle<crate::domain::Result<BatchOutcome>>,
    claims: Claims,
    last_line: u64,
    errors: Vec<LineError>,
}

/// Run the import; rejected lines are written to `report` as JSON lines (line, field,
/// code, reason: never a value).
///
/// Batches are written by tasks of their own, up to `Services::import_batches_at_once` at
/// a time, each in its transaction with its checkpoint range; what they come to is
/// reported in the file's order. A batch that claims a key or an identifier a batch in
/// flight claims waits until that one is committed, so lines about the same profile are
/// applied in the file's order.
pub async fn run(
    services: &Services,
    actor: &Actor,
    job: &ImportJob,
    report: &mut dyn Write,
) -> anyhow::Result<ImportSummary> {
    let (file_sha256, total) = hash_and_count(&job.path)?;
    let committed = if job.restart {
        services.finish_import(&file_sha256).await.map_err(super::failed)?;
        Committed::default()
    } else {
        services.import_checkpoint(&file_sha256).await.map_err(super::failed)?
    };
    let resumed_after_line = (!committed.is_empty()).then(|| committed.prefix());
    let mut summary =
        ImportSummary { file_sha256, resumed_after_line, skipped_lines: committed.lines(), ..Default::default() };
    let mut progress = Progress::new(total, committed.lines());
    let mut counts = Counts { done: committed.lines(), ..Counts::default() };
    // Reading and parsing (JSON, coercion, normalisation) is CPU work that needs no
    // database: a thread does it for the next batch while this one is written.
    let (sender, mut receiver) = tokio::sync::mpsc::channel(READ_AHEAD);
    let lines = open(job)?;
    let (size, opts) = (job.batch.max(1), *services.normalize);
    let reader = std::thread::Builder::new()
        .name("import-reader".into())
        .spawn(move || read_batches(lines, &committed, size, &opts, &sender))
        .context("Failed to start the reading thread")?;
    let at_once = services.import_batches_at_once();
    let limit = job.stop_after_batches.unwrap_or(u64::MAX);
    let (mut started, mut flight) = (0u64, std::collections::VecDeque::<InFlight>::new());
    let mut failure: Option<anyhow::Error> = None;
    while started < limit && failure.is_none() {
        let Some(parsed) = receiver.recv().await else { break };
        let Parsed { first_line, last_line, records, errors } = match parsed {
            Ok(parsed) => parsed,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        let claims = Claims::of(&records);
        while flight.len() >= at_once || flight.iter().any(|f| f.claims.overlap(&claims)) {
            let Some(done) = flight.pop_front() else { break };
            if let Err(e) = finish(done, &mut summary, &mut counts, &mut progress, report).await {
                failure = Some(e);
                break;
            }
        }
        if failure.is_some() {
            break;
        }
        let (services, actor, file_hash) = (services.clone(), actor.clone(), summary.file_sha256.clone());
        let task = tokio::spawn(async move {
            let batch = ImportBatch { file_hash: &file_hash, first_line, last_line, records };
            services.import_batch(&actor, batch).await
        });
        flight.push_back(InFlight { task, claims, last_line, errors });
        started += 1;
    }
    // What is in flight is finished and reported, also after a failure: a batch that
    // committed is recorded as committed, and its rejected lines must be reported now (a
    // rerun skips them).
    while let Some(done) = flight.pop_front() {
        if let Err(e) = finish(done, &mut summary, &mut counts, &mut progress, report).await {
            failure.get_or_insert(e);
        }
    }
    report.flush()?;
    if let Some(e) = failure {
        return Err(e);
    }
    if started == limit {
        return Ok(fill(summary, counts, false)); // the reader stops at its next send
    }
    // The channel closed: the reader read every line (its errors came through the channel).
    summary.lines = reader.join().map_err(|_| anyhow::anyhow!("the reading thread failed"))?.max(summary.lines);
    services.finish_import(&summary.file_sha256).await.map_err(super::failed)?;
    progress.finish(counts);
    Ok(fill(summary, counts, true))
}

/// Wait for a batch and report it: its rejected lines (with those that did not parse, in
/// line order), the counts and the progress.
async fn finish(
    done: InFlight,
    summary: &mut ImportSummary,
    counts: &mut Counts,
    progress: &mut Progress,
    report: &mut dyn Write,
) -> anyhow::Result<()> {
    let InFlight { task, last_line, mut errors, .. } = done;
    let outcome = task.await.context("a batch's task failed")?.map_err(super::failed)?;
    summary.lines = summary.lines.max(last_line);
    errors.extend(outcome.rejected);
    errors.sort_by_key(|e| e.line);
    for e in errors.drain(..) {
        writeln!(report, "{}", serde_json::to_string(&e)?)?;
        counts.rejected += 1;
    }
    counts.done = counts.done.max(last_line);
    counts.created += outcome.created;
    counts.updated += outcome.updated;
    progress.update(*counts);
    Ok(())
}

/// Read `lines` into batches of `size` parsed lines (lines in `committed` are skipped: an
/// earlier run committed them) and send them; a batch also ends at the last line. Stops
/// when the receiver is gone. Returns the last line read.
fn read_batches(
    lines: Lines,
    committed: &Committed,
    size: usize,
    opts: &NormalizeOptions,
    sender: &tokio::sync::mpsc::Sender<anyhow::Result<Parsed>>,
) -> u64 {
    let (mut records, mut errors, mut last) = (Vec::with_capacity(size), Vec::new(), 0);
    // The first line of the batch being read: the one after the last batch or the last
    // line skipped (blank lines between batches belong to the next one).
    let mut first = 1;
    let mut lines = lines.peekable();
    while let Some(item) = lines.next() {
        let (line, parsed) = match item {
            Ok(item) => item,
            Err(e) => {
                let _ = sender.blocking_send(Err(e));
                return last;
            }
        };
        last = line;
        if committed.contains(line) {
            // Skipped; a batch already begun goes on past it (its range may span it).
            if records.is_empty() && errors.is_empty() {
                first = line + 1;
                continue;
            }
        } else {
            match parsed.and_then(|v| import_record(line, v, opts)) {
                Ok(record) => records.push(record),
                Err(e) => errors.push(e),
            }
        }
        if records.len() >= size || lines.peek().is_none() {
            let batch = Parsed {
                first_line: first,
                last_line: line,
                records: std::mem::replace(&mut records, Vec::with_capacity(size)),
                errors: std::mem::take(&mut errors),
            };
            first = line + 1;
            if sender.blocking_send(Ok(batch)).is_err() {
                return last;
            }
        }
    }
    last
}

fn fill(mut summary: ImportSummary, counts: Counts, finished: bool) -> ImportSummary {
    (summary.created, summary.updated, summary.rejected, summary.finished) =
        (counts.created, counts.updated, counts.rejected, finished);
    summary
}

/// The file's SHA-256 (what its checkpoint is kept under) and its number of lines.
fn hash_and_count(path: &PathBuf) -> anyhow::Result<(String, u64)> {
    let mut file = std::fs::File::open(path).with_context(|| format!("Failed to open {}", path.display()))?;
    let (mut hasher, mut lines, mut buf) = (sha2::Sha256::new(), 0u64, vec![0u8; 1 << 16]);
    loop {
        let n = file.read(&mut buf).context("Failed to read the file")?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
    }
    let digest = hasher.finalize();
    Ok((digest.iter().map(|b| format!("{b:02x}")).collect(), lines.max(1)))
}

/// The file's lines as JSON values (or why one is not a line), numbered from 1.
fn open(job: &ImportJob) -> anyhow::Result<Lines> {
    let file = std::fs::File::open(&job.path).with_context(|| format!("Failed to open {}", job.path.display()))?;
    if !job.csv {
        let lines = std::io::BufReader::with_capacity(1 << 20, file).lines().enumerate().filter_map(|(i, read)| {
            let line = i as u64 + 1;
            match read {
                Err(e) => Some(Err(anyhow::Error::new(e).context("Failed to read the file"))),
                Ok(text) if text.trim().is_empty() => None,
                Ok(text) => Some(Ok((
                    line,
                    serde_json::from_str::<Value>(&text).map_err(|e| {
                        // serde's message can quote the text; its column cannot.
                        LineError::new(line, "", format!("not valid JSON (column {})", e.column()))
                    }),
                ))),
            }
        });
        return Ok(Box::new(lines));
    }
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(std::io::BufReader::new(file));
    let headers: Vec<String> =
        reader.headers().context("Failed to read the CSV header")?.iter().map(|h| h.trim().to_owned()).collect();
    let mapping = Mapping::new(&headers, &job.map)?;
    let rows = reader.into_records().map(move |row| match row {
        Ok(row) => {
            let line = row.position().map_or(0, |p| p.line());
            Ok((line, mapping.line(line, &row)))
        }
        Err(e) => match (e.position().map(|p| p.line()), e.kind()) {
            // A row of the wrong width: report it, keep going (its content is not quoted).
            (Some(line), csv::ErrorKind::UnequalLengths { .. }) => {
                Ok((line, Err(LineError::new(line, "", "a CSV row with another number of cells than the header"))))
            }
            _ => Err(anyhow::anyhow!("the CSV file cannot be read past line {:?}", e.position().map(|p| p.line()))),
        },
    });
    Ok(Box::new(rows))
}
