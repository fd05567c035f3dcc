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
use super::provider::ProviderStatus;
use crate::domain::audit::{Actor, Change};
use crate::domain::customer::Customer;
use crate::domain::enums::CustomerStatus;
use crate::domain::id::CustomerId;
use crate::domain::identity::{Identity, IdentitySpec};
use crate::domain::{Error, Result};
use crate::store::{Constraint, StoreError, commit, customers, identities, interactions, now};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// How an identifier resolved (`resolveCustomer`).
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum ResolutionStatus {
    /// The identifier belongs to exactly one profile.
    Resolved,
    /// Nobody held the identifier: a new anonymous profile was created for it.
    CreatedAnonymous,
    /// Several profiles hold it (or it is shared): an anonymous record plus suggestions. With
    /// `provider: CONFLICT`: the CRM links it to another profile than the one holding it
    /// here; `customer` is the local holder (kept) and the CRM's profile is suggested.
    Ambiguous,
    /// Nobody holds it and `createIfMissing` was false.
    NotFound,
}

/// A candidate profile and why it was suggested.
#[derive(Clone, Debug)]
pub struct Match {
    pub customer: Customer,
    pub score: i32,
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Resolution {
    pub status: ResolutionStatus,
    pub customer: Option<Customer>,
    pub matches: Vec<Match>,
    /// Whether an external maintainer answered, or local data did and why (decision 0017).
    pub provider: ProviderStatus,
}

const ATTEMPTS: usize = 3;

impl Services {
    /// Resolve `ident` (normalised) from local data alone; `hints` are other identifiers
    /// known for this contact. [`Services::resolve_customer`] asks the provider first.
    pub(crate) async fn resolve_locally(
        &self,
        actor: &Actor,
        ident: &IdentitySpec,
        create_if_missing: bool,
        hints: &[IdentitySpec],
    ) -> Result<Resolution> {
        let codec = &self.store.codec;
        let key = codec.lookup_key(ident.channel, &ident.value);
        let hints: Vec<String> = hints.iter().map(|h| codec.lookup_key(h.channel, &h.value)).collect();
        for _ in 0..ATTEMPTS {
            let holders = identities::holders(&self.store.db, codec, std::slice::from_ref(&key)).await?;
            let shared = holders.iter().any(|(i, _)| i.spec.shared);
            let known: Vec<&(Identity, Customer)> =
                holders.iter().filter(|(_, c)| c.status == CustomerStatus::Active).collect();
            let anonymous = holders.iter().find(|(_, c)| c.status == CustomerStatus::Anonymous).map(|(_, c)| c.clone());

            if known.len() == 1 && !shared {
                return Ok(Resolution {
                    status: ResolutionStatus::Resolved,
                    customer: Some(known[0].1.clone()),
                    matches: vec![],
                    provider: ProviderStatus::Local,
                });
            }
            if known.is_empty() && anonymous.is_some() {
                return Ok(Resolution {
                    status: ResolutionStatus::Resolved,
                    customer: anonymous,
                    matches: vec![],
                    provider: ProviderStatus::Local,
                });
            }
            let matches = if known.is_empty() { vec![] } else { self.rank(&known, &hints).await? };
            let status =
                if known.is_empty() { ResolutionStatus::CreatedAnonymous } else { ResolutionStatus::Ambiguous };
            let customer = match (anonymous, create_if_missing) {
                (Some(existing), _) => Some(existing),
                (None, false) => None,
                (None, true) => match self.create_anonymous(actor, ident).await {
                    Ok(created) => Some(created),
                    Err(Error::Conflict { .. }) => continue, // lost the race: look again
                    Err(other) => return Err(other),
                },
            };
            let status = match (status, &customer) {
                (ResolutionStatus::CreatedAnonymous, None) => ResolutionStatus::NotFound,
                (status, _) => status,
            };
            return Ok(Resolution { status, customer, matches, provider: ProviderStatus::Local });
        }
        Err(Error::Internal(anyhow::anyhow!("identification kept racing with concurrent writers")))
    }

    /// Create an anonymous profile holding `ident`; `CONFLICT` if a concurrent resolve won.
    async fn create_anonymous(&self, actor: &Actor, ident: &IdentitySpec) -> Result<Customer> {
        let tx = self.store.begin_write().await?;
        let id = CustomerId::generate();
        customers::insert(&tx, &self.store.codec, &id, None, CustomerStatus::Anonymous).await?;
        let new = IdentitySpec { primary: true, shared: false, ..ident.clone() };
        match identities::insert(&tx, &self.store.codec, &id, &new, true).await {
            Ok(_) => {}
            Err(StoreError::Duplicate(Constraint::AnonymousIdentity)) => {
                return Err(Error::conflict(Some("identity"), "created concurrently"));
            }
            Err(other) => return Err(other.into()),
        }
        let fields = vec![format!("identities.{}", new.channel.as_str())];
        let change = Change::to_customer("customer.create", &id, fields)
            .with_details(serde_json::json!({ "status": "ANONYMOUS", "by": "identification" }));
        self.reindex_in(&tx, std::slice::from_ref(&id)).await?;
        self.record(&tx, actor, vec![change]).await?;
        let record = customers::get_existing(&tx, &self.store.codec, &id).await?;
        commit(tx).await?;
        tracing::info!(customer_id = %id, "anonymous profile created by identification");
        Ok(record)
    }

    /// Score the known holders: verified +40, primary +20, active in the last 30 days +20
    /// (last year +10), each other identifier given that they also hold +15.
    async fn rank(&self, known: &[&(Identity, Customer)], hints: &[String]) -> Result<Vec<Match>> {
        let ids: Vec<CustomerId> = known.iter().map(|(_, c)| c.id.clone()).collect();
        let activity = interactions::last_activity(&self.store.db, &ids).await?;
        let mut hint_counts: HashMap<CustomerId, i32> = HashMap::new();
        if !hints.is_empty() {
            for (i, _) in identities::holders(&self.store.db, &self.store.codec, hints).await? {
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
                if identity.spec.verified {
                    score += 40;
                    reasons.push("holds this identifier verified".to_owned());
                }
                if identity.spec.primary {
                    score += 20;
                    reasons.push(format!("it is their primary {} identifier", identity.spec.channel.as_str()));
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
                if identity.spec.shared {
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
