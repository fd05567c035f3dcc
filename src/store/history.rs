//! Interaction metadata: one JSON document per interaction, sealed at rest like other free
//! text (a channel's or CRM's details may well hold personal data), kept out of the
//! `interactions` table so that paging history never reads or opens it.

use super::codec::Aad;
use super::entity::interaction_metadata as meta;
use super::error::DbContext;
use super::{PiiCodec, StoreResult};
use crate::domain::Pii;
use crate::domain::history::Metadata;
use crate::domain::id::CustomerId;
use crate::domain::id::InteractionId;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;

/// The metadata of each interaction that has some, in one statement.
pub async fn metadata_of(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    ids: &[InteractionId],
) -> StoreResult<HashMap<InteractionId, Metadata>> {
    let rows = meta::Entity::find()
        .filter(meta::Column::InteractionId.is_in(ids.iter().map(|id| id.as_str().to_owned())))
        .all(db)
        .await
        .context("load interaction metadata")?;
    codec.prefetch(rows.iter().map(|m| m.metadata.as_str())).await.context("load data keys")?;
    let mut out = HashMap::with_capacity(rows.len());
    for m in rows {
        let text =
            codec.open(Aad::metadata(&m.interaction_id), &m.metadata).await.context("open interaction metadata")?;
        let value: serde_json::Value = serde_json::from_str(text.expose()).context("decode interaction metadata")?;
        out.insert(InteractionId::from_stored(m.interaction_id), Metadata::from_stored(value));
    }
    Ok(out)
}

/// Set (or, with `None`, remove) the metadata of an interaction.
pub async fn put_metadata(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    owner: &CustomerId,
    id: &InteractionId,
    metadata: Option<&Metadata>,
) -> StoreResult<()> {
    let Some(metadata) = metadata else {
        meta::Entity::delete_by_id(id.as_str()).exec(db).await.context("remove interaction metadata")?;
        return Ok(());
    };
    let text = serde_json::to_string(metadata.value()).context("encode interaction metadata")?;
    let sealed =
        codec.seal(owner.as_str(), Aad::metadata(id.as_str()), &Pii::new(text)).await.context("seal metadata")?;
    let row = meta::ActiveModel { interaction_id: Set(id.as_str().to_owned()), metadata: Set(sealed) };
    meta::Entity::insert(row)
        .on_conflict(OnConflict::column(meta::Column::InteractionId).update_column(meta::Column::Metadata).to_owned())
        .exec_without_returning(db)
        .await
        .context("save interaction metadata")?;
    Ok(())
}
