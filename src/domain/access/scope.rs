//! Scopes: the permissions a token's `scope` claim grants, and which old scope grants the
//! newer, narrower ones split from it.

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
    /// Create and update customers, identities, preferences, attributes.
    CustomersWrite,
    /// Assign and unassign labels on a customer, also through `labelIds` of an input.
    LabelsAssign,
    /// Create, rename, recolour and delete labels in the catalogue.
    LabelsManage,
    /// Merge and unmerge customers.
    CustomersMerge,
    /// Define and change attribute definitions.
    SchemaManage,
    /// Erasure, subject-access export, retention policies, audit log, staff ids in ledgers.
    PrivacyAdmin,
    /// `resolveCustomer`: Get Customer by Channel Identifier (Channel Manager).
    CustomersResolve,
    /// Change consents and do-not-contact.
    ConsentsWrite,
    /// Ingest interactions: link them to a profile.
    InteractionsWrite,
    /// Move an interaction to another profile.
    InteractionsRelink,
}

/// The old scopes that keep granting what was split from them, so that tokens issued before
/// the split keep their rights: `(old, new)`. `customers:read` → `customers:resolve` is the
/// one configurable implication (see [`ScopeRules`]).
pub const IMPLIED: [(Scope, Scope); 3] = [
    (Scope::CustomersWrite, Scope::ConsentsWrite),
    (Scope::CustomersWrite, Scope::InteractionsWrite),
    (Scope::CustomersMerge, Scope::InteractionsRelink),
];

/// How a token's scopes are expanded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScopeRules {
    /// `CUSTOMERS_RESOLVE_REQUIRES_SCOPE`: only `customers:resolve` grants `resolveCustomer`;
    /// otherwise `customers:read` implies it.
    pub resolve_requires_scope: bool,
}

impl ScopeRules {
    /// The pairs `(old, new)` in force: [`IMPLIED`], and `customers:read` → `customers:resolve`
    /// unless resolving needs its own scope.
    pub fn implied(self) -> impl Iterator<Item = (Scope, Scope)> {
        let resolve = (!self.resolve_requires_scope).then_some((Scope::CustomersRead, Scope::CustomersResolve));
        IMPLIED.into_iter().chain(resolve)
    }

    /// The scopes a token grants: those it names, and those they imply. The only place where
    /// scopes are expanded.
    pub fn expand(self, named: BTreeSet<Scope>) -> BTreeSet<Scope> {
        let mut scopes = named;
        for (old, new) in self.implied() {
            if scopes.contains(&old) {
                scopes.insert(new);
            }
        }
        scopes
    }
}

impl Scope {
    pub const ALL: [Scope; 12] = [
        Scope::CustomersRead,
        Scope::PiiRead,
        Scope::CustomersWrite,
        Scope::LabelsAssign,
        Scope::LabelsManage,
        Scope::CustomersMerge,
        Scope::SchemaManage,
        Scope::PrivacyAdmin,
        Scope::CustomersResolve,
        Scope::ConsentsWrite,
        Scope::InteractionsWrite,
        Scope::InteractionsRelink,
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
            Scope::CustomersResolve => "customers:resolve",
            Scope::ConsentsWrite => "consents:write",
            Scope::InteractionsWrite => "interactions:write",
            Scope::InteractionsRelink => "interactions:relink",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }

    /// The scopes of a `scope` claim, as named (unknown ones ignored: other subgraphs define
    /// their own).
    pub fn parse_claim(claim: &str) -> BTreeSet<Scope> {
        claim.split_whitespace().filter_map(Scope::parse).collect()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_round_trips_through_its_name() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
    }

    #[test]
    fn old_scopes_grant_what_was_split_from_them() {
        let rules = ScopeRules::default();
        let write = rules.expand(Scope::parse_claim("customers:write"));
        assert!(write.contains(&Scope::ConsentsWrite) && write.contains(&Scope::InteractionsWrite));
        assert!(!write.contains(&Scope::LabelsAssign), "labels need labels:assign");
        let merge = rules.expand(Scope::parse_claim("customers:merge"));
        assert!(merge.contains(&Scope::InteractionsRelink));
        assert!(rules.expand(Scope::parse_claim("customers:read")).contains(&Scope::CustomersResolve));
    }

    #[test]
    fn new_scopes_imply_nothing_old() {
        let named = Scope::parse_claim("customers:resolve consents:write interactions:write interactions:relink");
        assert_eq!(ScopeRules::default().expand(named.clone()), named);
    }

    #[test]
    fn resolving_can_be_kept_to_its_own_scope() {
        let rules = ScopeRules { resolve_requires_scope: true };
        assert!(!rules.expand(Scope::parse_claim("customers:read")).contains(&Scope::CustomersResolve));
        assert!(rules.expand(Scope::parse_claim("customers:resolve")).contains(&Scope::CustomersResolve));
    }
}
