//! `customers export` (without `--customer`): every profile matching the filter, one NDJSON
//! line each, written page by page (memory stays flat whatever the number of profiles).

use crate::domain::audit::Actor;
use crate::service::Services;
use crate::service::bulk::export::{ExportFilter, ExportView};
use std::io::Write;

/// Profiles per page (one statement per table per page).
pub const PAGE: u64 = 500;

/// Write the export to `out`; returns the number of profiles.
pub async fn run(
    services: &Services,
    actor: &Actor,
    filter: &ExportFilter,
    view: ExportView,
    out: &mut dyn Write,
) -> anyhow::Result<u64> {
    let query = services.export_query(filter).await.map_err(super::failed)?;
    let (mut after, mut written) = (None, 0u64);
    loop {
        let page = services.export_page(actor, &query, after.as_ref(), PAGE, view).await.map_err(super::failed)?;
        for line in &page.lines {
            serde_json::to_writer(&mut *out, line)?;
            out.write_all(b"\n")?;
        }
        written += page.lines.len() as u64;
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    out.flush()?;
    Ok(written)
}
