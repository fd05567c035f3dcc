//! The access model: scopes carried in the JWT `scope` claim ([`scope`]), the principal
//! they belong to ([`principal`]), and whether PII is shown to it ([`pii`]).
//!
//! Scopes are expanded once, where the principal is built from a verified token
//! ([`ScopeRules::expand`]): an old scope keeps granting what was split from it
//! (`customers:write` → `consents:write`, `interactions:write`; `customers:merge` →
//! `interactions:relink`; `customers:read` → `customers:resolve` unless
//! `CUSTOMERS_RESOLVE_REQUIRES_SCOPE`). Everything after asks [`Principal::has`].

pub mod needs;
pub mod pii;
pub mod principal;
pub mod scope;

pub use needs::Need;
pub use pii::{MaskReason, MfaPolicy, PiiAccess, PiiPolicy};
pub use principal::Principal;
pub use scope::{IMPLIED, Scope, ScopeRules};
