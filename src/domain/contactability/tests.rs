//! The rules of `decide`, one scenario a test.

use super::*;
use crate::domain::Pii;
use crate::domain::enums::{ConsentStatus, DayOfWeek};
use crate::domain::id::CustomerId;
use crate::domain::identity::IdentitySpec;
use crate::domain::preference::{ChannelConsent, TimeWindow, parse_hhmm};
use DayOfWeek::*;

const WEEKDAYS: [DayOfWeek; 5] = [Monday, Tuesday, Wednesday, Thursday, Friday];

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn ident(id: &str, channel: Channel, primary: bool, verified: bool) -> Identity {
    Identity {
        id: IdentityId::from_stored(id.to_owned()),
        customer_id: CustomerId::from_stored("c".to_owned()),
        spec: IdentitySpec { channel, provider: None, value: Pii::new("x"), verified, primary, shared: false },
        created_at: t("2026-01-01T00:00:00Z"),
    }
}

fn id(s: &str) -> Option<IdentityId> {
    Some(IdentityId::from_stored(s.to_owned()))
}

fn window(days: &[DayOfWeek], start: &str, end: &str) -> TimeWindow {
    // Not through `TimeWindow::new`: these tests also feed windows it would refuse.
    TimeWindow { days: days.to_vec(), start: parse_hhmm(start).unwrap(), end: parse_hhmm(end).unwrap() }
}

fn consent(channel: Channel, status: ConsentStatus) -> ChannelConsent {
    ChannelConsent { channel, status, updated_at: t("2026-01-01T00:00:00Z"), source: None }
}

fn phone_and_email() -> Vec<Identity> {
    vec![ident("ph", Channel::Phone, true, true), ident("em", Channel::Email, true, true)]
}

/// Decision for a service contact with one phone identity and the given windows.
fn timed(tz: Option<&str>, windows: &[TimeWindow], at: &str) -> Decision {
    let prefs =
        Preferences { timezone: tz.map(str::to_owned), best_time_to_contact: windows.to_vec(), ..Default::default() };
    decide(&prefs, &[ident("ph", Channel::Phone, true, true)], Purpose::Service, t(at))
}

fn denied(reason: &str, code: ReasonCode) -> Decision {
    Decision {
        allowed: false,
        reasons: vec![reason.to_owned()],
        codes: vec![code],
        channel: None,
        identity_id: None,
        next_window_start: None,
    }
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
    let prefs = Preferences {
        do_not_contact: true,
        preferred_channel: Some(Channel::Phone),
        best_time_to_contact: windows.to_vec(),
        consents: consents.to_vec(),
        ..Default::default()
    };
    let d = decide(&prefs, &phone_and_email(), Purpose::Service, t("2026-01-03T12:00:00Z"));
    assert_eq!(d, denied("do-not-contact is set", ReasonCode::DoNotContact));
}

#[test]
fn preferred_channel_opted_out_falls_back_to_the_next_usable_channel() {
    let consents = [consent(Channel::Sms, ConsentStatus::OptOut)];
    let prefs =
        Preferences { preferred_channel: Some(Channel::Sms), consents: consents.to_vec(), ..Default::default() };
    let d = decide(&prefs, &phone_and_email(), Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert!(d.allowed);
    assert_eq!((d.channel, d.identity_id.as_ref().map(IdentityId::as_str)), (Some(Channel::Phone), Some("ph")));
    assert_eq!(d.reasons[0], "SMS: opted out");
    assert!(has(&d, "channel PHONE (primary identity)"));
}

#[test]
fn preferred_channel_without_an_identity_is_skipped() {
    let prefs = Preferences { preferred_channel: Some(Channel::Telegram), ..Default::default() };
    let d = decide(&prefs, &[ident("em", Channel::Email, true, true)], Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert_eq!(d.channel, Some(Channel::Email));
    assert_eq!(d.reasons[0], "TELEGRAM: no identity");
}

#[test]
fn preferred_channel_is_used_and_said_so() {
    let prefs = Preferences { preferred_channel: Some(Channel::Email), ..Default::default() };
    let d = decide(&prefs, &phone_and_email(), Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert_eq!(d.channel, Some(Channel::Email));
    assert_eq!(d.reasons, ["channel EMAIL (preferred)", "identity em (primary)", "no contact windows set"]);
}

#[test]
fn without_a_preference_primary_identities_come_first() {
    let identities = [ident("em", Channel::Email, false, true), ident("ph", Channel::Phone, true, false)];
    let d = decide(&Preferences::default(), &identities, Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert_eq!((d.channel, d.identity_id.as_ref().map(IdentityId::as_str)), (Some(Channel::Phone), Some("ph")));
}

#[test]
fn marketing_needs_an_explicit_opt_in() {
    let consents = [consent(Channel::Phone, ConsentStatus::Unknown), consent(Channel::Email, ConsentStatus::OptIn)];
    let prefs =
        Preferences { preferred_channel: Some(Channel::Phone), consents: consents.to_vec(), ..Default::default() };
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
    let prefs = Preferences { best_time_to_contact: windows.to_vec(), ..Default::default() };
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
    let prefs = Preferences { consents: consents.to_vec(), ..Default::default() };
    let d = decide(&prefs, &phone_and_email(), Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert!(!d.allowed);
    assert_eq!(d.reasons, ["PHONE: opted out", "EMAIL: opted out", "no usable channel for service contact"]);
}

#[test]
fn a_customer_without_identities_cannot_be_contacted() {
    let d = decide(&Preferences::default(), &[], Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert_eq!(d, denied("no usable channel for service contact", ReasonCode::NoUsableChannel));
}

#[test]
fn the_strictest_of_several_consents_for_a_channel_counts() {
    let consents = [consent(Channel::Email, ConsentStatus::OptIn), consent(Channel::Email, ConsentStatus::OptOut)];
    let prefs = Preferences { consents: consents.to_vec(), ..Default::default() };
    let d = decide(&prefs, &[ident("em", Channel::Email, true, true)], Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert!(!d.allowed);
    assert_eq!(d.reasons[0], "EMAIL: opted out");
}

#[test]
fn sms_uses_a_phone_identity() {
    let consents = [consent(Channel::Sms, ConsentStatus::OptIn)];
    let prefs =
        Preferences { preferred_channel: Some(Channel::Sms), consents: consents.to_vec(), ..Default::default() };
    let d = decide(&prefs, &phone_and_email(), Purpose::Marketing, t("2026-01-05T10:00:00Z"));
    assert!(d.allowed);
    assert_eq!((d.channel, d.identity_id.as_ref().map(IdentityId::as_str)), (Some(Channel::Sms), Some("ph")));
    assert!(has(&d, "identity ph (primary, PHONE number)"));
}

#[test]
fn phone_consent_does_not_stand_in_for_sms_consent() {
    let consents = [consent(Channel::Phone, ConsentStatus::OptIn)];
    let prefs =
        Preferences { preferred_channel: Some(Channel::Whatsapp), consents: consents.to_vec(), ..Default::default() };
    let d = decide(&prefs, &phone_and_email(), Purpose::Marketing, t("2026-01-05T10:00:00Z"));
    assert_eq!(d.channel, Some(Channel::Phone));
    assert_eq!(d.reasons[0], "WHATSAPP: no marketing consent");
}

#[test]
fn an_identity_on_the_channel_itself_beats_a_phone_identity() {
    let identities = [ident("ph", Channel::Phone, true, true), ident("wa", Channel::Whatsapp, false, false)];
    let prefs = Preferences { preferred_channel: Some(Channel::Whatsapp), ..Default::default() };
    let d = decide(&prefs, &identities, Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert_eq!((d.channel, d.identity_id.as_ref().map(IdentityId::as_str)), (Some(Channel::Whatsapp), Some("wa")));
}

#[test]
fn preferred_identity_is_chosen_on_the_chosen_channel() {
    let identities = [ident("em1", Channel::Email, true, true), ident("em2", Channel::Email, false, false)];
    let prefs = Preferences { preferred_identity_id: id("em2"), ..Default::default() };
    let d = decide(&prefs, &identities, Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert_eq!(d.identity_id.as_ref().map(IdentityId::as_str), Some("em2"));
    assert!(has(&d, "identity em2 (preferred)"));
}

#[test]
fn a_preferred_phone_identity_serves_sms() {
    let identities = [
        ident("sms", Channel::Sms, true, true),
        ident("ph1", Channel::Phone, true, true),
        ident("ph2", Channel::Phone, false, false),
    ];
    let prefs =
        Preferences { preferred_channel: Some(Channel::Sms), preferred_identity_id: id("ph2"), ..Default::default() };
    let d = decide(&prefs, &identities, Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert_eq!((d.channel, d.identity_id.as_ref().map(IdentityId::as_str)), (Some(Channel::Sms), Some("ph2")));
}

#[test]
fn a_preferred_identity_on_another_channel_is_ignored() {
    let prefs =
        Preferences { preferred_channel: Some(Channel::Email), preferred_identity_id: id("ph"), ..Default::default() };
    let d = decide(&prefs, &phone_and_email(), Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert_eq!((d.channel, d.identity_id.as_ref().map(IdentityId::as_str)), (Some(Channel::Email), Some("em")));
}

#[test]
fn without_a_primary_the_first_verified_identity_then_the_first_is_used() {
    let verified = [ident("a", Channel::Email, false, false), ident("b", Channel::Email, false, true)];
    let d = decide(&Preferences::default(), &verified, Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert_eq!(d.identity_id.as_ref().map(IdentityId::as_str), Some("b"));
    assert!(has(&d, "identity b (verified)"));

    let unverified = [ident("a", Channel::Email, false, false), ident("b", Channel::Email, false, false)];
    let d = decide(&Preferences::default(), &unverified, Purpose::Service, t("2026-01-05T10:00:00Z"));
    assert_eq!(d.identity_id.as_ref().map(IdentityId::as_str), Some("a"));
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
    assert_eq!((d.channel, d.identity_id.as_ref().map(IdentityId::as_str)), (Some(Channel::Phone), Some("ph")));
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
fn empty_windows_are_ignored_with_a_reason() {
    let windows = [window(&[Monday], "10:00", "10:00")];
    let d = timed(KARACHI, &windows, "2026-01-05T05:00:00Z");
    assert!(!d.allowed);
    assert_eq!(d.next_window_start, None);
    assert!(has(&d, "ignoring empty contact window #1"));
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
