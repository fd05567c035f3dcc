//! Calling hours across DST and public holidays in several countries.

use super::*;
use crate::domain::preference::parse_hhmm;
use DayOfWeek::*;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn window(days: &[DayOfWeek], start: &str, end: &str) -> TimeWindow {
    TimeWindow { days: days.to_vec(), start: parse_hhmm(start).unwrap(), end: parse_hhmm(end).unwrap() }
}

const ALL: [DayOfWeek; 7] = [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday];

fn rules(country: &str, tz: &str, hours: Vec<TimeWindow>, holidays: &str) -> CountryRules {
    CountryRules {
        country: country.to_owned(),
        timezones: vec![tz.parse().unwrap()],
        hours,
        holidays: parse_holidays(holidays).unwrap(),
    }
}

fn us() -> CountryRules {
    rules("US", "America/New_York", vec![window(&ALL, "08:00", "21:00")], "2026-07-03 Independence Day (observed)")
}

fn gb() -> CountryRules {
    let weekdays = [Monday, Tuesday, Wednesday, Thursday, Friday];
    rules(
        "GB",
        "Europe/London",
        vec![window(&weekdays, "08:00", "21:00"), window(&[Saturday], "09:00", "17:00")],
        "2026-04-03 Good Friday\n2026-04-06 Easter Monday # England and Wales",
    )
}

fn fr() -> CountryRules {
    let weekdays = [Monday, Tuesday, Wednesday, Thursday, Friday];
    rules(
        "FR",
        "Europe/Paris",
        vec![window(&weekdays, "10:00", "13:00"), window(&weekdays, "14:00", "20:00")],
        "2026-05-01 Fête du Travail\n2026-07-14 Fête nationale",
    )
}

fn pk() -> CountryRules {
    rules("PK", "Asia/Karachi", vec![window(&ALL, "09:00", "20:00")], "2026-08-14 Independence Day")
}

#[test]
fn calling_hours_follow_the_table_across_dst_and_holidays() {
    use HoursCheck::*;
    let cases: Vec<(&str, CountryRules, &str, HoursCheck)> = vec![
        // New York: EST is UTC-5 until 2026-03-08 02:00, then EDT (UTC-4).
        ("US 08:00 EST opens", us(), "2026-03-07T13:00:00Z", Inside),
        ("US 07:59 EST is too early", us(), "2026-03-07T12:59:00Z", Outside(Some(t("2026-03-07T13:00:00Z")))),
        ("US after DST 08:00 EDT is 12:00Z", us(), "2026-03-09T12:00:00Z", Inside),
        (
            "US after DST 12:30Z is too early no more",
            us(),
            "2026-03-09T11:30:00Z",
            Outside(Some(t("2026-03-09T12:00:00Z"))),
        ),
        ("US 21:00 EDT closes", us(), "2026-06-02T01:00:00Z", Outside(Some(t("2026-06-02T12:00:00Z")))),
        (
            "US holiday",
            us(),
            "2026-07-03T15:00:00Z",
            Holiday(NaiveDate::from_ymd_opt(2026, 7, 3).unwrap(), Some(t("2026-07-04T12:00:00Z"))),
        ),
        (
            "US the evening before a holiday skips to the day after",
            us(),
            "2026-07-03T02:00:00Z",
            Outside(Some(t("2026-07-04T12:00:00Z"))),
        ),
        // London: BST from 2026-03-29 01:00Z.
        ("GB 08:00 GMT", gb(), "2026-03-27T08:00:00Z", Inside),
        ("GB 08:00 BST is 07:00Z", gb(), "2026-03-30T07:00:00Z", Inside),
        ("GB 07:30Z after DST is 08:30 BST", gb(), "2026-03-30T07:30:00Z", Inside),
        ("GB 07:30Z before DST is 07:30 GMT", gb(), "2026-03-27T07:30:00Z", Outside(Some(t("2026-03-27T08:00:00Z")))),
        (
            "GB Sunday: no calls until Monday (Easter Monday is a holiday)",
            gb(),
            "2026-04-05T12:00:00Z",
            Outside(Some(t("2026-04-07T07:00:00Z"))),
        ),
        (
            "GB Good Friday",
            gb(),
            "2026-04-03T10:00:00Z",
            Holiday(NaiveDate::from_ymd_opt(2026, 4, 3).unwrap(), Some(t("2026-04-04T08:00:00Z"))),
        ),
        ("GB Saturday afternoon", gb(), "2026-04-11T15:00:00Z", Inside),
        ("GB Saturday evening", gb(), "2026-04-11T16:30:00Z", Outside(Some(t("2026-04-13T07:00:00Z")))),
        // Paris: a lunch break, and CEST from 2026-03-29.
        ("FR lunch break", fr(), "2026-03-26T12:30:00Z", Outside(Some(t("2026-03-26T13:00:00Z")))),
        ("FR morning CET", fr(), "2026-03-26T09:00:00Z", Inside),
        ("FR 09:00Z in CEST is 11:00", fr(), "2026-03-30T09:00:00Z", Inside),
        ("FR 08:30Z in CEST is 10:30", fr(), "2026-03-30T08:30:00Z", Inside),
        ("FR 08:30Z in CET is 09:30", fr(), "2026-03-26T08:30:00Z", Outside(Some(t("2026-03-26T09:00:00Z")))),
        (
            "FR May Day",
            fr(),
            "2026-05-01T10:00:00Z",
            Holiday(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(), Some(t("2026-05-04T08:00:00Z"))),
        ),
        // Karachi: no DST.
        ("PK 09:00 PKT is 04:00Z", pk(), "2026-06-01T04:00:00Z", Inside),
        ("PK 20:00 PKT closes", pk(), "2026-06-01T15:00:00Z", Outside(Some(t("2026-06-02T04:00:00Z")))),
        (
            "PK Independence Day",
            pk(),
            "2026-08-14T06:00:00Z",
            Holiday(NaiveDate::from_ymd_opt(2026, 8, 14).unwrap(), Some(t("2026-08-15T04:00:00Z"))),
        ),
    ];
    for (name, rules, at, want) in cases {
        assert_eq!(rules.check(rules.timezones[0], t(at)), want, "{name}");
    }
}

#[test]
fn a_country_without_hours_allows_any_time() {
    let none = rules("XX", "UTC", vec![], "");
    assert_eq!(none.check(Tz::UTC, t("2026-01-01T03:00:00Z")), HoursCheck::Inside);
}

#[test]
fn phone_numbers_give_their_country() {
    assert_eq!(phone_country("+447400123456").as_deref(), Some("GB"));
    assert_eq!(phone_country("+923001234567").as_deref(), Some("PK"));
    assert_eq!(phone_country("+12124567890").as_deref(), Some("US"));
    assert_eq!(phone_country("+33612345678").as_deref(), Some("FR"));
    assert_eq!(phone_country("x"), None);
    assert_eq!(phone_country("0300 1234567"), None);
}

#[test]
fn holiday_files_are_strict_about_dates() {
    assert_eq!(parse_holidays("# comment\n\n2026-12-25 Christmas\n").unwrap().len(), 1);
    assert_eq!(parse_holidays("2026-12-25\n25/12/2026 Christmas").unwrap_err(), "line 2: not a date");
}
