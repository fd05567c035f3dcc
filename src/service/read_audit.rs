//! The `pii.read` entries of concurrent responses, committed in groups (decision 0008).
//!
//! A response that shows PII leaves only once its entry is committed. Each request makes
//! its entry (details and MAC) itself and hands it to one writer task per service, which
//! writes whatever has queued up since its last commit in one statement and one commit,
//! and then answers each request. With one caller at a time a group is one entry (as
//! before, plus two task hand-offs); with several, the commits, round trips and statements
//! of an audited page are shared: the database's group commit, done where the entries are
//! made.
//!
//! A group whose write fails is written again entry by entry, so that each request gets
//! its own entry's outcome: one entry the database refuses does not withhold the other
//! responses of its group.
//!
//! An entry handed over is written even if its request is dropped meanwhile (a client that
//! went away): the log may then hold a read whose response never left, never the reverse.

use crate::domain::Result;
use crate::store::Store;
use crate::store::audit::{ReadEntry, record_reads};
use std::sync::OnceLock;
use tokio::sync::{mpsc, oneshot};

/// Entries per group at most (~2.3 KB each for a page of 50).
const GROUP: usize = 64;

type Job = (ReadEntry, oneshot::Sender<Result<()>>);

/// The queue to the writer task, started with the first entry (inside the runtime).
#[derive(Debug, Default)]
pub(crate) struct ReadRecorder {
    queue: OnceLock<mpsc::UnboundedSender<Job>>,
}

impl ReadRecorder {
    /// Write `entry` with whatever other entries are waiting; returns once it is committed.
    pub(crate) async fn record(&self, store: &Store, entry: ReadEntry) -> Result<()> {
        let queue = self.queue.get_or_init(|| {
            let (sender, jobs) = mpsc::unbounded_channel();
            tokio::spawn(write_groups(store.clone(), jobs));
            sender
        });
        let (reply, outcome) = oneshot::channel();
        if let Err(mpsc::error::SendError((entry, _))) = queue.send((entry, reply)) {
            // The writer is gone (its runtime shut down): write this entry alone.
            return Ok(record_reads(store, std::slice::from_ref(&entry)).await?);
        }
        outcome.await.map_err(|_| {
            crate::domain::Error::Internal(anyhow::anyhow!("the audit writer stopped before committing"))
        })?
    }
}

/// The writer task: one group at a time, each everything queued up to [`GROUP`].
async fn write_groups(store: Store, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let mut group: Vec<Job> = Vec::with_capacity(GROUP);
    while jobs.recv_many(&mut group, GROUP).await > 0 {
        let (entries, replies): (Vec<ReadEntry>, Vec<_>) = group.drain(..).unzip();
        for (reply, outcome) in replies.into_iter().zip(write_group(&store, &entries).await) {
            let _ = reply.send(outcome); // a request that was dropped no longer waits
        }
    }
}

/// Write `entries` in one statement; if that fails, each on its own. One outcome per entry.
async fn write_group(store: &Store, entries: &[ReadEntry]) -> Vec<Result<()>> {
    match record_reads(store, entries).await {
        Ok(()) => return entries.iter().map(|_| Ok(())).collect(),
        Err(error) if entries.len() == 1 => return vec![Err(error.into())],
        Err(_) => {} // each on its own below: the errors are theirs
    }
    let mut outcomes = Vec::with_capacity(entries.len());
    for entry in entries {
        outcomes.push(record_reads(store, std::slice::from_ref(entry)).await.map_err(Into::into));
    }
    outcomes
}
