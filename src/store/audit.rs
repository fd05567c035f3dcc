//! The audit log: who did what to which profile, when. Details carry ids and counts,
//! never PII.

use super::entity::audit;
use super::error::DbContext;
use super::{StoreResult, now};
use crate::domain::id::new_id;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

/// One audit entry.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity_id: String,
    pub details: serde_json::Value,
}

pub async fn record(
    db: &impl ConnectionTrait,
    actor: &str,
    action: &str,
    entity_id: &str,
    details: serde_json::Value,
) -> StoreResult<()> {
    audit::ActiveModel {
        id: Set(new_id()),
        at: Set(now()),
        actor: Set(actor.to_owned()),
        action: Set(action.to_owned()),
        entity_id: Set(entity_id.to_owned()),
        details: Set(details.to_string()),
    }
    .insert(db)
    .await
    .context("record an audit entry")?;
    Ok(())
}

/// Entries about one entity, oldest first.
pub async fn for_entity(db: &impl ConnectionTrait, entity_id: &str) -> StoreResult<Vec<AuditEntry>> {
    let rows = audit::Entity::find()
        .filter(audit::Column::EntityId.eq(entity_id))
        .order_by_asc(audit::Column::At)
        .order_by_asc(audit::Column::Id)
        .all(db)
        .await
        .context("load audit entries")?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            at: r.at,
            actor: r.actor,
            action: r.action,
            entity_id: r.entity_id,
            details: serde_json::from_str(&r.details).unwrap_or_default(),
        })
        .collect())
}
