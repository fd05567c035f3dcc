//! The audit log: who did what to which profile, when. Details carry ids and counts,
//! never PII.

use super::entity::audit;
use super::now;
use crate::domain::Result;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

pub async fn record(
    db: &impl ConnectionTrait,
    actor: &str,
    action: &str,
    entity_id: &str,
    details: serde_json::Value,
) -> Result<()> {
    audit::ActiveModel {
        id: Set(crate::domain::id::new_id()),
        at: Set(now()),
        actor: Set(actor.to_owned()),
        action: Set(action.to_owned()),
        entity_id: Set(entity_id.to_owned()),
        details: Set(details.to_string()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Entries about one entity, oldest first.
pub async fn for_entity(db: &impl ConnectionTrait, entity_id: &str) -> Result<Vec<audit::Model>> {
    Ok(audit::Entity::find()
        .filter(audit::Column::EntityId.eq(entity_id))
        .order_by_asc(audit::Column::At)
        .order_by_asc(audit::Column::Id)
        .all(db)
        .await?)
}
