//! The data lifecycle's use cases: erasure (right to erasure), legal holds, the
//! subject-access export ([`export`]) and retention ([`retention`]). Each is one
//! transaction (retention one per kind and batch), audited in it. See
//! `docs/decisions/0010-data-lifecycle.md`.

pub mod export;
mod export_outbound;
pub mod retention;

use super::{On, Services};
use crate::domain::audit::{Actor, AuditFilter, Change};
use crate::domain::customer::Customer;
use crate::domain::enums::CustomerStatus;
use crate::domain::id::CustomerId;
use crate::domain::lifecycle::{ErasedCounts, ErasureReceipt, parse_reason};
use crate::domain::{Error, Result};
use crate::store::lifecycle::{self, holds};
use crate::store::{audit, commit, customers, now, rollback};
use sea_orm::DatabaseTransaction;

/// The audit action of an erasure (one entry per erased profile, the receipt in its details).
pub const ERASE: &str = "customer.erase";

/// What an erasure changes on a profile: everything.
fn erase_fields() -> Vec<String> {
    [
        "displayName",
        "identities",
        "labels",
        "attributes",
        "preferences",
        "externalRefs",
        "interactions.summary",
        "merges",
    ]
    .map(String::from)
    .to_vec()
}

impl Services {
    /// Erase profile `id` and every profile merged into it (ids parsed at the edge; `reason`
    /// as given at `reason`). Refused while a legal hold is on any of them; a profile merged
    /// into another is erased through that one. A profile erased before answers its
    /// receipt again (`alreadyErased`), without writing.
    pub async fn erase_customer(&self, actor: &Actor, id: &CustomerId, reason: &str) -> Result<ErasureReceipt> {
        let reason = parse_reason("reason", reason)?;
        let tx = self.store.begin_write().await?;
        let codec = &self.store.codec;
        let Some(current) = customers::get(&tx, codec, id).await? else {
            return Err(Error::not_found("customer", "id"));
        };
        if current.status == CustomerStatus::Erased {
            let receipt = receipt_of(&tx, &current).await?;
            rollback(tx).await?;
            // Finishes an erasure whose key destruction failed (destroying twice is a no-op).
            self.after_erasure(std::slice::from_ref(id)).await?;
            return Ok(receipt);
        }
        // Takes the row lock: writers to this profile wait, then find a tombstone.
        customers::touch(&tx, codec, id, None).await.on("customer", "id").map_err(|e| match e {
            Error::Conflict { .. } => Error::conflict(
                Some("id"),
                "this profile was merged into another: erase that one (its merged profiles are erased with it)",
            ),
            other => other,
        })?;
        let ids = lifecycle::merged_into_closure(&tx, id).await?;
        if !holds::by_customers(&tx, &ids).await?.is_empty() {
            return Err(Error::conflict(Some("id"), "a legal hold is on this profile; release it first"));
        }
        let receipt = self.erase_in(&tx, actor, &ids, reason).await?;
        commit(tx).await?;
        self.after_erasure(&ids).await?;
        tracing::info!(customer = %id, profiles = ids.len(), by = %actor.subject, "customer erased");
        Ok(receipt)
    }

    /// Erase `ids` (the first is the profile asked for, the others merged into it) in `tx`,
    /// and record the receipt on each.
    pub(crate) async fn erase_in(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        ids: &[CustomerId],
        reason: String,
    ) -> Result<ErasureReceipt> {
        let lookup_keys = lifecycle::lookup_keys_of(tx, ids).await?;
        let merges: Vec<String> = lifecycle::ledgers_mentioning(tx, ids).await?.into_iter().map(|(m, ..)| m).collect();
        let counts: ErasedCounts = lifecycle::erase(tx, ids, &merges).await?;
        crate::store::search::delete(tx, ids).await?;
        let mut items: Vec<String> = ids.iter().map(|id| id.as_str().to_owned()).collect();
        items.extend(lookup_keys.iter().map(|k| super::anomaly::lookup_key_digest(k)));
        lifecycle::forget_observations(tx, items).await?;
        let receipt = ErasureReceipt {
            customer_id: ids[0].to_string(),
            merged_profiles: ids[1..].iter().map(ToString::to_string).collect(),
            erased_at: now(),
            erased_by: actor.subject.clone(),
            reason,
            counts,
            already_erased: false,
        };
        let details = serde_json::to_value(&receipt).map_err(|e| Error::Internal(e.into()))?;
        let changes =
            ids.iter().map(|id| Change::to_customer(ERASE, id, erase_fields()).with_details(details.clone())).collect();
        self.record(tx, actor, changes).await?;
        Ok(receipt)
    }

    /// After an erasure committed: what else must forget the erased profiles.
    /// Crypto-shredding: the erased profiles' data keys are destroyed, so that no copy of
    /// their values (a backup taken before) opens any more. A failure is an error: the
    /// erasure is committed, and erasing again finishes it.
    pub(super) async fn after_erasure(&self, erased: &[CustomerId]) -> Result<()> {
        if erased.is_empty() {
            return Ok(());
        }
        self.destroy_data_keys(erased).await?;
        self.store.flush_erased().await;
        Ok(())
    }

    /// Put a legal hold on profile `id` (`on`) or release it. Audited with its reason.
    pub async fn set_legal_hold(
        &self,
        actor: &Actor,
        id: &CustomerId,
        on: bool,
        reason: Option<&str>,
    ) -> Result<Customer> {
        let reason = reason.map(|r| parse_reason("reason", r)).transpose()?;
        let tx = self.begin_on(id, "customerId").await?;
        if on {
            holds::put(&tx, id, reason.as_deref(), &actor.subject).await?;
        } else {
            holds::release(&tx, id).await?;
        }
        let details = serde_json::json!({ "on": on, "reason": reason });
        let change = Change::to_customer("customer.legal_hold", id, vec!["legalHold".into()]).with_details(details);
        self.finish(tx, actor, change).await
    }
}

/// The receipt of a profile erased before, from its audit entry; when retention purged
/// that entry, what the tombstone still tells.
async fn receipt_of(tx: &DatabaseTransaction, tombstone: &Customer) -> Result<ErasureReceipt> {
    let filter =
        AuditFilter { customer_id: Some(tombstone.id.clone()), action: Some(ERASE.to_owned()), ..Default::default() };
    let entry = audit::page(tx, &filter, None, 1).await?.into_iter().next();
    let recorded = entry.and_then(|e| serde_json::from_value::<ErasureReceipt>(e.details).ok());
    Ok(match recorded {
        Some(receipt) => ErasureReceipt { already_erased: true, ..receipt },
        None => ErasureReceipt {
            customer_id: tombstone.id.to_string(),
            merged_profiles: Vec::new(),
            erased_at: tombstone.updated_at,
            erased_by: String::new(),
            reason: String::new(),
            counts: ErasedCounts::default(),
            already_erased: true,
        },
    })
}
