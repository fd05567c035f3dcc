//! Routing signals (issue 11, item 4): what a routing decision reads about a customer's
//! recent activity, kept up to date by every write that changes history.
//!
//! Counts over rolling windows are kept as day buckets (interactions per customer, UTC day
//! of `startedAt`, channel) and summed at read time: "the last 7 days" is the buckets of the
//! UTC days `today-6 ..= today`, so it stays true as days pass without any rescan or job.
//! Buckets older than the widest window are useless and pruned by later writes.

use crate::domain::Channel;
use crate::domain::enums::{Direction, InteractionKind, Sentiment};
use crate::domain::id::InteractionId;
use crate::domain::interaction::Interaction;
use chrono::{DateTime, Utc};

/// The windows counted, in days (today included).
pub const WINDOWS: [i32; 3] = [7, 30, 90];
/// The widest window: buckets older than this are pruned.
pub const KEPT_DAYS: i32 = 90;

/// The UTC day of `t`, as days since 1970-01-01 (what the buckets are keyed by).
pub fn day_of(t: DateTime<Utc>) -> i32 {
    t.timestamp().div_euclid(86_400) as i32
}

/// The last contact: the interaction that started last (by `startedAt`, then id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastContact {
    pub interaction_id: InteractionId,
    pub at: DateTime<Utc>,
    pub channel: Channel,
    pub direction: Direction,
    pub agent_id: Option<String>,
}

/// Interactions on one channel in the last 7, 30 and 90 days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelCounts {
    pub channel: Channel,
    pub last_7_days: i64,
    pub last_30_days: i64,
    pub last_90_days: i64,
}

/// A customer's routing signals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Activity {
    pub last_contact: Option<LastContact>,
    /// Channels with at least one interaction in the last 90 days, by channel name.
    pub counts: Vec<ChannelCounts>,
    /// Conversations (`kind: CONVERSATION`) without an `endedAt`.
    pub open_conversations: i64,
    /// The outcome of the latest interaction that has one.
    pub last_outcome: Option<String>,
    /// The sentiment of the latest interaction that has one.
    pub last_sentiment: Option<Sentiment>,
}

/// The summary row of a customer: everything but the counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub last_contact: Option<LastContact>,
    pub open_conversations: i64,
    pub last_outcome: Option<String>,
    pub last_sentiment: Option<Sentiment>,
}

fn position(i: &Interaction) -> (DateTime<Utc>, &str) {
    (i.spec.period.start, i.id.as_str())
}

fn is_open(i: &Interaction) -> bool {
    i.spec.kind == InteractionKind::Conversation && i.spec.period.end.is_none()
}

impl Summary {
    /// The summary of a whole history (the definition every write must agree with).
    pub fn of(history: &[Interaction]) -> Self {
        let latest_where = |keep: &dyn Fn(&Interaction) -> bool| {
            history.iter().filter(|i| keep(i)).max_by(|a, b| position(a).cmp(&position(b)))
        };
        Self {
            last_contact: latest_where(&|_| true).map(contact),
            open_conversations: history.iter().filter(|i| is_open(i)).count() as i64,
            last_outcome: latest_where(&|i| i.spec.outcome.is_some()).and_then(|i| i.spec.outcome.clone()),
            last_sentiment: latest_where(&|i| i.spec.sentiment.is_some()).and_then(|i| i.spec.sentiment),
        }
    }
}

fn contact(i: &Interaction) -> LastContact {
    LastContact {
        interaction_id: i.id.clone(),
        at: i.spec.period.start,
        channel: i.spec.channel,
        direction: i.spec.direction,
        agent_id: i.spec.agent_id.clone(),
    }
}

/// Sum day buckets `(day, channel, n)` into per-channel window counts as of `today`.
pub fn count(buckets: impl IntoIterator<Item = (i32, Channel, i64)>, today: i32) -> Vec<ChannelCounts> {
    let mut by_channel: std::collections::BTreeMap<&'static str, ChannelCounts> = Default::default();
    for (day, channel, n) in buckets {
        let age = today - day;
        if !(0..KEPT_DAYS).contains(&age) {
            continue;
        }
        let slot = by_channel.entry(channel.as_str()).or_insert(ChannelCounts {
            channel,
            last_7_days: 0,
            last_30_days: 0,
            last_90_days: 0,
        });
        slot.last_7_days += if age < WINDOWS[0] { n } else { 0 };
        slot.last_30_days += if age < WINDOWS[1] { n } else { 0 };
        slot.last_90_days += n;
    }
    let out: Vec<ChannelCounts> = by_channel.into_values().collect();
    out
}

/// The activity of a whole history as of `today`: what the maintained tables must read as.
pub fn recompute(history: &[Interaction], today: i32) -> Activity {
    let summary = Summary::of(history);
    let buckets = history.iter().map(|i| (day_of(i.spec.period.start), i.spec.channel, 1));
    Activity {
        last_contact: summary.last_contact,
        counts: count(buckets, today),
        open_conversations: summary.open_conversations,
        last_outcome: summary.last_outcome,
        last_sentiment: summary.last_sentiment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_calendar_days() {
        assert_eq!(day_of("1970-01-02T00:00:00Z".parse().unwrap()), 1);
        assert_eq!(day_of("1970-01-01T23:59:59.999999Z".parse().unwrap()), 0);
        assert_eq!(day_of("1969-12-31T23:00:00Z".parse().unwrap()), -1);
    }

    fn interaction(n: u8, at: &str, kind: InteractionKind, outcome: Option<&str>) -> Interaction {
        use crate::domain::interaction::{InteractionSpec, Period};
        let start: DateTime<Utc> = at.parse().unwrap();
        Interaction {
            id: InteractionId::from_stored(format!("0190a0b0-0000-7000-8000-0000000000{n:02}")),
            customer_id: crate::domain::id::CustomerId::generate(),
            spec: InteractionSpec {
                conversation_id: None,
                kind,
                channel: Channel::Phone,
                direction: Direction::Inbound,
                period: Period { start, end: None },
                summary: None,
                agent_id: None,
                outcome: outcome.map(str::to_owned),
                topic: None,
                sentiment: None,
            },
        }
    }

    #[test]
    fn the_last_outcome_is_the_latest_one_given_not_the_latest_contacts() {
        let history = [
            interaction(1, "2026-03-01T10:00:00Z", InteractionKind::Activity, Some("resolved")),
            interaction(2, "2026-03-03T10:00:00Z", InteractionKind::Conversation, None),
            interaction(3, "2026-03-02T10:00:00Z", InteractionKind::Activity, Some("escalated")),
        ];
        let activity = recompute(&history, day_of("2026-03-03T12:00:00Z".parse().unwrap()));
        assert_eq!(activity.last_contact.unwrap().interaction_id, history[1].id);
        assert_eq!(activity.last_outcome.as_deref(), Some("escalated"));
        assert_eq!(activity.open_conversations, 1, "activities are never open");
        assert_eq!(activity.counts[0].last_7_days, 3);
    }

    #[test]
    fn windows_include_today_and_drop_what_is_older_or_in_the_future() {
        let today = 1000;
        let counts = count(
            [
                (1000, Channel::Phone, 1),
                (994, Channel::Phone, 2),
                (993, Channel::Phone, 4),
                (971, Channel::Phone, 8),
                (970, Channel::Phone, 16),
                (911, Channel::Phone, 32),
                (910, Channel::Phone, 64),
                (1001, Channel::Phone, 128),
                (1000, Channel::Email, 1),
            ],
            today,
        );
        assert_eq!(
            counts[0],
            ChannelCounts { channel: Channel::Email, last_7_days: 1, last_30_days: 1, last_90_days: 1 }
        );
        assert_eq!(
            counts[1],
            ChannelCounts { channel: Channel::Phone, last_7_days: 3, last_30_days: 15, last_90_days: 63 }
        );
    }
}
