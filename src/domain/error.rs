//! The one error type of the service: a variant per outcome a client can see.
//!
//! `Internal` carries the cause for the log only; its text never reaches a response
//! (database errors can quote the values they failed on, which may be PII).

use super::Scope;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("a valid bearer token is required")]
    Unauthenticated,
    /// A missing scope; `field` names the input field that needs it, when it is one field
    /// of an input rather than the whole operation.
    #[error("this operation needs the `{scope}` scope")]
    Forbidden { scope: Scope, field: Option<String> },
    #[error("{entity} not found")]
    NotFound { entity: &'static str, field: String },
    #[error("{message}")]
    BadInput { field: String, message: String },
    #[error("{message}")]
    Conflict { field: Option<String>, message: String },
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl Error {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::BadInput { field: field.into(), message: message.into() }
    }

    /// The operation needs `scope`.
    pub fn forbidden(scope: Scope) -> Self {
        Error::Forbidden { scope, field: None }
    }

    /// The input field `field` needs `scope`.
    pub fn forbidden_at(scope: Scope, field: impl Into<String>) -> Self {
        Error::Forbidden { scope, field: Some(field.into()) }
    }

    pub fn not_found(entity: &'static str, field: impl Into<String>) -> Self {
        Error::NotFound { entity, field: field.into() }
    }

    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        Error::Conflict { field: field.map(str::to_owned), message: message.into() }
    }

    /// The `extensions.code` clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated => "UNAUTHENTICATED",
            Error::Forbidden { .. } => "FORBIDDEN",
            Error::NotFound { .. } => "NOT_FOUND",
            Error::BadInput { .. } => "BAD_USER_INPUT",
            Error::Conflict { .. } => "CONFLICT",
            Error::Internal(_) => "INTERNAL",
        }
    }

    /// The input field the error is about, as a dotted path (`input.identities.0.value`).
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::NotFound { field, .. } | Error::BadInput { field, .. } => Some(field),
            Error::Conflict { field, .. } | Error::Forbidden { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// Prefix the field path, so that validators can name fields relative to their input.
    pub fn within(self, prefix: &str) -> Self {
        let join = |f: String| if f.is_empty() { prefix.to_owned() } else { format!("{prefix}.{f}") };
        match self {
            Error::BadInput { field, message } => Error::BadInput { field: join(field), message },
            Error::NotFound { entity, field } => Error::NotFound { entity, field: join(field) },
            Error::Conflict { field: Some(f), message } => Error::Conflict { field: Some(join(f)), message },
            other => other,
        }
    }
}

impl From<anyhow::Error> for Error {
    fn from(err: anyhow::Error) -> Self {
        Error::Internal(err)
    }
}
