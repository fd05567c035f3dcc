use super::ChannelIdentity;
use crate::domain::Channel;
use crate::domain::enums::{ConsentStatus, DayOfWeek};
use crate::domain::id::CustomerId;
use crate::domain::preference::{Preferences, format_hhmm};
use crate::graphql::context::loaders;
use crate::graphql::error::IntoGql;
use crate::graphql::loaders::IdentitiesOf;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

pub struct Preference {
    pub customer_id: CustomerId,
    pub record: Preferences,
}

/// Contact and outbound preferences of one customer.
#[Object]
impl Preference {
    /// BCP 47.
    async fn language(&self) -> Option<&str> {
        self.record.language.as_deref()
    }

    /// IANA.
    async fn timezone(&self) -> Option<&str> {
        self.record.timezone.as_deref()
    }

    /// The channel to try first for outbound contact.
    async fn preferred_channel(&self) -> Option<Channel> {
        self.record.preferred_channel
    }

    /// Which number or address to use for outbound contact.
    async fn preferred_identity(&self, ctx: &Context<'_>) -> Result<Option<ChannelIdentity>> {
        let Some(id) = &self.record.preferred_identity_id else { return Ok(None) };
        // Served from the customer's identities, which the 360° view loads anyway.
        let identities = loaders(ctx).load_one(IdentitiesOf(self.customer_id.clone())).await.gql()?;
        Ok(identities.unwrap_or_default().into_iter().find(|i| &i.id == id).map(ChannelIdentity))
    }

    /// Dedicated account manager.
    async fn preferred_agent_id(&self) -> Option<ID> {
        self.record.preferred_agent_id.clone().map(ID)
    }

    /// Weekly windows when contact is welcome, in the customer's timezone; empty means any time.
    async fn best_time_to_contact(&self) -> Vec<TimeWindow> {
        self.record
            .best_time_to_contact
            .iter()
            .map(|w| TimeWindow { days: w.days.clone(), start: format_hhmm(w.start), end: format_hhmm(w.end) })
            .collect()
    }

    /// Global do-not-contact.
    async fn do_not_contact(&self) -> bool {
        self.record.do_not_contact
    }

    /// Per channel: OPT_IN, OPT_OUT or UNKNOWN, when and where from (`source` is free text:
    /// redacted as `InteractionRef.summary` is).
    async fn consents(&self, ctx: &Context<'_>) -> Vec<ChannelConsent> {
        self.record
            .consents
            .iter()
            .map(|c| ChannelConsent {
                channel: c.channel,
                status: c.status,
                updated_at: c.updated_at,
                source: c.source.as_deref().map(|s| {
                    crate::graphql::free_text::shown(ctx, &self.customer_id, "preferences.consents.source", s)
                }),
            })
            .collect()
    }
}

/// A weekly window in the customer's timezone; `end` before `start` crosses midnight.
#[derive(SimpleObject, Clone, Debug)]
pub struct TimeWindow {
    /// The days on which the window opens.
    pub days: Vec<DayOfWeek>,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`.
    pub end: String,
}

/// Consent to contact on one channel, with when and where it was given.
#[derive(SimpleObject, Clone, Debug)]
pub struct ChannelConsent {
    /// The channel the consent is for.
    pub channel: Channel,
    /// The consent given on that channel.
    pub status: ConsentStatus,
    /// When this consent was last set.
    pub updated_at: DateTime<Utc>,
    /// Where it was given (`ivr`, `web-form`, `crm:salesforce`…); `null` when not said.
    pub source: Option<String>,
}
