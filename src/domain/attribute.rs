//! Administrator-defined attributes: definitions and the validation of values against them.

use super::enums::AttributeType;
use super::{Error, Result};
use serde_json::Value;

/// Largest serialised attribute value accepted, in bytes.
pub const MAX_VALUE_BYTES: usize = 16 * 1024;
const MAX_ENUM_VALUES: usize = 200;

/// A validated attribute definition.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeDefinition {
    pub key: String,
    pub label: Option<String>,
    pub attr_type: AttributeType,
    pub pii: bool,
    pub required: bool,
    pub enum_values: Option<Vec<String>>,
    /// Values are found by `searchCustomers` (through blind-index tokens, like names).
    pub searchable: bool,
}

/// An attribute value of a customer, with the PII flag of its definition.
#[derive(Clone, Debug)]
pub struct Attribute {
    pub key: String,
    pub value: AttributeValue,
    pub pii: bool,
}

/// PII-marked values stay wrapped until a resolver decides who may see them.
#[derive(Clone, Debug)]
pub enum AttributeValue {
    Plain(Value),
    Pii(super::Pii),
}

/// Set (or, with `None`, remove) one attribute, as given at `field` (`input.attributes.0`).
/// The value is checked against the attribute's definition by the service, which reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeChange {
    pub field: String,
    pub key: String,
    pub value: Option<Value>,
}

/// Keys are stable identifiers used in filters and by CRM mappings, written as integrations
/// write them: `^[A-Za-z][A-Za-z0-9_]{0,63}$` (`renewalDate`, `Renewal_Date__c`,
/// `shoe_size`). The case is kept; uniqueness ignores it (a unique index on `lower(key)`).
pub fn parse_key(field: &str, raw: &str) -> Result<String> {
    let key = raw.trim();
    let starts_ok = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !starts_ok || key.len() > 64 || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::bad_input(
            field,
            "an attribute key is 1–64 characters of A–Z, a–z, 0–9 and _, starting with a letter",
        ));
    }
    Ok(key.to_owned())
}

impl AttributeDefinition {
    /// Check a definition's own consistency (enum values only for ENUM, non-empty and unique).
    pub fn new(
        key: &str,
        label: Option<String>,
        attr_type: AttributeType,
        pii: bool,
        required: bool,
        enum_values: Option<Vec<String>>,
    ) -> Result<Self> {
        let key = parse_key("input.key", key)?;
        let label = label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
        if label.as_ref().is_some_and(|l| l.chars().count() > 255) {
            return Err(Error::bad_input("input.label", "a label is at most 255 characters"));
        }
        let enum_values = match (attr_type, enum_values) {
            (AttributeType::Enum, Some(values)) => {
                let values: Vec<String> = values.into_iter().map(|v| v.trim().to_owned()).collect();
                if values.is_empty()
                    || values.len() > MAX_ENUM_VALUES
                    || values.iter().any(|v| v.is_empty() || v.len() > 255)
                {
                    return Err(Error::bad_input(
                        "input.enumValues",
                        "an ENUM needs 1–200 non-empty values of at most 255 characters",
                    ));
                }
                let mut sorted = values.clone();
                sorted.sort();
                sorted.dedup();
                if sorted.len() != values.len() {
                    return Err(Error::bad_input("input.enumValues", "enum values must be unique"));
                }
                Some(values)
            }
            (AttributeType::Enum, None) => {
                return Err(Error::bad_input("input.enumValues", "an ENUM attribute needs its enumValues"));
            }
            (_, Some(_)) => {
                return Err(Error::bad_input("input.enumValues", "enumValues are only for ENUM attributes"));
            }
            (_, None) => None,
        };
        Ok(Self { key, label, attr_type, pii, required, enum_values, searchable: false })
    }

    /// The same definition, with values found by search (`true`) or not.
    pub fn with_searchable(mut self, searchable: bool) -> Self {
        self.searchable = searchable;
        self
    }

    /// Validate a value for this attribute. The error never quotes the value: it may be PII.
    pub fn validate(&self, field: &str, value: &Value) -> Result<()> {
        let ok = match self.attr_type {
            AttributeType::String => value.as_str().is_some_and(|s| s.chars().count() <= 4096),
            AttributeType::Number => value.is_number(),
            AttributeType::Boolean => value.is_boolean(),
            AttributeType::Date => {
                value.as_str().is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
            }
            AttributeType::DateTime => value.as_str().is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
            AttributeType::Enum => value
                .as_str()
                .is_some_and(|s| self.enum_values.as_ref().is_some_and(|allowed| allowed.iter().any(|a| a == s))),
            AttributeType::Json => true,
        };
        if !ok {
            return Err(Error::bad_input(
                field,
                format!("expected {} for attribute `{}`", self.expectation(), self.key),
            ));
        }
        if serde_json::to_string(value).map_or(true, |s| s.len() > MAX_VALUE_BYTES) {
            return Err(Error::bad_input(field, "attribute value is too large (16 KiB at most)"));
        }
        Ok(())
    }

    /// The one stored form of a valid value, so that equal values compare equal in
    /// filters: whole numbers without a fraction (`100.0` → `100`), date-times in UTC.
    pub fn canonical(&self, value: &Value) -> Value {
        match (self.attr_type, value) {
            (AttributeType::Number, Value::Number(n)) => match n.as_f64() {
                Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
                _ => value.clone(),
            },
            (AttributeType::DateTime, Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| {
                    Value::String(t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                })
                .unwrap_or_else(|_| value.clone()),
            _ => value.clone(),
        }
    }

    fn expectation(&self) -> String {
        match self.attr_type {
            AttributeType::String => "a string of at most 4096 characters".into(),
            AttributeType::Number => "a number".into(),
            AttributeType::Boolean => "true or false".into(),
            AttributeType::Date => "a date (YYYY-MM-DD)".into(),
            AttributeType::DateTime => "an RFC 3339 date-time with offset".into(),
            AttributeType::Enum => format!("one of {}", self.enum_values.as_deref().unwrap_or_default().join(", ")),
            AttributeType::Json => "JSON".into(),
        }
    }
}

/// A change checked against its definition: the value to store (canonical) or `None` to remove.
pub type CheckedChange = (AttributeDefinition, Option<Value>);

/// Check changes against the definitions: an unknown key, a key set twice, a wrong type
/// or a required attribute removed is a `BAD_USER_INPUT` on `field.key` / `field.value`.
/// The definition `key` names, compared without case (keys are ASCII and unique
/// regardless of case, so at most one matches).
pub fn find_definition<'a>(defs: &'a [AttributeDefinition], key: &str) -> Option<&'a AttributeDefinition> {
    defs.iter().find(|d| d.key.eq_ignore_ascii_case(key))
}

pub fn check_changes(defs: &[AttributeDefinition], changes: &[AttributeChange]) -> Result<Vec<CheckedChange>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(changes.len());
    for change in changes {
        let key_field = format!("{}.key", change.field);
        let value_field = format!("{}.value", change.field);
        // Keys are unique regardless of case: `RenewalDate` names `renewalDate`.
        let Some(def) = find_definition(defs, &change.key) else {
            return Err(Error::bad_input(key_field, "unknown attribute key; define it first"));
        };
        if !seen.insert(def.key.as_str()) {
            return Err(Error::bad_input(key_field, "the same attribute is set twice"));
        }
        let value = match change.value.as_ref().filter(|v| !v.is_null()) {
            Some(v) => {
                def.validate(&value_field, v)?;
                Some(def.canonical(v))
            }
            None if def.required => return Err(Error::bad_input(value_field, "this attribute is required")),
            None => None,
        };
        out.push((def.clone(), value));
    }
    Ok(out)
}

/// The required attributes a profile holding `present` keys lacks, as a `BAD_USER_INPUT` on `field`.
pub fn check_required<'a>(
    defs: &[AttributeDefinition],
    present: impl IntoIterator<Item = &'a str>,
    field: &str,
) -> Result<()> {
    let present: std::collections::HashSet<&str> = present.into_iter().collect();
    let missing: Vec<&str> =
        defs.iter().filter(|d| d.required && !present.contains(d.key.as_str())).map(|d| d.key.as_str()).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::bad_input(field, format!("required attributes missing: {}", missing.join(", "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(t: AttributeType, enums: Option<Vec<&str>>) -> AttributeDefinition {
        AttributeDefinition::new(
            "tier",
            None,
            t,
            false,
            false,
            enums.map(|v| v.into_iter().map(String::from).collect()),
        )
        .unwrap()
    }

    #[test]
    fn keys_are_identifiers_as_integrations_write_them_with_their_case_kept() {
        for good in ["lifetime_value", "renewalDate", "Renewal_Date__c", "shoe_size", "X", &"x".repeat(64)] {
            assert_eq!(parse_key("k", good).unwrap(), good, "{good:?} refused or changed");
        }
        for bad in ["", "9lives", "_tier", "a-b", "a b", "tïer", "a.b", &"x".repeat(65)] {
            let err = parse_key("k", bad).unwrap_err();
            assert_eq!(err.field(), Some("k"), "{bad:?}");
        }
    }

    #[test]
    fn values_are_checked_against_their_type() {
        assert!(def(AttributeType::Number, None).validate("v", &json!(12.5)).is_ok());
        assert!(def(AttributeType::Number, None).validate("v", &json!("12")).is_err());
        assert!(def(AttributeType::Boolean, None).validate("v", &json!(true)).is_ok());
        assert!(def(AttributeType::Date, None).validate("v", &json!("2026-02-30")).is_err());
        assert!(def(AttributeType::Date, None).validate("v", &json!("2026-02-28")).is_ok());
        assert!(def(AttributeType::DateTime, None).validate("v", &json!("2026-02-28T10:00:00Z")).is_ok());
        assert!(def(AttributeType::DateTime, None).validate("v", &json!("2026-02-28 10:00")).is_err());
        let tier = def(AttributeType::Enum, Some(vec!["gold", "silver"]));
        assert!(tier.validate("v", &json!("gold")).is_ok());
        assert!(tier.validate("v", &json!("bronze")).is_err());
    }

    #[test]
    fn a_type_error_names_the_field_but_not_the_value() {
        let err = def(AttributeType::Number, None).validate("attributes.0.value", &json!("secret-ish")).unwrap_err();
        assert_eq!(err.field(), Some("attributes.0.value"));
        assert!(!err.to_string().contains("secret-ish"));
    }

    #[test]
    fn equal_values_have_one_canonical_form() {
        let n = def(AttributeType::Number, None);
        assert_eq!(n.canonical(&json!(100.0)), json!(100));
        assert_eq!(n.canonical(&json!(100.5)), json!(100.5));
        let t = def(AttributeType::DateTime, None);
        assert_eq!(t.canonical(&json!("2026-11-28T15:00:00+05:00")), json!("2026-11-28T10:00:00Z"));
    }

    #[test]
    fn changes_are_checked_against_their_definitions() {
        let defs = [def(AttributeType::Number, None)];
        let change = |i: usize, key: &str, value: Option<Value>| AttributeChange {
            field: format!("attributes.{i}"),
            key: key.into(),
            value,
        };
        let ok = check_changes(&defs, &[change(0, "tier", Some(json!(2.0)))]).unwrap();
        assert_eq!(ok[0].1, Some(json!(2)));
        let unknown = check_changes(&defs, &[change(0, "nope", None)]).unwrap_err();
        assert_eq!(unknown.field(), Some("attributes.0.key"));
        let twice = check_changes(&defs, &[change(0, "tier", None), change(1, "tier", None)]).unwrap_err();
        assert_eq!(twice.field(), Some("attributes.1.key"));
        assert!(check_required(&defs, ["tier"], "input").is_ok());
    }

    #[test]
    fn enum_values_belong_only_to_enums() {
        assert!(AttributeDefinition::new("a", None, AttributeType::Enum, false, false, None).is_err());
        assert!(
            AttributeDefinition::new("a", None, AttributeType::String, false, false, Some(vec!["x".into()])).is_err()
        );
        assert!(
            AttributeDefinition::new("a", None, AttributeType::Enum, false, false, Some(vec!["x".into(), "x".into()]))
                .is_err()
        );
    }
}
