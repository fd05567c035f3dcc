//! The subject-access export: every piece of data held about a person, decrypted, as one
//! versioned JSON document (`format`/`version` at the top; fields are only ever added).
//! It reveals PII, so it is audited (`customer.export`) in the transaction that reads it.

use super::super::{On as _, Services};
use crate::domain::attribute::AttributeValue;
use crate::domain::audit::{Actor, AuditEntry, AuditFilter, Change};
use crate::domain::customer::Customer;
use crate::domain::enums::CustomerStatus;
use crate::domain::id::CustomerId;
use crate::domain::lifecycle::EXPORT_VERSION;
use crate::domain::redact::redact_free_text;
use crate::domain::{Error, Result};
use crate::store::audit::{self, Position};
use crate::store::lifecycle::{self, export as rows, holds};
use crate::store::{PiiCodec, attributes, commit, customers, external_refs, identities, labels, now, preferences};
use sea_orm::DatabaseTransaction;
use serde_json::{Value, json};

/// Audit entries read per statement.
const AUDIT_PAGE: u64 = 1000;

impl Services {
    /// The export of profile `id` (and every profile merged into it).
    pub async fn export_customer(&self, actor: &Actor, id: &CustomerId) -> Result<Value> {
        let tx = self.store.begin_write().await?;
        let codec = &self.store.codec;
        let root = customers::get(&tx, codec, id).await?.ok_or_else(|| Error::not_found("customer", "id"))?;
        if root.status == CustomerStatus::Merged {
            let into = root.merged_into.clone().unwrap_or_else(|| root.id.clone());
            return Err(crate::store::StoreError::Merged { into }).on("customer", "id");
        }
        let ids = lifecycle::merged_into_closure(&tx, id).await?;
        let mut profiles = customers::get_many(&tx, codec, &ids).await?;
        let document = json!({
            "format": "customers.subject-access-export",
            "version": EXPORT_VERSION,
            "exportedAt": now(),
            "exportedBy": actor.subject,
            "customer": profile(&root),
            "mergedProfiles": ids[1..].iter().filter_map(|i| profiles.remove(i)).map(|c| profile(&c)).collect::<Vec<_>>(),
            "legalHold": holds::by_customers(&tx, std::slice::from_ref(id)).await?.remove(id).map(|h| json!({
                "reason": h.reason, "setBy": h.set_by, "setAt": h.set_at,
            })),
            "identities": identities_of(&tx, codec, &ids).await?,
            "attributes": attributes_of(&tx, codec, &ids).await?,
            "labels": labels_of(&tx, &ids).await?,
            "preferences": preferences_of(&tx, codec, &ids).await?,
            "externalRefs": external_refs_of(&tx, codec, &ids).await?,
            "consentRecords": super::export_outbound::consent_records_of(&tx, codec, &ids).await?,
            "suppressions": super::export_outbound::suppressions_of(&tx, &ids).await?,
            "interactions": interactions_of(&tx, codec, &ids).await?,
            "merges": merges_of(&tx, codec, &ids).await?,
            "auditEntries": audit_of(&tx, &ids).await?,
        });
        let change = Change::to_customer("customer.export", id, vec!["export".into()])
            .with_details(json!({ "profiles": ids.len(), "version": EXPORT_VERSION }));
        self.record(&tx, actor, vec![change]).await?;
        commit(tx).await?;
        Ok(document)
    }
}

fn profile(c: &Customer) -> Value {
    json!({
        "id": c.id,
        "status": c.status.as_str(),
        "displayName": c.display_name.as_ref().map(|n| n.expose()),
        "mergedInto": c.merged_into,
        "version": c.version,
        "createdAt": c.created_at,
        "updatedAt": c.updated_at,
    })
}

async fn identities_of(tx: &DatabaseTransaction, codec: &PiiCodec, ids: &[CustomerId]) -> Result<Vec<Value>> {
    let mut found = identities::by_customers(tx, codec, ids).await?;
    let all = ids.iter().flat_map(|id| found.remove(id).unwrap_or_default());
    Ok(all
        .map(|i| {
            json!({
                "id": i.id, "customerId": i.customer_id, "channel": i.spec.channel.as_str(),
                "provider": i.spec.provider, "value": i.spec.value.expose(), "verified": i.spec.verified,
                "primary": i.spec.primary, "shared": i.spec.shared, "createdAt": i.created_at,
            })
        })
        .collect())
}

async fn attributes_of(tx: &DatabaseTransaction, codec: &PiiCodec, ids: &[CustomerId]) -> Result<Vec<Value>> {
    let mut found = attributes::by_customers(tx, codec, ids).await?;
    let mut out = Vec::new();
    for id in ids {
        for a in found.remove(id).unwrap_or_default() {
            let value = match &a.value {
                AttributeValue::Plain(v) => v.clone(),
                AttributeValue::Pii(p) => serde_json::from_str(p.expose()).unwrap_or_else(|_| json!(p.expose())),
            };
            out.push(json!({ "customerId": id, "key": a.key, "value": value, "pii": a.pii }));
        }
    }
    Ok(out)
}

async fn labels_of(tx: &DatabaseTransaction, ids: &[CustomerId]) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for id in ids {
        let mut carried = labels::by_customers(tx, std::slice::from_ref(id)).await?.remove(id).unwrap_or_default();
        for a in labels::assignments_of(tx, id).await? {
            let label = carried.iter().position(|l| l.id == a.label_id).map(|i| carried.swap_remove(i));
            out.push(json!({
                "customerId": id,
                "labelId": a.label_id,
                "name": label.as_ref().map(|l| l.name.clone()),
                "description": label.as_ref().and_then(|l| l.description.clone()),
                "labelSource": label.as_ref().map(|l| l.source.as_str()),
                "assignmentSource": a.source.as_str(),
                "assignedBy": a.assigned_by,
                "assignedAt": a.assigned_at,
            }));
        }
    }
    Ok(out)
}

async fn preferences_of(tx: &DatabaseTransaction, codec: &PiiCodec, ids: &[CustomerId]) -> Result<Vec<Value>> {
    let mut found = preferences::by_customers(tx, codec, ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.remove(id).map(|p| (id, p)))
        .map(|(id, p)| {
            json!({
                "customerId": id,
                "language": p.language, "timezone": p.timezone,
                "preferredChannel": p.preferred_channel.map(|c| c.as_str()),
                "preferredIdentityId": p.preferred_identity_id, "preferredAgentId": p.preferred_agent_id,
                "bestTimeToContact": p.best_time_to_contact, "doNotContact": p.do_not_contact,
                "consents": p.consents.iter().map(|c| json!({
                    "channel": c.channel.as_str(), "status": c.status.as_str(), "updatedAt": c.updated_at,
                    // The person's own contact data stays; card numbers never leave (PCI DSS).
                    "source": c.source.as_deref().map(|s| redact_free_text(s, true).into_owned()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect())
}

async fn external_refs_of(tx: &DatabaseTransaction, codec: &PiiCodec, ids: &[CustomerId]) -> Result<Vec<Value>> {
    let mut found = external_refs::by_customers(tx, codec, ids).await?;
    let all = ids.iter().flat_map(|id| found.remove(id).unwrap_or_default());
    Ok(all.map(|r| json!({ "system": r.system, "externalId": r.external_id })).collect())
}

async fn interactions_of(tx: &DatabaseTransaction, codec: &PiiCodec, ids: &[CustomerId]) -> Result<Vec<Value>> {
    let all = rows::interactions_of(tx, codec, ids).await?;
    Ok(all
        .into_iter()
        .map(|i| {
            json!({
                "id": i.id, "customerId": i.customer_id, "kind": i.spec.kind.as_str(),
                "channel": i.spec.channel.as_str(), "direction": i.spec.direction.as_str(),
                "conversationId": i.spec.conversation_id, "startedAt": i.spec.period.start,
                "endedAt": i.spec.period.end, "agentId": i.spec.agent_id,
                "summary": i.spec.summary.as_deref().map(|s| redact_free_text(s, true).into_owned()),
            })
        })
        .collect())
}

/// What the export shows for a sealed value inside a ledger it cannot place (none is
/// expected: every sealed column of a ledger row is known below).
const SEALED_COPY: &str = "(sealed)";

/// Where a sealed value of a ledger row sits and what it is bound to.
enum Bound {
    Name(String),
    Identity(String, String),
    Attribute(String, String),
    Consents(String),
    ExternalId(String, String),
}

/// The sealed values of a ledger (rows kept as stored, each value bound to its row), by
/// JSON pointer, with what opens them.
fn sealed_in(value: &Value, at: &str, out: &mut Vec<(String, Option<Bound>)>) {
    let text = |o: &serde_json::Map<String, Value>, k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                if let Value::String(s) = v
                    && crate::store::codec::is_sealed(s)
                {
                    let bound = match k.as_str() {
                        "display_name" => text(o, "id").map(Bound::Name),
                        "value" if o.contains_key("lookup_key") => {
                            text(o, "id").zip(text(o, "lookup_key")).map(|(i, l)| Bound::Identity(i, l))
                        }
                        "value" => text(o, "customer_id").zip(text(o, "key")).map(|(c, k)| Bound::Attribute(c, k)),
                        "consents" => text(o, "customer_id").map(Bound::Consents),
                        "external_id" => {
                            text(o, "id").zip(text(o, "external_key")).map(|(i, k)| Bound::ExternalId(i, k))
                        }
                        _ => None,
                    };
                    out.push((here, bound));
                } else {
                    sealed_in(v, &here, out);
                }
            }
        }
        Value::Array(items) => {
            for (n, v) in items.iter().enumerate() {
                sealed_in(v, &format!("{at}/{n}"), out);
            }
        }
        _ => {}
    }
}

/// Open every sealed value of a ledger in place, each with the row it is bound to.
async fn open_all(codec: &PiiCodec, ledger: &mut Value) -> Result<()> {
    use crate::store::codec::Aad;
    let mut found = Vec::new();
    sealed_in(ledger, "", &mut found);
    for (pointer, bound) in found {
        let Some(Value::String(stored)) = ledger.pointer(&pointer).cloned() else { continue };
        let opened = match &bound {
            Some(Bound::Name(id)) => codec.open(Aad::display_name(id), &stored).await,
            Some(Bound::Identity(id, key)) => codec.open(Aad::identity(id, key), &stored).await,
            Some(Bound::Attribute(c, k)) => codec.open(Aad::attribute(c, k), &stored).await,
            Some(Bound::Consents(c)) => codec.open(Aad::consents(c), &stored).await,
            Some(Bound::ExternalId(i, k)) => codec.open(Aad::external_id(i, k), &stored).await,
            None => codec.open_legacy(&stored),
        };
        let shown = match opened {
            Ok(plain) => plain.expose().to_owned(),
            // A value sealed the first way opens without its row; anything else that does
            // not open is an error (a tampered ledger), not an omission.
            Err(_) if bound.is_none() => SEALED_COPY.to_owned(),
            Err(e) => return Err(Error::Internal(e.context("open a value inside a merge ledger"))),
        };
        if let Some(slot) = ledger.pointer_mut(&pointer) {
            *slot = Value::String(shown);
        }
    }
    Ok(())
}

async fn merges_of(tx: &DatabaseTransaction, codec: &PiiCodec, ids: &[CustomerId]) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for m in rows::ledgers_of(tx, codec, ids).await? {
        let mut ledger = serde_json::to_value(&m.ledger).map_err(|e| Error::Internal(e.into()))?;
        open_all(codec, &mut ledger).await?;
        let merged: Value = serde_json::from_str(&m.row.merged_ids).unwrap_or_default();
        out.push(json!({
            "id": m.row.id, "survivorId": m.row.survivor_id, "mergedIds": merged,
            "mergedBy": m.row.merged_by, "mergedAt": m.row.merged_at,
            "undoneBy": m.row.undone_by, "undoneAt": m.row.undone_at, "ledger": ledger,
        }));
    }
    Ok(out)
}

async fn audit_of(tx: &DatabaseTransaction, ids: &[CustomerId]) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for id in ids {
        let filter = AuditFilter { customer_id: Some(id.clone()), ..Default::default() };
        let mut after: Option<Position> = None;
        loop {
            let page: Vec<AuditEntry> = audit::page(tx, &filter, after.as_ref(), AUDIT_PAGE).await?;
            let full = page.len() as u64 == AUDIT_PAGE;
            after = page.last().map(|e| Position { at: e.at, id: e.id.clone() });
            out.extend(page.into_iter().map(|e| {
                json!({
                    "id": e.id, "seq": e.seq, "at": e.at, "principal": e.principal, "action": e.action,
                    "operation": e.operation, "customerId": e.customer_id, "entityId": e.entity_id,
                    "fields": e.fields, "details": e.details,
                })
            }));
            if !full {
                break;
            }
        }
    }
    Ok(out)
}
