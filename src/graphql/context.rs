//! Per-request data and the access guard.

use super::loaders::Loaders;
use super::pii::PiiGate;
use crate::config::AccessSettings;
use crate::domain::{Error, Principal, Scope};
use crate::security::mask::MaskOptions;
use crate::service::Services;
use async_graphql::{Context, ErrorExtensions, Guard};

/// The authenticated caller of this request, if any (set by the HTTP layer).
#[derive(Clone, Debug, Default)]
pub struct Caller(pub Option<Principal>);

pub fn caller<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Principal> {
    ctx.data_opt::<Caller>().and_then(|c| c.0.as_ref()).ok_or_else(|| Error::Unauthenticated.extend())
}

/// Whether PII may be shown unmasked in this request: the one question every PII field
/// asks. The decision is taken once per request ([`super::pii::PiiNotice`]); without one,
/// nothing is shown.
pub fn pii_visible(ctx: &Context<'_>) -> bool {
    ctx.data_opt::<PiiGate>().is_some_and(PiiGate::visible)
}

/// How masked values look (`CUSTOMERS_MASK_PHONE_DIGITS`).
pub fn mask_options(ctx: &Context<'_>) -> MaskOptions {
    ctx.data_opt::<AccessSettings>().map(|a| a.mask).unwrap_or_default()
}

pub fn services<'a>(ctx: &'a Context<'_>) -> &'a Services {
    ctx.data_unchecked::<Services>()
}

pub fn loaders<'a>(ctx: &'a Context<'_>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// Field guard: the caller must be authenticated and hold `scope`.
/// (`None`: authenticated is enough.)
pub struct Require(pub Option<Scope>);

impl Guard for Require {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let principal = caller(ctx)?;
        match self.0 {
            Some(scope) if !principal.has(scope) => Err(Error::forbidden(scope).extend()),
            _ => Ok(()),
        }
    }
}

/// Field guard: the caller must hold one of `scopes` (a new scope and the old one that
/// implies it need not both be listed: scopes are expanded when the principal is built;
/// this is for operations whose parts need different scopes, checked on the input).
/// Refused, the error names the first (an empty list admits no one).
pub struct RequireAny(pub &'static [Scope]);

impl Guard for RequireAny {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let principal = caller(ctx)?;
        match self.0.iter().find(|s| principal.has(**s)) {
            Some(_) => Ok(()),
            None => match self.0.first() {
                Some(first) => Err(Error::forbidden(*first).extend()),
                None => Err(Error::Unauthenticated.extend()),
            },
        }
    }
}
