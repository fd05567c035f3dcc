//! Bulk import (decision 0014): a line of a file as a command (its key and the profile it
//! brings), and what became of a line that could not be imported: its number, the field
//! and the reason — never the value, which can be PII.

use super::customer::ProfileInput;
use super::error::Error;
use super::external_ref::ExternalRef;
use super::id::CustomerId;
use super::text::Located;
use serde::Serialize;

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
}
