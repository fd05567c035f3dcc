//! What a repository answers besides its value: typed outcomes in storage terms. The store
//! never names API fields; services turn these into domain errors on the right field.

use sea_orm::{DbErr, RuntimeErr};
use std::fmt;

/// A unique index of the schema, named as the migrations declare it. A write that loses a
/// race on one answers `Duplicate` with it, mapped by the index's name (PostgreSQL reports
/// it) or its table and columns (SQLite reports those), never by free message text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// `ux_identities_customer_lookup`: a customer holds an identifier once.
    IdentityPerCustomer,
    /// `ux_identities_anonymous_key`: one anonymous profile per new identifier.
    AnonymousIdentity,
    /// `ux_labels_name_key`: label names are unique regardless of case and spacing.
    LabelName,
    /// `ux_interactions_conversation`: a conversation is linked to one profile.
    ConversationLink,
    /// `ux_external_refs_key`: a CRM record is linked to one profile (the blind index of
    /// its id: the id itself is sealed).
    ExternalRef,
    /// `ux_interactions_idempotency`: an idempotency key names one interaction.
    IdempotencyKey,
    /// `ux_attribute_definitions_key_lower`: attribute keys are unique regardless of case.
    AttributeKey,
    /// `ux_suppression_lists_name`: suppression list names are unique.
    SuppressionListName,
}

impl Constraint {
    pub const ALL: [Constraint; 8] = [
        Constraint::IdentityPerCustomer,
        Constraint::AnonymousIdentity,
        Constraint::LabelName,
        Constraint::ConversationLink,
        Constraint::ExternalRef,
        Constraint::IdempotencyKey,
        Constraint::AttributeKey,
        Constraint::SuppressionListName,
    ];

    /// The index name, as created by the migrations.
    pub fn index_name(self) -> &'static str {
        self.definition().0
    }

    /// (index name, table, columns)
    fn definition(self) -> (&'static str, &'static str, &'static [&'static str]) {
        match self {
            Constraint::IdentityPerCustomer => {
                ("ux_identities_customer_lookup", "channel_identities", &["customer_id", "lookup_key"])
            }
            Constraint::AnonymousIdentity => ("ux_identities_anonymous_key", "channel_identities", &["anonymous_key"]),
            Constraint::LabelName => ("ux_labels_name_key", "labels", &["name_key"]),
            Constraint::ConversationLink => ("ux_interactions_conversation", "interactions", &["conversation_id"]),
            Constraint::ExternalRef => ("ux_external_refs_key", "external_refs", &["system", "external_key"]),
            Constraint::IdempotencyKey => ("ux_interactions_idempotency", "interactions", &["idempotency_key"]),
            // An expression index (`lower(key)`): SQLite names it rather than its columns.
            Constraint::AttributeKey => ("ux_attribute_definitions_key_lower", "attribute_definitions", &[]),
            Constraint::SuppressionListName => ("ux_suppression_lists_name", "suppression_lists", &["name"]),
        }
    }

    /// Which index a unique violation is about: PostgreSQL names the index; SQLite says
    /// `UNIQUE constraint failed: table.col, table.col`.
    fn of_violation(name: Option<&str>, message: &str) -> Option<Self> {
        let sqlite_columns: Option<Vec<&str>> =
            message.strip_prefix("UNIQUE constraint failed: ").map(|cols| cols.split(',').map(str::trim).collect());
        Self::ALL.into_iter().find(|c| {
            let (index, table, columns) = c.definition();
            name == Some(index)
                || message.ends_with(&format!("index '{index}'"))
                || sqlite_columns.as_ref().is_some_and(|found| {
                    found.len() == columns.len()
                        && columns.iter().all(|col| found.contains(&&*format!("{table}.{col}")))
                })
        })
    }
}

/// The outcome of a repository call that did not produce its value.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row the call is about does not exist.
    #[error("not found")]
    NotFound,
    /// The customer was merged into another profile and takes no writes.
    #[error("merged into {into}")]
    Merged { into: crate::domain::id::CustomerId },
    /// The customer is at another version than the caller expected.
    #[error("stale: at version {current}")]
    Stale { current: i32 },
    /// A unique index refused the write (a lost race, or a duplicate the caller did not check).
    #[error("duplicate on {}", .0.index_name())]
    Duplicate(Constraint),
    /// Anything else: the database failed, or a stored row does not decode. The text is for
    /// the log only (it can quote values).
    #[error(transparent)]
    Database(anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The unique index a database error is a violation of, if it is one.
pub fn violated(err: &DbErr) -> Option<Constraint> {
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(db) = e.as_ref() else { return None };
    if db.kind() != sea_orm::sqlx::error::ErrorKind::UniqueViolation {
        return None;
    }
    Constraint::of_violation(db.constraint(), db.message())
}

/// `.context("…")` on a database call: unique violations become `Duplicate`, anything else
/// a `Database` error saying which operation failed.
pub trait DbContext<T> {
    fn context(self, operation: &'static str) -> StoreResult<T>;
}

impl<T> DbContext<T> for Result<T, DbErr> {
    fn context(self, operation: &'static str) -> StoreResult<T> {
        self.map_err(|err| match violated(&err) {
            Some(constraint) => StoreError::Duplicate(constraint),
            None => StoreError::Database(loggable(err).context(operation)),
        })
    }
}

/// A database error as it may be logged. The database's own message can quote the value
/// it refused (PostgreSQL: `invalid input syntax for type uuid: "…"`, `value "…" is out of
/// range`), which can be PII: what is kept is its SQLSTATE, the constraint, table and
/// column it names, and the message with every quoted literal blanked. Other errors
/// (connection, pool, decoding) keep their text: they quote no stored value.
fn loggable(err: DbErr) -> anyhow::Error {
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = &err
    else {
        return anyhow::Error::new(err);
    };
    let sea_orm::sqlx::Error::Database(db) = e.as_ref() else { return anyhow::Error::new(err) };
    let mut text = format!("database error {}: {}", db.code().unwrap_or_default(), without_literals(db.message()));
    if let Some(table) = db.table() {
        text.push_str(&format!(" (table {table})"));
    }
    if let Some(constraint) = db.constraint() {
        text.push_str(&format!(" (constraint {constraint})"));
    }
    anyhow::Error::msg(text)
}

/// `message` with the content of every quoted literal (`"…"`, `'…'`) replaced by `…`.
fn without_literals(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut open: Option<char> = None;
    for c in message.chars() {
        match open {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if c == '"' || c == '\'' {
                    open = Some(c);
                }
            }
        }
    }
    if open.is_some() {
        out.push('…');
    }
    out
}

impl<T> DbContext<T> for anyhow::Result<T> {
    fn context(self, operation: &'static str) -> StoreResult<T> {
        self.map_err(|err| StoreError::Database(err.context(operation)))
    }
}

impl<T> DbContext<T> for serde_json::Result<T> {
    fn context(self, operation: &'static str) -> StoreResult<T> {
        self.map_err(|err| StoreError::Database(anyhow::Error::new(err).context(operation)))
    }
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match violated(&err) {
            Some(constraint) => StoreError::Duplicate(constraint),
            None => StoreError::Database(loggable(err)),
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.index_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_in_database_messages_are_blanked() {
        assert_eq!(
            without_literals(r#"invalid input syntax for type uuid: "Ayesha Khan""#),
            r#"invalid input syntax for type uuid: "…""#
        );
        assert_eq!(without_literals("value 'x' and 'y' too long"), "value '…' and '…' too long");
        assert_eq!(without_literals(r#"unterminated "+92300"#), r#"unterminated "…"#);
        assert_eq!(
            without_literals("canceling statement due to statement timeout"),
            "canceling statement due to statement timeout"
        );
    }

    #[test]
    fn violations_are_mapped_by_index_name_or_by_its_columns() {
        assert_eq!(
            Constraint::of_violation(Some("ux_labels_name_key"), "duplicate key value"),
            Some(Constraint::LabelName)
        );
        assert_eq!(
            Constraint::of_violation(
                None,
                "UNIQUE constraint failed: channel_identities.customer_id, channel_identities.lookup_key"
            ),
            Some(Constraint::IdentityPerCustomer)
        );
        assert_eq!(
            Constraint::of_violation(None, "UNIQUE constraint failed: channel_identities.lookup_key"),
            None,
            "a subset of an index's columns is not that index"
        );
        assert_eq!(Constraint::of_violation(Some("pk_something"), "whatever"), None);
        assert_eq!(
            Constraint::of_violation(None, "UNIQUE constraint failed: index 'ux_attribute_definitions_key_lower'"),
            Some(Constraint::AttributeKey),
            "an expression index is named by SQLite"
        );
    }
}
