//! Reads for the subject-access export: a person's whole history and the merge ledgers
//! that mention them, in full (the API's reads are paged or summarised).

use super::super::entity::{interaction, merge};
use super::super::error::DbContext;
use super::super::ledger::Ledger;
use super::super::{PiiCodec, StoreResult, interactions};
use crate::domain::id::CustomerId;
use crate::domain::interaction::Interaction;
use crate::store::codec::Aad;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// Every interaction of these profiles, oldest first.
pub async fn interactions_of(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    ids: &[CustomerId],
) -> StoreResult<Vec<Interaction>> {
    let rows = interaction::Entity::find()
        .filter(interaction::Column::CustomerId.is_in(super::keys(ids)))
        .order_by_asc(interaction::Column::StartedAt)
        .order_by_asc(interaction::Column::Id)
        .all(db)
        .await
        .context("load the whole history of profiles")?;
    interactions::decode_all(codec, rows).await
}

/// A merge ledger as exported: the merge row and its opened ledger.
pub struct ExportedLedger {
    pub row: merge::Model,
    pub ledger: Ledger,
}

/// The merges whose ledgers mention these profiles, oldest first, ledgers opened.
pub async fn ledgers_of(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    ids: &[CustomerId],
) -> StoreResult<Vec<ExportedLedger>> {
    let rows = merge::Entity::find()
        .filter(super::mentions(&super::keys(ids)))
        .order_by_asc(merge::Column::MergedAt)
        .order_by_asc(merge::Column::Id)
        .all(db)
        .await
        .context("load the merge ledgers of profiles")?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let text = codec.open(Aad::ledger(&row.id), &row.ledger).await.context("open a merge ledger")?;
        let ledger = serde_json::from_str(text.expose()).context("decode a merge ledger")?;
        out.push(ExportedLedger { row, ledger });
    }
    Ok(out)
}
