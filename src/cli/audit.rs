//! `customers audit`: verify the chained log, export it for a SIEM.

use clap::Subcommand;
use customers::config::Settings;
use customers::startup;

#[derive(Subcommand)]
pub enum Command {
    /// Seal pending entries, then check every entry's MAC and the chain; exits 1 at the
    /// first entry that was edited, inserted or deleted, naming it.
    Verify,
    /// Write the log as NDJSON (one entry per line, oldest first) to standard output.
    Export {
        /// Only entries at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z).
        #[arg(long)]
        since: Option<chrono::DateTime<chrono::Utc>>,
    },
}

pub async fn run(settings: &Settings, command: Command) -> anyhow::Result<()> {
    let services = startup::state(settings).await?.services;
    match command {
        Command::Verify => {
            let sealed = services.seal_audit().await?;
            let report = services.verify_audit().await?;
            match &report.finding {
                None => {
                    println!(
                        "audit log intact: {} entries chained ({sealed} sealed now), {} pending",
                        report.sealed, report.pending
                    );
                    if let Some(through) = report.purged_through {
                        println!(
                            "entries up to seq {through} were purged by retention (the chain starts at its anchor)"
                        );
                    }
                    Ok(())
                }
                Some(f) => {
                    let seq = f.seq.map_or_else(|| "-".to_owned(), |s| s.to_string());
                    let id = f.id.as_deref().unwrap_or("-");
                    println!("audit log TAMPERED at seq {seq} (entry {id}): {}", f.tamper);
                    println!("{} entries before it check out", report.sealed);
                    std::process::exit(1);
                }
            }
        }
        Command::Export { since } => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let n = services.export_audit(since, &mut out).await?;
            std::io::Write::flush(&mut out)?;
            tracing::info!(entries = n, "audit log exported");
            Ok(())
        }
    }
}
