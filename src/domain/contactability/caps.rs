//! Frequency caps (issue 13, item 3): at most so many outbound attempts per rolling day
//! and rolling week for a purpose, counted from the interaction history.
//!
//! An attempt is an `OUTBOUND` interaction. It counts for a purpose when its topic is that
//! purpose or starts with it (`marketing`, `marketing/spring-sale`), and for every purpose
//! when it has no topic: an attempt of unknown purpose is counted rather than ignored.

use super::super::Channel;
use chrono::{DateTime, TimeDelta, Utc};

/// An outbound attempt from the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub channel: Channel,
    pub topic: Option<String>,
}

impl Attempt {
    pub fn counts_for(&self, purpose: &str) -> bool {
        match self.topic.as_deref() {
            None => true,
            Some(topic) => topic == purpose || topic.strip_prefix(purpose).is_some_and(|rest| rest.starts_with('/')),
        }
    }
}

/// The caps of one purpose; `None`: no cap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Caps {
    pub per_day: Option<u32>,
    pub per_week: Option<u32>,
}

/// How far back the history is read for caps: the longest period.
pub const LOOKBACK: TimeDelta = TimeDelta::days(7);

/// A cap reached at an instant: which, the count, and when it frees again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapReached {
    pub weekly: bool,
    pub count: usize,
    pub max: u32,
    /// When the oldest counted attempt leaves the period.
    pub frees_at: DateTime<Utc>,
}

impl Caps {
    /// The first cap reached at `at` (the daily before the weekly), if any. Attempts after
    /// `at` are not counted: a decision for a later instant only sees the history before it.
    pub fn check(&self, attempts: &[Attempt], purpose: &str, at: DateTime<Utc>) -> Option<CapReached> {
        let periods = [(false, self.per_day, TimeDelta::days(1)), (true, self.per_week, TimeDelta::days(7))];
        for (weekly, max, period) in periods {
            let Some(max) = max else { continue };
            let mut counted: Vec<DateTime<Utc>> = attempts
                .iter()
                .filter(|a| a.counts_for(purpose) && a.at <= at && a.at > at - period)
                .map(|a| a.at)
                .collect();
            if counted.len() >= max as usize {
                counted.sort();
                // The cap frees when enough attempts have left the period to go below it.
                let frees_at = counted[counted.len() - max as usize] + period;
                return Some(CapReached { weekly, count: counted.len(), max, frees_at });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn attempt(at: &str, topic: Option<&str>) -> Attempt {
        Attempt { at: t(at), channel: Channel::Phone, topic: topic.map(str::to_owned) }
    }

    #[test]
    fn attempts_count_for_their_purpose_or_for_all_without_a_topic() {
        assert!(attempt("2026-01-01T00:00:00Z", None).counts_for("marketing"));
        assert!(attempt("2026-01-01T00:00:00Z", Some("marketing")).counts_for("marketing"));
        assert!(attempt("2026-01-01T00:00:00Z", Some("marketing/spring")).counts_for("marketing"));
        assert!(!attempt("2026-01-01T00:00:00Z", Some("marketingx")).counts_for("marketing"));
        assert!(!attempt("2026-01-01T00:00:00Z", Some("collections")).counts_for("marketing"));
    }

    /// `(name, caps, attempts, (weekly, count, frees at))`.
    type Case = (&'static str, Caps, Vec<Attempt>, Option<(bool, usize, &'static str)>);

    #[test]
    fn caps_follow_the_table() {
        let at = t("2026-03-10T12:00:00Z");
        let day = Caps { per_day: Some(2), per_week: None };
        let week = Caps { per_day: None, per_week: Some(3) };
        let both = Caps { per_day: Some(1), per_week: Some(3) };
        let h = |s| attempt(s, Some("marketing"));
        let cases: Vec<Case> = vec![
            ("no caps", Caps::default(), vec![h("2026-03-10T11:00:00Z"); 5], None),
            ("under the daily cap", day, vec![h("2026-03-10T11:00:00Z")], None),
            (
                "the daily cap reached frees a day after the oldest",
                day,
                vec![h("2026-03-10T09:00:00Z"), h("2026-03-10T11:00:00Z")],
                Some((false, 2, "2026-03-11T09:00:00Z")),
            ),
            ("yesterday's attempts do not count for the day", day, vec![h("2026-03-09T11:00:00Z"); 2], None),
            ("another purpose does not count", day, vec![attempt("2026-03-10T11:00:00Z", Some("service")); 2], None),
            ("attempts after the instant do not count", day, vec![h("2026-03-10T13:00:00Z"); 2], None),
            (
                "the weekly cap counts seven days",
                week,
                vec![h("2026-03-04T13:00:00Z"), h("2026-03-06T11:00:00Z"), h("2026-03-08T11:00:00Z")],
                Some((true, 3, "2026-03-11T13:00:00Z")),
            ),
            ("eight days ago is out of the week", week, vec![h("2026-03-02T11:00:00Z"); 3], None),
            (
                "the daily cap is checked first",
                both,
                vec![h("2026-03-10T11:00:00Z"); 3],
                Some((false, 3, "2026-03-11T11:00:00Z")),
            ),
            (
                "untopical attempts count",
                day,
                vec![attempt("2026-03-10T11:00:00Z", None); 2],
                Some((false, 2, "2026-03-11T11:00:00Z")),
            ),
        ];
        for (name, caps, attempts, want) in cases {
            let got = caps.check(&attempts, "marketing", at).map(|c| (c.weekly, c.count, c.frees_at));
            assert_eq!(got, want.map(|(w, n, f)| (w, n, t(f))), "{name}");
        }
    }
}
