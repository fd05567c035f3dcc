use super::*;
use chrono::TimeZone;

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 30, 0).unwrap()
}

fn counts(entries: &[(Kind, Count)]) -> Counts {
    entries.iter().copied().collect()
}

#[test]
fn a_count_rule_is_crossed_only_above_its_threshold() {
    let policy = Policy { profiles: Limit { threshold: 3, window_secs: 60 }, ..Policy::default() };
    let at_limit = counts(&[(Kind::Profile, Count { items: 3, buckets: 1, hits: 9 })]);
    assert!(evaluate(&policy, &at_limit).is_empty());
    let over = counts(&[(Kind::Profile, Count { items: 4, buckets: 1, hits: 4 })]);
    let found = evaluate(&policy, &over);
    assert_eq!(found, vec![Finding { rule: AnomalyRule::ManyProfiles, observed: 4, threshold: 3, window_secs: 60 }]);
}

#[test]
fn distinct_rules_count_items_and_burst_rules_count_hits() {
    let policy = Policy {
        identifiers: Limit { threshold: 2, window_secs: 60 },
        misses: Limit { threshold: 2, window_secs: 60 },
        ..Policy::default()
    };
    let same_identifier_often = counts(&[(Kind::Identifier, Count { items: 1, buckets: 1, hits: 50 })]);
    assert!(evaluate(&policy, &same_identifier_often).is_empty());
    let many_misses = counts(&[(Kind::Miss, Count { items: 1, buckets: 2, hits: 3 })]);
    assert_eq!(evaluate(&policy, &many_misses)[0].rule, AnomalyRule::IdentifierMisses);
}

#[test]
fn a_threshold_of_zero_turns_a_rule_off() {
    let policy = Policy { refusals: Limit { threshold: 0, window_secs: 60 }, ..Policy::default() };
    let many = counts(&[(Kind::Refusal, Count { items: 1, buckets: 1, hits: 1_000 })]);
    assert!(evaluate(&policy, &many).is_empty());
}

#[test]
fn an_hour_never_used_is_unusual_only_with_enough_history_and_until_accepted() {
    let policy = Policy { hours: HourProfile { min_days: 3, rare_days: 1, history_days: 30 }, ..Policy::default() };
    let never = |days| counts(&[(Kind::Day, Count { items: 1, buckets: days, hits: days })]);
    assert!(evaluate(&policy, &never(2)).is_empty(), "too little history to judge");
    assert_eq!(evaluate(&policy, &never(3))[0].rule, AnomalyRule::UnusualHour);
    let usual = counts(&[
        (Kind::Day, Count { items: 1, buckets: 5, hits: 5 }),
        (Kind::Hour, Count { items: 1, buckets: 1, hits: 4 }),
    ]);
    assert!(evaluate(&policy, &usual).is_empty());
    let mut accepted = never(5);
    accepted.insert(Kind::HourAccepted, Count { items: 1, buckets: 1, hits: 1 });
    assert!(evaluate(&policy, &accepted).is_empty());
}

#[test]
fn a_request_is_one_row_per_profile_and_identifier_plus_its_counters_and_hour() {
    let policy = Policy::default();
    let obs = Observations {
        profiles: ["a".into(), "b".into()].into(),
        pages: 1,
        identifiers: ["d1".into()].into(),
        ..Observations::default()
    };
    let rows = obs.tallies(&policy, at(29, 14));
    let kinds: Vec<Kind> = rows.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [Kind::Profile, Kind::Profile, Kind::Identifier, Kind::Page, Kind::Day, Kind::Hour]);
    let hour = rows.iter().find(|r| r.kind == Kind::Hour).unwrap();
    assert_eq!((hour.item.as_str(), hour.bucket % 86_400), ("14", 0));
    let profile = &rows[0];
    assert_eq!(profile.bucket % 60, 0, "an hour window is counted in one-minute buckets");
}

#[test]
fn the_hour_profile_looks_at_past_days_only() {
    let spans = spans(&Policy::default(), at(29, 3));
    let hour = spans.iter().find(|s| s.kind == Kind::Hour).unwrap();
    let today = at(29, 0).timestamp() - 30 * 60;
    assert_eq!(hour.until, Some(today));
    assert_eq!(hour.from, today - 30 * 86_400);
    assert_eq!(hour.item.as_deref(), Some("03"));
}

#[test]
fn rule_and_kind_names_round_trip() {
    for rule in AnomalyRule::ALL {
        assert_eq!(AnomalyRule::parse(rule.as_str()), Some(rule));
    }
    for kind in Kind::ALL {
        assert_eq!(Kind::parse(kind.as_str()), Some(kind));
    }
}
