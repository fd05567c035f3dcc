//! Contact and outbound preferences: validated time windows, consents, language and timezone.

use super::enums::{ConsentStatus, DayOfWeek};
use super::{Channel, Error, Result};
use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// A weekly window in the customer's own timezone. `end` before `start` crosses midnight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub days: Vec<DayOfWeek>,
    pub start: String,
    pub end: String,
}

impl TimeWindow {
    pub fn new(field: &str, days: Vec<DayOfWeek>, start: &str, end: &str) -> Result<Self> {
        if days.is_empty() {
            return Err(Error::bad_input(format!("{field}.days"), "a window needs at least one day"));
        }
        let mut unique = Vec::with_capacity(days.len());
        for day in days {
            if !unique.contains(&day) {
                unique.push(day);
            }
        }
        let start_t = parse_hhmm(&format!("{field}.start"), start)?;
        let end_t = parse_hhmm(&format!("{field}.end"), end)?;
        if start_t == end_t {
            return Err(Error::bad_input(format!("{field}.end"), "a window must not be empty (start equals end)"));
        }
        Ok(Self { days: unique, start: start_t.format("%H:%M").to_string(), end: end_t.format("%H:%M").to_string() })
    }
}

fn parse_hhmm(field: &str, raw: &str) -> Result<NaiveTime> {
    let raw = raw.trim();
    if raw == "24:00" {
        return Ok(NaiveTime::MIN);
    }
    NaiveTime::parse_from_str(raw, "%H:%M").map_err(|_| Error::bad_input(field, "a time is HH:MM (00:00–24:00)"))
}

/// Consent to contact on one channel, with when and where it was given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConsent {
    pub channel: Channel,
    pub status: ConsentStatus,
    pub updated_at: DateTime<Utc>,
    pub source: Option<String>,
}

/// BCP 47 tag, checked for shape (`en`, `en-GB`, `zh-Hant-TW`, `ur-PK`) and canonical case.
pub fn parse_language(field: &str, raw: &str) -> Result<String> {
    let raw = raw.trim();
    let parts: Vec<&str> = raw.split(['-', '_']).collect();
    let primary_ok = parts[0].len() >= 2 && parts[0].len() <= 3 && parts[0].chars().all(|c| c.is_ascii_alphabetic());
    let rest_ok = parts[1..].iter().all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if raw.len() > 35 || !primary_ok || !rest_ok {
        return Err(Error::bad_input(field, "a language is a BCP 47 tag such as en or en-GB"));
    }
    let canonical: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| match (i, p.len()) {
            (0, _) => p.to_ascii_lowercase(),
            (_, 2) => p.to_ascii_uppercase(),
            (_, 4) if p.chars().all(|c| c.is_ascii_alphabetic()) => {
                let lower = p.to_ascii_lowercase();
                lower[..1].to_ascii_uppercase() + &lower[1..]
            }
            _ => p.to_ascii_lowercase(),
        })
        .collect();
    Ok(canonical.join("-"))
}

/// An IANA timezone name (`Asia/Karachi`), so that windows follow DST correctly.
pub fn parse_timezone(field: &str, raw: &str) -> Result<String> {
    raw.trim()
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| Error::bad_input(field, "a timezone is an IANA name such as Europe/London"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_normalise_times_and_allow_crossing_midnight() {
        let w = TimeWindow::new("w", vec![DayOfWeek::Friday, DayOfWeek::Friday], "22:00", "6:30").unwrap();
        assert_eq!((w.start.as_str(), w.end.as_str(), w.days.len()), ("22:00", "06:30", 1));
    }

    #[test]
    fn bad_windows_name_their_field() {
        assert_eq!(TimeWindow::new("w.0", vec![], "09:00", "17:00").unwrap_err().field(), Some("w.0.days"));
        assert_eq!(
            TimeWindow::new("w.0", vec![DayOfWeek::Monday], "9am", "17:00").unwrap_err().field(),
            Some("w.0.start")
        );
        assert!(TimeWindow::new("w", vec![DayOfWeek::Monday], "09:00", "09:00").is_err());
    }

    #[test]
    fn languages_are_bcp47_shaped_and_canonically_cased() {
        assert_eq!(parse_language("l", "en-gb").unwrap(), "en-GB");
        assert_eq!(parse_language("l", "zh-hant-tw").unwrap(), "zh-Hant-TW");
        assert!(parse_language("l", "english").is_err());
        assert!(parse_language("l", "").is_err());
    }

    #[test]
    fn timezones_must_be_iana_names() {
        assert_eq!(parse_timezone("t", "Asia/Karachi").unwrap(), "Asia/Karachi");
        assert!(parse_timezone("t", "PKT+5").is_err());
    }
}
