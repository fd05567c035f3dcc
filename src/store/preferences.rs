//! Contact and outbound preferences: one row per customer; windows and consents are
//! small JSON arrays always read whole with the row.

use super::codec::{Aad, is_sealed};
use super::entity::preference;
use super::error::DbContext;
use super::ledger::PreferencesRow;
use super::{PiiCodec, StoreResult, now};
use crate::domain::Channel;
use crate::domain::Pii;
use crate::domain::id::{CustomerId, IdentityId};
use crate::domain::preference::Preferences;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// The consents as stored: sealed (their sources are free text typed by agents), or in
/// clear when written before envelope encryption.
async fn consents_text(codec: &PiiCodec, m: &preference::Model) -> StoreResult<String> {
    if is_sealed(&m.consents) {
        let aad = Aad::consents(&m.customer_id);
        Ok(codec.open(aad, &m.consents).await.context("open consents")?.expose().to_owned())
    } else {
        Ok(m.consents.clone())
    }
}

pub(crate) async fn decode(codec: &PiiCodec, m: preference::Model) -> StoreResult<Preferences> {
    let consents = consents_text(codec, &m).await?;
    Ok(Preferences {
        language: m.language,
        timezone: m.timezone,
        preferred_channel: m.preferred_channel.and_then(|c| c.parse::<Channel>().ok()),
        preferred_identity_id: m.preferred_identity_id.map(IdentityId::from_stored),
        preferred_agent_id: m.preferred_agent_id,
        best_time_to_contact: serde_json::from_str(&m.best_time_to_contact).context("decode time windows")?,
        do_not_contact: m.do_not_contact,
        consents: serde_json::from_str(&consents).context("decode consents")?,
    })
}

pub(crate) async fn encode(
    codec: &PiiCodec,
    customer_id: &CustomerId,
    p: &Preferences,
) -> StoreResult<preference::Model> {
    let consents = serde_json::to_string(&p.consents).context("encode consents")?;
    let aad = Aad::consents(customer_id.as_str());
    let consents = codec.seal(customer_id.as_str(), aad, &Pii::new(consents)).await.context("seal consents")?;
    Ok(preference::Model {
        customer_id: customer_id.as_str().to_owned(),
        language: p.language.clone(),
        timezone: p.timezone.clone(),
        preferred_channel: p.preferred_channel.map(|c| c.as_str().to_owned()),
        preferred_identity_id: p.preferred_identity_id.as_ref().map(|id| id.as_str().to_owned()),
        preferred_agent_id: p.preferred_agent_id.clone(),
        best_time_to_contact: serde_json::to_string(&p.best_time_to_contact).context("encode time windows")?,
        do_not_contact: p.do_not_contact,
        consents,
        updated_at: now(),
    })
}

/// Preferences of each customer that has any; others have the defaults.
pub async fn by_customers(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, Preferences>> {
    let select = preference::Entity::find()
        .filter(preference::Column::CustomerId.is_in(customer_ids.iter().map(|id| id.as_str().to_owned())));
    let rows = super::positional::select(db, select).await.context("load the preferences of customers")?;
    codec.prefetch(rows.iter().map(|m| m.consents.as_str())).await.context("load data keys")?;
    let mut out = HashMap::with_capacity(rows.len());
    for m in rows {
        out.insert(CustomerId::from_stored(m.customer_id.clone()), decode(codec, m).await?);
    }
    Ok(out)
}

pub async fn get(db: &impl ConnectionTrait, codec: &PiiCodec, customer_id: &CustomerId) -> StoreResult<Preferences> {
    Ok(by_customers(db, codec, std::slice::from_ref(customer_id)).await?.remove(customer_id).unwrap_or_default())
}

pub async fn save(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    customer_id: &CustomerId,
    p: &Preferences,
) -> StoreResult<()> {
    put_row(db, &encode(codec, customer_id, p).await?.into()).await
}

/// The stored row, for a merge ledger.
pub(crate) async fn row(db: &impl ConnectionTrait, customer_id: &CustomerId) -> StoreResult<Option<PreferencesRow>> {
    Ok(preference::Entity::find_by_id(customer_id.as_str())
        .one(db)
        .await
        .context("load a preference row")?
        .map(PreferencesRow::from))
}

/// Insert or replace a customer's preference row as it is.
pub(crate) async fn put_row(db: &impl ConnectionTrait, row: &PreferencesRow) -> StoreResult<()> {
    preference::Entity::insert(row.to_active())
        .on_conflict(
            OnConflict::column(preference::Column::CustomerId)
                .update_columns([
                    preference::Column::Language,
                    preference::Column::Timezone,
                    preference::Column::PreferredChannel,
                    preference::Column::PreferredIdentityId,
                    preference::Column::PreferredAgentId,
                    preference::Column::BestTimeToContact,
                    preference::Column::DoNotContact,
                    preference::Column::Consents,
                    preference::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await
        .context("save a preference row")?;
    Ok(())
}

pub(crate) async fn delete(db: &impl ConnectionTrait, customer_id: &CustomerId) -> StoreResult<()> {
    preference::Entity::delete_by_id(customer_id.as_str()).exec(db).await.context("delete a preference row")?;
    Ok(())
}

/// Decode a preference row kept in a ledger.
pub(crate) async fn decode_row(codec: &PiiCodec, row: &PreferencesRow) -> StoreResult<Preferences> {
    let m = preference::Model {
        customer_id: row.customer_id.clone(),
        language: row.language.clone(),
        timezone: row.timezone.clone(),
        preferred_channel: row.preferred_channel.clone(),
        preferred_identity_id: row.preferred_identity_id.clone(),
        preferred_agent_id: row.preferred_agent_id.clone(),
        best_time_to_contact: row.best_time_to_contact.clone(),
        do_not_contact: row.do_not_contact,
        consents: row.consents.clone(),
        updated_at: row.updated_at,
    };
    decode(codec, m).await
}
