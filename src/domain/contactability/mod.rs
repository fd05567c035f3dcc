//! Contactability: may an outbound campaign contact a customer at a given instant for a
//! purpose, on which channel and identity, and if not, why not (in sentences and in
//! [`ReasonCode`]s) and when contact is next allowed. The rules are also described for
//! callers in `docs/contactability.md`.
//!
//! Pure and synchronous: the caller loads a [`Profile`] (preferences, identities, consent
//! records, suppressions, suppression-list hits, recent outbound attempts), in batches for
//! many customers, and calls [`decide_for`] with the purpose's [`PurposePolicy`] and the
//! [`CallingRules`]. [`decide`] is the customer's own rules alone (nothing excluded, no
//! calling hours, no caps).
//!
//! # Rules
//!
//! The checks run in this order.
//!
//! 1. **Do-not-contact.** The global flag is never overridden: not allowed, no channel, no
//!    identity, no next window. So is a suppression of every channel for the purpose
//!    ([`suppression`]).
//! 2. **Channel.** Candidate channels, in order and without repeats: the preferred channel,
//!    then the channels of the identities, primary identities first. A candidate is skipped
//!    (with a reason each, `"SMS: opted out"`) when, in this order: its channel-wide consent
//!    is an opt-out and no per-identity consent exists on it; a suppression of the channel
//!    for the purpose is in force; no identity serves it (a PHONE identity serves SMS,
//!    WHATSAPP, VIBER: [`Identity::serves`]); or none of the identities serving it is
//!    *eligible*. An identity is eligible unless it is shared or unverified and the purpose
//!    excludes those, it is on a suppression list for the purpose, or its consent in force
//!    ([`consent::current`]) refuses: `OPT_OUT` always; an opt-in purpose
//!    ([`Purpose::Marketing`] kind) needs an `OPT_IN` in force. No usable channel: not
//!    allowed, reason `"no usable channel for <purpose> contact"`, no next window.
//! 3. **Identity** among the eligible ones on the chosen channel: the preferred identity;
//!    otherwise, among those on the channel itself (or, only when there are none, the phone
//!    numbers standing in for it): the primary one, else the first verified, else the first.
//! 4. **Time** (`timing.rs`), each must hold: the customer's contact windows (none: any
//!    time); the statutory calling hours and public holidays of the number's country, when
//!    the purpose has them and the channel reaches phone numbers ([`calling`]); the
//!    purpose's frequency caps over the outbound history ([`caps`]). Windows and hours are
//!    read in the profile's timezone; without one, in the timezones of the phone number's
//!    country (every one of them must allow contact), said so in the reasons; without
//!    either, in UTC. A window listed on day D from `start` to `end` covers `[D start, D
//!    end)`, crossing midnight when `end` is not after `start`. Each occurrence is turned
//!    into UTC with the rules of its date: a local time skipped by DST moves to the first
//!    instant after the gap, one that happens twice means the earlier instant. When a check
//!    fails: not allowed, the channel and identity that would be used are filled in, and
//!    `next_window_start` is the earliest instant at which all time checks hold, at most 8
//!    days ahead.
//!
//! Reasons are listed in the order the checks ran, e.g. `["channel PHONE (preferred)",
//! "identity ci_1 (primary)", "inside contact window MONDAY 09:00–17:00 Asia/Karachi"]`.

pub mod calling;
pub mod caps;
pub mod codes;
pub mod commands;
pub mod consent;
pub mod evidence;
mod outbound;
pub mod policy;
pub mod suppression;
#[cfg(test)]
mod tests;
mod timing;
mod windows;

pub use codes::ReasonCode;
pub use outbound::{Profile, decide_for};

use super::id::IdentityId;
use super::identity::Identity;
use super::preference::{Preferences, TimeWindow};
use super::{Channel, Error, Result};
use calling::CallingRules;
use chrono::{DateTime, Utc};
use policy::PurposePolicy;

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

/// The answer of [`decide`] and [`decide_for`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Short explanations, in the order the checks ran.
    pub reasons: Vec<String>,
    /// Machine-readable codes of the checks, in the order they ran (each once).
    pub codes: Vec<ReasonCode>,
    /// The channel that is (or, outside the permitted times, would be) used.
    pub channel: Option<Channel>,
    /// The identity that is (or would be) used.
    pub identity_id: Option<IdentityId>,
    /// Only when time is what stops contact: when contact is next allowed.
    pub next_window_start: Option<DateTime<Utc>>,
}

/// Whether the customer may be contacted at `at` for `purpose` by the customer's own rules
/// only (do-not-contact, per-channel consent, windows): nothing excluded, no calling hours,
/// no caps. See [`decide_for`] for the whole decision.
pub fn decide(prefs: &Preferences, identities: &[Identity], purpose: Purpose, at: DateTime<Utc>) -> Decision {
    let profile = Profile { prefs: prefs.clone(), identities: identities.to_vec(), ..Default::default() };
    decide_for(&profile, &PurposePolicy::permissive(purpose), &CallingRules::default(), at)
}

#[cfg(test)]
mod outbound_tests;
