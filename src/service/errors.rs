//! Store outcomes become domain errors here, on the input field the caller named: the
//! store knows tables and indexes, the service knows which argument a row came from.

use crate::domain::Error;
use crate::store::{Constraint, StoreError};

/// What a client is told when a unique index refuses a write.
fn duplicate_message(c: Constraint) -> &'static str {
    match c {
        Constraint::IdentityPerCustomer => "the customer already has this identity",
        Constraint::AnonymousIdentity => "an anonymous profile for this identifier was created concurrently",
        Constraint::LabelName => "a label with this name already exists",
        Constraint::ConversationLink => "this conversation is linked to another customer; use relinkInteraction",
        Constraint::ExternalRef => "this external record is linked to another customer",
        Constraint::IdempotencyKey => "this idempotency key was used for another request",
        Constraint::AttributeKey => "an attribute with this key in another case is defined",
        Constraint::SuppressionListName => "a suppression list with this name already exists",
    }
}

impl StoreError {
    /// The domain error for this outcome about `entity`, given at `field`.
    pub(crate) fn on(self, entity: &'static str, field: &str) -> Error {
        match self {
            StoreError::NotFound => Error::not_found(entity, field),
            StoreError::Merged { into } => {
                Error::conflict(Some(field), format!("{entity} was merged into {into}; write to that profile instead"))
            }
            StoreError::Stale { current } => {
                Error::conflict(Some("expectedVersion"), format!("{entity} is at version {current}"))
            }
            StoreError::Duplicate(c) => Error::conflict(Some(field), duplicate_message(c)),
            StoreError::Database(e) => Error::Internal(e),
        }
    }
}

/// Outcomes with no input field to blame: a database failure, or a row that vanished
/// inside its own transaction, is internal.
impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Database(e) => Error::Internal(e),
            StoreError::Duplicate(c) => Error::conflict(None, duplicate_message(c)),
            other => Error::Internal(anyhow::anyhow!("unexpected store outcome: {other}")),
        }
    }
}

/// `.on("customer", "customerId")` on a repository result.
pub(crate) trait On<T> {
    fn on(self, entity: &'static str, field: &str) -> Result<T, Error>;
}

impl<T> On<T> for Result<T, StoreError> {
    fn on(self, entity: &'static str, field: &str) -> Result<T, Error> {
        self.map_err(|e| e.on(entity, field))
    }
}
