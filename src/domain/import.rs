//! Bulk import (decision 0014): a line of a file as a command (its key and the profile it
//! brings), and what became of a line that could not be imported: its number, the field
//! and the reason — never the value, which can be PII.

use super::customer::ProfileInput;
use super::error::Error;
use super::external_ref::ExternalRef;
use super::id::CustomerId;
use super::text::Located;
use serde::Serialize;
use std::collections::HashSet;
use std::hash::{Hash, Hasher as _};

/// What makes an import idempotent: a line names its profile by id (an export read back)
/// or by a CRM record (the first of its `externalRefs`), so that a rerun updates it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportKey {
    Id(CustomerId),
    Ref(ExternalRef),
}

/// One line, parsed: the same profile input as `createCustomer`, with labels by name.
#[derive(Clone, Debug)]
pub struct ImportRecord {
    /// 1-based, as an editor shows it (a CSV file's header is line 1).
    pub line: u64,
    pub key: ImportKey,
    pub input: ProfileInput,
    /// Label names (`labels.0`…), resolved against the catalogue when the line is written.
    pub label_names: Vec<Located<String>>,
}

/// A line that was not imported. `field` is a path in the line's input shape
/// (`identities.1.value`), empty when it is about the whole line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub line: u64,
    pub field: String,
    pub code: &'static str,
    pub reason: String,
}

impl LineError {
    pub fn new(line: u64, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { line, field: field.into(), code: "BAD_USER_INPUT", reason: reason.into() }
    }

    /// A domain error on a line: its field, relative to the line (without the `input.`
    /// prefix the input parser adds), and its message (domain messages carry no values).
    pub fn of(line: u64, error: &Error) -> Self {
        let field = error.field().unwrap_or_default();
        let field = field.strip_prefix("input.").or_else(|| field.strip_prefix("input")).unwrap_or(field);
        Self { line, field: field.to_owned(), code: error.code(), reason: error.to_string() }
    }
}

/// What one batch came to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub created: u64,
    pub updated: u64,
    pub rejected: Vec<LineError>,
}

/// Label names are matched as the catalogue keeps them unique: case and spacing folded.
pub fn label_name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The line ranges of a file that earlier runs committed (one per batch, as recorded in its
/// transaction), merged: a resumed import skips exactly these lines. Batches may commit
/// out of order (two are written at once), so this is a set of ranges, not a last line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Committed {
    /// Sorted, disjoint and not touching: `(first, last)`, both included.
    ranges: Vec<(u64, u64)>,
}

impl Committed {
    pub fn new(ranges: impl IntoIterator<Item = (u64, u64)>) -> Self {
        let mut all: Vec<(u64, u64)> = ranges.into_iter().filter(|(first, last)| first <= last).collect();
        all.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(all.len());
        for (first, last) in all {
            match merged.last_mut() {
                Some((_, end)) if first <= end.saturating_add(1) => *end = (*end).max(last),
                _ => merged.push((first, last)),
            }
        }
        Self { ranges: merged }
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether `line` was committed.
    pub fn contains(&self, line: u64) -> bool {
        let at = self.ranges.partition_point(|(_, last)| *last < line);
        self.ranges.get(at).is_some_and(|(first, _)| *first <= line)
    }

    /// Every line up to this one was committed (0: not line 1).
    pub fn prefix(&self) -> u64 {
        match self.ranges.first() {
            Some((1, last)) => *last,
            _ => 0,
        }
    }

    /// How many lines were committed.
    pub fn lines(&self) -> u64 {
        self.ranges.iter().map(|(first, last)| last - first + 1).sum()
    }
}

/// What the lines of a batch lay claim to: their keys, external refs and identities, as
/// 64-bit digests (no value is kept). Two batches written at once must claim nothing in
/// common: lines that name the same profile or move the same identifier are applied one
/// batch after the other, in the file's order. A digest collision only makes two batches
/// wait for each other.
#[derive(Clone, Debug, Default)]
pub struct Claims(HashSet<u64>);

/// A claim's digest: `DefaultHasher::new()` has fixed keys, and digests only need to be
/// equal within one run.
fn digest(claim: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    claim.hash(&mut h);
    h.finish()
}

impl Claims {
    pub fn of(records: &[ImportRecord]) -> Self {
        let mut set = HashSet::with_capacity(records.len() * 4);
        for r in records {
            set.insert(match &r.key {
                ImportKey::Id(id) => digest(("id", id.as_str())),
                ImportKey::Ref(x) => digest(("ref", &x.system, &x.external_id)),
            });
            for x in &r.input.external_refs {
                set.insert(digest(("ref", &x.value.system, &x.value.external_id)));
            }
            for i in &r.input.identities {
                set.insert(digest(("identity", i.value.channel, &i.value.provider, i.value.value.expose())));
            }
        }
        Self(set)
    }

    /// Whether the two claim something in common.
    pub fn overlap(&self, other: &Claims) -> bool {
        let (small, large) = if self.0.len() <= other.0.len() { (self, other) } else { (other, self) };
        small.0.iter().any(|d| large.0.contains(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_error_names_the_field_without_the_input_prefix_and_never_the_value() {
        let e = Error::bad_input("input.identities.1.value", "not a phone number");
        let report = LineError::of(7, &e);
        assert_eq!((report.line, report.field.as_str(), report.code), (7, "identities.1.value", "BAD_USER_INPUT"));
        assert_eq!(report.reason, "not a phone number");
        assert_eq!(LineError::of(3, &Error::not_found("label", "labels.0")).field, "labels.0");
    }

    #[test]
    fn label_names_fold_case_and_spacing() {
        assert_eq!(label_name_key("  Gold   Tier "), "gold tier");
    }

    #[test]
    fn committed_ranges_merge_and_answer_which_lines_to_skip() {
        let c = Committed::new([(11, 15), (1, 5), (6, 10), (21, 25), (23, 24), (9, 3)]);
        assert_eq!(c.prefix(), 15, "1-5, 6-10 and 11-15 touch: one range");
        assert_eq!(c.lines(), 20);
        let skipped: Vec<u64> = (1..=27).filter(|l| c.contains(*l)).collect();
        assert_eq!(skipped, (1..=15).chain(21..=25).collect::<Vec<_>>());
        assert_eq!(Committed::new([(6, 10)]).prefix(), 0, "line 1 not committed");
        assert!(Committed::default().is_empty() && !Committed::default().contains(1));
    }

    fn record(line: u64, key: &str, phone: &str) -> ImportRecord {
        use crate::domain::identity::IdentitySpec;
        use crate::domain::{Channel, Pii};
        let spec = IdentitySpec {
            channel: Channel::Phone,
            provider: None,
            value: Pii::new(phone),
            verified: false,
            primary: false,
            shared: false,
        };
        let mut input = ProfileInput::default();
        input.identities.push(Located::new("identities.0", spec));
        let key = ImportKey::Ref(ExternalRef { system: "crm".into(), external_id: key.into() });
        ImportRecord { line, key, input, label_names: vec![] }
    }

    #[test]
    fn batches_claiming_a_key_or_an_identity_in_common_overlap() {
        let a = Claims::of(&[record(1, "a", "+923001"), record(2, "b", "+923002")]);
        assert!(a.overlap(&Claims::of(&[record(3, "b", "+923003")])), "the same key");
        assert!(a.overlap(&Claims::of(&[record(3, "c", "+923001")])), "the same identity");
        assert!(!a.overlap(&Claims::of(&[record(3, "c", "+923003"), record(4, "d", "+923004")])));
    }
}
