//! Consent with proof (issue 13, item 1): every consent given or withdrawn is a record kept
//! for good (append-only), per identity or channel-wide, per purpose, with who recorded it,
//! when it was given, the wording shown, a reference to the evidence and an optional
//! expiry. The consent in force is derived from the records by [`current`], the one rule.
//!
//! # The rule
//!
//! A record applies to a contact on channel `C` through identity `I` for purpose `P` when
//! its channel is `C`, it was given at or before the decision time, and its scope is one of,
//! from most to least specific: `(I, P)`, `(I, any purpose)`, `(C, P)`, `(C, any purpose)`.
//! The per-channel consents of the preferences (before consent records existed) count as
//! `(C, any purpose)` records: they are the channel-wide defaults.
//!
//! In each scope the latest record (by `givenAt`, then the order recorded) is the scope's
//! value; an expired one leaves the scope without a value. The most specific scope with a
//! value decides, except that an `OPT_OUT` in force in a wider scope and given later wins:
//! withdrawing consent for a whole channel withdraws it for each number on it too.

use super::super::Channel;
use super::super::enums::ConsentStatus;
use super::super::id::{CustomerId, IdentityId};
use super::super::preference::ChannelConsent;
use chrono::{DateTime, Utc};

/// The purpose of a consent record that covers every purpose.
pub const ANY_PURPOSE: &str = "*";

/// One consent given or withdrawn, as recorded (never changed afterwards).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentRecord {
    /// Sortable (UUID v7): the order records were written, which breaks ties of `given_at`.
    pub id: String,
    pub customer_id: CustomerId,
    pub channel: Channel,
    /// `None`: every identity on the channel (channel-wide).
    pub identity_id: Option<IdentityId>,
    /// A purpose name (`marketing`) or [`ANY_PURPOSE`].
    pub purpose: String,
    pub status: ConsentStatus,
    pub proof: ConsentProof,
    /// The principal (JWT `sub`) that recorded it; `None` for channel-wide defaults.
    pub principal: Option<String>,
    pub given_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
}

/// What shows the consent was given: where, in which words, and where the evidence is.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConsentProof {
    /// Where it was given (`web-form`, `ivr`, `agent`); free text, sealed at rest.
    pub source: Option<String>,
    /// The wording shown, or its version (`sms-marketing-v3`).
    pub wording: Option<String>,
    /// A reference to the evidence (recording id, signed form, web log entry); sealed at rest.
    pub evidence_ref: Option<String>,
}

impl ConsentRecord {
    /// A per-channel consent of the preferences, read as a channel-wide default.
    pub fn from_channel_default(customer_id: &CustomerId, c: &ChannelConsent) -> Self {
        ConsentRecord {
            id: String::new(), // marks a channel default: see `is_channel_default`
            customer_id: customer_id.clone(),
            channel: c.channel,
            identity_id: None,
            purpose: ANY_PURPOSE.to_owned(),
            status: c.status,
            proof: ConsentProof { source: c.source.clone(), wording: None, evidence_ref: None },
            principal: None,
            given_at: c.updated_at,
            expires_at: None,
            recorded_at: c.updated_at,
        }
    }

    /// A per-channel consent of the preferences: it has no time it was given (only when it
    /// was stored), so it counts at any instant, as it always did.
    pub fn is_channel_default(&self) -> bool {
        self.id.is_empty()
    }

    fn expired_at(&self, at: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| e <= at)
    }
}

/// The consent in force for one identity, channel and purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ConsentState {
    /// `None`: no value in force (never given, or expired).
    pub status: Option<ConsentStatus>,
    /// Whether a scope's latest record has expired (so a renewal would be needed).
    pub expired: bool,
    /// Whether the deciding record is per identity (rather than channel-wide).
    pub per_identity: bool,
}

/// The consent in force at `at` for contact on `channel` through `identity` (`None`: the
/// channel as a whole) for `purpose`; see the module doc for the rule.
pub fn current(
    records: &[ConsentRecord],
    channel: Channel,
    identity: Option<&IdentityId>,
    purpose: &str,
    at: DateTime<Utc>,
) -> ConsentState {
    // Most specific first.
    let scopes: [(Option<&IdentityId>, &str); 4] =
        [(identity, purpose), (identity, ANY_PURPOSE), (None, purpose), (None, ANY_PURPOSE)];
    let mut state = ConsentState::default();
    let mut deciding: Option<&ConsentRecord> = None;
    let mut later_opt_out = false;
    for (i, (who, what)) in scopes.iter().enumerate() {
        if i < 2 && who.is_none() {
            continue; // no identity: only the channel-wide scopes apply
        }
        let latest = records
            .iter()
            .filter(|r| {
                r.channel == channel
                    && r.identity_id.as_ref() == *who
                    && r.purpose == *what
                    && (r.given_at <= at || r.is_channel_default())
            })
            .max_by(|a, b| (a.given_at, &a.id).cmp(&(b.given_at, &b.id)));
        let Some(latest) = latest else { continue };
        if latest.expired_at(at) {
            state.expired = true;
            continue;
        }
        match deciding {
            None => {
                deciding = Some(latest);
                state.per_identity = i < 2;
            }
            Some(d) if latest.status == ConsentStatus::OptOut && latest.given_at > d.given_at => later_opt_out = true,
            Some(_) => {}
        }
    }
    state.status = if later_opt_out { Some(ConsentStatus::OptOut) } else { deciding.map(|d| d.status) };
    state
}

#[cfg(test)]
#[path = "consent_tests.rs"]
mod tests;
