//! The interaction history: conversations and activities linked to a profile.

use super::enums::{Direction, InteractionKind, Sentiment};
use super::history::{HistoryFilter, code};
use super::id::{CustomerId, InteractionId};
use super::text::short_text;
use super::{Channel, Error, Result};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};

const MAX_SUMMARY_CHARS: usize = 2000;

/// An interaction as stored: what was linked, and to whom.
#[derive(Clone, Debug)]
pub struct Interaction {
    pub id: InteractionId,
    pub customer_id: CustomerId,
    pub spec: InteractionSpec,
}

/// A validated interaction, as linked to a profile.
#[derive(Clone, Debug)]
pub struct InteractionSpec {
    pub conversation_id: Option<String>,
    pub kind: InteractionKind,
    pub channel: Channel,
    pub direction: Direction,
    pub period: Period,
    pub summary: Option<String>,
    pub agent_id: Option<String>,
    /// How it ended, as a code (`resolved`, `escalated`); see `history::code`.
    pub outcome: Option<String>,
    /// What it was about, as a code (`billing/fiber`).
    pub topic: Option<String>,
    pub sentiment: Option<Sentiment>,
}

/// When an interaction started and, once it is over, ended (never before it started).
/// Kept to microseconds, what both databases store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

impl Period {
    /// `end_field` names the end in errors.
    pub fn new(end_field: &str, start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> Result<Self> {
        let (start, end) = (truncate_micros(start), end.map(truncate_micros));
        if end.is_some_and(|e| e < start) {
            return Err(Error::bad_input(end_field, "an interaction cannot end before it starts"));
        }
        Ok(Self { start, end })
    }
}

/// An interaction as a client gives it.
#[derive(Clone, Debug)]
pub struct RawInteraction<'a> {
    pub conversation_id: Option<&'a str>,
    pub kind: InteractionKind,
    pub channel: Channel,
    pub direction: Direction,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub summary: Option<&'a str>,
    pub agent_id: Option<&'a str>,
    pub outcome: Option<&'a str>,
    pub topic: Option<&'a str>,
    pub sentiment: Option<Sentiment>,
}

impl InteractionSpec {
    /// Validate an interaction given at `field`; times keep microseconds (what both
    /// databases store), a blank summary is none.
    pub fn parse(field: &str, raw: RawInteraction<'_>) -> Result<Self> {
        let f = |name: &str| format!("{field}.{name}");
        let period = Period::new(&f("endedAt"), raw.started_at, raw.ended_at)?;
        let summary = raw.summary.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        if summary.as_ref().is_some_and(|s| s.chars().count() > MAX_SUMMARY_CHARS) {
            return Err(Error::bad_input(f("summary"), "a summary is at most 2000 characters"));
        }
        Ok(Self {
            conversation_id: raw.conversation_id.map(|c| short_text(&f("conversationId"), c, 255)).transpose()?,
            kind: raw.kind,
            channel: raw.channel,
            direction: raw.direction,
            period,
            summary,
            agent_id: raw.agent_id.map(|a| short_text(&f("agentId"), a, 255)).transpose()?,
            outcome: raw.outcome.map(|c| code(&f("outcome"), c)).transpose()?,
            topic: raw.topic.map(|c| code(&f("topic"), c)).transpose()?,
            sentiment: raw.sentiment,
        })
    }
}

/// A page of one customer's history, newest first: `limit` rows older than `before`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HistoryPage {
    pub limit: u64,
    /// The (startedAt, id) of the last row of the previous page.
    pub before: Option<(DateTime<Utc>, InteractionId)>,
    pub channel: Option<Channel>,
    /// Kind, period, outcome and topic conditions.
    pub filter: HistoryFilter,
}

/// Timestamps are kept with microsecond precision on both backends, so that values read
/// back compare equal to values written, and text timestamps on SQLite sort correctly.
pub fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// Now, with microsecond precision.
pub fn now() -> DateTime<Utc> {
    truncate_micros(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(started: &str, ended: Option<&str>) -> RawInteraction<'static> {
        RawInteraction {
            conversation_id: Some(" conv-1 "),
            kind: InteractionKind::Conversation,
            channel: Channel::Phone,
            direction: Direction::Inbound,
            started_at: started.parse().unwrap(),
            ended_at: ended.map(|e| e.parse().unwrap()),
            summary: Some("   "),
            agent_id: None,
            outcome: None,
            topic: None,
            sentiment: None,
        }
    }

    #[test]
    fn an_interaction_cannot_end_before_it_starts() {
        let err = InteractionSpec::parse("interaction", raw("2026-01-02T00:00:00Z", Some("2026-01-01T00:00:00Z")));
        assert_eq!(err.unwrap_err().field(), Some("interaction.endedAt"));
    }

    #[test]
    fn ids_are_trimmed_blank_summaries_dropped_and_times_kept_to_microseconds() {
        let new = InteractionSpec::parse("i", raw("2026-01-01T00:00:00.123456789Z", None)).unwrap();
        assert_eq!(new.conversation_id.as_deref(), Some("conv-1"));
        assert_eq!(new.summary, None);
        assert_eq!(new.period.start.timestamp_subsec_nanos(), 123_456_000);
    }
}
