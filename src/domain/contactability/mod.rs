//! Contactability: may an outbound campaign contact a customer at a given instant, on which
//! channel and identity, and if not, why not and when the next allowed window starts.
//!
//! Pure and synchronous: the caller loads the customer's [`Preferences`] and
//! [`Identity`]s and calls [`decide`].
//!
//! # Rules
//!
//! The checks run in this order; the first that fails decides.
//!
//! 1. **Do-not-contact.** A global do-not-contact is never overridden: not allowed, the only
//!    reason is `"do-not-contact is set"`, no channel, no identity, no next window.
//! 2. **Channel.** Candidate channels, in order and without repeats: the preferred channel,
//!    then the channels of the identities, primary identities first (each group in the order
//!    given). A candidate is *usable* when
//!    - its consent allows the [`Purpose`]: `OPT_OUT` never allows; [`Purpose::Marketing`]
//!      needs an explicit `OPT_IN`; [`Purpose::Service`] accepts anything but `OPT_OUT` (no
//!      consent recorded, or `UNKNOWN`, is fine). When several consents name one channel,
//!      the strictest counts (`OPT_OUT` over `UNKNOWN` over `OPT_IN`); and
//!    - the customer has an identity on it. Channels that reach phone numbers (SMS,
//!      WHATSAPP, VIBER) may also use a PHONE identity ([`Identity::serves`]).
//!
//!    The first usable candidate is chosen. Every skipped candidate adds a reason:
//!    `"SMS: opted out"`, `"WHATSAPP: no identity"`, `"EMAIL: no marketing consent"` (checked
//!    in that order). No usable channel: not allowed, reason `"no usable channel for
//!    marketing contact"` (or `service`), and no next window, since waiting does not help.
//! 3. **Identity** on the chosen channel: the preferred identity when it is on that channel
//!    (a PHONE identity counts for SMS/WHATSAPP/VIBER); otherwise, among the identities on
//!    the channel itself (or, only when there are none, the PHONE identities that may stand
//!    in for it): the primary one, else the first verified one, else the first one.
//! 4. **Time.** No contact windows: any time is fine. Otherwise the windows are read in the
//!    customer's IANA timezone (no timezone, or one that does not parse, means UTC, with a
//!    reason saying so). A window listed on day D from `start` to `end` covers
//!    `[D start, D end)`; when `end` is not after `start` it crosses midnight and covers
//!    `[D start, D+1 end)`, so `"24:00"` or `"00:00"` as `end` means the midnight that ends
//!    D. Each occurrence is turned into UTC instants with the timezone rules of its date:
//!    a local time skipped by a DST change (spring forward) moves to the first instant after
//!    the gap (02:30 on 2026-03-08 in America/New_York is 03:00 EDT); a local time that
//!    happens twice (fall back) means the earlier instant. An occurrence that the change
//!    leaves empty is dropped. `at` is allowed when it lies in an occurrence, including one
//!    that began the day before and crosses midnight. Otherwise: not allowed, reason
//!    `"outside the customer's contact windows"`, the channel and identity that would be used
//!    are still filled in, and `next_window_start` is the earliest occurrence start after
//!    `at`, at most 8 days ahead. Windows whose start equals their end are ignored with a
//!    reason (stored windows are validated, so this is a safety net).
//!
//! When allowed, the reasons say why in short form, e.g. `["channel PHONE (preferred)",
//! "identity ci_1 (primary)", "inside contact window MONDAY 09:00–17:00 Asia/Karachi"]`.
//! Reasons are listed in the order the checks ran.

#[cfg(test)]
mod tests;
mod windows;

use super::enums::ConsentStatus;
use super::id::IdentityId;
use super::identity::Identity;
use super::preference::Preferences;
use super::{Channel, Error, Result};
use chrono::{DateTime, Datelike, Utc};
use windows::{WindowCheck, customer_timezone, day_of, evaluate_windows};

/// Why the customer would be contacted; decides which consent is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Promotional contact: needs an explicit `OPT_IN` on the channel.
    Marketing,
    /// Contact about the customer's own business with us (service, collections,
    /// transactional notices): allowed unless the channel is `OPT_OUT`.
    Service,
}

impl Purpose {
    /// Names accepted for [`Purpose::Service`] (case-insensitive, surrounding spaces ignored).
    pub const SERVICE_NAMES: &'static [&'static str] =
        &["service", "transactional", "collections", "collection", "support", "operational", "notification"];
    /// Names accepted for [`Purpose::Marketing`] (case-insensitive, surrounding spaces ignored).
    pub const MARKETING_NAMES: &'static [&'static str] =
        &["marketing", "campaign", "sales", "promotional", "promotion"];

    /// Reads the optional `purpose` argument. Absent means [`Purpose::Service`]; any name in
    /// [`Purpose::SERVICE_NAMES`] or [`Purpose::MARKETING_NAMES`] is accepted, in any case.
    /// Anything else (including an empty string) is a `BAD_USER_INPUT` on the field `purpose`,
    /// rather than a guess that could send marketing under a service label.
    pub fn parse(raw: Option<&str>) -> Result<Self> {
        let Some(raw) = raw else { return Ok(Purpose::Service) };
        let name = raw.trim().to_ascii_lowercase();
        if Self::SERVICE_NAMES.contains(&name.as_str()) {
            Ok(Purpose::Service)
        } else if Self::MARKETING_NAMES.contains(&name.as_str()) {
            Ok(Purpose::Marketing)
        } else {
            Err(Error::bad_input(
                "purpose",
                format!(
                    "unknown purpose; use one of {} (service) or {} (marketing)",
                    Self::SERVICE_NAMES.join(", "),
                    Self::MARKETING_NAMES.join(", ")
                ),
            ))
        }
    }

    /// `"marketing"` or `"service"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Marketing => "marketing",
            Purpose::Service => "service",
        }
    }
}

/// The answer of [`decide`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Short explanations, in the order the checks ran.
    pub reasons: Vec<String>,
    /// The channel that is (or, outside the contact windows, would be) used.
    pub channel: Option<Channel>,
    /// The identity that is (or would be) used.
    pub identity_id: Option<IdentityId>,
    /// Only when the contact windows are what stops contact: when the next one starts.
    pub next_window_start: Option<DateTime<Utc>>,
}

impl Decision {
    fn denied(reasons: Vec<String>) -> Self {
        Decision { allowed: false, reasons, channel: None, identity_id: None, next_window_start: None }
    }
}

/// Whether the customer may be contacted at `at` for `purpose`; see the module doc for the rules.
pub fn decide(prefs: &Preferences, identities: &[Identity], purpose: Purpose, at: DateTime<Utc>) -> Decision {
    if prefs.do_not_contact {
        return Decision::denied(vec!["do-not-contact is set".to_owned()]);
    }

    let mut reasons = Vec::new();
    let Some(channel) = choose_channel(prefs, identities, purpose, &mut reasons) else {
        reasons.push(format!("no usable channel for {} contact", purpose.as_str()));
        return Decision::denied(reasons);
    };
    let identity = choose_identity(prefs, identities, channel);
    if let Some((identity, why)) = identity {
        let via = if identity.spec.channel == channel {
            String::new()
        } else {
            format!(", {} number", identity.spec.channel)
        };
        reasons.push(format!("identity {} ({why}{via})", identity.id));
    }
    let identity_id = identity.map(|(i, _)| i.id.clone());

    if prefs.best_time_to_contact.is_empty() {
        reasons.push("no contact windows set".to_owned());
        return Decision { allowed: true, reasons, channel: Some(channel), identity_id, next_window_start: None };
    }

    let (tz, tz_note) = customer_timezone(prefs.timezone.as_deref());
    reasons.extend(tz_note);
    let mut windows = Vec::with_capacity(prefs.best_time_to_contact.len());
    for (i, window) in prefs.best_time_to_contact.iter().enumerate() {
        if window.start == window.end {
            reasons.push(format!("ignoring empty contact window #{}", i + 1));
        } else {
            windows.push(window);
        }
    }

    match evaluate_windows(&windows, tz, at) {
        WindowCheck::Inside(label) => {
            reasons.push(format!("inside contact window {label}"));
            Decision { allowed: true, reasons, channel: Some(channel), identity_id, next_window_start: None }
        }
        WindowCheck::Outside(next) => {
            reasons.push("outside the customer's contact windows".to_owned());
            if let Some(next) = next {
                let local = next.with_timezone(&tz);
                reasons.push(format!(
                    "next contact window starts {} {} {}",
                    day_of(local.weekday()).as_str(),
                    local.format("%H:%M"),
                    tz.name()
                ));
            }
            Decision { allowed: false, reasons, channel: Some(channel), identity_id, next_window_start: next }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Channel and identity

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

/// The first usable candidate channel; skipped candidates add a reason each, the chosen one too.
fn choose_channel(
    prefs: &Preferences,
    identities: &[Identity],
    purpose: Purpose,
    reasons: &mut Vec<String>,
) -> Option<Channel> {
    for channel in candidate_channels(prefs, identities) {
        let consent = prefs.consent_for(channel);
        let skip = if consent == Some(ConsentStatus::OptOut) {
            Some("opted out")
        } else if !identities.iter().any(|i| i.serves(channel)) {
            Some("no identity")
        } else if purpose == Purpose::Marketing && consent != Some(ConsentStatus::OptIn) {
            Some("no marketing consent")
        } else {
            None
        };
        if let Some(skip) = skip {
            reasons.push(format!("{channel}: {skip}"));
            continue;
        }
        let why = if prefs.preferred_channel == Some(channel) {
            "preferred"
        } else if identities.iter().any(|i| i.spec.primary && i.spec.channel == channel) {
            "primary identity"
        } else {
            "identity on file"
        };
        reasons.push(format!("channel {channel} ({why})"));
        return Some(channel);
    }
    None
}

fn choose_identity<'i>(
    prefs: &Preferences,
    identities: &'i [Identity],
    channel: Channel,
) -> Option<(&'i Identity, &'static str)> {
    if let Some(preferred) = &prefs.preferred_identity_id
        && let Some(identity) = identities.iter().find(|i| &i.id == preferred && i.serves(channel))
    {
        return Some((identity, "preferred"));
    }
    let exact: Vec<&Identity> = identities.iter().filter(|i| i.spec.channel == channel).collect();
    let pool = if exact.is_empty() { identities.iter().filter(|i| i.serves(channel)).collect() } else { exact };
    pool.iter()
        .find(|i| i.spec.primary)
        .map(|i| (*i, "primary"))
        .or_else(|| pool.iter().find(|i| i.spec.verified).map(|i| (*i, "verified")))
        .or_else(|| pool.first().map(|i| (*i, "first on channel")))
}
