//! Contact and outbound preferences: one row per customer; windows and consents are
//! small JSON arrays always read whole with the row.

use super::entity::preference;
use super::error::DbContext;
use super::ledger::PreferencesRow;
use super::{StoreResult, now};
use crate::domain::Channel;
use crate::domain::id::{CustomerId, IdentityId};
use crate::domain::preference::Preferences;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

pub(crate) fn decode(m: preference::Model) -> StoreResult<Preferences> {
    Ok(Preferences {
        language: m.language,
        timezone: m.timezone,
        preferred_channel: m.preferred_channel.and_then(|c| c.parse::<Channel>().ok()),
        preferred_identity_id: m.preferred_identity_id.map(IdentityId::from_stored),
        preferred_agent_id: m.preferred_agent_id,
        best_time_to_contact: serde_json::from_str(&m.best_time_to_contact).context("decode time windows")?,
        do_not_contact: m.do_not_contact,
        consents: serde_json::from_str(&m.consents).context("decode consents")?,
    })
}

fn encode(customer_id: &CustomerId, p: &Preferences) -> StoreResult<preference::Model> {
    Ok(preference::Model {
        customer_id: customer_id.as_str().to_owned(),
        language: p.language.clone(),
        timezone: p.timezone.clone(),
        preferred_channel: p.preferred_channel.map(|c| c.as_str().to_owned()),
        preferred_identity_id: p.preferred_identity_id.as_ref().map(|id| id.as_str().to_owned()),
        preferred_agent_id: p.preferred_agent_id.clone(),
        best_time_to_contact: serde_json::to_string(&p.best_time_to_contact).context("encode time windows")?,
        do_not_contact: p.do_not_contact,
        consents: serde_json::to_string(&p.consents).context("encode consents")?,
        updated_at: now(),
    })
}

/// Preferences of each customer that has any; others have the defaults.
pub async fn by_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, Preferences>> {
    let rows = preference::Entity::find()
        .filter(preference::Column::CustomerId.is_in(customer_ids.iter().map(|id| id.as_str().to_owned())))
        .all(db)
        .await
        .context("load the preferences of customers")?;
    rows.into_iter().map(|m| Ok((CustomerId::from_stored(m.customer_id.clone()), decode(m)?))).collect()
}

pub async fn get(db: &impl ConnectionTrait, customer_id: &CustomerId) -> StoreResult<Preferences> {
    Ok(by_customers(db, std::slice::from_ref(customer_id)).await?.remove(customer_id).unwrap_or_default())
}

pub async fn save(db: &impl ConnectionTrait, customer_id: &CustomerId, p: &Preferences) -> StoreResult<()> {
    put_row(db, &encode(customer_id, p)?.into()).await
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
pub(crate) fn decode_row(row: &PreferencesRow) -> StoreResult<Preferences> {
    decode(preference::Model {
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
    })
}
