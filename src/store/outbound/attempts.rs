//! Outbound attempts of the recent past, for frequency caps: read from `interactions`.

use super::super::StoreResult;
use super::super::entity::interaction as row;
use super::super::error::DbContext;
use crate::domain::Channel;
use crate::domain::contactability::caps::Attempt;
use crate::domain::enums::Direction;
use crate::domain::id::CustomerId;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// Outbound interactions of each customer started in `(since, until]`: one statement.
pub async fn by_customers(
    db: &impl ConnectionTrait,
    ids: &[CustomerId],
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<HashMap<CustomerId, Vec<Attempt>>> {
    let rows: Vec<(String, DateTime<Utc>, String, Option<String>)> = row::Entity::find()
        .select_only()
        .columns([row::Column::CustomerId, row::Column::StartedAt, row::Column::Channel, row::Column::Topic])
        .filter(row::Column::CustomerId.is_in(ids.iter().map(|i| i.as_str().to_owned())))
        .filter(row::Column::Direction.eq(Direction::Outbound.as_str()))
        .filter(row::Column::StartedAt.gt(since))
        .filter(row::Column::StartedAt.lte(until))
        .into_tuple()
        .all(db)
        .await
        .context("load recent outbound attempts")?;
    let mut out: HashMap<CustomerId, Vec<Attempt>> = HashMap::new();
    for (customer, at, channel, topic) in rows {
        // A channel this build does not know still counts as an attempt.
        let channel = channel.parse::<Channel>().unwrap_or(Channel::Other);
        out.entry(CustomerId::from_stored(customer)).or_default().push(Attempt { at, channel, topic });
    }
    Ok(out)
}
