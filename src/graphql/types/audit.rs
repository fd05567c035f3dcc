//! The audit log as `privacy:admin` reads it.

use crate::domain::audit::AuditEntry as AuditRecord;
use crate::graphql::pagination::{PageInfo, audit_cursor, cut};
use async_graphql::{ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};

pub struct AuditEntry(pub AuditRecord);

/// Who changed what, or saw whose personal data, when. Field names and ids only: never a value.
#[Object]
impl AuditEntry {
    /// The entry's id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// Its position in the tamper-evident chain; `null` for the few seconds until it is sealed.
    async fn seq(&self) -> Option<String> {
        self.0.seq.map(|s| s.to_string())
    }

    /// When it happened (UTC).
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// Who: the subject (`sub`) of the caller's token (`seed-demo`, `cli` for the command line).
    async fn principal(&self) -> &str {
        &self.0.principal
    }

    /// What: `pii.read` (a response showed personal data unmasked), or a change such as
    /// `customer.create`, `customer.update`, `identity.add`, `preferences.set`, `attributes.set`,
    /// `labels.assign`, `interaction.link`, `interaction.relink`, `customer.merge`, `customer.unmerge`,
    /// `label.create`, `attribute.define`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The GraphQL operation name the client gave, if any.
    async fn operation(&self) -> Option<&str> {
        self.0.operation.as_deref()
    }

    /// The profile the entry is about; `null` for catalogue changes (labels, attribute
    /// definitions) and for a response that showed several profiles (see `customerIds`).
    async fn customer_id(&self) -> Option<ID> {
        self.0.customer_id.clone().map(ID)
    }

    /// Every profile the entry is about: `customerId`, or each profile a response showed
    /// (one `pii.read` entry per response). Empty for catalogue changes.
    async fn customer_ids(&self) -> Vec<ID> {
        self.0.customer_ids.iter().cloned().map(ID).collect()
    }

    /// The object acted on: the profile, an identity, an interaction, a label, an attribute
    /// key; `response` for a response that showed several profiles.
    async fn entity_id(&self) -> ID {
        ID(self.0.entity_id.clone())
    }

    /// Which fields were shown or changed (`displayName`, `identities.value`, `attributes.tier`,
    /// `preferences.consents.EMAIL`…), never their values. For a response about several
    /// profiles, every field shown to any of them (`details.fieldsByCustomer` says which
    /// profile was shown what, when they differ).
    async fn fields(&self) -> &[String] {
        &self.0.fields
    }

    /// Ids and counts of the action (`merge_id`, what moved; `customerIds` of a response that
    /// showed several profiles); never PII. `null` when there are none.
    async fn details(&self) -> Option<Json<&serde_json::Value>> {
        (!self.0.details.is_null()).then_some(Json(&self.0.details))
    }
}

/// One entry of a page, with its cursor.
#[derive(SimpleObject)]
pub struct AuditEdge {
    /// Opaque position of this entry: pass it as `after` to continue after it.
    pub cursor: String,
    /// The entry.
    pub node: AuditEntry,
}

/// A page of the audit log, newest first.
#[derive(SimpleObject)]
pub struct AuditConnection {
    /// The entries of this page.
    pub edges: Vec<AuditEdge>,
    /// Whether more entries follow, and the cursor to ask for them.
    pub page_info: PageInfo,
}

impl AuditConnection {
    /// `rows` holds up to `first + 1` rows: the extra one only says there is a next page.
    pub fn new(rows: Vec<AuditRecord>, first: usize) -> Self {
        let (rows, page_info) = cut(rows, first, audit_cursor);
        let edges = rows.into_iter().map(|r| AuditEdge { cursor: audit_cursor(&r), node: AuditEntry(r) }).collect();
        Self { edges, page_info }
    }
}
