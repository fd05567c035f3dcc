//! The outbound policy: the purposes known, what each needs (consent kind, exclusion of
//! shared and unverified identities, statutory calling hours, frequency caps), and the
//! calling rules per country. Built in (`rules/outbound-policy.json`, `rules/holidays/`),
//! replaceable by configuration.

use super::Purpose;
use super::calling::{CallingRules, CountryRules, parse_holidays};
use super::caps::Caps;
use crate::domain::preference::TimeWindow;
use crate::domain::{Error, Result};
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::BTreeMap;

/// What one purpose needs.
#[derive(Clone, Debug, PartialEq)]
pub struct PurposePolicy {
    /// The canonical name consents and suppressions are recorded under (`marketing`).
    pub name: String,
    /// Which consent it needs: an explicit opt-in (marketing) or anything but an opt-out.
    pub kind: Purpose,
    pub exclude_shared: bool,
    pub exclude_unverified: bool,
    /// Whether the statutory calling hours of the number's country apply.
    pub calling_hours: bool,
    pub caps: Caps,
}

impl PurposePolicy {
    /// What the single-customer rules applied before outbound compliance: nothing excluded,
    /// no calling hours, no caps.
    pub fn permissive(kind: Purpose) -> Self {
        PurposePolicy {
            name: kind.as_str().to_owned(),
            kind,
            exclude_shared: false,
            exclude_unverified: false,
            calling_hours: false,
            caps: Caps::default(),
        }
    }
}

/// The whole policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub purposes: Vec<PurposePolicy>,
    /// Other names accepted for a purpose (`transactional` → `service`).
    pub aliases: BTreeMap<String, String>,
    pub calling: CallingRules,
}

/// The policy file's shape (`CUSTOMERS_OUTBOUND_POLICY`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PolicyFile {
    purposes: BTreeMap<String, PurposeFile>,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
    countries: BTreeMap<String, CountryFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PurposeFile {
    consent: ConsentKind,
    #[serde(default = "yes")]
    exclude_shared: bool,
    #[serde(default = "yes")]
    exclude_unverified: bool,
    #[serde(default)]
    calling_hours: bool,
    #[serde(default)]
    max_per_day: Option<u32>,
    #[serde(default)]
    max_per_week: Option<u32>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ConsentKind {
    OptIn,
    NotOptedOut,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountryFile {
    timezones: Vec<String>,
    #[serde(default)]
    hours: Vec<TimeWindow>,
}

/// The built-in policy file and holiday files.
pub const BUILT_IN_POLICY: &str = include_str!("../../../rules/outbound-policy.json");
pub const BUILT_IN_HOLIDAYS: &[(&str, &str)] = &[
    ("DE", include_str!("../../../rules/holidays/DE.txt")),
    ("FR", include_str!("../../../rules/holidays/FR.txt")),
    ("GB", include_str!("../../../rules/holidays/GB.txt")),
    ("PK", include_str!("../../../rules/holidays/PK.txt")),
    ("US", include_str!("../../../rules/holidays/US.txt")),
];

impl Policy {
    /// Build a policy from a policy file's text and holiday files (`(country, text)`);
    /// errors say which part is wrong (read at start-up, so they stop it).
    pub fn from_files(policy: &str, holidays: &[(String, String)]) -> std::result::Result<Self, String> {
        let file: PolicyFile = serde_json::from_str(policy).map_err(|e| format!("outbound policy: {e}"))?;
        let mut purposes = Vec::new();
        for (name, p) in file.purposes {
            let kind = match p.consent {
                ConsentKind::OptIn => Purpose::Marketing,
                ConsentKind::NotOptedOut => Purpose::Service,
            };
            check_name(&name).map_err(|e| format!("outbound policy: purpose {name:?}: {e}"))?;
            purposes.push(PurposePolicy {
                name,
                kind,
                exclude_shared: p.exclude_shared,
                exclude_unverified: p.exclude_unverified,
                calling_hours: p.calling_hours,
                caps: Caps { per_day: p.max_per_day, per_week: p.max_per_week },
            });
        }
        for (alias, target) in &file.aliases {
            if !purposes.iter().any(|p| &p.name == target) {
                return Err(format!("outbound policy: alias {alias:?} names an unknown purpose {target:?}"));
            }
        }
        let mut countries = BTreeMap::new();
        for (code, c) in file.countries {
            let timezones = c
                .timezones
                .iter()
                .map(|tz| tz.parse::<Tz>().map_err(|_| format!("outbound policy: {code}: unknown timezone {tz:?}")))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            if timezones.is_empty() {
                return Err(format!("outbound policy: {code}: at least one timezone"));
            }
            let holidays = match holidays.iter().find(|(country, _)| country == &code) {
                Some((_, text)) => parse_holidays(text).map_err(|e| format!("holidays of {code}: {e}"))?,
                None => Default::default(),
            };
            countries.insert(code.clone(), CountryRules { country: code, timezones, hours: c.hours, holidays });
        }
        let version = super::evidence::digest(&[policy.as_bytes()], holidays);
        Ok(Policy { purposes, aliases: file.aliases, calling: CallingRules { countries, version } })
    }

    /// The built-in policy.
    pub fn built_in() -> std::result::Result<Self, String> {
        let holidays: Vec<(String, String)> =
            BUILT_IN_HOLIDAYS.iter().map(|(c, t)| ((*c).to_owned(), (*t).to_owned())).collect();
        Self::from_files(BUILT_IN_POLICY, &holidays)
    }

    /// The purpose named `raw` (case-insensitive, an alias allowed); an unknown name is a
    /// `BAD_USER_INPUT` on `field` rather than a guess that could send marketing under a
    /// service label.
    pub fn purpose(&self, field: &str, raw: &str) -> Result<&PurposePolicy> {
        let name = raw.trim().to_ascii_lowercase();
        let name = self.aliases.get(&name).map(String::as_str).unwrap_or(&name);
        self.purposes.iter().find(|p| p.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.purposes.iter().map(|p| p.name.as_str()).collect();
            Error::bad_input(field, format!("unknown purpose; use one of {}", known.join(", ")))
        })
    }
}

/// Purpose names: lower-case letters, digits, `-` and `_`, 1–40 characters.
pub fn check_name(name: &str) -> std::result::Result<(), &'static str> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err("a purpose is 1–40 of a–z, 0–9, - and _") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_policy_loads_with_its_holidays() {
        let policy = Policy::built_in().unwrap();
        assert_eq!(policy.purpose("p", "Transactional").unwrap().name, "service");
        assert_eq!(policy.purpose("p", "collections").unwrap().kind, Purpose::Service);
        assert_eq!(policy.purpose("p", "marketing").unwrap().kind, Purpose::Marketing);
        assert!(policy.purpose("p", "marketing").unwrap().calling_hours);
        assert!(!policy.calling.countries["US"].holidays.is_empty());
        assert_eq!(policy.calling.version.len(), 16);
        let err = policy.purpose("purpose", "newsletter").unwrap_err();
        assert_eq!((err.code(), err.field()), ("BAD_USER_INPUT", Some("purpose")));
    }

    #[test]
    fn a_policy_file_names_what_is_wrong() {
        let bad_tz = r#"{"purposes":{},"countries":{"XX":{"timezones":["Mars/Base"]}}}"#;
        assert!(Policy::from_files(bad_tz, &[]).unwrap_err().contains("Mars/Base"));
        let bad_alias = r#"{"purposes":{},"aliases":{"a":"b"},"countries":{}}"#;
        assert!(Policy::from_files(bad_alias, &[]).unwrap_err().contains("alias"));
        let ok = r#"{"purposes":{"newsletter":{"consent":"opt-in","maxPerWeek":1}},"countries":{}}"#;
        let policy = Policy::from_files(ok, &[]).unwrap();
        assert_eq!(policy.purpose("p", "newsletter").unwrap().caps.per_week, Some(1));
        assert!(policy.purpose("p", "newsletter").unwrap().exclude_shared, "excluded by default");
    }

    #[test]
    fn holidays_replace_by_country() {
        let file = r#"{"purposes":{},"countries":{"GB":{"timezones":["Europe/London"]}}}"#;
        let holidays = [("GB".to_owned(), "2030-01-01 New Year".to_owned())];
        let a = Policy::from_files(file, &holidays).unwrap();
        assert_eq!(a.calling.countries["GB"].holidays.len(), 1);
        let b = Policy::from_files(file, &[]).unwrap();
        assert_ne!(a.calling.version, b.calling.version, "the version follows the holidays");
    }
}
