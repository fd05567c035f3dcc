//! Anomaly detection: the rules, pure. A request's observations (which profiles' PII it
//! revealed, pages fetched with `after`, identifier look-ups, refusals, the hour) are
//! batched into [`Tally`] rows of bucketed counters; the store sums them over each rule's
//! sliding window ([`Span`]) into [`Counts`]; [`evaluate`] says which rules are crossed.
//! See `docs/decisions/0007-anomaly-detection.md`.

mod detection;
mod policy;
#[cfg(test)]
mod tests;

pub use detection::{Detection, DetectionFilter};
pub use policy::{HourProfile, Limit, Policy};

use chrono::{DateTime, Timelike, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// A pattern of access that looks like abuse.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq, Hash, Ord, PartialOrd)]
pub enum AnomalyRule {
    /// PII of more distinct profiles than the threshold revealed within the window.
    ManyProfiles,
    /// More `customers` pages fetched with `after` than the threshold within the window.
    PageEnumeration,
    /// More `resolveCustomer` look-ups that found nobody (`NOT_FOUND`) than the threshold.
    IdentifierMisses,
    /// More distinct identifiers looked up without creating a profile than the threshold.
    ManyIdentifiers,
    /// More refused authorisations (`FORBIDDEN`) than the threshold within the window.
    RefusalBurst,
    /// Access in an hour of the day (UTC) the principal has used on fewer past days than the
    /// threshold, once it has enough history.
    UnusualHour,
}

impl AnomalyRule {
    pub const ALL: [AnomalyRule; 6] = [
        AnomalyRule::ManyProfiles,
        AnomalyRule::PageEnumeration,
        AnomalyRule::IdentifierMisses,
        AnomalyRule::ManyIdentifiers,
        AnomalyRule::RefusalBurst,
        AnomalyRule::UnusualHour,
    ];

    /// The stored (and logged) name.
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyRule::ManyProfiles => "MANY_PROFILES",
            AnomalyRule::PageEnumeration => "PAGE_ENUMERATION",
            AnomalyRule::IdentifierMisses => "IDENTIFIER_MISSES",
            AnomalyRule::ManyIdentifiers => "MANY_IDENTIFIERS",
            AnomalyRule::RefusalBurst => "REFUSAL_BURST",
            AnomalyRule::UnusualHour => "UNUSUAL_HOUR",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The kinds of observation the rule counts (cleared when a detection of it is cleared).
    pub fn kinds(self) -> &'static [Kind] {
        match self {
            AnomalyRule::ManyProfiles => &[Kind::Profile],
            AnomalyRule::PageEnumeration => &[Kind::Page],
            AnomalyRule::IdentifierMisses => &[Kind::Miss],
            AnomalyRule::ManyIdentifiers => &[Kind::Identifier],
            AnomalyRule::RefusalBurst => &[Kind::Refusal],
            AnomalyRule::UnusualHour => &[],
        }
    }
}

/// What an observation row counts.
#[derive(Copy, Clone, Debug, Eq, PartialEq, Hash, Ord, PartialOrd)]
pub enum Kind {
    /// A profile whose PII was revealed (item: the customer id).
    Profile,
    /// A `customers` page fetched with `after`.
    Page,
    /// A `resolveCustomer` look-up that found nobody.
    Miss,
    /// An identifier looked up without creating (item: a digest of its blind-index key).
    Identifier,
    /// A refused authorisation.
    Refusal,
    /// A day on which the principal was active (bucket: the day).
    Day,
    /// An hour of the day the principal was active in (item: `00`–`23`; bucket: the day).
    Hour,
    /// An unusual hour accepted by clearing its detection (item: the hour; bucket: the day).
    HourAccepted,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Profile,
        Kind::Page,
        Kind::Miss,
        Kind::Identifier,
        Kind::Refusal,
        Kind::Day,
        Kind::Hour,
        Kind::HourAccepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Profile => "profile",
            Kind::Page => "page",
            Kind::Miss => "miss",
            Kind::Identifier => "ident",
            Kind::Refusal => "refusal",
            Kind::Day => "day",
            Kind::Hour => "hour",
            Kind::HourAccepted => "hour_ok",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One request's observations of one principal, batched: recorded with one statement.
#[derive(Clone, Debug, Default)]
pub struct Observations {
    /// Customer ids whose PII the response revealed.
    pub profiles: BTreeSet<String>,
    /// `customers` pages fetched with `after`.
    pub pages: u64,
    /// `resolveCustomer` look-ups that found nobody.
    pub misses: u64,
    /// Digests of the identifiers looked up without creating a profile (never the identifier).
    pub identifiers: BTreeSet<String>,
    /// Refused authorisations.
    pub refusals: u64,
}

/// A counter row: `hits` more of `kind` (`item`) in the bucket starting at `bucket` (Unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub kind: Kind,
    pub item: String,
    pub bucket: i64,
    pub hits: i64,
}

/// Which rows of `kind` to count: buckets in `from..until`, only `item` when set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub kind: Kind,
    pub item: Option<String>,
    pub from: i64,
    pub until: Option<i64>,
}

/// What the store counted over the spans, per kind: distinct items, distinct buckets, hits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    pub items: u64,
    pub buckets: u64,
    pub hits: u64,
}

pub type Counts = BTreeMap<Kind, Count>;

/// A rule crossed: what was seen against what is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: AnomalyRule,
    pub observed: u64,
    pub threshold: u64,
    pub window_secs: i64,
}

const DAY: i64 = 86_400;

fn day_of(at: i64) -> i64 {
    at - at.rem_euclid(DAY)
}

fn hour_item(at: DateTime<Utc>) -> String {
    format!("{:02}", at.hour())
}

impl Observations {
    /// The counter rows of this request at `at`: its observations plus the day and hour of
    /// activity (the hour profile learns from every request).
    pub fn tallies(&self, policy: &Policy, at: DateTime<Utc>) -> Vec<Tally> {
        let now = at.timestamp();
        let bucket = |kind| now - now.rem_euclid(policy.bucket_secs(kind));
        let one = |kind: Kind, item: &str, hits: u64| Tally {
            kind,
            item: item.to_owned(),
            bucket: bucket(kind),
            hits: hits.min(i64::MAX as u64) as i64,
        };
        let mut rows = Vec::new();
        rows.extend(self.profiles.iter().map(|id| one(Kind::Profile, id, 1)));
        rows.extend(self.identifiers.iter().map(|d| one(Kind::Identifier, d, 1)));
        for (kind, hits) in [(Kind::Page, self.pages), (Kind::Miss, self.misses), (Kind::Refusal, self.refusals)] {
            if hits > 0 {
                rows.push(one(kind, "", hits));
            }
        }
        rows.push(one(Kind::Day, "", 1));
        rows.push(one(Kind::Hour, &hour_item(at), 1));
        rows
    }
}

/// The rows each rule counts at `at`.
pub fn spans(policy: &Policy, at: DateTime<Utc>) -> Vec<Span> {
    let now = at.timestamp();
    let today = day_of(now);
    let window = |kind: Kind, limit: &Limit| Span { kind, item: None, from: now - limit.window_secs, until: None };
    let history = today - policy.hours.history_days * DAY;
    vec![
        window(Kind::Profile, &policy.profiles),
        window(Kind::Page, &policy.pages),
        window(Kind::Miss, &policy.misses),
        window(Kind::Identifier, &policy.identifiers),
        window(Kind::Refusal, &policy.refusals),
        Span { kind: Kind::Day, item: None, from: history, until: Some(today) },
        Span { kind: Kind::Hour, item: Some(hour_item(at)), from: history, until: Some(today) },
        Span { kind: Kind::HourAccepted, item: Some(hour_item(at)), from: today, until: None },
    ]
}

/// The rules `counts` cross. A count rule is crossed when its count is above its threshold
/// (0: the rule is off); the hour rule when the principal has at least `min_days` days of
/// history and used this hour on fewer than `rare_days` of them (unless accepted today).
pub fn evaluate(policy: &Policy, counts: &Counts) -> Vec<Finding> {
    let get = |kind| counts.get(&kind).copied().unwrap_or_default();
    let mut found = Vec::new();
    let counted = [
        (AnomalyRule::ManyProfiles, &policy.profiles, get(Kind::Profile).items),
        (AnomalyRule::PageEnumeration, &policy.pages, get(Kind::Page).hits),
        (AnomalyRule::IdentifierMisses, &policy.misses, get(Kind::Miss).hits),
        (AnomalyRule::ManyIdentifiers, &policy.identifiers, get(Kind::Identifier).items),
        (AnomalyRule::RefusalBurst, &policy.refusals, get(Kind::Refusal).hits),
    ];
    for (rule, limit, observed) in counted {
        if limit.threshold > 0 && observed > limit.threshold {
            found.push(Finding { rule, observed, threshold: limit.threshold, window_secs: limit.window_secs });
        }
    }
    let hours = &policy.hours;
    let history_days = get(Kind::Day).buckets;
    let used_days = get(Kind::Hour).buckets;
    if hours.min_days > 0
        && history_days >= hours.min_days
        && used_days < hours.rare_days
        && get(Kind::HourAccepted).hits == 0
    {
        found.push(Finding {
            rule: AnomalyRule::UnusualHour,
            observed: used_days,
            threshold: hours.rare_days,
            window_secs: hours.history_days * DAY,
        });
    }
    found
}

/// The row that accepts the hour of `at` for the rest of its day (clearing an `UNUSUAL_HOUR`).
pub fn accept_hour(at: DateTime<Utc>) -> Tally {
    Tally { kind: Kind::HourAccepted, item: hour_item(at), bucket: day_of(at.timestamp()), hits: 1 }
}
