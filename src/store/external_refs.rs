//! Links from a profile to records in CRMs and ticketing systems.

use super::entity::external_ref;
use super::{ExternalRefRecord, now};
use crate::domain::{Error, Result};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;

pub async fn by_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[String],
) -> Result<HashMap<String, Vec<ExternalRefRecord>>> {
    let rows = external_ref::Entity::find()
        .filter(external_ref::Column::CustomerId.is_in(customer_ids.iter().cloned()))
        .order_by_asc(external_ref::Column::System)
        .order_by_asc(external_ref::Column::ExternalId)
        .all(db)
        .await?;
    let mut out: HashMap<String, Vec<ExternalRefRecord>> = HashMap::new();
    for m in rows {
        out.entry(m.customer_id).or_default().push(ExternalRefRecord { system: m.system, external_id: m.external_id });
    }
    Ok(out)
}

/// The customer a CRM record is linked to, if any.
pub async fn owner(db: &impl ConnectionTrait, system: &str, external_id: &str) -> Result<Option<String>> {
    Ok(external_ref::Entity::find()
        .filter(external_ref::Column::System.eq(system))
        .filter(external_ref::Column::ExternalId.eq(external_id))
        .one(db)
        .await?
        .map(|m| m.customer_id))
}

/// Link a CRM record to a customer. A record is linked to one profile at most.
pub async fn insert(
    db: &impl ConnectionTrait,
    customer_id: &str,
    field: &str,
    system: &str,
    external_id: &str,
) -> Result<()> {
    match owner(db, system, external_id).await? {
        Some(owner) if owner == customer_id => return Ok(()),
        Some(_) => return Err(Error::conflict(Some(field), "this external record is linked to another customer")),
        None => {}
    }
    external_ref::ActiveModel {
        id: Set(crate::domain::id::new_id()),
        customer_id: Set(customer_id.to_owned()),
        system: Set(system.to_owned()),
        external_id: Set(external_id.to_owned()),
        created_at: Set(now()),
    }
    .insert(db)
    .await?;
    Ok(())
}
