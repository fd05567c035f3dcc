//! The outbound records of the subject-access export: the consent history with its proof
//! (what the person agreed to, where and in which words) and the suppressions of contact.

use crate::domain::Result;
use crate::domain::id::CustomerId;
use crate::domain::redact::redact_free_text;
use crate::store::PiiCodec;
use crate::store::outbound::{consents, suppressions};
use sea_orm::DatabaseTransaction;
use serde_json::{Value, json};

/// Every consent record of the profiles, oldest first per profile, proof opened.
pub(super) async fn consent_records_of(
    tx: &DatabaseTransaction,
    codec: &PiiCodec,
    ids: &[CustomerId],
) -> Result<Vec<Value>> {
    let mut found = consents::by_customers(tx, codec, ids).await?;
    let all = ids.iter().flat_map(|id| found.remove(id).unwrap_or_default());
    // The person's own words stay; card numbers never leave (PCI DSS), as for other free text.
    let text = |t: &Option<String>| t.as_deref().map(|s| redact_free_text(s, true).into_owned());
    Ok(all
        .map(|r| {
            json!({
                "id": r.id, "customerId": r.customer_id, "channel": r.channel.as_str(), "identityId": r.identity_id,
                "purpose": r.purpose, "status": r.status.as_str(), "source": text(&r.proof.source),
                "wording": text(&r.proof.wording), "evidenceRef": text(&r.proof.evidence_ref),
                "principal": r.principal, "givenAt": r.given_at, "expiresAt": r.expires_at,
                "recordedAt": r.recorded_at,
            })
        })
        .collect())
}

/// Every suppression of contact with the profiles, lifted and expired ones included.
pub(super) async fn suppressions_of(tx: &DatabaseTransaction, ids: &[CustomerId]) -> Result<Vec<Value>> {
    let mut found = suppressions::by_customers(tx, ids).await?;
    let all = ids.iter().flat_map(|id| found.remove(id).unwrap_or_default());
    Ok(all
        .map(|s| {
            json!({
                "id": s.id, "customerId": s.customer_id, "channel": s.channel.map(|c| c.as_str()),
                "purpose": s.purpose, "reason": s.reason, "principal": s.principal, "createdAt": s.created_at,
                "expiresAt": s.expires_at, "liftedAt": s.lifted_at,
            })
        })
        .collect())
}
