//! `customers export` of many profiles: NDJSON, filtered, PII only when asked.

use anyhow::Context as _;
use customers::config::Settings;
use customers::startup;

/// Filters and options of the bulk export.
#[derive(clap::Args)]
pub struct Args {
    /// Only profiles with this status (default: ACTIVE and ANONYMOUS).
    #[arg(long)]
    pub status: Option<String>,
    /// Only profiles carrying this label (by name; repeat for all of several).
    #[arg(long = "label")]
    pub labels: Vec<String>,
    /// Only profiles changed at or after this time (RFC 3339).
    #[arg(long)]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Show PII in clear (audited: one entry per page, naming every profile shown).
    #[arg(long)]
    pub with_pii: bool,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<std::path::PathBuf>,
}

pub async fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    use customers::service::bulk::export::{ExportFilter, ExportView};
    let services = startup::state(settings).await?.services;
    let status = match args.status.as_deref() {
        None => None,
        Some(raw) => Some(
            customers::domain::enums::CustomerStatus::parse(&raw.to_ascii_uppercase())
                .with_context(|| format!("--status {raw}: not a customer status"))?,
        ),
    };
    let filter = ExportFilter { status, labels: args.labels, updated_since: args.updated_since };
    let view = ExportView { with_pii: args.with_pii, mask: settings.access.mask };
    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("Failed to create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let n = customers::jobs::export::run(&services, &super::actor(), &filter, view, &mut out).await?;
    tracing::info!(profiles = n, with_pii = args.with_pii, "profiles exported");
    Ok(())
}
