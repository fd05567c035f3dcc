//! The consent rule, table-driven: history, expiry, per identity against channel-wide.

use super::*;
use ConsentStatus::{OptIn, OptOut, Unknown};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn ident(s: &str) -> IdentityId {
    IdentityId::from_stored(s.to_owned())
}

/// `(identity, purpose, status, given, expires)`; records are numbered in the order given.
type Row = (Option<&'static str>, &'static str, ConsentStatus, &'static str, Option<&'static str>);

fn records(rows: &[Row]) -> Vec<ConsentRecord> {
    rows.iter()
        .enumerate()
        .map(|(n, (who, purpose, status, given, expires))| ConsentRecord {
            id: format!("{n:04}"),
            customer_id: CustomerId::from_stored("c".to_owned()),
            channel: Channel::Sms,
            identity_id: who.map(ident),
            purpose: (*purpose).to_owned(),
            status: *status,
            proof: ConsentProof::default(),
            principal: Some("agent".to_owned()),
            given_at: t(given),
            expires_at: expires.map(t),
            recorded_at: t(given),
        })
        .collect()
}

const JAN: &str = "2026-01-01T00:00:00Z";
const FEB: &str = "2026-02-01T00:00:00Z";
const MAR: &str = "2026-03-01T00:00:00Z";
const NOW: &str = "2026-04-01T00:00:00Z";

#[test]
fn the_consent_in_force_follows_the_table() {
    let cases: Vec<(&str, Vec<Row>, Option<ConsentStatus>, bool)> = vec![
        ("nothing recorded", vec![], None, false),
        ("one channel-wide opt-in", vec![(None, "marketing", OptIn, JAN, None)], Some(OptIn), false),
        ("another purpose does not count", vec![(None, "collections", OptIn, JAN, None)], None, false),
        ("any purpose counts", vec![(None, ANY_PURPOSE, OptIn, JAN, None)], Some(OptIn), false),
        (
            "the latest record wins",
            vec![(None, "marketing", OptIn, JAN, None), (None, "marketing", OptOut, FEB, None)],
            Some(OptOut),
            false,
        ),
        (
            "a re-consent after an opt-out wins",
            vec![(None, "marketing", OptOut, JAN, None), (None, "marketing", OptIn, FEB, None)],
            Some(OptIn),
            false,
        ),
        (
            "a record given after the decision time does not count yet",
            vec![(None, "marketing", OptIn, JAN, None), (None, "marketing", OptOut, "2026-05-01T00:00:00Z", None)],
            Some(OptIn),
            false,
        ),
        ("an expired opt-in leaves no consent", vec![(None, "marketing", OptIn, JAN, Some(MAR))], None, true),
        (
            "an expired latest record does not revive the one before",
            vec![(None, "marketing", OptOut, JAN, None), (None, "marketing", OptIn, FEB, Some(MAR))],
            None,
            true,
        ),
        (
            "an opt-in not yet expired counts",
            vec![(None, "marketing", OptIn, JAN, Some("2027-01-01T00:00:00Z"))],
            Some(OptIn),
            false,
        ),
        (
            "per identity beats channel-wide",
            vec![(None, "marketing", OptOut, JAN, None), (Some("a"), "marketing", OptIn, FEB, None)],
            Some(OptIn),
            false,
        ),
        (
            "per identity beats a later channel-wide opt-in",
            vec![(Some("a"), "marketing", Unknown, JAN, None), (None, "marketing", OptIn, FEB, None)],
            Some(Unknown),
            false,
        ),
        (
            "a later channel-wide opt-out withdraws a per-identity opt-in",
            vec![(Some("a"), "marketing", OptIn, JAN, None), (None, ANY_PURPOSE, OptOut, FEB, None)],
            Some(OptOut),
            false,
        ),
        (
            "an earlier channel-wide opt-out does not",
            vec![(None, ANY_PURPOSE, OptOut, JAN, None), (Some("a"), "marketing", OptIn, FEB, None)],
            Some(OptIn),
            false,
        ),
        ("another identity's consent does not count", vec![(Some("b"), "marketing", OptIn, JAN, None)], None, false),
        (
            "the purpose beats any purpose in one scope",
            vec![(None, "marketing", OptIn, FEB, None), (None, ANY_PURPOSE, Unknown, JAN, None)],
            Some(OptIn),
            false,
        ),
        (
            "an expired per-identity consent falls back to channel-wide",
            vec![(None, "marketing", OptIn, JAN, None), (Some("a"), "marketing", OptIn, JAN, Some(FEB))],
            Some(OptIn),
            true,
        ),
    ];
    let a = ident("a");
    for (name, rows, want, expired) in cases {
        let got = current(&records(&rows), Channel::Sms, Some(&a), "marketing", t(NOW));
        assert_eq!((got.status, got.expired), (want, expired), "{name}");
    }
}

#[test]
fn without_an_identity_only_channel_wide_records_count() {
    let rows = [(Some("a"), "marketing", OptOut, JAN, None), (None, "marketing", OptIn, JAN, None)];
    let got = current(&records(&rows), Channel::Sms, None, "marketing", t(NOW));
    assert_eq!((got.status, got.per_identity), (Some(OptIn), false));
}

#[test]
fn records_on_another_channel_do_not_count() {
    let got = current(&records(&[(None, "marketing", OptIn, JAN, None)]), Channel::Email, None, "marketing", t(NOW));
    assert_eq!(got.status, None);
}

#[test]
fn channel_defaults_of_the_preferences_cover_every_purpose() {
    let c = ChannelConsent { channel: Channel::Sms, status: OptIn, updated_at: t(JAN), source: Some("crm".into()) };
    let record = ConsentRecord::from_channel_default(&CustomerId::from_stored("c".to_owned()), &c);
    assert_eq!((record.purpose.as_str(), record.identity_id.is_none()), (ANY_PURPOSE, true));
    assert_eq!(current(&[record], Channel::Sms, Some(&ident("a")), "collections", t(NOW)).status, Some(OptIn));
}
