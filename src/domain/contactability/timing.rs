//! The checks in time, once a channel and identity are chosen: the customer's own contact
//! windows, the statutory calling hours of the number's country, and the frequency caps.
//! Each must hold at the decision time; when one does not, the next instant at which all of
//! them hold (within [`HORIZON_DAYS`]) is searched.

use super::calling::{CallingRules, CountryRules, HoursCheck, phone_country};
use super::codes::ReasonCode;
use super::outbound::{Profile, Why};
use super::policy::PurposePolicy;
use super::windows::{WindowCheck, customer_timezone, day_of, evaluate_windows};
use super::{Decision, TimeWindow};
use crate::domain::Channel;
use crate::domain::identity::Identity;
use chrono::{DateTime, Datelike, TimeDelta, Utc};
use chrono_tz::Tz;

/// How far ahead the next permitted instant is searched.
const HORIZON_DAYS: i64 = 8;

enum Constraint<'a> {
    Windows(Vec<&'a TimeWindow>, Vec<Tz>),
    Hours(&'a CountryRules, Vec<Tz>),
    Caps,
}

/// Whether `at` passes, with what to say, and (when it does not) the next start.
struct Outcome {
    pass: bool,
    code: ReasonCode,
    reason: String,
    next: Option<DateTime<Utc>>,
}

pub(super) fn decide_time(
    profile: &Profile,
    purpose: &PurposePolicy,
    calling: &CallingRules,
    channel: Channel,
    identity: Option<&Identity>,
    at: DateTime<Utc>,
    mut why: Why,
) -> Decision {
    let prefs = &profile.prefs;
    let country = identity
        .filter(|i| i.spec.channel.is_phone_based())
        .and_then(|i| phone_country(i.spec.value.expose()))
        .map(|c| (calling.countries.get(&c), c));
    let hours_apply = purpose.calling_hours && channel.is_phone_based();
    let mut constraints = Vec::new();

    // The timezone: the profile's, else the number's country's (all of them), else UTC.
    let windows_set = !prefs.best_time_to_contact.is_empty();
    let (profile_tz, note) = customer_timezone(prefs.timezone.as_deref());
    let derived = match (&note, &country) {
        (Some(_), Some((Some(rules), code))) => Some((rules.timezones.clone(), code.clone())),
        _ => None,
    };
    let tzs = match (&note, &derived) {
        (None, _) => vec![profile_tz],
        (Some(_), Some((tzs, _))) => tzs.clone(),
        (Some(_), None) => vec![Tz::UTC],
    };
    if windows_set || hours_apply {
        match (&note, &derived) {
            (None, _) => {}
            (Some(_), Some((tzs, code))) => {
                let names: Vec<&str> = tzs.iter().map(|t| t.name()).collect();
                let all = if tzs.len() > 1 { " (every one of them must allow contact)" } else { "" };
                why.push(
                    ReasonCode::TimezoneDerived,
                    format!(
                        "no timezone set; derived from the phone number's country {code}: {}{all}",
                        names.join(", ")
                    ),
                );
            }
            (Some(note), None) => why.push(ReasonCode::TimezoneUnknown, note.clone()),
        }
    }
    if windows_set {
        let mut windows = Vec::new();
        for (i, window) in prefs.best_time_to_contact.iter().enumerate() {
            if window.start == window.end {
                why.reasons.push(format!("ignoring empty contact window #{}", i + 1));
            } else {
                windows.push(window);
            }
        }
        constraints.push(Constraint::Windows(windows, tzs.clone()));
    } else {
        why.push(ReasonCode::NoContactWindows, "no contact windows set");
    }
    if hours_apply {
        match &country {
            Some((Some(rules), _)) if !rules.hours.is_empty() => {
                let hours_tzs = if note.is_none() { vec![profile_tz] } else { rules.timezones.clone() };
                constraints.push(Constraint::Hours(rules, hours_tzs));
            }
            Some((_, code)) => why.push(ReasonCode::NoCallingRules, format!("no calling hours configured for {code}")),
            None => why.push(ReasonCode::NoCallingRules, "the number's country is unknown; no calling hours applied"),
        }
    }
    if purpose.caps.per_day.is_some() || purpose.caps.per_week.is_some() {
        constraints.push(Constraint::Caps);
    }

    let mut allowed = true;
    for c in &constraints {
        let o = evaluate(c, profile, purpose, at);
        allowed &= o.pass;
        why.push(o.code, o.reason);
    }
    let identity_id = identity.map(|i| i.id.clone());
    let mut decision = Decision {
        allowed,
        reasons: why.reasons,
        codes: why.codes,
        channel: Some(channel),
        identity_id,
        next_window_start: None,
    };
    if !allowed {
        decision.next_window_start = next_start(&constraints, profile, purpose, at);
        if let Some(next) = decision.next_window_start {
            let local = next.with_timezone(&tzs[0]);
            decision.reasons.push(format!(
                "next contact window starts {} {} {}",
                day_of(local.weekday()).as_str(),
                local.format("%H:%M"),
                tzs[0].name()
            ));
        }
    }
    decision
}

/// The earliest instant after `at` at which every constraint holds, within the horizon.
fn next_start(
    constraints: &[Constraint<'_>],
    profile: &Profile,
    purpose: &PurposePolicy,
    at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let horizon = at + TimeDelta::days(HORIZON_DAYS);
    let mut t = at;
    // Each round moves `t` forward to some constraint's next start; a few dozen rounds
    // cover any realistic mix of windows, hours and caps within the horizon.
    'rounds: for _ in 0..64 {
        for c in constraints {
            let o = evaluate(c, profile, purpose, t);
            if !o.pass {
                match o.next {
                    Some(n) if n > t && n <= horizon => {
                        t = n;
                        continue 'rounds;
                    }
                    _ => return None,
                }
            }
        }
        return (t > at).then_some(t);
    }
    None
}

fn evaluate(c: &Constraint<'_>, profile: &Profile, purpose: &PurposePolicy, at: DateTime<Utc>) -> Outcome {
    match c {
        Constraint::Windows(windows, tzs) => {
            let mut labels = Vec::new();
            for tz in tzs {
                match evaluate_windows(windows, *tz, at) {
                    WindowCheck::Inside(label) => labels.push(label),
                    WindowCheck::Outside(n) => {
                        let reason = "outside the customer's contact windows".to_owned();
                        return Outcome { pass: false, code: ReasonCode::OutsideContactWindow, reason, next: n };
                    }
                }
            }
            let reason = format!("inside contact window {}", labels.join(", "));
            Outcome { pass: true, code: ReasonCode::InsideContactWindow, reason, next: None }
        }
        Constraint::Hours(rules, tzs) => {
            for tz in tzs {
                match rules.check(*tz, at) {
                    HoursCheck::Inside => {}
                    HoursCheck::Holiday(date, next) => {
                        let reason = format!("public holiday in {} ({date}): no calls", rules.country);
                        return Outcome { pass: false, code: ReasonCode::PublicHoliday, reason, next };
                    }
                    HoursCheck::Outside(next) => {
                        let reason = format!("outside the calling hours of {} ({})", rules.country, tz.name());
                        return Outcome { pass: false, code: ReasonCode::OutsideCallingHours, reason, next };
                    }
                }
            }
            let reason = format!("inside the calling hours of {}", rules.country);
            Outcome { pass: true, code: ReasonCode::InsideCallingHours, reason, next: None }
        }
        Constraint::Caps => match purpose.caps.check(&profile.attempts, &purpose.name, at) {
            None => Outcome {
                pass: true,
                code: ReasonCode::UnderCaps,
                reason: format!("under the {} attempt caps", purpose.name),
                next: None,
            },
            Some(cap) => {
                let (code, period) = if cap.weekly {
                    (ReasonCode::WeeklyCapReached, "7 days")
                } else {
                    (ReasonCode::DailyCapReached, "24 hours")
                };
                let reason =
                    format!("{} {} attempts in the last {period} (at most {})", cap.count, purpose.name, cap.max);
                Outcome { pass: false, code, reason, next: Some(cap.frees_at) }
            }
        },
    }
}
