//! The export format (`customers audit export`, NDJSON for a SIEM): one explicit,
//! versioned line per entry, with its place in the chain and both MACs, so that a copy
//! kept elsewhere anchors the chain (a truncation of the database's log shows against it).

use super::super::entity::audit;
use super::super::error::DbContext;
use super::{Position, StoreResult};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};

/// One exported entry. `v` is the format's version: fields are only ever added.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedEntry {
    pub v: u32,
    pub id: String,
    pub seq: Option<i64>,
    pub at: DateTime<Utc>,
    pub principal: String,
    pub action: String,
    pub operation: Option<String>,
    pub customer_id: Option<String>,
    /// Every profile the entry is about (added in the same version: absent reads as empty).
    #[serde(default)]
    pub customer_ids: Vec<String>,
    pub entity_id: String,
    pub fields: Vec<String>,
    pub details: serde_json::Value,
    pub entry_mac: Option<String>,
    pub chain_mac: Option<String>,
}

impl ExportedEntry {
    /// Entry `r`, at its place in the chain if it has one.
    pub fn new(r: audit::Model, place: Option<audit::seal::Model>) -> Self {
        let (seq, chain_mac) = place.map_or((None, None), |p| (Some(p.seq), Some(p.chain_mac)));
        Self {
            v: 1,
            fields: super::stored_fields(&r),
            details: super::stored_details(&r),
            customer_ids: crate::domain::audit::entry_customers(r.customer_id.as_deref(), &super::stored_details(&r)),
            id: r.id,
            seq,
            at: r.at,
            principal: r.actor,
            action: r.action,
            operation: r.operation,
            customer_id: r.customer_id,
            entity_id: r.entity_id,
            entry_mac: r.entry_mac,
            chain_mac,
        }
    }
}

/// Write every entry at or after `since`, oldest first, one JSON line each, reading a
/// thousand at a time. Returns how many were written.
pub async fn write_ndjson(
    db: &impl ConnectionTrait,
    since: Option<DateTime<Utc>>,
    out: &mut impl std::io::Write,
) -> StoreResult<u64> {
    let mut after: Option<Position> = None;
    let mut written = 0;
    loop {
        let rows = super::since(db, since, after.as_ref(), 1000).await?;
        let Some(last) = rows.last() else { break };
        after = Some(Position { at: last.at, id: last.id.clone() });
        let mut places = super::places(db, rows.iter().map(|r| r.id.as_str())).await?;
        for row in rows {
            let place = places.remove(&row.id);
            let line = serde_json::to_string(&ExportedEntry::new(row, place)).context("encode an audit entry")?;
            let written_line: anyhow::Result<()> = writeln!(out, "{line}").map_err(anyhow::Error::new);
            written_line.context("write the export")?;
            written += 1;
        }
    }
    Ok(written)
}
