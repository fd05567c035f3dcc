//! The audit log's records: who acted, what they changed or saw (field names, never
//! values), about which profile. How entries are chained and verified is the store's
//! (`store/audit.rs`); what a verification found is described here.

use super::id::CustomerId;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// Who acts, and in which GraphQL operation (the name the client gave, if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub subject: String,
    pub operation: Option<String>,
}

impl Actor {
    /// The longest operation name kept: a longer one is cut (names are the client's choice).
    pub const MAX_OPERATION: usize = 128;

    pub fn new(subject: impl Into<String>, operation: Option<&str>) -> Self {
        let operation = operation.map(|op| op.chars().take(Self::MAX_OPERATION).collect());
        Self { subject: subject.into(), operation }
    }

    /// An actor outside any request (the CLI, a background job).
    pub fn system(subject: &str) -> Self {
        Self { subject: subject.to_owned(), operation: None }
    }
}

/// One change to record, in the transaction that makes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// `noun.verb`: `customer.update`, `labels.assign`, `interaction.relink`…
    pub action: &'static str,
    /// The profile the change is about, if any (catalogue changes have none).
    pub customer_id: Option<CustomerId>,
    /// The object changed (the profile, an interaction, a label, a merge…).
    pub entity_id: String,
    /// What changed: field names (`displayName`, `preferences.consents.EMAIL`,
    /// `attributes.tier`), never values.
    pub fields: Vec<String>,
    /// Ids and counts, never PII.
    pub details: serde_json::Value,
}

impl Change {
    /// A change to one profile.
    pub fn to_customer(action: &'static str, customer_id: &CustomerId, fields: Vec<String>) -> Self {
        Self {
            action,
            customer_id: Some(customer_id.clone()),
            entity_id: customer_id.to_string(),
            fields,
            details: serde_json::Value::Null,
        }
    }

    /// A change to something that belongs to no profile (the label catalogue, attribute definitions).
    pub fn to_catalogue(action: &'static str, entity_id: impl Into<String>, fields: Vec<String>) -> Self {
        Self { action, customer_id: None, entity_id: entity_id.into(), fields, details: serde_json::Value::Null }
    }

    pub fn on_entity(mut self, entity_id: impl Into<String>) -> Self {
        self.entity_id = entity_id.into();
        self
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// The action of an entry recording that a response revealed PII.
pub const PII_READ: &str = "pii.read";

/// The action of an entry recording a search (`searchCustomers`): never the text itself
/// (it is PII), only a keyed token of it, the kinds of reading it had and the result count.
pub const SEARCH: &str = "customer.search";

/// The PII one response revealed: per profile, which fields. Recorded once per request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PiiReads(BTreeMap<CustomerId, BTreeSet<String>>);

impl PiiReads {
    pub fn note(&mut self, customer_id: &CustomerId, field: &str) {
        match self.0.get_mut(customer_id) {
            Some(fields) => {
                if !fields.contains(field) {
                    fields.insert(field.to_owned());
                }
            }
            None => {
                self.0.insert(customer_id.clone(), BTreeSet::from([field.to_owned()]));
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn customers(&self) -> impl Iterator<Item = &CustomerId> {
        self.0.keys()
    }

    /// The response's one entry. About one profile, it names it as a change does. About
    /// several, its `customer_id` is empty and `details.customerIds` lists them (so the
    /// entry's MAC covers them); `fields` is the union of what was shown and, when the
    /// profiles were not all shown the same fields, `details.fieldsByCustomer` says which.
    /// Returns the entry and the profiles to index it under (none when it names its one
    /// profile itself).
    pub fn into_entry(self) -> (Change, Vec<CustomerId>) {
        if self.0.len() == 1 {
            if let Some((id, fields)) = self.0.into_iter().next() {
                return (Change::to_customer(PII_READ, &id, fields.into_iter().collect()), Vec::new());
            }
            return (Change::to_catalogue(PII_READ, RESPONSE, Vec::new()), Vec::new());
        }
        let union: BTreeSet<&String> = self.0.values().flatten().collect();
        let uniform = self.0.values().all(|fields| fields.len() == union.len());
        let fields: Vec<String> = union.into_iter().cloned().collect();
        let ids: Vec<&str> = self.0.keys().map(CustomerId::as_str).collect();
        let mut details = serde_json::json!({ "customerIds": ids });
        if !uniform {
            let by_customer: serde_json::Map<String, serde_json::Value> =
                self.0.iter().map(|(id, f)| (id.as_str().to_owned(), serde_json::json!(f))).collect();
            details["fieldsByCustomer"] = serde_json::Value::Object(by_customer);
        }
        let change = Change::to_catalogue(PII_READ, RESPONSE, fields).with_details(details);
        (change, self.0.into_keys().collect())
    }
}

/// The entity of a `pii.read` entry about several profiles: the response itself.
pub const RESPONSE: &str = "response";

/// The profiles an entry is about: its `customer_id`, or the `customerIds` of its details.
pub fn entry_customers(customer_id: Option<&str>, details: &serde_json::Value) -> Vec<String> {
    if let Some(id) = customer_id {
        return vec![id.to_owned()];
    }
    details
        .get("customerIds")
        .and_then(serde_json::Value::as_array)
        .map(|ids| ids.iter().filter_map(|id| id.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// An entry as read back.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub id: String,
    /// Its place in the chain; `None` until the sealer reaches it (within seconds).
    pub seq: Option<i64>,
    pub at: DateTime<Utc>,
    pub principal: String,
    pub action: String,
    pub operation: Option<String>,
    pub customer_id: Option<String>,
    /// Every profile the entry is about: `customer_id`, or the profiles of a response that
    /// showed several.
    pub customer_ids: Vec<String>,
    pub entity_id: String,
    pub fields: Vec<String>,
    pub details: serde_json::Value,
}

/// Which entries `auditLog` asks for.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub customer_id: Option<CustomerId>,
    pub principal: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// What is wrong with the chain, at the first entry where verification failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// The entry's content does not match its MAC: edited.
    Edited,
    /// The chain skips positions: entries before this one were deleted.
    Missing { expected_seq: i64 },
    /// The position is there but its entry is gone: deleted.
    Deleted,
    /// The chained MAC does not follow from the previous entry: inserted, reordered or re-chained.
    Broken,
    /// An entry without a MAC, written after the chain began: inserted.
    Unsigned,
    /// The chain's head names an entry that is gone: the newest entries were deleted.
    Truncated { head_seq: i64 },
    /// A profile the entry lists is missing from the per-profile index (`audit_subjects`):
    /// deleted, so that the entry would not show in that profile's log.
    Unindexed,
    /// Neither sealed nor waiting to be (taken off the sealer's queue, or inserted beside it).
    Unqueued,
}

/// Where verification failed: the entry (its id and position) and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TamperFinding {
    pub id: Option<String>,
    pub seq: Option<i64>,
    pub tamper: Tamper,
}

/// What `customers audit verify` found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verification {
    /// Sealed entries whose content and chain check out.
    pub sealed: u64,
    /// Entries not sealed yet whose own MAC checks out.
    pub pending: u64,
    /// The first problem, if any.
    pub finding: Option<TamperFinding>,
    /// Where the chain starts: entries up to this position were purged by retention (their
    /// last chain MAC is kept as a signed anchor).
    pub purged_through: Option<i64>,
}

impl std::fmt::Display for Tamper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tamper::Edited => f.write_str("content does not match its MAC (edited)"),
            Tamper::Missing { expected_seq } => write!(f, "entries missing before it (expected seq {expected_seq})"),
            Tamper::Broken => f.write_str("chain broken (an entry inserted, reordered or re-chained)"),
            Tamper::Unsigned => f.write_str("no MAC (inserted)"),
            Tamper::Truncated { head_seq } => write!(f, "the newest entries are gone (the head names seq {head_seq})"),
            Tamper::Unindexed => f.write_str("a profile it lists is missing from the per-profile index (deleted)"),
            Tamper::Deleted => f.write_str("the entry at this position is gone (deleted)"),
            Tamper::Unqueued => f.write_str("neither sealed nor waiting to be (taken off the sealer's queue)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_profile_read_is_an_entry_about_that_profile() {
        let a = CustomerId::generate();
        let mut reads = PiiReads::default();
        reads.note(&a, "identities.value");
        reads.note(&a, "displayName");
        reads.note(&a, "identities.value");
        let (change, subjects) = reads.into_entry();
        assert_eq!(change.customer_id.as_ref(), Some(&a));
        assert_eq!(change.fields, ["displayName", "identities.value"]);
        assert_eq!(change.action, PII_READ);
        assert!(subjects.is_empty());
        assert_eq!(entry_customers(Some(a.as_str()), &change.details), [a.as_str()]);
    }

    #[test]
    fn several_profiles_read_are_one_entry_listing_them_with_their_fields_when_they_differ() {
        let (a, b) = (CustomerId::generate(), CustomerId::generate());
        let mut reads = PiiReads::default();
        reads.note(&a, "identities.value");
        reads.note(&b, "displayName");
        reads.note(&a, "displayName");
        let (change, subjects) = reads.into_entry();
        assert_eq!(change.customer_id, None);
        assert_eq!(change.entity_id, RESPONSE);
        assert_eq!(change.fields, ["displayName", "identities.value"]);
        let mut expected = vec![a.clone(), b.clone()];
        expected.sort();
        assert_eq!(subjects, expected);
        let listed = entry_customers(None, &change.details);
        assert_eq!(listed, expected.iter().map(|id| id.as_str().to_owned()).collect::<Vec<_>>());
        assert_eq!(
            change.details["fieldsByCustomer"][a.as_str()],
            serde_json::json!(["displayName", "identities.value"])
        );
        assert_eq!(change.details["fieldsByCustomer"][b.as_str()], serde_json::json!(["displayName"]));
    }

    #[test]
    fn profiles_shown_the_same_fields_need_no_fields_by_customer() {
        let (a, b) = (CustomerId::generate(), CustomerId::generate());
        let mut reads = PiiReads::default();
        for id in [&a, &b] {
            reads.note(id, "displayName");
        }
        let (change, subjects) = reads.into_entry();
        assert_eq!(subjects.len(), 2);
        assert!(change.details.get("fieldsByCustomer").is_none());
    }

    #[test]
    fn an_operation_name_is_cut_to_its_maximum() {
        let actor = Actor::new("alice", Some(&"x".repeat(500)));
        assert_eq!(actor.operation.unwrap().len(), Actor::MAX_OPERATION);
    }
}
