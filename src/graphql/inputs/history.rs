//! Inputs of the history: completing an interaction, linking one with metadata and an
//! idempotency key, and filtering a page of history.

use super::InteractionInput;
use crate::domain::enums::{InteractionKind, Sentiment};
use crate::domain::history::{HistoryFilter, Idempotency, InteractionUpdate, Metadata, code};
use crate::domain::id::CustomerId;
use crate::domain::text::{Patch, short_text};
use crate::domain::{Error, Result};
use crate::service::interactions::LinkOptions;
use async_graphql::{ID, InputObject, Json, MaybeUndefined};
use chrono::{DateTime, Utc};

/// What `updateInteraction` changes: an omitted field stays as it is, `null` clears it.
#[derive(InputObject, Clone, Debug, Default)]
pub struct InteractionUpdateInput {
    /// When it ended; before `startedAt` is a `BAD_USER_INPUT`.
    pub ended_at: MaybeUndefined<DateTime<Utc>>,
    /// A short note for agents, at most 2000 characters; blank clears it.
    pub summary: MaybeUndefined<String>,
    /// How it ended, as a code: 1–64 of `A–Z a–z 0–9 _ - . / :`.
    pub outcome: MaybeUndefined<String>,
    /// What it was about, as a code.
    pub topic: MaybeUndefined<String>,
    /// How the customer felt.
    pub sentiment: MaybeUndefined<Sentiment>,
    /// The agent who handled it (at most 255 characters).
    pub agent_id: MaybeUndefined<ID>,
    /// A JSON object, replacing the one stored: at most 8192 bytes as JSON and 5 levels deep.
    pub metadata: MaybeUndefined<Json<serde_json::Value>>,
}

fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(v),
    }
}

impl InteractionUpdateInput {
    /// Parse at `field` (`input`): errors name `input.outcome`, `input.metadata`…
    pub fn parse(self, field: &str) -> Result<InteractionUpdate> {
        let f = |name: &str| format!("{field}.{name}");
        let summary = match patch(self.summary) {
            Patch::Set(s) if s.trim().is_empty() => Patch::Clear,
            Patch::Set(s) if s.trim().chars().count() > 2000 => {
                return Err(Error::bad_input(f("summary"), "a summary is at most 2000 characters"));
            }
            other => other.try_map(|s| Ok(s.trim().to_owned()))?,
        };
        Ok(InteractionUpdate {
            ended_at: patch(self.ended_at).try_map(|t| Ok(crate::domain::interaction::truncate_micros(t)))?,
            summary,
            outcome: patch(self.outcome).try_map(|c| code(&f("outcome"), &c))?,
            topic: patch(self.topic).try_map(|c| code(&f("topic"), &c))?,
            sentiment: patch(self.sentiment),
            agent_id: patch(self.agent_id).try_map(|a| short_text(&f("agentId"), &a, 255))?,
            metadata: patch(self.metadata).try_map(|m| Metadata::parse(&f("metadata"), m.0))?,
        })
    }
}

impl InteractionInput {
    /// What a link carries besides the interaction (`spec`, parsed first): metadata and the
    /// idempotency key with the digest of the whole request.
    pub fn options(
        &self,
        field: &str,
        customer_id: &CustomerId,
        spec: &crate::domain::interaction::InteractionSpec,
    ) -> Result<LinkOptions> {
        let metadata =
            self.metadata.as_ref().map(|m| Metadata::parse(&format!("{field}.metadata"), m.0.clone())).transpose()?;
        let idempotency = self
            .idempotency_key
            .as_deref()
            .map(|k| {
                Idempotency::new(&format!("{field}.idempotencyKey"), k, customer_id.as_str(), spec, metadata.as_ref())
            })
            .transpose()?;
        Ok(LinkOptions { metadata, idempotency })
    }
}

/// The filters of `Customer.interactions` beyond `channel`, as given.
pub fn history_filter(
    kind: Option<InteractionKind>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    outcome: Option<&str>,
    topic: Option<&str>,
) -> Result<HistoryFilter> {
    if let (Some(since), Some(until)) = (since, until)
        && until < since
    {
        return Err(Error::bad_input("until", "until is before since"));
    }
    Ok(HistoryFilter {
        kind,
        since: since.map(crate::domain::interaction::truncate_micros),
        until: until.map(crate::domain::interaction::truncate_micros),
        outcome: outcome.map(|c| code("outcome", c)).transpose()?,
        topic: topic.map(|c| code("topic", c)).transpose()?,
    })
}
