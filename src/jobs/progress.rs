//! Progress of an import on standard error: a bar with rate and ETA on a terminal, JSON
//! lines otherwise (for logs and scripts), at most one a second and one at the end.

use serde_json::json;
use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

/// Counts so far (lines of the file, the ones skipped by a resume included).
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    pub done: u64,
    pub created: u64,
    pub updated: u64,
    pub rejected: u64,
}

pub enum Progress {
    Bar(indicatif::ProgressBar),
    Json { total: u64, started: Instant, from: u64, last: Option<Instant> },
}

impl Progress {
    /// For a file of `total` lines, of which the first `from` were committed before.
    pub fn new(total: u64, from: u64) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(total);
            let style = indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} lines  {per_sec}  ETA {eta}  {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_position(from);
            bar.reset_eta();
            Self::Bar(bar)
        } else {
            Self::Json { total, started: Instant::now(), from, last: None }
        }
    }

    pub fn update(&mut self, counts: Counts) {
        match self {
            Self::Bar(bar) => {
                bar.set_position(counts.done);
                bar.set_message(format!(
                    "{} created, {} updated, {} rejected",
                    counts.created, counts.updated, counts.rejected
                ));
            }
            Self::Json { last, .. } => {
                if last.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
                    return;
                }
                *last = Some(Instant::now());
                self.print(counts, false);
            }
        }
    }

    pub fn finish(&mut self, counts: Counts) {
        match self {
            Self::Bar(bar) => {
                bar.set_position(counts.done);
                bar.finish();
            }
            Self::Json { .. } => self.print(counts, true),
        }
    }

    fn print(&self, counts: Counts, done: bool) {
        let Self::Json { total, started, from, .. } = self else { return };
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        let rate = counts.done.saturating_sub(*from) as f64 / secs;
        let left = total.saturating_sub(counts.done) as f64;
        let eta = if rate > 0.0 { (left / rate).round() as u64 } else { 0 };
        let line = json!({
            "progress": if done { "done" } else { "running" },
            "lines": counts.done, "total": total,
            "created": counts.created, "updated": counts.updated, "rejected": counts.rejected,
            "ratePerSec": rate.round() as u64, "etaSecs": eta,
        });
        eprintln!("{line}");
    }
}
