//! Domain errors to GraphQL errors: `extensions.code` always, `extensions.field` when the
//! error is about an input field. Internal errors are logged with their cause and replaced
//! by a generic message: database error text can quote values, which may be PII.

use crate::domain::Error;
use async_graphql::ErrorExtensions;
use std::sync::Arc;

impl ErrorExtensions for Error {
    fn extend(&self) -> async_graphql::Error {
        if let Error::Internal(cause) = self {
            let reference = crate::domain::id::new_id();
            tracing::error!(error.reference = %reference, error = format!("{cause:#}"), "internal error");
            return async_graphql::Error::new(format!("internal error (reference {reference})"))
                .extend_with(|_, e| e.set("code", "INTERNAL"));
        }
        async_graphql::Error::new(self.to_string()).extend_with(|_, e| {
            e.set("code", self.code());
            if let Some(field) = self.field() {
                e.set("field", field);
            }
            if let Error::Forbidden { scope, .. } = self {
                e.set("requiredScope", scope.as_str());
            }
        })
    }
}

/// `?` on a domain result inside a resolver.
pub trait IntoGql<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> IntoGql<T> for Result<T, Error> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| e.extend())
    }
}

impl<T> IntoGql<T> for Result<T, Arc<Error>> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| e.extend())
    }
}
