//! Contact and outbound preferences: validated time windows, consents, language and timezone.

use super::enums::{ConsentStatus, DayOfWeek};
use super::id::IdentityId;
use super::text::{Located, Patch, short_text};
use super::{Channel, Error, Result};
use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The contact and outbound preferences of one customer (defaults when none were set).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Preferences {
    pub language: Option<String>,
    pub timezone: Option<String>,
    pub preferred_channel: Option<Channel>,
    pub preferred_identity_id: Option<IdentityId>,
    pub preferred_agent_id: Option<String>,
    pub best_time_to_contact: Vec<TimeWindow>,
    pub do_not_contact: bool,
    /// One per channel, sorted by channel.
    pub consents: Vec<ChannelConsent>,
}

/// A weekly window in the customer's own timezone. `end` not after `start` crosses
/// midnight; `end` `00:00` is the midnight that ends the day (written `24:00` too).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub days: Vec<DayOfWeek>,
    #[serde(with = "hhmm")]
    pub start: NaiveTime,
    #[serde(with = "hhmm")]
    pub end: NaiveTime,
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
        let bad = |f: &str| Error::bad_input(format!("{field}.{f}"), "a time is HH:MM (00:00–24:00)");
        let start = parse_hhmm(start).ok_or_else(|| bad("start"))?;
        let end = parse_hhmm(end).ok_or_else(|| bad("end"))?;
        if start == end {
            return Err(Error::bad_input(format!("{field}.end"), "a window must not be empty (start equals end)"));
        }
        Ok(Self { days: unique, start, end })
    }
}

/// `HH:MM` (or `H:MM`); `24:00` is the midnight ending a day, i.e. `00:00` of the next.
pub fn parse_hhmm(raw: &str) -> Option<NaiveTime> {
    let raw = raw.trim();
    if raw == "24:00" {
        return Some(NaiveTime::MIN);
    }
    NaiveTime::parse_from_str(raw, "%H:%M").ok()
}

/// `HH:MM`, the form windows are stored and shown in.
pub fn format_hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// Windows are stored as `"HH:MM"` strings inside the preferences row.
mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_hhmm(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_hhmm(&text).ok_or_else(|| D::Error::custom("a stored window time is not HH:MM"))
    }
}

/// Consent to contact on one channel, with when and where it was given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConsent {
    pub channel: Channel,
    pub status: ConsentStatus,
    pub updated_at: DateTime<Utc>,
    pub source: Option<String>,
}

/// A consent as given in an input, before it is stamped with its time.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsentChange {
    pub channel: Channel,
    pub status: ConsentStatus,
    pub source: Option<String>,
}

impl ConsentChange {
    /// Parse the consents given at `field`: one per channel; sources are short texts.
    pub fn parse_all(
        field: &str,
        items: impl IntoIterator<Item = (Channel, ConsentStatus, Option<String>)>,
    ) -> Result<Vec<Self>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (i, (channel, status, source)) in items.into_iter().enumerate() {
            if !seen.insert(channel) {
                return Err(Error::bad_input(format!("{field}.{i}.channel"), "one consent per channel"));
            }
            let source = source.map(|s| short_text(&format!("{field}.{i}.source"), &s, 255)).transpose()?;
            out.push(ConsentChange { channel, status, source });
        }
        Ok(out)
    }
}

/// A change to a customer's preferences: omitted fields stay as they are.
#[derive(Clone, Debug, Default)]
pub struct PreferencePatch {
    pub language: Patch<String>,
    pub timezone: Patch<String>,
    pub preferred_channel: Patch<Channel>,
    /// Must be one of the customer's own identities (checked by the service).
    pub preferred_identity: Patch<Located<IdentityId>>,
    pub preferred_agent_id: Patch<String>,
    /// Replaces all windows.
    pub best_time_to_contact: Option<Vec<TimeWindow>>,
    pub do_not_contact: Option<bool>,
    /// Replaces the consent of each channel given, keeps the others.
    pub consents: Option<Vec<ConsentChange>>,
}

impl PreferencePatch {
    /// What the patch changes, as the audit log records it: `preferences.language`,
    /// `preferences.consents.EMAIL`…, never values.
    pub fn changed_fields(&self) -> Vec<String> {
        let set = [
            ("language", self.language.changes()),
            ("timezone", self.timezone.changes()),
            ("preferredChannel", self.preferred_channel.changes()),
            ("preferredIdentity", self.preferred_identity.changes()),
            ("preferredAgentId", self.preferred_agent_id.changes()),
            ("bestTimeToContact", self.best_time_to_contact.is_some()),
            ("doNotContact", self.do_not_contact.is_some()),
        ];
        let mut fields: Vec<String> =
            set.into_iter().filter(|(_, changed)| *changed).map(|(name, _)| format!("preferences.{name}")).collect();
        for consent in self.consents.iter().flatten() {
            fields.push(format!("preferences.consents.{}", consent.channel.as_str()));
        }
        fields
    }
}

impl Preferences {
    /// Apply a (validated) patch; new consents are stamped with `at`.
    pub fn apply(&mut self, patch: PreferencePatch, at: DateTime<Utc>) {
        patch.language.apply(&mut self.language);
        patch.timezone.apply(&mut self.timezone);
        patch.preferred_channel.apply(&mut self.preferred_channel);
        patch.preferred_agent_id.apply(&mut self.preferred_agent_id);
        match patch.preferred_identity {
            Patch::Keep => {}
            Patch::Clear => self.preferred_identity_id = None,
            Patch::Set(id) => self.preferred_identity_id = Some(id.value),
        }
        if let Some(windows) = patch.best_time_to_contact {
            self.best_time_to_contact = windows;
        }
        if let Some(dnc) = patch.do_not_contact {
            self.do_not_contact = dnc;
        }
        for c in patch.consents.unwrap_or_default() {
            self.consents.retain(|existing| existing.channel != c.channel);
            self.consents.push(ChannelConsent {
                channel: c.channel,
                status: c.status,
                updated_at: at,
                source: c.source,
            });
        }
        self.consents.sort_by_key(|c| c.channel.as_str());
    }

    /// The strictest consent recorded for `channel`, if any.
    pub fn consent_for(&self, channel: Channel) -> Option<ConsentStatus> {
        self.consents.iter().filter(|c| c.channel == channel).map(|c| c.status).max()
    }
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

    fn t(s: &str) -> NaiveTime {
        parse_hhmm(s).unwrap()
    }

    #[test]
    fn windows_normalise_times_and_allow_crossing_midnight() {
        let w = TimeWindow::new("w", vec![DayOfWeek::Friday, DayOfWeek::Friday], "22:00", "6:30").unwrap();
        assert_eq!((w.start, w.end, w.days.len()), (t("22:00"), t("06:30"), 1));
        assert_eq!(TimeWindow::new("w", vec![DayOfWeek::Friday], "18:00", "24:00").unwrap().end, NaiveTime::MIN);
    }

    #[test]
    fn windows_are_stored_as_hh_mm_text() {
        let w = TimeWindow::new("w", vec![DayOfWeek::Monday], "9:00", "17:30").unwrap();
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(json, r#"{"days":["MONDAY"],"start":"09:00","end":"17:30"}"#);
        assert_eq!(serde_json::from_str::<TimeWindow>(&json).unwrap(), w);
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
    fn a_consent_change_replaces_only_its_channel() {
        let mut p = Preferences::default();
        let at = Utc::now();
        let patch = |c: Vec<ConsentChange>| PreferencePatch { consents: Some(c), ..Default::default() };
        let change = |channel, status| ConsentChange { channel, status, source: None };
        p.apply(
            patch(vec![change(Channel::Sms, ConsentStatus::OptIn), change(Channel::Email, ConsentStatus::OptIn)]),
            at,
        );
        p.apply(patch(vec![change(Channel::Sms, ConsentStatus::OptOut)]), at);
        let got: Vec<_> = p.consents.iter().map(|c| (c.channel, c.status)).collect();
        assert_eq!(got, [(Channel::Email, ConsentStatus::OptIn), (Channel::Sms, ConsentStatus::OptOut)]);
    }

    #[test]
    fn one_consent_per_channel_in_one_input() {
        let items = [(Channel::Sms, ConsentStatus::OptIn, None), (Channel::Sms, ConsentStatus::OptOut, None)];
        assert_eq!(
            ConsentChange::parse_all("input.consents", items).unwrap_err().field(),
            Some("input.consents.1.channel")
        );
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
