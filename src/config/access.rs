//! The access model's settings: MFA for PII, the masks, and whether resolving needs its own
//! scope.

use super::{flag, var};
use crate::domain::access::{MfaPolicy, PiiPolicy, ScopeRules};
use crate::security::mask::MaskOptions;
use anyhow::bail;

/// Every setting of the access model. Each field documents its variable and default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessSettings {
    /// `CUSTOMERS_PII_REQUIRES_MFA`: `pii:read` counts only when the token shows multi-factor
    /// authentication. Default `false`.
    pub pii: PiiPolicy,
    /// `CUSTOMERS_MFA_AMR` (default `mfa otp hwk swk sms fpt face iris`) and
    /// `CUSTOMERS_MFA_ACR` (default none): the `amr` and `acr` values that show MFA,
    /// space- or comma-separated. `pwd` is refused: a password alone is one factor.
    pub mfa: MfaPolicy,
    /// `CUSTOMERS_MASK_PHONE_DIGITS`: trailing digits a masked phone number shows, 2–4.
    /// Default 2.
    pub mask: MaskOptions,
    /// `CUSTOMERS_RESOLVE_REQUIRES_SCOPE`: only `customers:resolve` may call `resolveCustomer`
    /// (`customers:read` no longer implies it). Default `false`.
    pub scopes: ScopeRules,
}

fn list(name: &str) -> Option<Vec<String>> {
    var(name).map(|v| v.split([' ', ',', '\t']).filter(|s| !s.is_empty()).map(str::to_owned).collect())
}

impl AccessSettings {
    pub fn from_env() -> anyhow::Result<Self> {
        let defaults = MfaPolicy::default();
        let mfa = MfaPolicy {
            amr: list("CUSTOMERS_MFA_AMR").unwrap_or(defaults.amr),
            acr: list("CUSTOMERS_MFA_ACR").unwrap_or(defaults.acr),
        };
        if mfa.amr.iter().any(|a| a == "pwd") {
            bail!("CUSTOMERS_MFA_AMR must not list pwd: a password alone is not multi-factor authentication");
        }
        let requires_mfa = flag("CUSTOMERS_PII_REQUIRES_MFA", false)?;
        if requires_mfa && mfa.amr.is_empty() && mfa.acr.is_empty() {
            bail!("CUSTOMERS_PII_REQUIRES_MFA is on but no amr or acr value is accepted");
        }
        let mask = match var("CUSTOMERS_MASK_PHONE_DIGITS") {
            None => MaskOptions::default(),
            Some(v) => match v.parse().ok().and_then(MaskOptions::new) {
                Some(mask) => mask,
                None => bail!("CUSTOMERS_MASK_PHONE_DIGITS must be 2, 3 or 4"),
            },
        };
        Ok(Self {
            pii: PiiPolicy { requires_mfa },
            mfa,
            mask,
            scopes: ScopeRules { resolve_requires_scope: flag("CUSTOMERS_RESOLVE_REQUIRES_SCOPE", false)? },
        })
    }
}
