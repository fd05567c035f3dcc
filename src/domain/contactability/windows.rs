//! Contact windows in time: occurrences of weekly windows in the customer's timezone,
//! DST-correct (see the rules in the parent module).

use crate::domain::enums::DayOfWeek;
use crate::domain::preference::{TimeWindow, format_hhmm};
use chrono::{
    DateTime, Datelike, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// How far ahead `next_window_start` is searched.
const SEARCH_DAYS: i64 = 8;

pub(super) fn customer_timezone(raw: Option<&str>) -> (Tz, Option<String>) {
    match raw.map(str::trim) {
        None | Some("") => (Tz::UTC, Some("no timezone set; contact windows evaluated in UTC".to_owned())),
        Some(name) => match name.parse::<Tz>() {
            Ok(tz) => (tz, None),
            Err(_) => (Tz::UTC, Some(format!("unknown timezone {name:?}; contact windows evaluated in UTC"))),
        },
    }
}

/// When one occurrence of `window`, starting on local `date`, begins and ends in UTC;
/// `None` when a DST change leaves it empty.
pub(super) fn occurrence(window: &TimeWindow, date: NaiveDate, tz: Tz) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let end_date = if window.end <= window.start { date.succ_opt()? } else { date };
    let start = resolve_local(tz, date.and_time(window.start))?;
    let end = resolve_local(tz, end_date.and_time(window.end))?;
    (start < end).then_some((start, end))
}

/// `MONDAY 09:00–17:00 Asia/Karachi`; an end at midnight reads `24:00`.
fn label(window: &TimeWindow, day: DayOfWeek, tz: Tz) -> String {
    let end = if window.end == NaiveTime::MIN { "24:00".to_owned() } else { format_hhmm(window.end) };
    format!("{} {}–{end} {}", day.as_str(), format_hhmm(window.start), tz.name())
}

pub(super) fn day_of(weekday: Weekday) -> DayOfWeek {
    match weekday {
        Weekday::Mon => DayOfWeek::Monday,
        Weekday::Tue => DayOfWeek::Tuesday,
        Weekday::Wed => DayOfWeek::Wednesday,
        Weekday::Thu => DayOfWeek::Thursday,
        Weekday::Fri => DayOfWeek::Friday,
        Weekday::Sat => DayOfWeek::Saturday,
        Weekday::Sun => DayOfWeek::Sunday,
    }
}

/// A local wall-clock time as an instant: the earlier one when the time happens twice (fall
/// back), the first instant after the gap when it does not happen at all (spring forward).
fn resolve_local(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(t) => Some(t.with_timezone(&Utc)),
        MappedLocalTime::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        MappedLocalTime::None => first_instant_after_gap(tz, local),
    }
}

/// For a local time inside a gap: the instant the clock jumps past it. Binary search for the
/// first second whose local time is at or after `local`; offsets never exceed ±26 hours, so
/// the answer lies within 36 hours of `local` read as UTC.
fn first_instant_after_gap(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let local_at = |secs: i64| DateTime::from_timestamp(secs, 0).map(|u| (u, u.with_timezone(&tz).naive_local()));
    let mid_point = local.and_utc().timestamp();
    let (mut lo, mut hi) = (mid_point - 36 * 3600, mid_point + 36 * 3600);
    // Invariant: local(lo) < `local` <= local(hi).
    if local_at(lo)?.1 >= local || local_at(hi)?.1 < local {
        return None;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if local_at(mid)?.1 >= local {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    local_at(hi).map(|(u, _)| u)
}

pub(super) enum WindowCheck {
    /// Inside a window; its label.
    Inside(String),
    /// Outside every window; the next start within the search horizon.
    Outside(Option<DateTime<Utc>>),
}
use WindowCheck::{Inside, Outside};

pub(super) fn evaluate_windows(windows: &[&TimeWindow], tz: Tz, at: DateTime<Utc>) -> WindowCheck {
    let today = at.with_timezone(&tz).date_naive();
    let first = today.pred_opt().unwrap_or(today);
    let horizon = at + TimeDelta::days(SEARCH_DAYS);
    let mut next: Option<DateTime<Utc>> = None;
    // From yesterday (a window crossing midnight) to a day past the horizon (DST shifts).
    for date in first.iter_days().take(SEARCH_DAYS as usize + 3) {
        let day = day_of(date.weekday());
        for window in windows.iter().filter(|w| w.days.contains(&day)) {
            let Some((start, end)) = occurrence(window, date, tz) else { continue };
            if start <= at && at < end {
                return Inside(label(window, day, tz));
            }
            if start > at && start <= horizon && next.is_none_or(|n| start < n) {
                next = Some(start);
            }
        }
    }
    Outside(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_gap_search_finds_the_exact_transition_even_for_a_skipped_day() {
        // Samoa skipped Friday 2011-12-30 entirely: 23:59:59 on the 29th (UTC-10) was followed
        // by 00:00 on the 31st (UTC+14), at 2011-12-30T10:00Z.
        let apia: Tz = "Pacific/Apia".parse().unwrap();
        let skipped = NaiveDate::from_ymd_opt(2011, 12, 30).unwrap().and_hms_opt(9, 0, 0).unwrap();
        assert_eq!(resolve_local(apia, skipped), Some(t("2011-12-30T10:00:00Z")));
        let ny: Tz = "America/New_York".parse().unwrap();
        let gap = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap().and_hms_opt(2, 0, 0).unwrap();
        assert_eq!(resolve_local(ny, gap), Some(t("2026-03-08T07:00:00Z")));
    }
}
