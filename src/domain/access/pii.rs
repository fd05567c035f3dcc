//! Whether a request sees PII unmasked: decided once per request from its principal and the
//! configuration, and asked by every PII field.

/// What counts as multi-factor authentication in a token: an `amr` value (RFC 8176) from
/// `amr`, or an `acr` from `acr`. A password alone (`pwd`) never counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaPolicy {
    /// `CUSTOMERS_MFA_AMR`: accepted `amr` values.
    pub amr: Vec<String>,
    /// `CUSTOMERS_MFA_ACR`: accepted `acr` values (none by default).
    pub acr: Vec<String>,
}

/// The `amr` values (RFC 8176) accepted by default: each says a factor beyond a password
/// was used (or, `mfa`, that several were).
pub const DEFAULT_MFA_AMR: [&str; 8] = ["mfa", "otp", "hwk", "swk", "sms", "fpt", "face", "iris"];

impl Default for MfaPolicy {
    fn default() -> Self {
        Self { amr: DEFAULT_MFA_AMR.iter().map(|s| (*s).to_owned()).collect(), acr: Vec::new() }
    }
}

impl MfaPolicy {
    /// Whether a token with these `amr` values and `acr` shows MFA.
    pub fn satisfied_by(&self, amr: &[String], acr: Option<&str>) -> bool {
        amr.iter().any(|a| a != "pwd" && self.amr.contains(a))
            || acr.is_some_and(|acr| self.acr.iter().any(|a| a == acr))
    }
}

/// The configured rule for PII.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PiiPolicy {
    /// `CUSTOMERS_PII_REQUIRES_MFA`: `pii:read` counts only with MFA.
    pub requires_mfa: bool,
}

/// Why PII is masked for a request. New reasons are added as the access model grows (an
/// anomaly block, say); each has a code for the response's `extensions.pii.reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaskReason {
    /// The caller does not hold `pii:read`: the ordinary case, not explained in responses.
    NoPiiScope,
    /// The caller holds `pii:read`, but its token shows no multi-factor authentication.
    MfaRequired,
    /// An open access anomaly blocks this principal's PII until a privacy officer clears it.
    AccessBlocked,
}

impl MaskReason {
    /// The code of the reason, as `extensions.pii.reason` gives it.
    pub fn code(self) -> &'static str {
        match self {
            MaskReason::NoPiiScope => "NO_PII_SCOPE",
            MaskReason::MfaRequired => "MFA_REQUIRED",
            MaskReason::AccessBlocked => "ACCESS_BLOCKED",
        }
    }

    /// Whether a response says why PII was masked: only when the caller expected to see it.
    pub fn explained(self) -> bool {
        !matches!(self, MaskReason::NoPiiScope)
    }
}

/// Whether a request sees PII unmasked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PiiAccess {
    Granted,
    Masked(MaskReason),
}

impl PiiAccess {
    /// The decision for a caller (`None`: no token) under `policy`.
    pub fn decide(principal: Option<&super::Principal>, policy: PiiPolicy) -> Self {
        match principal {
            Some(p) if p.has(super::Scope::PiiRead) => {
                if policy.requires_mfa && !p.mfa {
                    PiiAccess::Masked(MaskReason::MfaRequired)
                } else {
                    PiiAccess::Granted
                }
            }
            _ => PiiAccess::Masked(MaskReason::NoPiiScope),
        }
    }

    pub fn granted(self) -> bool {
        self == PiiAccess::Granted
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Principal, ScopeRules};
    use super::*;

    fn amr(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_password_alone_is_not_mfa_and_a_second_factor_is() {
        let policy = MfaPolicy::default();
        assert!(!policy.satisfied_by(&amr(&["pwd"]), None));
        assert!(!policy.satisfied_by(&[], None));
        assert!(policy.satisfied_by(&amr(&["pwd", "otp"]), None));
        assert!(policy.satisfied_by(&amr(&["mfa"]), None));
        assert!(!policy.satisfied_by(&[], Some("urn:acr:mfa")), "no acr is accepted by default");
        let with_acr = MfaPolicy { acr: vec!["urn:acr:mfa".into()], ..MfaPolicy::default() };
        assert!(with_acr.satisfied_by(&amr(&["pwd"]), Some("urn:acr:mfa")));
        let pwd_configured = MfaPolicy { amr: amr(&["pwd"]), acr: vec![] };
        assert!(!pwd_configured.satisfied_by(&amr(&["pwd"]), None), "pwd never counts");
    }

    #[test]
    fn pii_read_counts_without_mfa_only_when_mfa_is_not_required() {
        let on = PiiPolicy { requires_mfa: true };
        let off = PiiPolicy::default();
        let no_mfa = Principal::new("a", "customers:read pii:read");
        let mfa = Principal::from_token("a", "customers:read pii:read", true, ScopeRules::default());
        let reader = Principal::from_token("a", "customers:read", true, ScopeRules::default());
        assert_eq!(PiiAccess::decide(Some(&no_mfa), off), PiiAccess::Granted);
        assert_eq!(PiiAccess::decide(Some(&no_mfa), on), PiiAccess::Masked(MaskReason::MfaRequired));
        assert_eq!(PiiAccess::decide(Some(&mfa), on), PiiAccess::Granted);
        assert_eq!(PiiAccess::decide(Some(&reader), on), PiiAccess::Masked(MaskReason::NoPiiScope));
        assert_eq!(PiiAccess::decide(None, off), PiiAccess::Masked(MaskReason::NoPiiScope));
        assert!(!MaskReason::NoPiiScope.explained() && MaskReason::MfaRequired.explained());
    }
}
