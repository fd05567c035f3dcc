//! `resolveCustomer` with an external maintainer: ask the provider first, within the
//! budget; cache its record as a local profile linked by external ref (the CRM sync path:
//! audited, evented, normalised); then resolve from local data, which now holds it. When
//! the CRM is slow, down or behind an open circuit, local data answers as it is and
//! `provider` says why.
//!
//! The safe rule for conflicting data: an identifier the CRM's record holds that another
//! ACTIVE profile holds here (one the record is not linked to) is not copied — identities
//! never move, and are never given a second holder, on the CRM's word alone. The record is
//! cached without it (`provider: CONFLICT`); when it is the identifier looked up, the local
//! holder is kept and the answer is `AMBIGUOUS` with the CRM's profile suggested.

use super::{Answer, ProviderStatus, WireProfile};
use crate::domain::audit::Actor;
use crate::domain::customer::Customer;
use crate::domain::enums::CustomerStatus;
use crate::domain::identity::IdentitySpec;
use crate::domain::{Error, Result};
use crate::service::Services;
use crate::service::identification::{Match, Resolution, ResolutionStatus};
use crate::store::{customers, external_refs, identities};
use sha2::{Digest as _, Sha256};
use std::collections::HashSet;

/// What asking the provider came to.
struct Asked {
    status: ProviderStatus,
    /// The CRM's profile, when the CRM links the identifier looked up to it while another
    /// profile holds it here.
    disputed_by: Option<Customer>,
}

impl Asked {
    fn status(status: ProviderStatus) -> Self {
        Self { status, disputed_by: None }
    }
}

impl Services {
    /// Get Customer by Channel Identifier (`ident` normalised; `hints` are other identifiers
    /// known for this contact). With `LocalProvider`, local resolution alone (one statement
    /// for a known identifier). With a CRM, the CRM first, never waiting longer than the
    /// budget: the asking and caching run on their own task, which finishes (and records
    /// the outcome in the circuit breaker) even when the resolve stopped waiting.
    pub async fn resolve_customer(
        &self,
        actor: &Actor,
        ident: &IdentitySpec,
        create_if_missing: bool,
        hints: &[IdentitySpec],
    ) -> Result<Resolution> {
        let provider = self.provider.clone();
        if !provider.provider.is_remote() {
            provider.count(ProviderStatus::Local);
            return self.resolve_locally(actor, ident, create_if_missing, hints).await;
        }
        let step = {
            let (services, actor, ident) = (self.clone(), actor.clone(), ident.clone());
            tokio::spawn(async move { services.ask_provider(&actor, &ident).await })
        };
        let asked = match tokio::time::timeout(provider.budget, step).await {
            Ok(Ok(asked)) => asked,
            Ok(Err(_)) => Asked::status(ProviderStatus::FallbackError), // the task panicked
            Err(_) => Asked::status(ProviderStatus::FallbackTimeout),
        };
        if asked.status == ProviderStatus::FallbackTimeout {
            tracing::warn!(outcome = asked.status.as_str(), "profile provider: over budget, local data answers");
        }
        let mut resolution = self.resolve_locally(actor, ident, create_if_missing, hints).await?;
        resolution.provider = asked.status;
        if let Some(crm) = asked.disputed_by {
            keep_local(&mut resolution, crm);
        }
        provider.count(asked.status);
        Ok(resolution)
    }

    async fn ask_provider(&self, actor: &Actor, ident: &IdentitySpec) -> Asked {
        let record = match self.provider.provider.by_identifier(ident.channel, &ident.value).await {
            Ok(Answer::Found(record)) => record,
            Ok(Answer::NotFound | Answer::Local) => return Asked::status(ProviderStatus::Ok),
            Err(e) => {
                let outcome = ProviderStatus::from(e);
                tracing::warn!(outcome = outcome.as_str(), reason = %e, "profile provider: no answer, local data answers");
                return Asked::status(outcome);
            }
        };
        match self.cache_answer(actor, ident, &record).await {
            Ok(asked) => asked,
            Err(e) => {
                tracing::warn!(
                    code = e.code(),
                    field = e.field().unwrap_or_default(),
                    "profile provider: the CRM's record could not be cached, local data answers"
                );
                Asked::status(ProviderStatus::FallbackError)
            }
        }
    }

    /// Cache `record` as the profile linked to its reference, without the identifiers in
    /// dispute; an answer already cached unchanged is not written again.
    async fn cache_answer(&self, actor: &Actor, ident: &IdentitySpec, record: &WireProfile) -> Result<Asked> {
        let (db, codec) = (&self.store.db, &self.store.codec);
        let remote = record.parse(&self.normalize)?;
        let key_of = |spec: &IdentitySpec| codec.lookup_key(spec.channel, &spec.value);
        let asked = key_of(ident);
        let keys: Vec<String> = remote.input.identities.iter().map(|i| key_of(&i.value)).collect();
        if !keys.contains(&asked) {
            return Err(Error::bad_input("identities", "the CRM's record does not hold the identifier looked up"));
        }
        // Holders first, then the owner: a sync commits a profile's identities and its link
        // together, so a holder made by a concurrent sync of this record is seen as its
        // owner too (the other order saw the identity without the link: a false conflict).
        let holders = identities::holders(db, codec, &keys).await?;
        let owner = external_refs::owner(db, codec, &remote.reference).await?;
        let disputed: HashSet<String> = holders
            .into_iter()
            .filter(|(_, c)| c.status == CustomerStatus::Active && Some(&c.id) != owner.as_ref())
            .map(|(i, _)| key_of(&i.spec))
            .collect();
        let mut input = remote.input;
        let offered = input.identities.len();
        input.identities.retain(|i| !disputed.contains(&key_of(&i.value)));
        let held_back = offered - input.identities.len();
        let status = if held_back > 0 { ProviderStatus::Conflict } else { ProviderStatus::Ok };

        let mut sorted: Vec<&String> = disputed.iter().collect();
        sorted.sort();
        let mut hasher = Sha256::new();
        hasher.update(remote.digest);
        sorted.iter().for_each(|k| hasher.update(k.as_bytes()));
        let digest: [u8; 32] = hasher.finalize().into();

        let id = match (self.provider.memo.get(&remote.reference), owner) {
            (Some((seen, cached)), Some(owner)) if seen == digest && cached == owner => owner,
            _ => {
                let (customer, created) =
                    self.sync_by_external_ref(actor, &remote.reference, input, remote.sync_labels).await?;
                tracing::info!(customer_id = %customer.id, created, held_back, "profile provider: the CRM's record cached");
                self.provider.memo.put(remote.reference, digest, customer.id.clone());
                customer.id
            }
        };
        let disputed_by = if disputed.contains(&asked) { customers::get(db, codec, &id).await? } else { None };
        Ok(Asked { status, disputed_by })
    }
}

/// The safe rule for a conflict on the identifier looked up: local data stands (the
/// profile holding it stays `customer`), the answer becomes `AMBIGUOUS`, and the CRM's
/// profile is suggested after the local holder(s), for an agent to merge if they are one.
fn keep_local(r: &mut Resolution, crm: Customer) {
    if r.status == ResolutionStatus::Resolved {
        r.status = ResolutionStatus::Ambiguous;
        if let Some(local) = &r.customer {
            let reasons = vec!["holds this identifier here".to_owned()];
            r.matches.push(Match { customer: local.clone(), score: 0, reasons });
        }
    }
    if !r.matches.iter().any(|m| m.customer.id == crm.id) {
        let reasons = vec!["the CRM links this identifier to its record".to_owned()];
        r.matches.push(Match { customer: crm, score: 0, reasons });
    }
}
