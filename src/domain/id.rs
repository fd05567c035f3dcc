//! Ids: UUIDv7, time-ordered, so that primary-key order is creation order and new rows
//! land at the right edge of the index. Each kind of id is its own type, parsed once at
//! the edge (a malformed id never reaches a repository) and never confused with another.

use super::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A new random, time-ordered id in its canonical text form.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The canonical form (lower-case, hyphenated) of an id, or `None` when it is not one.
pub fn canonical(raw: &str) -> Option<String> {
    uuid::Uuid::parse_str(raw.trim()).ok().map(|u| u.hyphenated().to_string())
}

macro_rules! id_type {
    ($($(#[$m:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new id.
            pub fn generate() -> Self {
                Self(new_id())
            }

            /// Parse an argument; a malformed id is a `BAD_USER_INPUT` naming `field`.
            pub fn parse(field: &str, raw: &str) -> Result<Self> {
                canonical(raw).map(Self).ok_or_else(|| Error::bad_input(field, "not a valid id"))
            }

            /// For lookups, where a malformed id simply matches nothing.
            pub fn lookup(raw: &str) -> Option<Self> {
                canonical(raw).map(Self)
            }

            /// An id read back from the database (written by us, so already canonical).
            pub fn from_stored(stored: String) -> Self {
                Self(stored)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )+};
}

id_type!(
    /// A customer profile.
    CustomerId,
    /// A channel identity of a customer.
    IdentityId,
    /// A label in the catalogue.
    LabelId,
    /// An interaction in a customer's history.
    InteractionId,
    /// A merge in the ledger.
    MergeId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_sort_in_creation_order() {
        let a = CustomerId::generate();
        let b = CustomerId::generate();
        assert!(a < b, "{a} should sort before {b}");
    }

    #[test]
    fn a_malformed_id_names_the_argument() {
        let err = CustomerId::parse("customerId", "nope").unwrap_err();
        assert_eq!(err.field(), Some("customerId"));
        assert_eq!(err.code(), "BAD_USER_INPUT");
        assert_eq!(LabelId::lookup("nope"), None);
    }

    #[test]
    fn ids_are_normalised_to_lower_case_hyphenated_form() {
        let id = new_id();
        assert_eq!(CustomerId::parse("id", &id.to_uppercase()).unwrap().as_str(), id);
        assert_eq!(IdentityId::lookup(&format!(" {} ", id.replace('-', ""))).unwrap().as_str(), id);
    }
}
