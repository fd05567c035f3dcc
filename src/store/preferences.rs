//! Contact and outbound preferences: one row per customer; windows and consents are
//! small JSON arrays always read whole with the row.

use super::entity::preference;
use super::{PreferenceRecord, now};
use crate::domain::{Channel, Result};
use anyhow::Context as _;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

pub(crate) fn decode(m: preference::Model) -> Result<PreferenceRecord> {
    Ok(PreferenceRecord {
        language: m.language,
        timezone: m.timezone,
        preferred_channel: m.preferred_channel.and_then(|c| c.parse::<Channel>().ok()),
        preferred_identity_id: m.preferred_identity_id,
        preferred_agent_id: m.preferred_agent_id,
        best_time_to_contact: serde_json::from_str(&m.best_time_to_contact).context("Failed to decode time windows")?,
        do_not_contact: m.do_not_contact,
        consents: serde_json::from_str(&m.consents).context("Failed to decode consents")?,
    })
}

/// Preferences of each customer that has any; others have the defaults.
pub async fn by_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[String],
) -> Result<HashMap<String, PreferenceRecord>> {
    let rows = preference::Entity::find()
        .filter(preference::Column::CustomerId.is_in(customer_ids.iter().cloned()))
        .all(db)
        .await?;
    rows.into_iter().map(|m| Ok((m.customer_id.clone(), decode(m)?))).collect()
}

pub async fn get(db: &impl ConnectionTrait, customer_id: &str) -> Result<PreferenceRecord> {
    Ok(by_customers(db, &[customer_id.to_owned()]).await?.remove(customer_id).unwrap_or_default())
}

pub async fn save(db: &impl ConnectionTrait, customer_id: &str, p: &PreferenceRecord) -> Result<()> {
    save_row(db, encode(customer_id, p)?).await
}

pub(crate) fn encode(customer_id: &str, p: &PreferenceRecord) -> Result<preference::Model> {
    Ok(preference::Model {
        customer_id: customer_id.to_owned(),
        language: p.language.clone(),
        timezone: p.timezone.clone(),
        preferred_channel: p.preferred_channel.map(|c| c.as_str().to_owned()),
        preferred_identity_id: p.preferred_identity_id.clone(),
        preferred_agent_id: p.preferred_agent_id.clone(),
        best_time_to_contact: serde_json::to_string(&p.best_time_to_contact).context("Failed to encode windows")?,
        do_not_contact: p.do_not_contact,
        consents: serde_json::to_string(&p.consents).context("Failed to encode consents")?,
        updated_at: now(),
    })
}

/// Insert or replace a customer's preference row as it is.
pub(crate) async fn save_row(db: &impl ConnectionTrait, row: preference::Model) -> Result<()> {
    let row: preference::ActiveModel = row.into();
    let row = sea_orm::ActiveModelTrait::reset_all(row);
    preference::Entity::insert(row)
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
        .await?;
    Ok(())
}
