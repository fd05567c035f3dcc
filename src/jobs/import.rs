//! `customers import FILE`: the file is read once to hash and count it, then line by line
//! into batches (`Services::import_batch`), each committed with the file's checkpoint. A
//! run that finds a checkpoint for the file (by content: SHA-256) resumes after it; a run
//! that ends clears it, so that running the same file again updates every profile again.

use super::csv_map::Mapping;
use super::progress::{Counts, Progress};
use crate::domain::audit::Actor;
use crate::domain::identity::NormalizeOptions;
use crate::domain::import::{ImportRecord, LineError};
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
    /// Every line was read (false when stopped after `stop_after_batches`).
    pub finished: bool,
}

type Lines = Box<dyn Iterator<Item = anyhow::Result<(u64, Result<Value, LineError>)>> + Send>;

/// A batch as the reading thread hands it over: the lines parsed into commands, those that
/// did not parse, and the last line read (what the checkpoint records once it commits).
struct Parsed {
    last_line: u64,
    records: Vec<ImportRecord>,
    errors: Vec<LineError>,
}

/// Batches read ahead: the thread parses the next one while this one is written.
const READ_AHEAD: usize = 2;

/// Run the import; rejected lines are written to `report` as JSON lines (line, field,
/// code, reason: never a value).
pub async fn run(
    services: &Services,
    actor: &Actor,
    job: &ImportJob,
    report: &mut dyn Write,
) -> anyhow::Result<ImportSummary> {
    let (file_sha256, total) = hash_and_count(&job.path)?;
    let checkpoint = if job.restart { None } else { services.import_checkpoint(&file_sha256).await? };
    let from = checkpoint.unwrap_or(0);
    let mut summary = ImportSummary { file_sha256, resumed_after_line: checkpoint, ..Default::default() };
    let mut progress = Progress::new(total, from);
    let mut counts = Counts { done: from, ..Counts::default() };
    let mut batches = 0u64;
    // Reading and parsing (JSON, coercion, normalisation) is CPU work that needs no
    // database: a thread does it for the next batch while this one is written.
    let (sender, mut receiver) = tokio::sync::mpsc::channel(READ_AHEAD);
    let lines = open(job)?;
    let (size, opts) = (job.batch.max(1), *services.normalize);
    let reader = std::thread::Builder::new()
        .name("import-reader".into())
        .spawn(move || read_batches(lines, from, size, &opts, &sender))
        .context("Failed to start the reading thread")?;
    while let Some(parsed) = receiver.recv().await {
        let Parsed { last_line, records, mut errors } = parsed?;
        summary.lines = last_line;
        let batch = ImportBatch { file_hash: &summary.file_sha256, last_line, records };
        let outcome = services.import_batch(actor, batch).await.map_err(super::failed)?;
        errors.extend(outcome.rejected);
        errors.sort_by_key(|e| e.line);
        for e in errors.drain(..) {
            writeln!(report, "{}", serde_json::to_string(&e)?)?;
            counts.rejected += 1;
        }
        counts.done = last_line;
        counts.created += outcome.created;
        counts.updated += outcome.updated;
        progress.update(counts);
        batches += 1;
        if job.stop_after_batches == Some(batches) {
            return Ok(fill(summary, counts, false)); // the reader stops at its next send
        }
    }
    // The channel closed: the reader read every line (its errors came through the channel).
    summary.lines = reader.join().map_err(|_| anyhow::anyhow!("the reading thread failed"))?.max(summary.lines);
    report.flush()?;
    services.finish_import(&summary.file_sha256).await.map_err(super::failed)?;
    progress.finish(counts);
    Ok(fill(summary, counts, true))
}

/// Read `lines` into batches of `size` parsed lines (lines up to `from` are skipped: an
/// earlier run committed them) and send them; a batch also ends at the last line. Stops
/// when the receiver is gone. Returns the last line read.
fn read_batches(
    lines: Lines,
    from: u64,
    size: usize,
    opts: &NormalizeOptions,
    sender: &tokio::sync::mpsc::Sender<anyhow::Result<Parsed>>,
) -> u64 {
    let (mut records, mut errors, mut last) = (Vec::with_capacity(size), Vec::new(), 0);
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
        if line <= from {
            continue;
        }
        match parsed.and_then(|v| import_record(line, v, opts)) {
            Ok(record) => records.push(record),
            Err(e) => errors.push(e),
        }
        if records.len() >= size || lines.peek().is_none() {
            let batch = Parsed {
                last_line: line,
                records: std::mem::replace(&mut records, Vec::with_capacity(size)),
                errors: std::mem::take(&mut errors),
            };
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
