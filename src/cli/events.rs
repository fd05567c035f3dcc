//! `customers events`: replay the outbox from a time, list dead letters.

use clap::Subcommand;
use customers::config::Settings;
use customers::startup;

#[derive(Subcommand)]
pub enum Command {
    /// Deliver again every event written at or after a time (delivered and dead letters
    /// included), in order per customer, by the running dispatchers.
    Replay {
        /// RFC 3339, e.g. 2026-11-01T00:00:00Z.
        #[arg(long)]
        since: chrono::DateTime<chrono::Utc>,
    },
    /// List dead letters (events no longer retried) as NDJSON, oldest first.
    DeadLetters {
        #[arg(long, default_value_t = 1000)]
        limit: u64,
    },
}

pub async fn run(settings: &Settings, command: Command) -> anyhow::Result<()> {
    let services = startup::state(settings).await?.services;
    match command {
        Command::Replay { since } => {
            let n = services.replay_events(since).await?;
            println!("{n} events to deliver again (from {since})");
        }
        Command::DeadLetters { limit } => {
            for dead in services.dead_letters(limit).await? {
                let line = serde_json::json!({
                    "seq": dead.seq, "id": dead.id, "subject": dead.customer_id, "type": dead.event_type,
                    "time": dead.time, "attempts": dead.attempts, "lastError": dead.last_error,
                });
                println!("{line}");
            }
        }
    }
    Ok(())
}
