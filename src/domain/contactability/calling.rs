//! Statutory calling rules per country (issue 13, item 3): permitted hours per weekday in
//! the called person's local time, and public holidays with no calls at all.
//!
//! A country's rules list its timezones. When the profile has a timezone the hours are read
//! in it; when it has none, the timezone is derived from the phone number's country, and a
//! country with several timezones (the US) must be inside its hours in *every* one of them,
//! since where in the country the person is cannot be known from the number.

use super::super::enums::DayOfWeek;
use super::super::preference::TimeWindow;
use super::windows::{day_of, occurrence};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

/// The rules of one country.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CountryRules {
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// The country's timezones; the first is used for the customer's own windows.
    pub timezones: Vec<Tz>,
    /// Permitted calling hours; empty: no statutory hours (the country is listed only for
    /// its timezones).
    pub hours: Vec<TimeWindow>,
    /// Local dates with no calls.
    pub holidays: BTreeSet<NaiveDate>,
}

/// Every country's rules, and a version that decisions recorded as evidence carry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallingRules {
    pub countries: BTreeMap<String, CountryRules>,
    pub version: String,
}

/// The result of checking one instant against a country's hours in one timezone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoursCheck {
    Inside,
    /// A public holiday; the next permitted start.
    Holiday(NaiveDate, Option<DateTime<Utc>>),
    /// Outside; the next permitted start (within the search horizon).
    Outside(Option<DateTime<Utc>>),
}

/// How far ahead the next permitted start is searched, in days.
const SEARCH_DAYS: i64 = 10;

impl CountryRules {
    /// Whether `at` is inside the hours read in `tz`, and if not, when they next open.
    pub fn check(&self, tz: Tz, at: DateTime<Utc>) -> HoursCheck {
        if self.hours.is_empty() {
            return HoursCheck::Inside;
        }
        let today = at.with_timezone(&tz).date_naive();
        let mut inside = false;
        let mut next: Option<DateTime<Utc>> = None;
        let first = today.pred_opt().unwrap_or(today);
        for date in first.iter_days().take(SEARCH_DAYS as usize + 2) {
            if self.holidays.contains(&date) {
                continue;
            }
            let day: DayOfWeek = day_of(date.weekday());
            for window in self.hours.iter().filter(|w| w.days.contains(&day)) {
                let Some((start, end)) = occurrence(window, date, tz) else { continue };
                if start <= at && at < end {
                    inside = true;
                }
                if start > at && start <= at + TimeDelta::days(SEARCH_DAYS) && next.is_none_or(|n| start < n) {
                    next = Some(start);
                }
            }
        }
        if inside {
            HoursCheck::Inside
        } else if self.holidays.contains(&today) {
            HoursCheck::Holiday(today, next)
        } else {
            HoursCheck::Outside(next)
        }
    }
}

/// The ISO country of an E.164 number (`+447911123456` → `GB`), if it has one.
pub fn phone_country(e164: &str) -> Option<String> {
    if !e164.starts_with('+') {
        return None; // parsing without a region needs the `+`; nothing else may reach it
    }
    let number = phonenumber::parse(None, e164).ok()?;
    number.country().id().map(|id| id.as_ref().to_owned())
}

/// Parse a holidays file: one `YYYY-MM-DD` per line, then optionally a name; `#` starts a
/// comment. An unparseable line is an error naming it (files are read at start-up).
pub fn parse_holidays(text: &str) -> Result<BTreeSet<NaiveDate>, String> {
    let mut out = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let date = line.split_whitespace().next().unwrap_or("");
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| format!("line {}: not a date", n + 1))?;
        out.insert(date);
    }
    Ok(out)
}

#[cfg(test)]
#[path = "calling_tests.rs"]
mod tests;
