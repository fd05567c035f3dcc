//! Ids: UUIDv7, time-ordered, so that primary-key order is creation order and new rows
//! land at the right edge of the index.

use super::{Error, Result};

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Parse an id argument; a malformed id is a `BAD_USER_INPUT` naming the argument.
pub fn parse_id(field: &str, raw: &str) -> Result<String> {
    uuid::Uuid::parse_str(raw.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| Error::bad_input(field, "not a valid id"))
}

/// Like `parse_id`, for lookups where a malformed id simply matches nothing.
pub fn normalize_id(raw: &str) -> Option<String> {
    uuid::Uuid::parse_str(raw.trim()).ok().map(|u| u.hyphenated().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_sort_in_creation_order() {
        let a = new_id();
        let b = new_id();
        assert!(a < b, "{a} should sort before {b}");
    }

    #[test]
    fn a_malformed_id_names_the_argument() {
        let err = parse_id("customerId", "nope").unwrap_err();
        assert_eq!(err.field(), Some("customerId"));
        assert_eq!(err.code(), "BAD_USER_INPUT");
    }

    #[test]
    fn ids_are_normalised_to_lower_case_hyphenated_form() {
        let id = new_id();
        assert_eq!(parse_id("id", &id.to_uppercase()).unwrap(), id);
    }
}
