//! Contactability: may an outbound campaign contact a customer at a given instant, on which
//! channel and identity, and if not, why not and when the next allowed window starts.
//!
//! Pure and synchronous: the caller loads the preferences and identities (the fields map
//! one to one from `PreferenceRecord` and `IdentityRecord`) and calls [`decide`].
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
//!    - the customer has an identity on it. SMS, WHATSAPP and VIBER may also use a PHONE
//!      identity (it is a phone number).
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
//!    `at`, at most 8 days ahead. Windows whose times do not parse, or whose start equals
//!    their end, are ignored with a reason (stored windows are validated, so this is a
//!    safety net).
//!
//! When allowed, the reasons say why in short form, e.g. `["channel PHONE (preferred)",
//! "identity ci_1 (primary)", "inside contact window MONDAY 09:00–17:00 Asia/Karachi"]`.
//! Reasons are listed in the order the checks ran.

use super::enums::{ConsentStatus, DayOfWeek};
use super::preference::{ChannelConsent, TimeWindow};
use super::{Channel, Error, Result};
use chrono::{
    DateTime, Datelike, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// How far ahead `next_window_start` is searched.
const SEARCH_DAYS: i64 = 8;

/// One of the customer's channel identities, as far as contactability cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactIdentity {
    pub id: String,
    pub channel: Channel,
    pub primary: bool,
    pub verified: bool,
}

/// The customer's contact preferences, borrowed from wherever they were loaded.
#[derive(Clone, Copy, Debug, Default)]
pub struct ContactPreferences<'a> {
    /// IANA name; `None` or a name that does not parse means UTC (and a reason says so).
    pub timezone: Option<&'a str>,
    pub preferred_channel: Option<Channel>,
    pub preferred_identity_id: Option<&'a str>,
    pub best_time_to_contact: &'a [TimeWindow],
    pub do_not_contact: bool,
    pub consents: &'a [ChannelConsent],
}

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
    pub identity_id: Option<String>,
    /// Only when the contact windows are what stops contact: when the next one starts.
    pub next_window_start: Option<DateTime<Utc>>,
}

impl Decision {
    fn denied(reasons: Vec<String>) -> Self {
        Decision { allowed: false, reasons, channel: None, identity_id: None, next_window_start: None }
    }
}

/// Whether the customer may be contacted at `at` for `purpose`; see the module doc for the rules.
pub fn decide(
    prefs: &ContactPreferences,
    identities: &[ContactIdentity],
    purpose: Purpose,
    at: DateTime<Utc>,
) -> Decision {
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
        let via = if identity.channel == channel { String::new() } else { format!(", {} number", identity.channel) };
        reasons.push(format!("identity {} ({why}{via})", identity.id));
    }
    let identity_id = identity.map(|(i, _)| i.id.clone());

    if prefs.best_time_to_contact.is_empty() {
        reasons.push("no contact windows set".to_owned());
        return Decision { allowed: true, reasons, channel: Some(channel), identity_id, next_window_start: None };
    }

    let (tz, tz_note) = customer_timezone(prefs.timezone);
    reasons.extend(tz_note);
    let mut windows = Vec::with_capacity(prefs.best_time_to_contact.len());
    for (i, window) in prefs.best_time_to_contact.iter().enumerate() {
        match ParsedWindow::parse(window) {
            Some(parsed) => windows.push(parsed),
            None => {
                reasons.push(format!("ignoring invalid contact window #{} ({}–{})", i + 1, window.start, window.end))
            }
        }
    }

    match evaluate_windows(&windows, tz, at) {
        Inside(label) => {
            reasons.push(format!("inside contact window {label}"));
            Decision { allowed: true, reasons, channel: Some(channel), identity_id, next_window_start: None }
        }
        Outside(next) => {
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

/// SMS, WhatsApp and Viber reach a phone number, so a PHONE identity can stand in for them.
fn phone_identity_serves(channel: Channel) -> bool {
    matches!(channel, Channel::Sms | Channel::Whatsapp | Channel::Viber)
}

fn serves(identity: &ContactIdentity, channel: Channel) -> bool {
    identity.channel == channel || (identity.channel == Channel::Phone && phone_identity_serves(channel))
}

fn strictness(status: ConsentStatus) -> u8 {
    match status {
        ConsentStatus::OptIn => 0,
        ConsentStatus::Unknown => 1,
        ConsentStatus::OptOut => 2,
    }
}

/// The strictest consent recorded for `channel`, if any.
fn consent_for(consents: &[ChannelConsent], channel: Channel) -> Option<ConsentStatus> {
    consents.iter().filter(|c| c.channel == channel).map(|c| c.status).max_by_key(|s| strictness(*s))
}

fn candidate_channels(prefs: &ContactPreferences, identities: &[ContactIdentity]) -> Vec<Channel> {
    let primaries = identities.iter().filter(|i| i.primary);
    let others = identities.iter().filter(|i| !i.primary);
    let mut out: Vec<Channel> = prefs.preferred_channel.into_iter().collect();
    for channel in primaries.chain(others).map(|i| i.channel) {
        if !out.contains(&channel) {
            out.push(channel);
        }
    }
    out
}

/// The first usable candidate channel; skipped candidates add a reason each, the chosen one too.
fn choose_channel(
    prefs: &ContactPreferences,
    identities: &[ContactIdentity],
    purpose: Purpose,
    reasons: &mut Vec<String>,
) -> Option<Channel> {
    for channel in candidate_channels(prefs, identities) {
        let consent = consent_for(prefs.consents, channel);
        let skip = if consent == Some(ConsentStatus::OptOut) {
            Some("opted out")
        } else if !identities.iter().any(|i| serves(i, channel)) {
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
        } else if identities.iter().any(|i| i.primary && i.channel == channel) {
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
    prefs: &ContactPreferences,
    identities: &'i [ContactIdentity],
    channel: Channel,
) -> Option<(&'i ContactIdentity, &'static str)> {
    if let Some(preferred) = prefs.preferred_identity_id
        && let Some(identity) = identities.iter().find(|i| i.id == preferred && serves(i, channel))
    {
        return Some((identity, "preferred"));
    }
    let exact: Vec<&ContactIdentity> = identities.iter().filter(|i| i.channel == channel).collect();
    let pool = if exact.is_empty() { identities.iter().filter(|i| serves(i, channel)).collect() } else { exact };
    pool.iter()
        .find(|i| i.primary)
        .map(|i| (*i, "primary"))
        .or_else(|| pool.iter().find(|i| i.verified).map(|i| (*i, "verified")))
        .or_else(|| pool.first().map(|i| (*i, "first on channel")))
}

// ---------------------------------------------------------------------------------------
// Time

fn customer_timezone(raw: Option<&str>) -> (Tz, Option<String>) {
    match raw.map(str::trim) {
        None | Some("") => (Tz::UTC, Some("no timezone set; contact windows evaluated in UTC".to_owned())),
        Some(name) => match name.parse::<Tz>() {
            Ok(tz) => (tz, None),
            Err(_) => (Tz::UTC, Some(format!("unknown timezone {name:?}; contact windows evaluated in UTC"))),
        },
    }
}

/// A window with its times parsed.
struct ParsedWindow<'w> {
    days: &'w [DayOfWeek],
    start: NaiveTime,
    end: NaiveTime,
    /// `end` as written for the reasons: `24:00` stays `24:00`.
    end_label: String,
}

impl<'w> ParsedWindow<'w> {
    fn parse(window: &'w TimeWindow) -> Option<Self> {
        let start = parse_hhmm(&window.start)?;
        let end = parse_hhmm(&window.end)?;
        if start == end {
            return None;
        }
        let end_label = if window.end.trim() == "24:00" { "24:00".to_owned() } else { end.format("%H:%M").to_string() };
        Some(ParsedWindow { days: &window.days, start, end, end_label })
    }

    /// The occurrence that starts on local `date`, as UTC instants; `None` when a DST change
    /// leaves it empty.
    fn occurrence(&self, date: NaiveDate, tz: Tz) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let end_date = if self.end <= self.start { date.succ_opt()? } else { date };
        let start = resolve_local(tz, date.and_time(self.start))?;
        let end = resolve_local(tz, end_date.and_time(self.end))?;
        (start < end).then_some((start, end))
    }

    fn label(&self, day: DayOfWeek, tz: Tz) -> String {
        format!("{} {}–{} {}", day.as_str(), self.start.format("%H:%M"), self.end_label, tz.name())
    }
}

/// `HH:MM` (or `H:MM`); `24:00` is the midnight ending a day, i.e. `00:00` of the next.
fn parse_hhmm(raw: &str) -> Option<NaiveTime> {
    let raw = raw.trim();
    if raw == "24:00" {
        return Some(NaiveTime::MIN);
    }
    NaiveTime::parse_from_str(raw, "%H:%M").ok()
}

fn day_of(weekday: Weekday) -> DayOfWeek {
    match weekday {
        Weekday::Mon => DayOfWeek::Monday,
        Weekday::Tue => DayOfWeek::Tuesday,
        Weekday::Wed => DayOfWeek::Wednesday,
        Weekday::Thu => DayOfWeek::Thursday,
        Weekday::Fri => DayOfWeek::Friday,
        Weekday::Sat => DayOfWeek::Saturday,
        Weekday::Sun => DayOfWeek::Sunday,
    }
}

/// A local wall-clock time as an instant: the earlier one when the time happens twice (fall
/// back), the first instant after the gap when it does not happen at all (spring forward).
fn resolve_local(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(t) => Some(t.with_timezone(&Utc)),
        MappedLocalTime::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        MappedLocalTime::None => first_instant_after_gap(tz, local),
    }
}

/// For a local time inside a gap: the instant the clock jumps past it. Binary search for the
/// first second whose local time is at or after `local`; offsets never exceed ±26 hours, so
/// the answer lies within 36 hours of `local` read as UTC.
fn first_instant_after_gap(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let local_at = |secs: i64| DateTime::from_timestamp(secs, 0).map(|u| (u, u.with_timezone(&tz).naive_local()));
    let mid_point = local.and_utc().timestamp();
    let (mut lo, mut hi) = (mid_point - 36 * 3600, mid_point + 36 * 3600);
    // Invariant: local(lo) < `local` <= local(hi).
    if local_at(lo)?.1 >= local || local_at(hi)?.1 < local {
        return None;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if local_at(mid)?.1 >= local {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    local_at(hi).map(|(u, _)| u)
}

enum WindowCheck {
    /// Inside a window; its label.
    Inside(String),
    /// Outside every window; the next start within the search horizon.
    Outside(Option<DateTime<Utc>>),
}
use WindowCheck::{Inside, Outside};

fn evaluate_windows(windows: &[ParsedWindow], tz: Tz, at: DateTime<Utc>) -> WindowCheck {
    let today = at.with_timezone(&tz).date_naive();
    let first = today.pred_opt().unwrap_or(today);
    let horizon = at + TimeDelta::days(SEARCH_DAYS);
    let mut next: Option<DateTime<Utc>> = None;
    // From yesterday (a window crossing midnight) to a day past the horizon (DST shifts).
    for date in first.iter_days().take(SEARCH_DAYS as usize + 3) {
        let day = day_of(date.weekday());
        for window in windows.iter().filter(|w| w.days.contains(&day)) {
            let Some((start, end)) = window.occurrence(date, tz) else { continue };
            if start <= at && at < end {
                return Inside(window.label(day, tz));
            }
            if start > at && start <= horizon && next.is_none_or(|n| start < n) {
                next = Some(start);
            }
        }
    }
    Outside(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use DayOfWeek::*;

    const WEEKDAYS: [DayOfWeek; 5] = [Monday, Tuesday, Wednesday, Thursday, Friday];

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn ident(id: &str, channel: Channel, primary: bool, verified: bool) -> ContactIdentity {
        ContactIdentity { id: id.to_owned(), channel, primary, verified }
    }

    fn window(days: &[DayOfWeek], start: &str, end: &str) -> TimeWindow {
        TimeWindow { days: days.to_vec(), start: start.to_owned(), end: end.to_owned() }
    }

    fn consent(channel: Channel, status: ConsentStatus) -> ChannelConsent {
        ChannelConsent { channel, status, updated_at: t("2026-01-01T00:00:00Z"), source: None }
    }

    fn phone_and_email() -> Vec<ContactIdentity> {
        vec![ident("ph", Channel::Phone, true, true), ident("em", Channel::Email, true, true)]
    }

    /// Decision for a service contact with one phone identity and the given windows.
    fn timed(tz: Option<&str>, windows: &[TimeWindow], at: &str) -> Decision {
        let prefs = ContactPreferences { timezone: tz, best_time_to_contact: windows, ..Default::default() };
        decide(&prefs, &[ident("ph", Channel::Phone, true, true)], Purpose::Service, t(at))
    }

    fn has(decision: &Decision, reason: &str) -> bool {
        decision.reasons.iter().any(|r| r == reason)
    }

    // --- purpose ------------------------------------------------------------------------

    #[test]
    fn absent_purpose_means_service() {
        assert_eq!(Purpose::parse(None).unwrap(), Purpose::Service);
    }

    #[test]
    fn purpose_names_are_case_insensitive() {
        for name in ["service", "Collections", " TRANSACTIONAL ", "support"] {
            assert_eq!(Purpose::parse(Some(name)).unwrap(), Purpose::Service, "{name}");
        }
        for name in ["marketing", "Campaign", "SALES", "promotional"] {
            assert_eq!(Purpose::parse(Some(name)).unwrap(), Purpose::Marketing, "{name}");
        }
    }

    #[test]
    fn unknown_purpose_is_bad_user_input_on_the_purpose_field() {
        for name in ["newsletter", "", "  "] {
            let err = Purpose::parse(Some(name)).unwrap_err();
            assert_eq!((err.code(), err.field()), ("BAD_USER_INPUT", Some("purpose")), "{name:?}");
            assert!(err.to_string().contains("marketing"));
        }
    }

    // --- do-not-contact and channels ----------------------------------------------------

    #[test]
    fn do_not_contact_forbids_everything_with_one_reason() {
        let windows = [window(&WEEKDAYS, "09:00", "17:00")];
        let consents = [consent(Channel::Phone, ConsentStatus::OptIn)];
        let prefs = ContactPreferences {
            do_not_contact: true,
            preferred_channel: Some(Channel::Phone),
            best_time_to_contact: &windows,
            consents: &consents,
            ..Default::default()
        };
        let d = decide(&prefs, &phone_and_email(), Purpose::Service, t("2026-01-03T12:00:00Z"));
        assert_eq!(d, Decision::denied(vec!["do-not-contact is set".to_owned()]));
    }

    #[test]
    fn preferred_channel_opted_out_falls_back_to_the_next_usable_channel() {
        let consents = [consent(Channel::Sms, ConsentStatus::OptOut)];
        let prefs =
            ContactPreferences { preferred_channel: Some(Channel::Sms), consents: &consents, ..Default::default() };
        let d = decide(&prefs, &phone_and_email(), Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert!(d.allowed);
        assert_eq!((d.channel, d.identity_id.as_deref()), (Some(Channel::Phone), Some("ph")));
        assert_eq!(d.reasons[0], "SMS: opted out");
        assert!(has(&d, "channel PHONE (primary identity)"));
    }

    #[test]
    fn preferred_channel_without_an_identity_is_skipped() {
        let prefs = ContactPreferences { preferred_channel: Some(Channel::Telegram), ..Default::default() };
        let d = decide(&prefs, &[ident("em", Channel::Email, true, true)], Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert_eq!(d.channel, Some(Channel::Email));
        assert_eq!(d.reasons[0], "TELEGRAM: no identity");
    }

    #[test]
    fn preferred_channel_is_used_and_said_so() {
        let prefs = ContactPreferences { preferred_channel: Some(Channel::Email), ..Default::default() };
        let d = decide(&prefs, &phone_and_email(), Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert_eq!(d.channel, Some(Channel::Email));
        assert_eq!(d.reasons, ["channel EMAIL (preferred)", "identity em (primary)", "no contact windows set"]);
    }

    #[test]
    fn without_a_preference_primary_identities_come_first() {
        let identities = [ident("em", Channel::Email, false, true), ident("ph", Channel::Phone, true, false)];
        let d = decide(&ContactPreferences::default(), &identities, Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert_eq!((d.channel, d.identity_id.as_deref()), (Some(Channel::Phone), Some("ph")));
    }

    #[test]
    fn marketing_needs_an_explicit_opt_in() {
        let consents = [consent(Channel::Phone, ConsentStatus::Unknown), consent(Channel::Email, ConsentStatus::OptIn)];
        let prefs =
            ContactPreferences { preferred_channel: Some(Channel::Phone), consents: &consents, ..Default::default() };
        let at = t("2026-01-05T10:00:00Z");

        let marketing = decide(&prefs, &phone_and_email(), Purpose::Marketing, at);
        assert!(marketing.allowed);
        assert_eq!(marketing.channel, Some(Channel::Email));
        assert_eq!(marketing.reasons[0], "PHONE: no marketing consent");

        let service = decide(&prefs, &phone_and_email(), Purpose::Service, at);
        assert_eq!(service.channel, Some(Channel::Phone));
    }

    #[test]
    fn marketing_without_any_opt_in_is_refused_without_a_next_window() {
        let windows = [window(&WEEKDAYS, "09:00", "17:00")];
        let prefs = ContactPreferences { best_time_to_contact: &windows, ..Default::default() };
        let d = decide(&prefs, &phone_and_email(), Purpose::Marketing, t("2026-01-03T12:00:00Z"));
        assert!(!d.allowed);
        assert_eq!((d.channel, d.identity_id.clone(), d.next_window_start), (None, None, None));
        assert_eq!(
            d.reasons,
            ["PHONE: no marketing consent", "EMAIL: no marketing consent", "no usable channel for marketing contact"]
        );
    }

    #[test]
    fn opted_out_everywhere_is_refused_even_for_service() {
        let consents = [consent(Channel::Phone, ConsentStatus::OptOut), consent(Channel::Email, ConsentStatus::OptOut)];
        let prefs = ContactPreferences { consents: &consents, ..Default::default() };
        let d = decide(&prefs, &phone_and_email(), Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert!(!d.allowed);
        assert_eq!(d.reasons, ["PHONE: opted out", "EMAIL: opted out", "no usable channel for service contact"]);
    }

    #[test]
    fn a_customer_without_identities_cannot_be_contacted() {
        let d = decide(&ContactPreferences::default(), &[], Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert_eq!(d, Decision::denied(vec!["no usable channel for service contact".to_owned()]));
    }

    #[test]
    fn the_strictest_of_several_consents_for_a_channel_counts() {
        let consents = [consent(Channel::Email, ConsentStatus::OptIn), consent(Channel::Email, ConsentStatus::OptOut)];
        let prefs = ContactPreferences { consents: &consents, ..Default::default() };
        let d = decide(&prefs, &[ident("em", Channel::Email, true, true)], Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert!(!d.allowed);
        assert_eq!(d.reasons[0], "EMAIL: opted out");
    }

    #[test]
    fn sms_uses_a_phone_identity() {
        let consents = [consent(Channel::Sms, ConsentStatus::OptIn)];
        let prefs =
            ContactPreferences { preferred_channel: Some(Channel::Sms), consents: &consents, ..Default::default() };
        let d = decide(&prefs, &phone_and_email(), Purpose::Marketing, t("2026-01-05T10:00:00Z"));
        assert!(d.allowed);
        assert_eq!((d.channel, d.identity_id.as_deref()), (Some(Channel::Sms), Some("ph")));
        assert!(has(&d, "identity ph (primary, PHONE number)"));
    }

    #[test]
    fn phone_consent_does_not_stand_in_for_sms_consent() {
        let consents = [consent(Channel::Phone, ConsentStatus::OptIn)];
        let prefs = ContactPreferences {
            preferred_channel: Some(Channel::Whatsapp),
            consents: &consents,
            ..Default::default()
        };
        let d = decide(&prefs, &phone_and_email(), Purpose::Marketing, t("2026-01-05T10:00:00Z"));
        assert_eq!(d.channel, Some(Channel::Phone));
        assert_eq!(d.reasons[0], "WHATSAPP: no marketing consent");
    }

    #[test]
    fn an_identity_on_the_channel_itself_beats_a_phone_identity() {
        let identities = [ident("ph", Channel::Phone, true, true), ident("wa", Channel::Whatsapp, false, false)];
        let prefs = ContactPreferences { preferred_channel: Some(Channel::Whatsapp), ..Default::default() };
        let d = decide(&prefs, &identities, Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert_eq!((d.channel, d.identity_id.as_deref()), (Some(Channel::Whatsapp), Some("wa")));
    }

    #[test]
    fn preferred_identity_is_chosen_on_the_chosen_channel() {
        let identities = [ident("em1", Channel::Email, true, true), ident("em2", Channel::Email, false, false)];
        let prefs = ContactPreferences { preferred_identity_id: Some("em2"), ..Default::default() };
        let d = decide(&prefs, &identities, Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert_eq!(d.identity_id.as_deref(), Some("em2"));
        assert!(has(&d, "identity em2 (preferred)"));
    }

    #[test]
    fn a_preferred_phone_identity_serves_sms() {
        let identities = [
            ident("sms", Channel::Sms, true, true),
            ident("ph1", Channel::Phone, true, true),
            ident("ph2", Channel::Phone, false, false),
        ];
        let prefs = ContactPreferences {
            preferred_channel: Some(Channel::Sms),
            preferred_identity_id: Some("ph2"),
            ..Default::default()
        };
        let d = decide(&prefs, &identities, Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert_eq!((d.channel, d.identity_id.as_deref()), (Some(Channel::Sms), Some("ph2")));
    }

    #[test]
    fn a_preferred_identity_on_another_channel_is_ignored() {
        let prefs = ContactPreferences {
            preferred_channel: Some(Channel::Email),
            preferred_identity_id: Some("ph"),
            ..Default::default()
        };
        let d = decide(&prefs, &phone_and_email(), Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert_eq!((d.channel, d.identity_id.as_deref()), (Some(Channel::Email), Some("em")));
    }

    #[test]
    fn without_a_primary_the_first_verified_identity_then_the_first_is_used() {
        let verified = [ident("a", Channel::Email, false, false), ident("b", Channel::Email, false, true)];
        let d = decide(&ContactPreferences::default(), &verified, Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert_eq!(d.identity_id.as_deref(), Some("b"));
        assert!(has(&d, "identity b (verified)"));

        let unverified = [ident("a", Channel::Email, false, false), ident("b", Channel::Email, false, false)];
        let d = decide(&ContactPreferences::default(), &unverified, Purpose::Service, t("2026-01-05T10:00:00Z"));
        assert_eq!(d.identity_id.as_deref(), Some("a"));
        assert!(has(&d, "identity a (first on channel)"));
    }

    // --- windows (Asia/Karachi is UTC+5 all year) ----------------------------------------

    const KARACHI: Option<&str> = Some("Asia/Karachi");

    #[test]
    fn inside_a_window_is_allowed_with_the_window_named() {
        // Monday 2026-01-05 10:00 PKT.
        let d = timed(KARACHI, &[window(&WEEKDAYS, "09:00", "17:00")], "2026-01-05T05:00:00Z");
        assert!(d.allowed);
        assert_eq!(d.next_window_start, None);
        assert_eq!(
            d.reasons,
            [
                "channel PHONE (primary identity)",
                "identity ph (primary)",
                "inside contact window MONDAY 09:00–17:00 Asia/Karachi"
            ]
        );
    }

    #[test]
    fn a_window_includes_its_start_and_excludes_its_end() {
        let windows = [window(&[Monday], "09:00", "17:00")];
        assert!(timed(KARACHI, &windows, "2026-01-05T04:00:00Z").allowed);
        assert!(!timed(KARACHI, &windows, "2026-01-05T12:00:00Z").allowed);
    }

    #[test]
    fn outside_the_windows_is_refused_but_says_which_channel_and_identity_would_be_used() {
        // Monday 07:00 PKT: the window opens at 09:00 PKT = 04:00Z, later today.
        let d = timed(KARACHI, &[window(&WEEKDAYS, "09:00", "17:00")], "2026-01-05T02:00:00Z");
        assert!(!d.allowed);
        assert_eq!((d.channel, d.identity_id.as_deref()), (Some(Channel::Phone), Some("ph")));
        assert_eq!(d.next_window_start, Some(t("2026-01-05T04:00:00Z")));
        assert!(has(&d, "outside the customer's contact windows"));
        assert!(has(&d, "next contact window starts MONDAY 09:00 Asia/Karachi"));
    }

    #[test]
    fn after_the_window_closes_the_next_one_is_tomorrow() {
        // Monday 18:00 PKT.
        let d = timed(KARACHI, &[window(&WEEKDAYS, "09:00", "17:00")], "2026-01-05T13:00:00Z");
        assert_eq!(d.next_window_start, Some(t("2026-01-06T04:00:00Z")));
    }

    #[test]
    fn on_friday_evening_the_next_window_is_after_the_weekend() {
        // Friday 2026-01-09 18:00 PKT; Saturday noon too.
        let windows = [window(&WEEKDAYS, "09:00", "17:00")];
        assert_eq!(timed(KARACHI, &windows, "2026-01-09T13:00:00Z").next_window_start, Some(t("2026-01-12T04:00:00Z")));
        assert_eq!(timed(KARACHI, &windows, "2026-01-10T07:00:00Z").next_window_start, Some(t("2026-01-12T04:00:00Z")));
    }

    #[test]
    fn the_earliest_of_several_windows_is_the_next() {
        let windows = [window(&[Tuesday], "09:00", "12:00"), window(&[Monday], "18:00", "20:00")];
        let d = timed(KARACHI, &windows, "2026-01-05T05:00:00Z"); // Monday 10:00 PKT
        assert_eq!(d.next_window_start, Some(t("2026-01-05T13:00:00Z")));
    }

    #[test]
    fn a_weekly_window_just_missed_is_found_seven_days_later() {
        // Monday 17:00 PKT exactly: the window closed; the next Monday is within the 8-day search.
        let d = timed(KARACHI, &[window(&[Monday], "09:00", "17:00")], "2026-01-05T12:00:00Z");
        assert_eq!(d.next_window_start, Some(t("2026-01-12T04:00:00Z")));
    }

    #[test]
    fn a_window_crossing_midnight_is_open_after_midnight_on_the_next_day() {
        // Friday 23:00 → Saturday 01:00 in London (GMT in January); Saturday 00:30 local.
        let windows = [window(&[Friday], "23:00", "01:00")];
        let d = timed(Some("Europe/London"), &windows, "2026-01-10T00:30:00Z");
        assert!(d.allowed, "{:?}", d.reasons);
        assert!(has(&d, "inside contact window FRIDAY 23:00–01:00 Europe/London"));
    }

    #[test]
    fn a_window_crossing_midnight_closes_at_its_end_and_opens_again_next_week() {
        let windows = [window(&[Friday], "23:00", "01:00")];
        let closed = timed(Some("Europe/London"), &windows, "2026-01-10T01:00:00Z");
        assert!(!closed.allowed);
        assert_eq!(closed.next_window_start, Some(t("2026-01-16T23:00:00Z")));
        let before = timed(Some("Europe/London"), &windows, "2026-01-09T22:59:00Z");
        assert_eq!(before.next_window_start, Some(t("2026-01-09T23:00:00Z")));
    }

    #[test]
    fn a_window_crossing_midnight_in_the_customers_timezone_not_in_utc() {
        // Karachi Friday 23:00 → Saturday 01:00 is 18:00Z → 20:00Z on Friday.
        let windows = [window(&[Friday], "23:00", "01:00")];
        assert!(timed(KARACHI, &windows, "2026-01-09T19:30:00Z").allowed);
        assert!(!timed(KARACHI, &windows, "2026-01-09T23:30:00Z").allowed);
    }

    #[test]
    fn an_end_of_24_00_or_00_00_is_the_midnight_ending_the_day() {
        for end in ["24:00", "00:00"] {
            let windows = [window(&[Sunday], "20:00", end)];
            // Sunday 2026-01-11 23:59 UTC is inside, Monday 00:00 is not.
            assert!(timed(Some("UTC"), &windows, "2026-01-11T23:59:00Z").allowed, "{end}");
            assert!(!timed(Some("UTC"), &windows, "2026-01-12T00:00:00Z").allowed, "{end}");
        }
        let d = timed(Some("UTC"), &[window(&[Sunday], "20:00", "24:00")], "2026-01-11T21:00:00Z");
        assert!(has(&d, "inside contact window SUNDAY 20:00–24:00 UTC"));
    }

    #[test]
    fn no_windows_means_any_time_is_fine() {
        let d = timed(KARACHI, &[], "2026-01-04T22:00:00Z");
        assert!(d.allowed);
        assert!(has(&d, "no contact windows set"));
    }

    #[test]
    fn invalid_windows_are_ignored_with_a_reason() {
        let windows = [window(&[Monday], "9am", "17:00"), window(&[Monday], "10:00", "10:00")];
        let d = timed(KARACHI, &windows, "2026-01-05T05:00:00Z");
        assert!(!d.allowed);
        assert_eq!(d.next_window_start, None);
        assert!(has(&d, "ignoring invalid contact window #1 (9am–17:00)"));
        assert!(has(&d, "ignoring invalid contact window #2 (10:00–10:00)"));
    }

    #[test]
    fn unknown_timezone_falls_back_to_utc_with_a_reason() {
        let windows = [window(&[Monday], "09:00", "17:00")];
        let d = timed(Some("Mars/Olympus_Mons"), &windows, "2026-01-05T08:30:00Z");
        assert!(!d.allowed);
        assert_eq!(d.next_window_start, Some(t("2026-01-05T09:00:00Z")));
        assert!(has(&d, r#"unknown timezone "Mars/Olympus_Mons"; contact windows evaluated in UTC"#));
        assert!(timed(Some("Mars/Olympus_Mons"), &windows, "2026-01-05T09:00:00Z").allowed);
    }

    #[test]
    fn missing_timezone_means_utc_with_a_reason() {
        let d = timed(None, &[window(&[Monday], "09:00", "17:00")], "2026-01-05T09:30:00Z");
        assert!(d.allowed);
        assert!(has(&d, "no timezone set; contact windows evaluated in UTC"));
        assert!(has(&d, "inside contact window MONDAY 09:00–17:00 UTC"));
    }

    // --- DST ----------------------------------------------------------------------------

    const LONDON: Option<&str> = Some("Europe/London");
    const NEW_YORK: Option<&str> = Some("America/New_York");

    #[test]
    fn london_monday_09_00_after_spring_forward_is_08_00_utc() {
        // Saturday 2026-03-28 (GMT); clocks go forward on Sunday 03-29.
        let d = timed(LONDON, &[window(&[Monday], "09:00", "17:00")], "2026-03-28T12:00:00Z");
        assert_eq!(d.next_window_start, Some(t("2026-03-30T08:00:00Z")));
    }

    #[test]
    fn london_monday_09_00_after_fall_back_is_09_00_utc() {
        // Saturday 2026-10-24 (BST); clocks go back on Sunday 10-25.
        let d = timed(LONDON, &[window(&[Monday], "09:00", "17:00")], "2026-10-24T12:00:00Z");
        assert_eq!(d.next_window_start, Some(t("2026-10-26T09:00:00Z")));
    }

    #[test]
    fn london_window_membership_follows_summer_time() {
        let windows = [window(&[Monday], "09:00", "17:00")];
        // Monday 2026-03-30, BST: 08:30Z is 09:30 local (inside), 16:30Z is 17:30 local (outside).
        assert!(timed(LONDON, &windows, "2026-03-30T08:30:00Z").allowed);
        let late = timed(LONDON, &windows, "2026-03-30T16:30:00Z");
        assert!(!late.allowed);
        assert_eq!(late.next_window_start, Some(t("2026-04-06T08:00:00Z")));
    }

    #[test]
    fn new_york_monday_09_00_after_spring_forward_is_13_00_utc() {
        // Saturday 2026-03-07 (EST); clocks go forward on Sunday 03-08.
        let d = timed(NEW_YORK, &[window(&[Monday], "09:00", "17:00")], "2026-03-07T12:00:00Z");
        assert_eq!(d.next_window_start, Some(t("2026-03-09T13:00:00Z")));
    }

    #[test]
    fn new_york_monday_09_00_after_fall_back_is_14_00_utc() {
        // Saturday 2026-10-31 (EDT); clocks go back on Sunday 11-01.
        let d = timed(NEW_YORK, &[window(&[Monday], "09:00", "17:00")], "2026-10-31T12:00:00Z");
        assert_eq!(d.next_window_start, Some(t("2026-11-02T14:00:00Z")));
    }

    #[test]
    fn new_york_window_starting_in_the_spring_forward_gap_moves_to_03_00_local() {
        // 02:30 does not exist on 2026-03-08 in New York: it starts at 03:00 EDT = 07:00Z.
        let windows = [window(&[Sunday], "02:30", "05:00")];
        let d = timed(NEW_YORK, &windows, "2026-03-08T05:00:00Z");
        assert_eq!(d.next_window_start, Some(t("2026-03-08T07:00:00Z")));
        assert!(has(&d, "next contact window starts SUNDAY 03:00 America/New_York"));
        assert!(timed(NEW_YORK, &windows, "2026-03-08T07:00:00Z").allowed);
    }

    #[test]
    fn new_york_window_starting_01_30_on_the_spring_forward_day_is_before_the_gap() {
        // 01:30 EST still exists that morning (the gap is 02:00–03:00): 06:30Z.
        let d = timed(NEW_YORK, &[window(&[Sunday], "01:30", "05:00")], "2026-03-08T05:00:00Z");
        assert_eq!(d.next_window_start, Some(t("2026-03-08T06:30:00Z")));
    }

    #[test]
    fn london_window_starting_01_30_on_the_spring_forward_day_moves_to_02_00_local() {
        // London skips 01:00–02:00 GMT on 2026-03-29: 01:30 becomes 02:00 BST = 01:00Z.
        let d = timed(LONDON, &[window(&[Sunday], "01:30", "04:00")], "2026-03-28T23:00:00Z");
        assert_eq!(d.next_window_start, Some(t("2026-03-29T01:00:00Z")));
        assert!(has(&d, "next contact window starts SUNDAY 02:00 Europe/London"));
    }

    #[test]
    fn a_window_entirely_inside_the_gap_does_not_occur_that_day() {
        let windows = [window(&[Sunday], "02:10", "02:50")];
        let d = timed(NEW_YORK, &windows, "2026-03-08T05:00:00Z");
        assert!(!d.allowed);
        // The next Sunday, 02:10 EDT = 06:10Z.
        assert_eq!(d.next_window_start, Some(t("2026-03-15T06:10:00Z")));
    }

    #[test]
    fn an_ambiguous_fall_back_start_uses_the_earlier_instant() {
        // 01:30 happens twice on 2026-11-01 in New York: 05:30Z (EDT) first.
        let d = timed(NEW_YORK, &[window(&[Sunday], "01:30", "03:00")], "2026-11-01T04:00:00Z");
        assert_eq!(d.next_window_start, Some(t("2026-11-01T05:30:00Z")));
        // And in London on 2026-10-25: 00:30Z (BST) first.
        let d = timed(LONDON, &[window(&[Sunday], "01:30", "03:00")], "2026-10-24T23:00:00Z");
        assert_eq!(d.next_window_start, Some(t("2026-10-25T00:30:00Z")));
    }

    #[test]
    fn a_window_spanning_the_fall_back_hour_lasts_an_hour_longer_in_utc() {
        // Sunday 00:00–04:00 in New York on 2026-11-01 is 04:00Z–09:00Z.
        let windows = [window(&[Sunday], "00:00", "04:00")];
        assert!(timed(NEW_YORK, &windows, "2026-11-01T08:30:00Z").allowed);
        assert!(!timed(NEW_YORK, &windows, "2026-11-01T09:00:00Z").allowed);
    }

    #[test]
    fn a_window_crossing_midnight_across_a_dst_change_ends_at_local_time() {
        // Saturday 2026-03-28 22:00 → Sunday 03:00 London: 22:00Z → 02:00Z (BST from 01:00Z).
        let windows = [window(&[Saturday], "22:00", "03:00")];
        assert!(timed(LONDON, &windows, "2026-03-29T01:30:00Z").allowed);
        assert!(!timed(LONDON, &windows, "2026-03-29T02:00:00Z").allowed);
    }

    #[test]
    fn the_gap_search_finds_the_exact_transition_even_for_a_skipped_day() {
        // Samoa skipped Friday 2011-12-30 entirely: 23:59:59 on the 29th (UTC-10) was followed
        // by 00:00 on the 31st (UTC+14), at 2011-12-30T10:00Z.
        let apia: Tz = "Pacific/Apia".parse().unwrap();
        let skipped = NaiveDate::from_ymd_opt(2011, 12, 30).unwrap().and_hms_opt(9, 0, 0).unwrap();
        assert_eq!(resolve_local(apia, skipped), Some(t("2011-12-30T10:00:00Z")));
        let ny: Tz = "America/New_York".parse().unwrap();
        let gap = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap().and_hms_opt(2, 0, 0).unwrap();
        assert_eq!(resolve_local(ny, gap), Some(t("2026-03-08T07:00:00Z")));
    }
}
