//! Per-request data and the access guard.

use super::loaders::Loaders;
use crate::domain::{Error, Principal, Scope};
use crate::service::Services;
use async_graphql::{Context, ErrorExtensions, Guard};

/// The authenticated caller of this request, if any (set by the HTTP layer).
#[derive(Clone, Debug, Default)]
pub struct Caller(pub Option<Principal>);

pub fn caller<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Principal> {
    ctx.data_opt::<Caller>().and_then(|c| c.0.as_ref()).ok_or_else(|| Error::Unauthenticated.extend())
}

/// Whether PII may be shown unmasked to this caller.
pub fn pii_visible(ctx: &Context<'_>) -> bool {
    ctx.data_opt::<Caller>().and_then(|c| c.0.as_ref()).is_some_and(Principal::can_read_pii)
        && !super::anomaly::blocked(ctx) // ACCESS_BLOCKED: an open access anomaly
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
            Some(scope) if !principal.has(scope) => Err(Error::Forbidden(scope).extend()),
            _ => Ok(()),
        }
    }
}
