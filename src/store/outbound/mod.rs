//! Outbound compliance storage (issue 13): consent records, suppressions, suppression lists,
//! recorded decisions, and [`load_profiles`], which reads everything a contactability
//! decision needs for any number of customers in a fixed number of statements.

pub mod attempts;
pub mod consents;
pub mod lists;
pub mod suppressions;

use super::entity::{contact_decision_record as evidence_row, customer};
use super::error::DbContext;
use super::{PiiCodec, StoreResult};
use crate::domain::contactability::Profile;
use crate::domain::contactability::caps::LOOKBACK;
use crate::domain::contactability::evidence::EvidenceV1;
use crate::domain::enums::CustomerStatus;
use crate::domain::id::CustomerId;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// The most customers one batch decides for: keeps every `IN (…)` list under the
/// databases' parameter limits (SQLite 32,766; PostgreSQL 65,535).
pub const MAX_BATCH: usize = 10_000;

/// The profiles of the live customers among `ids` (unknown, merged and erased ones are
/// left out), with the outbound attempts in `(from - LOOKBACK, until]` (decisions for
/// instants from `from` to `until`). Seven statements plus one per kind of sealed value
/// whose data keys are not cached, whatever the number of customers.
pub async fn load_profiles(
    db: &impl ConnectionTrait,
    codec: &PiiCodec,
    ids: &[CustomerId],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<HashMap<CustomerId, Profile>> {
    let live: Vec<(String, String)> = customer::Entity::find()
        .select_only()
        .columns([customer::Column::Id, customer::Column::Status])
        .filter(customer::Column::Id.is_in(ids.iter().map(|i| i.as_str().to_owned())))
        .into_tuple()
        .all(db)
        .await
        .context("read the status of customers")?;
    let live: Vec<CustomerId> = live
        .into_iter()
        .filter(|(_, status)| {
            !matches!(CustomerStatus::parse(status), Some(CustomerStatus::Merged | CustomerStatus::Erased) | None)
        })
        .map(|(id, _)| CustomerId::from_stored(id))
        .collect();
    let mut identities = super::identities::by_customers(db, codec, &live).await?;
    let mut prefs = super::preferences::by_customers(db, codec, &live).await?;
    let mut consents = consents::by_customers(db, codec, &live).await?;
    let mut suppressions = suppressions::by_customers(db, &live).await?;
    let mut listed = lists::hits_of(db, &live).await?;
    let mut attempts = attempts::by_customers(db, &live, from - LOOKBACK, until).await?;
    let mut out = HashMap::with_capacity(live.len());
    for id in live {
        let profile = Profile {
            prefs: prefs.remove(&id).unwrap_or_default(),
            identities: identities.remove(&id).unwrap_or_default(),
            consents: consents.remove(&id).unwrap_or_default(),
            suppressions: suppressions.remove(&id).unwrap_or_default(),
            listed: listed.remove(&id).unwrap_or_default(),
            attempts: attempts.remove(&id).unwrap_or_default(),
            customer_id: Some(id.clone()),
        };
        out.insert(id, profile);
    }
    Ok(out)
}

/// Record a batch of decisions as evidence: one row, one statement, whatever its size.
pub async fn record_decisions(db: &impl ConnectionTrait, id: &str, e: &EvidenceV1) -> StoreResult<()> {
    evidence_row::Entity::insert(evidence_row::ActiveModel {
        id: Set(id.to_owned()),
        purpose: Set(e.purpose.clone()),
        decided_for: Set(e.at),
        decisions_count: Set(e.decisions.len() as i32),
        principal: Set(e.principal.clone()),
        evidence: Set(serde_json::to_string(e).context("encode decision evidence")?),
        created_at: Set(e.decided_at),
    })
    .exec_without_returning(db)
    .await
    .context("record decisions")?;
    Ok(())
}

/// A recorded batch, decoded (for audits and tests).
pub async fn recorded(db: &impl ConnectionTrait, id: &str) -> StoreResult<Option<EvidenceV1>> {
    let Some(m) = evidence_row::Entity::find_by_id(id).one(db).await.context("read decision evidence")? else {
        return Ok(None);
    };
    Ok(Some(serde_json::from_str(&m.evidence).context("decode decision evidence")?))
}
