//! Change events: which event an audited change is, and the CloudEvents 1.0 envelope
//! consumers receive. An event is derived from the same [`Change`] the audit log records
//! (`service::audit::record`), so every write that records a change emits its event in the
//! same transaction, and only writes do. Events carry field names, ids and counts, never a
//! PII value: consumers read the profile through the API with their own scopes.

use super::audit::{Actor, Change, PII_READ};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Every event type starts with this (`cx.customers.<noun>.<verb>`).
pub const TYPE_PREFIX: &str = "cx.customers.";

/// The version of the envelope's `data` shape (the `dataversion` extension attribute).
pub const DATA_VERSION: &str = "1";

/// What an audited action emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Emits {
    /// One event of this type (without the prefix).
    One(&'static str),
    /// `preferences.set`: `consent.changed` for consent and do-not-contact fields,
    /// `preferences.changed` for the others (one or both).
    Preferences,
    /// Not an event: catalogue changes (no profile) and PII reads.
    Nothing,
}

/// The table from audit action to event. An action missing here fails the write that
/// records it (and the test that scans the sources for actions), so that no write can
/// skip its event silently.
const ACTIONS: &[(&str, Emits)] = &[
    ("customer.create", Emits::One("customer.created")),
    ("customer.update", Emits::One("customer.updated")),
    ("customer.sync", Emits::One("customer.updated")),
    ("attributes.set", Emits::One("customer.updated")),
    ("identity.share", Emits::One("customer.updated")),
    ("customer.merge", Emits::One("customer.merged")),
    ("customer.merged_into", Emits::One("customer.merged")),
    ("customer.unmerge", Emits::One("customer.unmerged")),
    ("customer.restored", Emits::One("customer.unmerged")),
    ("customer.erase", Emits::One("customer.erased")),
    // A legal hold changes what may happen to the profile: consumers that purge or erase
    // on their side need to know.
    ("customer.legal_hold", Emits::One("customer.updated")),
    ("identity.add", Emits::One("identity.added")),
    ("identity.remove", Emits::One("identity.removed")),
    ("labels.assign", Emits::One("labels.changed")),
    ("labels.unassign", Emits::One("labels.changed")),
    ("labels.set", Emits::One("labels.changed")),
    ("preferences.set", Emits::Preferences),
    ("consent.set", Emits::One("consent.changed")),
    ("consent.record", Emits::One("consent.changed")),
    ("contact.suppress", Emits::One("consent.changed")),
    ("contact.unsuppress", Emits::One("consent.changed")),
    ("suppression_list.change", Emits::Nothing),
    ("interaction.link", Emits::One("interaction.linked")),
    ("interaction.relink", Emits::One("interaction.relinked")),
    ("interaction.update", Emits::One("interaction.updated")),
    ("label.create", Emits::Nothing),
    ("label.update", Emits::Nothing),
    ("label.delete", Emits::Nothing),
    ("attribute.define", Emits::Nothing),
    // A subject-access export reads; a retention purge is a policy run over many profiles
    // (recorded in the audit log, not an event per profile).
    ("customer.export", Emits::Nothing),
    // Re-sealing every value of an attribute definition is a catalogue change.
    ("attribute.classify", Emits::Nothing),
    ("retention.purge", Emits::Nothing),
    (PII_READ, Emits::Nothing),
    (super::audit::SEARCH, Emits::Nothing),
];

/// Every action the table knows (for the test that scans the sources).
pub fn known_actions() -> impl Iterator<Item = &'static str> {
    ACTIONS.iter().map(|(action, _)| *action)
}

/// An action the event table does not know: a write that would skip its event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("audit action `{0}` has no entry in the event table (domain/event.rs)")]
pub struct UnknownAction(pub String);

/// An event to write to the outbox: everything but its id, time and the profile's
/// version (the store adds those in the same statement).
#[derive(Clone, Debug, PartialEq)]
pub struct EventDraft {
    pub event_type: String,
    pub customer_id: String,
    pub data: EventData,
}

/// The event's `data` as stored (the profile's `version` is added when it is read).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    /// Who acted (the token's `sub`).
    pub principal: String,
    /// The GraphQL operation name, if the client gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The audit action (`customer.update`, `labels.assign`…).
    pub action: String,
    /// The names of the fields that changed, never their values.
    pub fields: Vec<String>,
    /// The object changed when it is not the profile (an interaction id, a merge id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Ids and counts (a merge's ids, a relink's from/to), never PII.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub details: serde_json::Value,
}

fn emits(action: &str) -> Result<Emits, UnknownAction> {
    ACTIONS.iter().find(|(a, _)| *a == action).map(|(_, e)| *e).ok_or_else(|| UnknownAction(action.to_owned()))
}

fn is_consent_field(field: &str) -> bool {
    field.starts_with("preferences.consents") || field == "preferences.doNotContact"
}

/// The events `change` by `actor` emits (none, one, or for preferences up to two).
pub fn derive(actor: &Actor, change: &Change) -> Result<Vec<EventDraft>, UnknownAction> {
    let emits = emits(change.action)?;
    let Some(customer_id) = change.customer_id.as_ref() else { return Ok(vec![]) };
    let draft = |suffix: &str, fields: Vec<String>| EventDraft {
        event_type: format!("{TYPE_PREFIX}{suffix}"),
        customer_id: customer_id.to_string(),
        data: EventData {
            principal: actor.subject.clone(),
            operation: actor.operation.clone(),
            action: change.action.to_owned(),
            fields,
            entity: (change.entity_id != customer_id.as_str()).then(|| change.entity_id.clone()),
            details: change.details.clone(),
        },
    };
    Ok(match emits {
        Emits::Nothing => vec![],
        Emits::One(suffix) => vec![draft(suffix, change.fields.clone())],
        Emits::Preferences => {
            let (consent, other): (Vec<String>, Vec<String>) =
                change.fields.iter().cloned().partition(|f| is_consent_field(f));
            let mut out = Vec::new();
            if !other.is_empty() || consent.is_empty() {
                out.push(draft("preferences.changed", other));
            }
            if !consent.is_empty() {
                out.push(draft("consent.changed", consent));
            }
            out
        }
    })
}

/// A stored event as consumers receive it: a CloudEvents 1.0 structured-mode JSON object.
/// Persistent and public: change it only by adding optional attributes, or bump
/// [`DATA_VERSION`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent {
    pub specversion: String,
    pub id: String,
    pub source: String,
    #[serde(rename = "type")]
    pub event_type: String,
    /// The customer id.
    pub subject: String,
    pub time: String,
    pub datacontenttype: String,
    /// The version of `data`'s shape.
    pub dataversion: String,
    pub data: CloudEventData,
}

/// `data` of a [`CloudEvent`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CloudEventData {
    /// The profile's version after the change (`null` if the profile is gone).
    pub version: Option<i32>,
    #[serde(flatten)]
    pub change: EventData,
}

/// An event read back from the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    /// Its place in the outbox: events are delivered in this order per customer.
    pub seq: i64,
    pub id: String,
    pub customer_id: String,
    pub event_type: String,
    pub time: DateTime<Utc>,
    pub customer_version: Option<i32>,
    pub data: EventData,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl StoredEvent {
    /// The CloudEvent for `source` (`CUSTOMERS_EVENTS_SOURCE`).
    pub fn to_cloud_event(&self, source: &str) -> CloudEvent {
        CloudEvent {
            specversion: "1.0".into(),
            id: self.id.clone(),
            source: source.to_owned(),
            event_type: self.event_type.clone(),
            subject: self.customer_id.clone(),
            time: self.time.to_rfc3339_opts(SecondsFormat::Micros, true),
            datacontenttype: "application/json".into(),
            dataversion: DATA_VERSION.into(),
            data: CloudEventData { version: self.customer_version, change: self.data.clone() },
        }
    }
}

/// A dead letter: an event no longer retried, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct DeadLetter {
    pub seq: i64,
    pub id: String,
    pub customer_id: String,
    pub event_type: String,
    pub time: DateTime<Utc>,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// The outbox's partition of a customer: a stable hash (FNV-1a) of its id, so that one
/// customer's events always fall in one partition (and are delivered by one replica at a
/// time, in order).
pub fn partition_of(customer_id: &str, partitions: u32) -> i32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in customer_id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    (hash % partitions.max(1)) as i32
}

/// The delay before retry `attempt` (1-based): `base`, doubling, at most `max`.
pub fn backoff(base: std::time::Duration, max: std::time::Duration, attempt: i32) -> std::time::Duration {
    let exp = attempt.saturating_sub(1).clamp(0, 20) as u32;
    base.saturating_mul(1u32 << exp).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::id::CustomerId;

    fn actor() -> Actor {
        Actor::new("alice", Some("EditProfile"))
    }

    #[test]
    fn a_profile_update_emits_customer_updated_with_its_field_names() {
        let id = CustomerId::generate();
        let change = Change::to_customer("customer.update", &id, vec!["displayName".into()]);
        let events = derive(&actor(), &change).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event_type, "cx.customers.customer.updated");
        assert_eq!(events[0].customer_id, id.as_str());
        assert_eq!(events[0].data.fields, ["displayName"]);
        assert_eq!(events[0].data.principal, "alice");
        assert_eq!(events[0].data.entity, None);
    }

    #[test]
    fn preferences_split_into_consent_and_other_preference_events() {
        let id = CustomerId::generate();
        let fields = vec!["preferences.language".into(), "preferences.consents.SMS".into()];
        let events = derive(&actor(), &Change::to_customer("preferences.set", &id, fields)).unwrap();
        let types: Vec<_> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, ["cx.customers.preferences.changed", "cx.customers.consent.changed"]);
        assert_eq!(events[1].data.fields, ["preferences.consents.SMS"]);
        let only_dnc = vec!["preferences.doNotContact".into()];
        let events = derive(&actor(), &Change::to_customer("preferences.set", &id, only_dnc)).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event_type, "cx.customers.consent.changed");
    }

    #[test]
    fn pii_reads_and_catalogue_changes_are_not_events() {
        let id = CustomerId::generate();
        assert!(derive(&actor(), &Change::to_customer(PII_READ, &id, vec!["displayName".into()])).unwrap().is_empty());
        let label = Change::to_catalogue("label.create", "l1", vec!["name".into()]);
        assert!(derive(&actor(), &label).unwrap().is_empty());
    }

    #[test]
    fn an_unknown_action_is_refused_not_skipped() {
        let id = CustomerId::generate();
        let err = derive(&actor(), &Change::to_customer("customer.teleport", &id, vec![])).unwrap_err();
        assert_eq!(err, UnknownAction("customer.teleport".into()));
    }

    /// Every action a service records (a `Change::to_customer("…"` or `to_catalogue("…"`
    /// in the sources) is in the table: a new write cannot ship without its event.
    #[test]
    fn every_action_recorded_in_the_sources_is_in_the_event_table() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut missing = Vec::new();
        let mut seen = 0;
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.ends_with("domain/event.rs") {
                    continue; // this file's own examples
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for marker in ["Change::to_customer(\"", "Change::to_catalogue(\""] {
                    for piece in text.split(marker).skip(1) {
                        let action = piece.split('"').next().unwrap();
                        seen += 1;
                        if emits(action).is_err() {
                            missing.push(format!("{action} ({})", path.display()));
                        }
                    }
                }
            }
        }
        assert!(seen > 15, "the scan found the services' actions ({seen})");
        assert!(missing.is_empty(), "actions without an event: {missing:?}");
    }

    #[test]
    fn a_customer_always_falls_in_the_same_partition() {
        let id = CustomerId::generate();
        assert_eq!(partition_of(id.as_str(), 16), partition_of(id.as_str(), 16));
        assert!((0..16).contains(&partition_of(id.as_str(), 16)));
    }

    #[test]
    fn backoff_doubles_up_to_its_maximum() {
        let ms = std::time::Duration::from_millis;
        assert_eq!(backoff(ms(100), ms(1000), 1), ms(100));
        assert_eq!(backoff(ms(100), ms(1000), 3), ms(400));
        assert_eq!(backoff(ms(100), ms(1000), 9), ms(1000));
    }
}
