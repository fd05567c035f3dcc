//! The whole decision for one customer (see the rules in the parent module): what it reads
//! ([`Profile`]) and the checks up to the choice of channel and identity; the checks in
//! time are in `timing.rs`.

use super::calling::CallingRules;
use super::caps::Attempt;
use super::codes::ReasonCode;
use super::consent::{ConsentRecord, current};
use super::policy::PurposePolicy;
use super::suppression::{ListHit, Suppression};
use super::{Decision, Purpose, timing};
use crate::domain::Channel;
use crate::domain::enums::ConsentStatus;
use crate::domain::id::CustomerId;
use crate::domain::identity::Identity;
use crate::domain::preference::Preferences;
use chrono::{DateTime, Utc};

/// Everything a decision reads about one customer (loaded in batches by the store).
#[derive(Clone, Debug, Default)]
pub struct Profile {
    pub customer_id: Option<CustomerId>,
    pub prefs: Preferences,
    pub identities: Vec<Identity>,
    /// Consent records (the preferences' per-channel consents are added as channel-wide
    /// defaults by [`decide_for`]).
    pub consents: Vec<ConsentRecord>,
    pub suppressions: Vec<Suppression>,
    pub listed: Vec<ListHit>,
    /// Outbound attempts of the last [`super::caps::LOOKBACK`] before the decision time.
    pub attempts: Vec<Attempt>,
}

/// Collects sentences and codes side by side.
#[derive(Default)]
pub(super) struct Why {
    pub reasons: Vec<String>,
    pub codes: Vec<ReasonCode>,
}

impl Why {
    pub fn push(&mut self, code: ReasonCode, reason: impl Into<String>) {
        self.reasons.push(reason.into());
        if !self.codes.contains(&code) {
            self.codes.push(code);
        }
    }

    fn denied(self) -> Decision {
        Decision {
            allowed: false,
            reasons: self.reasons,
            codes: self.codes,
            channel: None,
            identity_id: None,
            next_window_start: None,
        }
    }
}

/// Whether the customer may be contacted at `at` for `purpose` under `calling` rules.
pub fn decide_for(profile: &Profile, purpose: &PurposePolicy, calling: &CallingRules, at: DateTime<Utc>) -> Decision {
    let mut why = Why::default();
    let prefs = &profile.prefs;
    if prefs.do_not_contact {
        why.push(ReasonCode::DoNotContact, "do-not-contact is set");
        return why.denied();
    }
    if let Some(s) = profile.suppressions.iter().find(|s| s.channel.is_none() && s.blocks(None, &purpose.name, at)) {
        why.push(ReasonCode::Suppressed, s.describe());
        return why.denied();
    }
    let mut consents = profile.consents.clone();
    if let Some(id) = &profile.customer_id {
        consents.extend(prefs.consents.iter().map(|c| ConsentRecord::from_channel_default(id, c)));
    } else {
        let anyone = CustomerId::from_stored(String::new());
        consents.extend(prefs.consents.iter().map(|c| ConsentRecord::from_channel_default(&anyone, c)));
    }
    let check = Check { profile, purpose, consents: &consents, at };

    let Some((channel, eligible)) = check.choose_channel(&mut why) else {
        why.push(ReasonCode::NoUsableChannel, format!("no usable channel for {} contact", purpose.name));
        return why.denied();
    };
    let identity = choose_identity(prefs, &eligible, channel);
    if let Some((identity, how)) = identity {
        let via = if identity.spec.channel == channel {
            String::new()
        } else {
            format!(", {} number", identity.spec.channel)
        };
        why.push(ReasonCode::IdentityChosen, format!("identity {} ({how}{via})", identity.id));
        if current(&consents, channel, Some(&identity.id), &purpose.name, at).status == Some(ConsentStatus::OptIn) {
            why.codes.push(ReasonCode::ConsentGiven);
        }
    }
    timing::decide_time(profile, purpose, calling, channel, identity.map(|(i, _)| i), at, why)
}

struct Check<'a> {
    profile: &'a Profile,
    purpose: &'a PurposePolicy,
    consents: &'a [ConsentRecord],
    at: DateTime<Utc>,
}

impl<'a> Check<'a> {
    /// The first usable candidate channel and its eligible identities; every skipped
    /// candidate adds a reason, the chosen one too.
    fn choose_channel(&self, why: &mut Why) -> Option<(Channel, Vec<&'a Identity>)> {
        let (prefs, identities) = (&self.profile.prefs, &self.profile.identities);
        for channel in candidate_channels(prefs, identities) {
            match self.eligible(channel) {
                Err((code, text)) => why.push(code, format!("{channel}: {text}")),
                Ok(eligible) => {
                    let how = if prefs.preferred_channel == Some(channel) {
                        "preferred"
                    } else if identities.iter().any(|i| i.spec.primary && i.spec.channel == channel) {
                        "primary identity"
                    } else {
                        "identity on file"
                    };
                    why.push(ReasonCode::ChannelChosen, format!("channel {channel} ({how})"));
                    return Some((channel, eligible));
                }
            }
        }
        None
    }

    /// The identities that may carry contact on `channel`, or why none may.
    fn eligible(&self, channel: Channel) -> Result<Vec<&'a Identity>, (ReasonCode, String)> {
        let (purpose, at) = (&self.purpose.name, self.at);
        let identities = &self.profile.identities;
        let per_identity = self.consents.iter().any(|c| c.channel == channel && c.identity_id.is_some());
        if !per_identity && current(self.consents, channel, None, purpose, at).status == Some(ConsentStatus::OptOut) {
            return Err((ReasonCode::OptedOut, "opted out".to_owned()));
        }
        if let Some(s) = self.profile.suppressions.iter().find(|s| s.blocks(Some(channel), purpose, at)) {
            return Err((ReasonCode::Suppressed, s.describe()));
        }
        let serving: Vec<&Identity> = identities.iter().filter(|i| i.serves(channel)).collect();
        if serving.is_empty() {
            return Err((ReasonCode::NoIdentity, "no identity".to_owned()));
        }
        let mut rejected: Vec<(ReasonCode, String, &Identity)> = Vec::new();
        let mut eligible = Vec::new();
        for identity in serving {
            match self.identity_refusal(identity, channel) {
                Some((code, text)) => rejected.push((code, text, identity)),
                None => eligible.push(identity),
            }
        }
        if !eligible.is_empty() {
            return Ok(eligible);
        }
        let first = &rejected[0];
        if rejected.iter().all(|(code, text, _)| *code == first.0 && *text == first.1) {
            return Err((first.0, first.1.clone()));
        }
        let text =
            rejected.iter().map(|(_, text, i)| format!("identity {}: {text}", i.id)).collect::<Vec<_>>().join("; ");
        Err((first.0, text))
    }

    /// Why `identity` may not carry contact on `channel`, if it may not.
    fn identity_refusal(&self, identity: &Identity, channel: Channel) -> Option<(ReasonCode, String)> {
        let (purpose, at) = (&self.purpose.name, self.at);
        if self.purpose.exclude_shared && identity.spec.shared {
            return Some((ReasonCode::SharedExcluded, format!("shared identities are excluded for {purpose}")));
        }
        if self.purpose.exclude_unverified && !identity.spec.verified {
            return Some((ReasonCode::UnverifiedExcluded, format!("unverified identities are excluded for {purpose}")));
        }
        if let Some(hit) = self.profile.listed.iter().find(|h| h.blocks(&identity.id, purpose, at)) {
            return Some((ReasonCode::SuppressionListed, format!("on suppression list {}", hit.list_name)));
        }
        let consent = current(self.consents, channel, Some(&identity.id), purpose, at);
        match (consent.status, self.purpose.kind) {
            (Some(ConsentStatus::OptOut), _) => Some((ReasonCode::OptedOut, "opted out".to_owned())),
            (Some(ConsentStatus::OptIn), _) | (_, Purpose::Service) => None,
            (_, Purpose::Marketing) if consent.expired => {
                Some((ReasonCode::ConsentExpired, format!("{purpose} consent expired")))
            }
            (_, Purpose::Marketing) => Some((ReasonCode::NoConsent, format!("no {purpose} consent"))),
        }
    }
}

fn candidate_channels(prefs: &Preferences, identities: &[Identity]) -> Vec<Channel> {
    let primaries = identities.iter().filter(|i| i.spec.primary);
    let others = identities.iter().filter(|i| !i.spec.primary);
    let mut out: Vec<Channel> = prefs.preferred_channel.into_iter().collect();
    for channel in primaries.chain(others).map(|i| i.spec.channel) {
        if !out.contains(&channel) {
            out.push(channel);
        }
    }
    out
}

/// Among the eligible identities: the preferred one when it is eligible; else those on the
/// channel itself (or, only when there are none, the phone numbers standing in for it): the
/// primary one, else the first verified one, else the first one.
fn choose_identity<'i>(
    prefs: &Preferences,
    eligible: &[&'i Identity],
    channel: Channel,
) -> Option<(&'i Identity, &'static str)> {
    if let Some(preferred) = &prefs.preferred_identity_id
        && let Some(identity) = eligible.iter().find(|i| &i.id == preferred)
    {
        return Some((identity, "preferred"));
    }
    let exact: Vec<&Identity> = eligible.iter().copied().filter(|i| i.spec.channel == channel).collect();
    let pool = if exact.is_empty() { eligible.to_vec() } else { exact };
    pool.iter()
        .find(|i| i.spec.primary)
        .map(|i| (*i, "primary"))
        .or_else(|| pool.iter().find(|i| i.spec.verified).map(|i| (*i, "verified")))
        .or_else(|| pool.first().map(|i| (*i, "first on channel")))
}
