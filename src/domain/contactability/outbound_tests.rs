//! The whole decision, one rule at a time and combined: consent records, suppression,
//! shared and unverified exclusion, calling hours with derived timezones, caps.

use super::*;
use crate::domain::Pii;
use crate::domain::enums::{ConsentStatus, DayOfWeek};
use crate::domain::id::CustomerId;
use crate::domain::identity::IdentitySpec;
use crate::domain::preference::parse_hhmm;
use ReasonCode::*;
use caps::Attempt;
use consent::{ConsentProof, ConsentRecord};
use policy::Policy;
use suppression::{ListHit, Suppression};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn phone(id: &str, number: &str, verified: bool, shared: bool) -> Identity {
    Identity {
        id: IdentityId::from_stored(id.to_owned()),
        customer_id: CustomerId::from_stored("c".to_owned()),
        spec: IdentitySpec {
            channel: Channel::Phone,
            provider: None,
            value: Pii::new(number),
            verified,
            primary: true,
            shared,
        },
        created_at: t("2026-01-01T00:00:00Z"),
    }
}

fn consent(
    identity: Option<&str>,
    purpose: &str,
    status: ConsentStatus,
    given: &str,
    expires: Option<&str>,
) -> ConsentRecord {
    ConsentRecord {
        id: given.to_owned(),
        customer_id: CustomerId::from_stored("c".to_owned()),
        channel: Channel::Phone,
        identity_id: identity.map(|i| IdentityId::from_stored(i.to_owned())),
        purpose: purpose.to_owned(),
        status,
        proof: ConsentProof::default(),
        principal: Some("agent".into()),
        given_at: t(given),
        expires_at: expires.map(t),
        recorded_at: t(given),
    }
}

const UK: &str = "+447400123456";
const PK: &str = "+923001234567";
const US: &str = "+12124567890";
/// A Tuesday, 11:00 in London (BST), 15:00 in Karachi, 06:00 in New York.
const TUE: &str = "2026-06-02T10:00:00Z";

fn profile(number: &str) -> Profile {
    Profile {
        customer_id: Some(CustomerId::from_stored("c".to_owned())),
        identities: vec![phone("ph", number, true, false)],
        consents: vec![consent(None, "marketing", ConsentStatus::OptIn, "2026-01-01T00:00:00Z", None)],
        ..Default::default()
    }
}

fn decide_as(p: &Profile, purpose: &str, at: &str) -> Decision {
    let policy = Policy::built_in().unwrap();
    decide_for(p, policy.purpose("purpose", purpose).unwrap(), &policy.calling, t(at))
}

/// One rule changed from an allowed baseline: `(name, change, purpose, at, allowed, code)`.
type Case = (&'static str, fn(&mut Profile), &'static str, &'static str, bool, ReasonCode);

#[test]
fn each_rule_alone_follows_the_table() {
    let cases: Vec<Case> = vec![
        ("the baseline is allowed", |_| {}, "marketing", TUE, true, ConsentGiven),
        ("do-not-contact", |p| p.prefs.do_not_contact = true, "marketing", TUE, false, DoNotContact),
        (
            "a marketing opt-out record",
            |p| p.consents.push(consent(None, "marketing", ConsentStatus::OptOut, "2026-02-01T00:00:00Z", None)),
            "marketing",
            TUE,
            false,
            OptedOut,
        ),
        ("no marketing consent", |p| p.consents.clear(), "marketing", TUE, false, NoConsent),
        ("service needs no opt-in", |p| p.consents.clear(), "service", TUE, true, NoContactWindows),
        (
            "an expired opt-in",
            |p| {
                p.consents = vec![consent(
                    None,
                    "marketing",
                    ConsentStatus::OptIn,
                    "2026-01-01T00:00:00Z",
                    Some("2026-05-01T00:00:00Z"),
                )]
            },
            "marketing",
            TUE,
            false,
            ConsentExpired,
        ),
        (
            "a per-identity opt-in over a channel-wide opt-out",
            |p| {
                p.consents = vec![
                    consent(None, "marketing", ConsentStatus::OptOut, "2026-01-01T00:00:00Z", None),
                    consent(Some("ph"), "marketing", ConsentStatus::OptIn, "2026-02-01T00:00:00Z", None),
                ]
            },
            "marketing",
            TUE,
            true,
            ConsentGiven,
        ),
        (
            "a per-identity opt-out under a channel-wide opt-in",
            |p| p.consents.push(consent(Some("ph"), "marketing", ConsentStatus::OptOut, "2026-02-01T00:00:00Z", None)),
            "marketing",
            TUE,
            false,
            OptedOut,
        ),
        (
            "the preferences' channel consent is a default",
            |p| {
                p.consents.clear();
                p.prefs.consents = vec![crate::domain::preference::ChannelConsent {
                    channel: Channel::Phone,
                    status: ConsentStatus::OptIn,
                    updated_at: t("2026-01-01T00:00:00Z"),
                    source: None,
                }];
            },
            "marketing",
            TUE,
            true,
            ConsentGiven,
        ),
        (
            "a suppression of every channel",
            |p| p.suppressions.push(suppressed(None, None)),
            "service",
            TUE,
            false,
            Suppressed,
        ),
        (
            "a suppression of the channel for the purpose",
            |p| p.suppressions.push(suppressed(Some(Channel::Phone), Some("marketing"))),
            "marketing",
            TUE,
            false,
            Suppressed,
        ),
        (
            "a suppression for another purpose",
            |p| p.suppressions.push(suppressed(Some(Channel::Phone), Some("collections"))),
            "marketing",
            TUE,
            true,
            ConsentGiven,
        ),
        ("a suppression list hit", |p| p.listed.push(listed(&[])), "service", TUE, false, SuppressionListed),
        (
            "a list for marketing only",
            |p| p.listed.push(listed(&["marketing"])),
            "service",
            TUE,
            true,
            NoContactWindows,
        ),
        ("a shared identity", |p| p.identities[0].spec.shared = true, "service", TUE, false, SharedExcluded),
        (
            "an unverified identity",
            |p| p.identities[0].spec.verified = false,
            "service",
            TUE,
            false,
            UnverifiedExcluded,
        ),
        ("GB calling hours: 07:00 BST", |_| {}, "marketing", "2026-06-02T06:00:00Z", false, OutsideCallingHours),
        ("GB calling hours do not apply to service", |_| {}, "service", "2026-06-02T06:00:00Z", true, NoContactWindows),
        ("GB bank holiday", |_| {}, "marketing", "2026-05-25T10:00:00Z", false, PublicHoliday),
        ("GB timezone derived", |_| {}, "marketing", TUE, true, TimezoneDerived),
        (
            "a profile timezone is not derived",
            |p| p.prefs.timezone = Some("Europe/London".into()),
            "marketing",
            TUE,
            true,
            InsideCallingHours,
        ),
        (
            "the daily cap",
            |p| p.attempts.push(attempt("2026-06-02T08:00:00Z", None)),
            "marketing",
            TUE,
            false,
            DailyCapReached,
        ),
        (
            "the weekly cap",
            |p| {
                for day in ["2026-05-28T08:00:00Z", "2026-05-30T08:00:00Z", "2026-06-01T08:00:00Z"] {
                    p.attempts.push(attempt(day, Some("marketing")));
                }
            },
            "marketing",
            TUE,
            false,
            WeeklyCapReached,
        ),
        (
            "attempts for another purpose",
            |p| p.attempts.push(attempt("2026-06-02T08:00:00Z", Some("collections"))),
            "marketing",
            TUE,
            true,
            UnderCaps,
        ),
        (
            "outside the customer's windows",
            |p| p.prefs.best_time_to_contact = vec![window("18:00", "20:00")],
            "service",
            TUE,
            false,
            OutsideContactWindow,
        ),
    ];
    for (name, change, purpose, at, allowed, code) in cases {
        let mut p = profile(UK);
        change(&mut p);
        let d = decide_as(&p, purpose, at);
        assert_eq!(d.allowed, allowed, "{name}: {:?}", d.reasons);
        assert!(d.codes.contains(&code), "{name}: {code:?} not in {:?} ({:?})", d.codes, d.reasons);
    }
}

fn suppressed(channel: Option<Channel>, purpose: Option<&str>) -> Suppression {
    Suppression {
        id: "s".into(),
        customer_id: CustomerId::from_stored("c".into()),
        channel,
        purpose: purpose.map(str::to_owned),
        reason: "complaint".into(),
        principal: None,
        created_at: t("2026-01-01T00:00:00Z"),
        expires_at: None,
        lifted_at: None,
    }
}

fn listed(purposes: &[&str]) -> ListHit {
    ListHit {
        identity_id: IdentityId::from_stored("ph".into()),
        list_name: "TPS".into(),
        purposes: purposes.iter().map(|p| (*p).to_owned()).collect(),
        added_at: t("2026-01-01T00:00:00Z"),
        expires_at: None,
    }
}

fn attempt(at: &str, topic: Option<&str>) -> Attempt {
    Attempt { at: t(at), channel: Channel::Phone, topic: topic.map(str::to_owned) }
}

fn window(start: &str, end: &str) -> TimeWindow {
    use DayOfWeek::*;
    TimeWindow {
        days: vec![Monday, Tuesday, Wednesday, Thursday, Friday],
        start: parse_hhmm(start).unwrap(),
        end: parse_hhmm(end).unwrap(),
    }
}

#[test]
fn the_next_start_satisfies_every_time_rule_at_once() {
    // Customer windows 18:00–20:00 London; GB hours to 21:00; a call at 19:30 yesterday (daily cap 1).
    let mut p = profile(UK);
    p.prefs.timezone = Some("Europe/London".into());
    p.prefs.best_time_to_contact = vec![window("18:00", "20:00")];
    p.attempts.push(attempt("2026-06-01T18:30:00Z", Some("marketing")));
    let d = decide_as(&p, "marketing", TUE);
    assert!(!d.allowed);
    assert_eq!(d.codes.iter().filter(|c| **c == OutsideContactWindow).count(), 1);
    // 18:00 BST (17:00Z) is in the window but the cap frees at 18:30Z: that is the answer.
    assert_eq!(d.next_window_start, Some(t("2026-06-02T18:30:00Z")), "{:?}", d.reasons);
}

#[test]
fn a_derived_us_timezone_must_allow_contact_on_both_coasts() {
    let p = profile(US);
    // 12:30Z = 08:30 in New York but 05:30 in Los Angeles (and earlier still in Honolulu).
    let d = decide_as(&p, "marketing", "2026-06-02T12:30:00Z");
    assert!(!d.allowed);
    assert!(d.codes.contains(&TimezoneDerived) && d.codes.contains(&OutsideCallingHours), "{:?}", d.reasons);
    // 08:00 in Honolulu (HST, UTC-10) is 18:00Z, when New York is at 14:00: all allow it.
    assert_eq!(d.next_window_start, Some(t("2026-06-02T18:00:00Z")));
    assert!(decide_as(&p, "marketing", "2026-06-02T18:00:00Z").allowed);
}

#[test]
fn a_derived_pakistani_timezone_reads_the_hours_in_karachi() {
    let p = profile(PK);
    assert!(decide_as(&p, "marketing", "2026-06-02T04:00:00Z").allowed, "09:00 PKT");
    let d = decide_as(&p, "marketing", "2026-06-02T15:30:00Z");
    assert!(!d.allowed, "20:30 PKT");
    assert!(
        d.reasons.iter().any(|r| r.contains("derived from the phone number's country PK: Asia/Karachi")),
        "{:?}",
        d.reasons
    );
}

#[test]
fn rules_combine_and_the_first_blocking_channel_rule_is_reported() {
    let mut p = profile(UK);
    p.identities[0].spec.shared = true;
    p.listed.push(listed(&[]));
    p.consents.clear();
    let d = decide_as(&p, "marketing", TUE);
    assert_eq!(d.codes, [SharedExcluded, NoUsableChannel]);
    assert_eq!(
        d.reasons,
        ["PHONE: shared identities are excluded for marketing", "no usable channel for marketing contact"]
    );
}

#[test]
fn an_ineligible_identity_leaves_the_choice_to_an_eligible_one() {
    let mut p = profile(UK);
    let mut second = phone("ph2", "+447400123457", true, false);
    second.spec.primary = false;
    p.identities.push(second);
    p.listed.push(listed(&[]));
    let d = decide_as(&p, "marketing", TUE);
    assert!(d.allowed, "{:?}", d.reasons);
    assert_eq!(d.identity_id, Some(IdentityId::from_stored("ph2".into())));
}
