//! The access model: scopes carried in the JWT `scope` claim and the principal they belong to.

use std::collections::BTreeSet;
use std::fmt;

/// A permission granted by a token's `scope` claim (space-separated, as OAuth 2 and Apollo
/// Router's `@requiresScopes` expect).
#[derive(Copy, Clone, Debug, Eq, PartialEq, Ord, PartialOrd, Hash)]
pub enum Scope {
    /// Read profiles, identities (masked), labels, preferences, non-PII attributes, history.
    CustomersRead,
    /// See PII unmasked: identity values, display name, PII-marked attributes.
    PiiRead,
    /// Create and update customers, identities, preferences, attributes; link interactions.
    CustomersWrite,
    /// Assign and unassign labels on a customer.
    LabelsAssign,
    /// Create, rename, recolour and delete labels in the catalogue.
    LabelsManage,
    /// Merge customers and re-link interactions.
    CustomersMerge,
    /// Define and change attribute definitions.
    SchemaManage,
    /// Erasure, subject-access export, retention policies, audit log.
    PrivacyAdmin,
}

impl Scope {
    pub const ALL: [Scope; 8] = [
        Scope::CustomersRead,
        Scope::PiiRead,
        Scope::CustomersWrite,
        Scope::LabelsAssign,
        Scope::LabelsManage,
        Scope::CustomersMerge,
        Scope::SchemaManage,
        Scope::PrivacyAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CustomersRead => "customers:read",
            Scope::PiiRead => "pii:read",
            Scope::CustomersWrite => "customers:write",
            Scope::LabelsAssign => "labels:assign",
            Scope::LabelsManage => "labels:manage",
            Scope::CustomersMerge => "customers:merge",
            Scope::SchemaManage => "schema:manage",
            Scope::PrivacyAdmin => "privacy:admin",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is calling: the token's subject and the scopes it grants. Unknown scopes in the
/// token are ignored (other subgraphs define their own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub scopes: BTreeSet<Scope>,
}

impl Principal {
    pub fn new(subject: impl Into<String>, scope_claim: &str) -> Self {
        Self { subject: subject.into(), scopes: scope_claim.split_whitespace().filter_map(Scope::parse).collect() }
    }

    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Whether PII may be shown to this caller unmasked.
    pub fn can_read_pii(&self) -> bool {
        self.has(Scope::PiiRead)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_claim_is_split_on_whitespace_and_unknown_scopes_are_ignored() {
        let p = Principal::new("alice", "customers:read  pii:read\tconversations:read");
        assert!(p.has(Scope::CustomersRead));
        assert!(p.can_read_pii());
        assert_eq!(p.scopes.len(), 2);
    }

    #[test]
    fn every_scope_round_trips_through_its_name() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
    }
}
