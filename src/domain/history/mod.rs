//! Completing the history (issue 11, item 3): classification codes, metadata within limits,
//! idempotency keys, the update of an interaction and the filters of a history page. The
//! routing signals derived from history are in [`activity`].

pub mod activity;

use super::enums::{InteractionKind, Sentiment};
use super::interaction::{InteractionSpec, Period};
use super::text::{Patch, short_text};
use super::{Error, Result};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The largest metadata document, as compact JSON.
pub const MAX_METADATA_BYTES: usize = 8 * 1024;
/// The deepest nesting of metadata (a scalar at the top is depth 0, `{"a": {"b": 1}}` depth 2).
pub const MAX_METADATA_DEPTH: usize = 5;
/// The longest outcome or topic code.
pub const MAX_CODE: usize = 64;
/// The longest idempotency key.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;

/// An outcome or topic: a classification code (`resolved`, `billing/fiber`), not free text:
/// 1–64 of `A–Z a–z 0–9 _ - . / :`, starting with a letter or digit. Codes are filterable,
/// stored in clear and shown to every reader, so they must not be able to carry a name or a
/// phone number in sentence form; free text belongs in the (sealed) summary or metadata.
pub fn code(field: &str, raw: &str) -> Result<String> {
    let c = raw.trim();
    let allowed = |ch: char| ch.is_ascii_alphanumeric() || "_-./:".contains(ch);
    let ok = !c.is_empty()
        && c.len() <= MAX_CODE
        && c.chars().all(allowed)
        && c.chars().next().is_some_and(|ch| ch.is_ascii_alphanumeric());
    if !ok {
        return Err(Error::bad_input(
            field,
            "a code is 1–64 of A–Z, a–z, 0–9, _ - . / : starting with a letter or digit",
        ));
    }
    Ok(c.to_owned())
}

/// A JSON document attached to an interaction (the channel's or the CRM's own details),
/// checked against [`MAX_METADATA_BYTES`] and [`MAX_METADATA_DEPTH`].
#[derive(Clone, Debug, PartialEq)]
pub struct Metadata(serde_json::Value);

impl Metadata {
    pub fn parse(field: &str, value: serde_json::Value) -> Result<Self> {
        if !value.is_object() {
            return Err(Error::bad_input(field, "metadata is a JSON object"));
        }
        if depth(&value) > MAX_METADATA_DEPTH {
            return Err(Error::bad_input(
                field,
                format!("metadata is nested at most {MAX_METADATA_DEPTH} levels deep"),
            ));
        }
        let size = serde_json::to_vec(&value).map(|v| v.len()).unwrap_or(usize::MAX);
        if size > MAX_METADATA_BYTES {
            return Err(Error::bad_input(field, format!("metadata is at most {MAX_METADATA_BYTES} bytes as JSON")));
        }
        Ok(Self(value))
    }

    /// A document read back from storage (checked when it was written).
    pub fn from_stored(value: serde_json::Value) -> Self {
        Self(value)
    }

    pub fn value(&self) -> &serde_json::Value {
        &self.0
    }

    pub fn into_value(self) -> serde_json::Value {
        self.0
    }
}

fn depth(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        serde_json::Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// What makes a retried `linkInteraction` the same request: the client's key, and a digest
/// of what it asked for (the customer and the interaction, metadata included). The same key
/// with another digest is a different request: a `CONFLICT`, not a silent second row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idempotency {
    pub key: String,
    pub digest: String,
}

impl Idempotency {
    pub fn new(
        field: &str,
        key: &str,
        customer_id: &str,
        spec: &InteractionSpec,
        metadata: Option<&Metadata>,
    ) -> Result<Self> {
        let key = short_text(field, key, MAX_IDEMPOTENCY_KEY)?;
        let request = serde_json::json!({
            "customer": customer_id,
            "conversation": spec.conversation_id,
            "kind": spec.kind.as_str(),
            "channel": spec.channel.as_str(),
            "direction": spec.direction.as_str(),
            "startedAt": spec.period.start.timestamp_micros(),
            "endedAt": spec.period.end.map(|e| e.timestamp_micros()),
            "summary": spec.summary,
            "agent": spec.agent_id,
            "outcome": spec.outcome,
            "topic": spec.topic,
            "sentiment": spec.sentiment.map(Sentiment::as_str),
            "metadata": metadata.map(Metadata::value),
        });
        let digest = Sha256::digest(request.to_string().as_bytes());
        Ok(Self { key, digest: digest.iter().map(|b| format!("{b:02x}")).collect() })
    }
}

/// A change to an interaction already linked (`updateInteraction`): each field kept,
/// cleared or set. Where it happened and with whom stays as linked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InteractionUpdate {
    pub ended_at: Patch<DateTime<Utc>>,
    pub summary: Patch<String>,
    pub outcome: Patch<String>,
    pub topic: Patch<String>,
    pub sentiment: Patch<Sentiment>,
    pub agent_id: Patch<String>,
    pub metadata: Patch<Metadata>,
}

impl InteractionUpdate {
    /// The fields it changes, as the audit log (and the change events) name them.
    pub fn fields(&self) -> Vec<String> {
        let touched = [
            (self.ended_at.changes(), "endedAt"),
            (self.summary.changes(), "summary"),
            (self.outcome.changes(), "outcome"),
            (self.topic.changes(), "topic"),
            (self.sentiment.changes(), "sentiment"),
            (self.agent_id.changes(), "agentId"),
            (self.metadata.changes(), "metadata"),
        ];
        touched.iter().filter(|(t, _)| *t).map(|(_, name)| (*name).to_owned()).collect()
    }

    /// The interaction after the update (without metadata, kept apart); `field` names the
    /// input in errors (`input.endedAt` when it would end before it started).
    pub fn apply(self, field: &str, spec: &mut InteractionSpec) -> Result<()> {
        let mut end = spec.period.end;
        self.ended_at.apply(&mut end);
        spec.period = Period::new(&format!("{field}.endedAt"), spec.period.start, end)?;
        self.summary.apply(&mut spec.summary);
        self.outcome.apply(&mut spec.outcome);
        self.topic.apply(&mut spec.topic);
        self.sentiment.apply(&mut spec.sentiment);
        self.agent_id.apply(&mut spec.agent_id);
        Ok(())
    }
}

/// Which interactions a history page holds, beyond the channel: all given conditions hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct HistoryFilter {
    pub kind: Option<InteractionKind>,
    /// Started at or after.
    pub since: Option<DateTime<Utc>>,
    /// Started before.
    pub until: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub topic: Option<String>,
}

impl HistoryFilter {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_are_short_identifiers_not_sentences() {
        assert_eq!(code("o", " billing/fiber ").unwrap(), "billing/fiber");
        assert_eq!(code("input.outcome", "call me at +92 300").unwrap_err().field(), Some("input.outcome"));
        assert!(code("o", "-x").is_err());
        assert!(code("o", &"a".repeat(65)).is_err());
    }

    #[test]
    fn metadata_is_an_object_within_its_size_and_depth() {
        assert!(Metadata::parse("m", json!({"a": {"b": {"c": {"d": {"e": 1}}}}})).is_ok());
        let deep = json!({"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}});
        assert_eq!(Metadata::parse("input.metadata", deep).unwrap_err().field(), Some("input.metadata"));
        assert!(Metadata::parse("m", json!([1, 2])).is_err());
        let big = json!({ "x": "y".repeat(MAX_METADATA_BYTES) });
        assert!(Metadata::parse("m", big).unwrap_err().to_string().contains("8192 bytes"));
    }

    #[test]
    fn an_update_names_the_fields_it_touches_and_keeps_the_period_valid() {
        let update = InteractionUpdate {
            outcome: Patch::Set("resolved".into()),
            ended_at: Patch::Set("2020-01-01T00:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        assert_eq!(update.fields(), ["endedAt", "outcome"]);
    }
}
