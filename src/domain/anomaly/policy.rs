//! The thresholds and windows of the rules (`CUSTOMERS_ANOMALY_*`, parsed in `config.rs`).

use super::Kind;

/// A count rule: more than `threshold` within `window_secs` is an anomaly; 0 turns it off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub threshold: u64,
    pub window_secs: i64,
}

/// The usual-hours rule: with at least `min_days` active days in the last `history_days`
/// (0: off), access in an hour of the day used on fewer than `rare_days` of them is unusual.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HourProfile {
    pub min_days: u64,
    pub rare_days: u64,
    pub history_days: i64,
}

/// Every setting of the detector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// `CUSTOMERS_ANOMALY_DETECTION`: observe and detect at all. Default `true`.
    pub enabled: bool,
    /// `CUSTOMERS_ANOMALY_BLOCK`: an open detection masks the principal's PII. Default `false`.
    pub block: bool,
    /// `CUSTOMERS_ANOMALY_PROFILES` / `_PROFILES_WINDOW`: distinct profiles' PII. 200 / 3600 s.
    pub profiles: Limit,
    /// `CUSTOMERS_ANOMALY_PAGES` / `_PAGES_WINDOW`: `customers` pages after the first. 50 / 3600 s.
    pub pages: Limit,
    /// `CUSTOMERS_ANOMALY_MISSES` / `_PROBE_WINDOW`: `resolveCustomer` misses. 50 / 3600 s.
    pub misses: Limit,
    /// `CUSTOMERS_ANOMALY_IDENTIFIERS` / `_PROBE_WINDOW`: distinct identifiers looked up
    /// without creating. 200 / 3600 s.
    pub identifiers: Limit,
    /// `CUSTOMERS_ANOMALY_REFUSALS` / `_REFUSALS_WINDOW`: refused authorisations. 20 / 600 s.
    pub refusals: Limit,
    /// `CUSTOMERS_ANOMALY_HOURS_MIN_DAYS` (7), `_HOURS_RARE_DAYS` (1), `_HOURS_HISTORY_DAYS` (30).
    pub hours: HourProfile,
}

impl Default for Policy {
    fn default() -> Self {
        let hour = 3_600;
        Self {
            enabled: true,
            block: false,
            profiles: Limit { threshold: 200, window_secs: hour },
            pages: Limit { threshold: 50, window_secs: hour },
            misses: Limit { threshold: 50, window_secs: hour },
            identifiers: Limit { threshold: 200, window_secs: hour },
            refusals: Limit { threshold: 20, window_secs: 600 },
            hours: HourProfile { min_days: 7, rare_days: 1, history_days: 30 },
        }
    }
}

impl Policy {
    /// The width of a counter bucket: a sixtieth of the rule's window (at least a second),
    /// so that a window is summed over at most 61 buckets and slides in steps of 1/60th;
    /// a day for the hour profile.
    pub fn bucket_secs(&self, kind: Kind) -> i64 {
        let window = match kind {
            Kind::Profile => self.profiles.window_secs,
            Kind::Page => self.pages.window_secs,
            Kind::Miss => self.misses.window_secs,
            Kind::Identifier => self.identifiers.window_secs,
            Kind::Refusal => self.refusals.window_secs,
            Kind::Day | Kind::Hour | Kind::HourAccepted => return 86_400,
        };
        (window / 60).max(1)
    }

    /// How far back any rule looks: older observations can be pruned.
    pub fn longest_window_secs(&self) -> i64 {
        [self.profiles, self.pages, self.misses, self.identifiers, self.refusals]
            .iter()
            .map(|l| l.window_secs)
            .chain([(self.hours.history_days + 1) * 86_400])
            .max()
            .unwrap_or(86_400)
    }
}
