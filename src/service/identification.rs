//! "Get Customer by Channel Identifier": the identification step of every interaction.
//!
//! The identifier is normalised, then looked up by its lookup key (one statement):
//! - one known (ACTIVE) holder, identifier not shared → `RESOLVED`;
//! - no known holder → the anonymous profile already holding it (`RESOLVED`), or a new
//!   one (`CREATED_ANONYMOUS`), or nothing (`NOT_FOUND` when `createIfMissing` is false);
//! - several known holders, or a shared identifier → `AMBIGUOUS`: the anonymous profile
//!   to attach the interaction to (reused, so a family phone does not breed profiles)
//!   plus the known holders as suggested matches, best first, each with its score and why.
//!
//! Two concurrent resolves of the same new identifier create one profile: the anonymous
//! profile's identity carries a unique `anonymous_key`; the loser of the race rolls back
//! and resolves again, finding the winner's profile.

use super::Services;
use super::inputs::ChannelIdentityInput;
use crate::domain::enums::CustomerStatus;
use crate::domain::id::new_id;
use crate::domain::{Error, Result};
use crate::store::entity::interaction;
use crate::store::{CustomerRecord, IdentityRecord, customers, identities, now};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum ResolutionStatus {
    /// The identifier belongs to exactly one profile.
    Resolved,
    /// Nobody held the identifier: a new anonymous profile was created for it.
    CreatedAnonymous,
    /// Several profiles hold it (or it is shared): an anonymous record plus suggestions.
    Ambiguous,
    /// Nobody holds it and `createIfMissing` was false.
    NotFound,
}

/// A candidate profile and why it was suggested.
#[derive(Clone, Debug)]
pub struct Match {
    pub customer: CustomerRecord,
    pub score: i32,
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Resolution {
    pub status: ResolutionStatus,
    pub customer: Option<CustomerRecord>,
    pub matches: Vec<Match>,
}

const ATTEMPTS: usize = 3;

impl Services {
    pub async fn resolve_customer(
        &self,
        identity: ChannelIdentityInput,
        create_if_missing: bool,
        also_known_as: &[ChannelIdentityInput],
    ) -> Result<Resolution> {
        let ident = self.parse_identity("identity", &identity)?;
        let key = identities::lookup_key(&self.store.pii, ident.channel, &ident.value);
        let hints = also_known_as
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let h = self.parse_identity(&format!("alsoKnownAs.{i}"), h)?;
                Ok(identities::lookup_key(&self.store.pii, h.channel, &h.value))
            })
            .collect::<Result<Vec<_>>>()?;
        for _ in 0..ATTEMPTS {
            let holders = identities::holders(&self.store.db, &self.store.pii, std::slice::from_ref(&key)).await?;
            let shared = holders.iter().any(|(i, _)| i.shared);
            let known: Vec<&(IdentityRecord, CustomerRecord)> =
                holders.iter().filter(|(_, c)| c.status == CustomerStatus::Active).collect();
            let anonymous = holders.iter().find(|(_, c)| c.status == CustomerStatus::Anonymous).map(|(_, c)| c.clone());

            if known.len() == 1 && !shared {
                return Ok(Resolution {
                    status: ResolutionStatus::Resolved,
                    customer: Some(known[0].1.clone()),
                    matches: vec![],
                });
            }
            if known.is_empty() && anonymous.is_some() {
                return Ok(Resolution { status: ResolutionStatus::Resolved, customer: anonymous, matches: vec![] });
            }
            let matches = if known.is_empty() { vec![] } else { self.rank(&known, &hints).await? };
            let status =
                if known.is_empty() { ResolutionStatus::CreatedAnonymous } else { ResolutionStatus::Ambiguous };
            let customer = match (anonymous, create_if_missing) {
                (Some(existing), _) => Some(existing),
                (None, false) => None,
                (None, true) => match self.create_anonymous(&ident).await {
                    Ok(created) => Some(created),
                    Err(Error::Conflict { .. }) => continue, // lost the race: look again
                    Err(other) => return Err(other),
                },
            };
            let status = match (status, &customer) {
                (ResolutionStatus::CreatedAnonymous, None) => ResolutionStatus::NotFound,
                (status, _) => status,
            };
            return Ok(Resolution { status, customer, matches });
        }
        Err(Error::Internal(anyhow::anyhow!("identification kept racing with concurrent writers")))
    }

    /// Create an anonymous profile holding `ident`; `CONFLICT` if a concurrent resolve won.
    async fn create_anonymous(&self, ident: &identities::NewIdentity) -> Result<CustomerRecord> {
        let tx = self.store.begin_write().await?;
        let id = new_id();
        customers::insert(&tx, &self.store.pii, &id, None, CustomerStatus::Anonymous).await?;
        let new = identities::NewIdentity { primary: true, shared: false, ..ident.clone() };
        match identities::insert_with(&tx, &self.store.pii, &id, "identity.value", &new, true).await {
            Ok(_) => {}
            Err(Error::Internal(e)) if super::customers::is_unique_violation(&e) => {
                return Err(Error::conflict(Some("identity"), "created concurrently"));
            }
            Err(other) => return Err(other),
        }
        let record = customers::get(&tx, &self.store.pii, &id).await?.ok_or_else(|| anyhow::anyhow!("vanished"))?;
        tx.commit().await?;
        tracing::info!(customer_id = %id, "anonymous profile created by identification");
        Ok(record)
    }

    /// Score the known holders: verified +40, primary +20, active in the last 30 days +20
    /// (last year +10), each other identifier given that they also hold +15.
    async fn rank(&self, known: &[&(IdentityRecord, CustomerRecord)], hints: &[String]) -> Result<Vec<Match>> {
        let ids: Vec<String> = known.iter().map(|(_, c)| c.id.clone()).collect();
        let activity = last_activity(&self.store.db, &ids).await?;
        let mut hint_counts: HashMap<String, i32> = HashMap::new();
        if !hints.is_empty() {
            for (i, _) in identities::holders(&self.store.db, &self.store.pii, hints).await? {
                if ids.contains(&i.customer_id) {
                    *hint_counts.entry(i.customer_id).or_default() += 1;
                }
            }
        }
        let at = now();
        let mut matches: Vec<(Match, Option<DateTime<Utc>>)> = known
            .iter()
            .map(|(identity, customer)| {
                let mut score = 0;
                let mut reasons = Vec::new();
                if identity.verified {
                    score += 40;
                    reasons.push("holds this identifier verified".to_owned());
                }
                if identity.primary {
                    score += 20;
                    reasons.push(format!("it is their primary {} identifier", identity.channel.as_str()));
                }
                let last = activity.get(&customer.id).copied();
                if let Some(last) = last {
                    let days = Ord::max((at - last).num_days(), 0);
                    if days <= 30 {
                        score += 20;
                        reasons.push(format!("active {days} days ago"));
                    } else if days <= 365 {
                        score += 10;
                        reasons.push(format!("active {days} days ago"));
                    }
                }
                if let Some(n) = hint_counts.get(&customer.id) {
                    score += 15 * n;
                    reasons.push(format!("also holds {n} of the other identifiers given"));
                }
                if identity.shared {
                    reasons.push("the identifier is marked shared".to_owned());
                }
                (Match { customer: customer.clone(), score, reasons }, last)
            })
            .collect();
        matches
            .sort_by(|(a, la), (b, lb)| b.score.cmp(&a.score).then(lb.cmp(la)).then(a.customer.id.cmp(&b.customer.id)));
        Ok(matches.into_iter().map(|(m, _)| m).collect())
    }
}

/// The latest interaction start of each customer, in one statement.
async fn last_activity(db: &impl sea_orm::ConnectionTrait, ids: &[String]) -> Result<HashMap<String, DateTime<Utc>>> {
    let rows: Vec<(String, Option<DateTime<Utc>>)> = interaction::Entity::find()
        .select_only()
        .column(interaction::Column::CustomerId)
        .column_as(Expr::col(interaction::Column::StartedAt).max(), "last")
        .filter(interaction::Column::CustomerId.is_in(ids.iter().cloned()))
        .group_by(interaction::Column::CustomerId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(id, at)| at.map(|at| (id, at))).collect())
}
