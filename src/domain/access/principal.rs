//! The caller: a token's subject, the scopes it grants (expanded) and whether it shows
//! multi-factor authentication.

use super::{Scope, ScopeRules};
use crate::domain::Error;
use std::collections::BTreeSet;

/// Who is calling: the token's subject, the scopes it grants (those it names and those they
/// imply) and whether the token shows multi-factor authentication (its `amr`/`acr`, as
/// judged by the configured [`super::MfaPolicy`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub scopes: BTreeSet<Scope>,
    pub mfa: bool,
}

impl Principal {
    /// A principal with the default scope rules and no MFA.
    pub fn new(subject: impl Into<String>, scope_claim: &str) -> Self {
        Self::from_token(subject, scope_claim, false, ScopeRules::default())
    }

    /// The principal of a verified token: its scopes expanded by `rules`.
    pub fn from_token(subject: impl Into<String>, scope_claim: &str, mfa: bool, rules: ScopeRules) -> Self {
        Self { subject: subject.into(), scopes: rules.expand(Scope::parse_claim(scope_claim)), mfa }
    }

    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// `Ok` when the principal holds every scope a command needs, each named with the input
    /// field that needs it; otherwise `FORBIDDEN` naming the first missing scope and its field.
    pub fn authorize<F: AsRef<str>>(&self, needs: impl IntoIterator<Item = (Scope, F)>) -> Result<(), Error> {
        match needs.into_iter().find(|(scope, _)| !self.has(*scope)) {
            Some((scope, field)) => Err(Error::forbidden_at(scope, field.as_ref())),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_claim_is_split_on_whitespace_and_unknown_scopes_are_ignored() {
        let p = Principal::new("alice", "pii:read  labels:assign\tconversations:read");
        assert!(p.has(Scope::PiiRead) && p.has(Scope::LabelsAssign));
        assert_eq!(p.scopes.len(), 2);
    }

    #[test]
    fn authorize_names_the_first_missing_scope_and_its_field() {
        let p = Principal::new("a", "customers:write");
        assert!(p.authorize([(Scope::ConsentsWrite, "input.consents")]).is_ok());
        let err = p
            .authorize([(Scope::ConsentsWrite, "input.consents"), (Scope::LabelsAssign, "input.labelIds")])
            .unwrap_err();
        assert_eq!(err.field(), Some("input.labelIds"));
        assert!(matches!(err, Error::Forbidden { scope: Scope::LabelsAssign, .. }));
    }
}
