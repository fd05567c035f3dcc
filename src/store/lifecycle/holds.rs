//! Legal holds: one row per protected profile.

use super::super::entity::legal_hold;
use super::super::error::DbContext;
use super::super::{StoreResult, now};
use crate::domain::id::CustomerId;
use crate::domain::lifecycle::LegalHold;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;

fn decode(m: legal_hold::Model) -> LegalHold {
    LegalHold {
        customer_id: CustomerId::from_stored(m.customer_id),
        reason: m.reason,
        set_by: m.set_by,
        set_at: m.set_at,
    }
}

/// The holds on these profiles, by profile.
pub async fn by_customers(
    db: &impl ConnectionTrait,
    ids: &[CustomerId],
) -> StoreResult<HashMap<CustomerId, LegalHold>> {
    let rows = legal_hold::Entity::find()
        .filter(legal_hold::Column::CustomerId.is_in(ids.iter().map(|id| id.as_str().to_owned())))
        .all(db)
        .await
        .context("load legal holds")?;
    Ok(rows.into_iter().map(decode).map(|h| (h.customer_id.clone(), h)).collect())
}

/// Put a hold on (or renew its reason).
pub async fn put(db: &impl ConnectionTrait, id: &CustomerId, reason: Option<&str>, by: &str) -> StoreResult<()> {
    let row = legal_hold::ActiveModel {
        customer_id: Set(id.as_str().to_owned()),
        reason: Set(reason.map(str::to_owned)),
        set_by: Set(by.to_owned()),
        set_at: Set(now()),
    };
    legal_hold::Entity::insert(row)
        .on_conflict(
            OnConflict::column(legal_hold::Column::CustomerId)
                .update_columns([legal_hold::Column::Reason, legal_hold::Column::SetBy, legal_hold::Column::SetAt])
                .to_owned(),
        )
        .exec(db)
        .await
        .context("put a legal hold")?;
    Ok(())
}

/// Release a hold; whether there was one.
pub async fn release(db: &impl ConnectionTrait, id: &CustomerId) -> StoreResult<bool> {
    let done =
        legal_hold::Entity::delete_by_id(id.as_str().to_owned()).exec(db).await.context("release a legal hold")?;
    Ok(done.rows_affected > 0)
}
