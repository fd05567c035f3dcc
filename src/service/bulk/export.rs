//! Bulk export (decision 0014): profiles as NDJSON lines of the import's input shape (so a
//! file exported reads back through `customers import`), page by page in id order. PII is
//! masked unless asked for; a page shown with PII is audited like an API response that
//! shows it (one entry per page, a subject row per profile).

use super::super::Services;
use crate::domain::attribute::AttributeValue;
use crate::domain::audit::{Actor, PiiReads};
use crate::domain::customer::Customer;
use crate::domain::enums::CustomerStatus;
use crate::domain::id::CustomerId;
use crate::domain::import::label_name_key;
use crate::domain::preference::Preferences;
use crate::domain::{Error, Result};
use crate::security::mask::{MaskOptions, mask_identity, mask_name};
use crate::store::customers::CustomerQuery;
use crate::store::{attributes, customers, external_refs, identities, labels, preferences};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Which profiles to export.
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    pub status: Option<CustomerStatus>,
    /// Profiles carrying all of these labels (by name).
    pub labels: Vec<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// How values are shown.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExportView {
    /// PII in clear (audited), or masked as for a caller without `pii:read`.
    pub with_pii: bool,
    pub mask: MaskOptions,
}

/// One page: its lines, and the cursor of the next (`None` at the end).
#[derive(Debug)]
pub struct ExportPage {
    pub lines: Vec<Value>,
    pub next: Option<CustomerId>,
}

impl Services {
    /// The query of an export filter: label names must be in the catalogue.
    pub async fn export_query(&self, filter: &ExportFilter) -> Result<CustomerQuery> {
        let catalogue = labels::all(&self.store.db).await?;
        let mut label_ids = Vec::new();
        for (i, name) in filter.labels.iter().enumerate() {
            let key = label_name_key(name);
            let label = catalogue.iter().find(|l| label_name_key(&l.name) == key);
            label_ids.push(label.ok_or_else(|| Error::not_found("label", format!("label.{i}")))?.id.clone());
        }
        Ok(CustomerQuery { label_ids, status: filter.status, attribute: None, updated_since: filter.updated_since })
    }

    /// Up to `limit` profiles after `after`, as export lines (a constant number of
    /// statements per page, whatever its size).
    pub async fn export_page(
        &self,
        actor: &Actor,
        query: &CustomerQuery,
        after: Option<&CustomerId>,
        limit: u64,
        view: ExportView,
    ) -> Result<ExportPage> {
        let (db, codec) = (&self.store.db, &self.store.codec);
        let page = customers::list(db, codec, query, after, limit).await?;
        let ids: Vec<CustomerId> = page.iter().map(|c| c.id.clone()).collect();
        let mut idents = identities::by_customers(db, codec, &ids).await?;
        let mut attrs = attributes::by_customers(db, codec, &ids).await?;
        let mut carried = labels::by_customers(db, &ids).await?;
        let mut prefs = preferences::by_customers(db, codec, &ids).await?;
        let mut refs = external_refs::by_customers(db, codec, &ids).await?;
        let mut reads = PiiReads::default();
        let mut lines = Vec::with_capacity(page.len());
        for c in &page {
            let mut line = profile_line(c, view, &mut reads);
            line["identities"] = Value::Array(
                idents
                    .remove(&c.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|i| {
                        let value = if view.with_pii {
                            reads.note(&c.id, "identities.value");
                            i.spec.value.expose().to_owned()
                        } else {
                            mask_identity(i.spec.channel, i.spec.value.expose(), view.mask)
                        };
                        json!({
                            "id": i.id, "channel": i.spec.channel, "value": value, "provider": i.spec.provider,
                            "verified": i.spec.verified, "primary": i.spec.primary, "shared": i.spec.shared,
                        })
                    })
                    .collect(),
            );
            line["attributes"] = Value::Array(
                attrs
                    .remove(&c.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| {
                        let value = match &a.value {
                            AttributeValue::Plain(v) => v.clone(),
                            AttributeValue::Pii(p) if view.with_pii => {
                                reads.note(&c.id, &format!("attributes.{}", a.key));
                                serde_json::from_str(p.expose()).unwrap_or_else(|_| json!(p.expose()))
                            }
                            AttributeValue::Pii(_) => json!("***"),
                        };
                        json!({ "key": a.key, "value": value })
                    })
                    .collect(),
            );
            let mut names: Vec<String> =
                carried.remove(&c.id).unwrap_or_default().into_iter().map(|l| l.name).collect();
            names.sort();
            line["labels"] = json!(names);
            if let Some(p) = prefs.remove(&c.id).filter(|p| p != &Preferences::default()) {
                line["preferences"] = preferences_input(&p);
            }
            line["externalRefs"] = Value::Array(
                refs.remove(&c.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| json!({ "system": r.system, "externalId": r.external_id }))
                    .collect(),
            );
            lines.push(line);
        }
        if !reads.is_empty() {
            self.record_pii_reads(actor, reads).await?;
        }
        let next = (page.len() as u64 == limit).then(|| ids.last().cloned()).flatten();
        Ok(ExportPage { lines, next })
    }
}

fn profile_line(c: &Customer, view: ExportView, reads: &mut PiiReads) -> Value {
    let name = c.display_name.as_ref().map(|n| {
        if view.with_pii {
            reads.note(&c.id, "displayName");
            n.expose().to_owned()
        } else {
            mask_name(n.expose())
        }
    });
    json!({ "id": c.id, "status": c.status.as_str(), "displayName": name })
}

/// Preferences in the shape of `PreferenceInput`. The preferred identity names one of the
/// line's identities by the id the line gives it (import keeps it).
fn preferences_input(p: &Preferences) -> Value {
    let mut out = json!({
        "language": p.language, "timezone": p.timezone, "preferredChannel": p.preferred_channel,
        "preferredAgentId": p.preferred_agent_id, "doNotContact": p.do_not_contact,
    });
    if let Some(id) = &p.preferred_identity_id {
        out["preferredIdentityId"] = json!(id);
    }
    if !p.best_time_to_contact.is_empty() {
        out["bestTimeToContact"] = json!(p.best_time_to_contact);
    }
    if !p.consents.is_empty() {
        out["consents"] = Value::Array(
            p.consents
                .iter()
                .map(|c| json!({ "channel": c.channel, "status": c.status, "source": c.source }))
                .collect(),
        );
    }
    out
}
