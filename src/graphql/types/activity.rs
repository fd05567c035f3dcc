use crate::domain::Channel;
use crate::domain::enums::{Direction, Sentiment};
use crate::domain::history::activity::{Activity, ChannelCounts, LastContact as LastContactRecord};
use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

/// Routing signals: a customer's recent activity, kept up to date by every write to the
/// history (never computed from history on read). Counts are per UTC calendar day: "the
/// last 7 days" is today (UTC) and the 6 days before it.
///
/// Shareable: a subgraph that `@requires` these fields declares the same value types.
pub struct CustomerActivity(pub Activity);

#[Object(shareable)]
impl CustomerActivity {
    /// The interaction that started last (`null` without history).
    async fn last_contact(&self) -> Option<LastContact> {
        self.0.last_contact.clone().map(LastContact)
    }

    /// Interactions per channel over the last 7, 30 and 90 days (channels with none in 90 days are left out),
    /// by channel name.
    async fn counts(&self) -> Vec<ChannelActivity> {
        self.0.counts.iter().map(ChannelActivity::from).collect()
    }

    /// Interactions on every channel in the last 7 days.
    async fn total_last_7_days(&self) -> i64 {
        self.0.counts.iter().map(|c| c.last_7_days).sum()
    }

    /// Interactions on every channel in the last 30 days.
    async fn total_last_30_days(&self) -> i64 {
        self.0.counts.iter().map(|c| c.last_30_days).sum()
    }

    /// Interactions on every channel in the last 90 days.
    async fn total_last_90_days(&self) -> i64 {
        self.0.counts.iter().map(|c| c.last_90_days).sum()
    }

    /// Conversations (`kind: CONVERSATION`) without an `endedAt`.
    async fn open_conversations(&self) -> i64 {
        self.0.open_conversations
    }

    /// The outcome of the latest interaction that has one.
    async fn last_outcome(&self) -> Option<&str> {
        self.0.last_outcome.as_deref()
    }

    /// The sentiment of the latest interaction that has one.
    async fn last_sentiment(&self) -> Option<Sentiment> {
        self.0.last_sentiment
    }
}

/// The last contact with a customer.
pub struct LastContact(LastContactRecord);

#[Object(shareable)]
impl LastContact {
    /// The interaction (see `InteractionRef.id`).
    async fn interaction_id(&self) -> ID {
        ID(self.0.interaction_id.to_string())
    }

    /// When it started.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    async fn channel(&self) -> Channel {
        self.0.channel
    }

    async fn direction(&self) -> Direction {
        self.0.direction
    }

    /// The agent who handled it, as an id of the agents' system.
    async fn agent_id(&self) -> Option<ID> {
        self.0.agent_id.clone().map(ID)
    }
}

/// Interactions on one channel over rolling windows of UTC days.
#[derive(SimpleObject)]
#[graphql(shareable)]
pub struct ChannelActivity {
    pub channel: Channel,
    /// Today (UTC) and the 6 days before.
    pub last_7_days: i64,
    /// Today (UTC) and the 29 days before.
    pub last_30_days: i64,
    /// Today (UTC) and the 89 days before.
    pub last_90_days: i64,
}

impl From<&ChannelCounts> for ChannelActivity {
    fn from(c: &ChannelCounts) -> Self {
        Self {
            channel: c.channel,
            last_7_days: c.last_7_days,
            last_30_days: c.last_30_days,
            last_90_days: c.last_90_days,
        }
    }
}
