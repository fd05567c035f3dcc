//! Direct SQL reads of every table a merge touches, to prove rows moved back exactly, or
//! that nothing was written at all.

use crate::common::TestApp;
use sea_orm::{ConnectionTrait as _, Statement};
use std::collections::BTreeMap;

/// One row: its columns as text (`None` for SQL NULL), in the order of [`TABLES`].
pub type Row = Vec<Option<String>>;

/// The columns of each table that say who owns what. `version` and `updated_at` are
/// left out: a merge and its undo legitimately bump them.
const TABLES: &[(&str, &[&str])] = &[
    ("customers", &["id", "status", "merged_into", "display_name"]),
    (
        "channel_identities",
        &[
            "id",
            "customer_id",
            "is_primary",
            "channel",
            "provider",
            "value",
            "lookup_key",
            "verified",
            "shared",
            "anonymous_key",
            "created_at",
        ],
    ),
    ("customer_labels", &["customer_id", "label_id", "source", "assigned_by", "assigned_at"]),
    ("customer_attributes", &["customer_id", "key", "value"]),
    (
        "preferences",
        &[
            "customer_id",
            "language",
            "timezone",
            "preferred_channel",
            "preferred_identity_id",
            "preferred_agent_id",
            "best_time_to_contact",
            "do_not_contact",
            "consents",
        ],
    ),
    ("external_refs", &["id", "customer_id", "system", "external_id"]),
    ("interactions", &["id", "customer_id", "conversation_id", "started_at"]),
    (
        "consent_records",
        &[
            "id",
            "customer_id",
            "identity_id",
            "channel",
            "purpose",
            "status",
            "proof",
            "principal",
            "given_at",
            "expires_at",
            "recorded_at",
        ],
    ),
    (
        "contact_suppressions",
        &["id", "customer_id", "channel", "purpose", "reason", "principal", "created_at", "expires_at", "lifted_at"],
    ),
];

/// What a write that must not happen would leave behind, on top of [`TABLES`].
const WRITE_TRACES: &[(&str, &[&str])] = &[
    ("customers", &["id", "version", "updated_at"]),
    ("customer_attributes", &["customer_id", "key", "updated_at"]),
    ("preferences", &["customer_id", "updated_at"]),
    ("merges", &["id", "undone_at"]),
    // Changes only: a request that writes nothing still records the personal data it showed.
    ("audit_log WHERE action <> 'pii.read'", &["id"]),
];

/// Every row of every table, sorted, keyed by a table name (write traces under `name+`).
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot(BTreeMap<String, Vec<Row>>);

impl Snapshot {
    /// Who owns which row: compare before a merge with after its undo.
    pub async fn ownership(app: &TestApp) -> Self {
        let mut tables = BTreeMap::new();
        for (table, columns) in TABLES {
            tables.insert((*table).to_owned(), rows(app, table, columns).await);
        }
        Snapshot(tables)
    }

    /// Ownership plus versions, timestamps, merge records and audit entries: compare
    /// before and after a request that must write nothing at all.
    pub async fn everything(app: &TestApp) -> Self {
        let mut snapshot = Self::ownership(app).await;
        for (table, columns) in WRITE_TRACES {
            snapshot.0.insert(format!("{table}+"), rows(app, table, columns).await);
        }
        snapshot
    }

    /// Take out the rows of `table` whose `column` is `value`; returns their owners
    /// (`customer_id`).
    pub fn take_owners(&mut self, table: &str, column: &str, value: &str) -> Vec<String> {
        let (index, owner) = (column_index(table, column), column_index(table, "customer_id"));
        let rows = self.0.get_mut(table).unwrap_or_else(|| panic!("no table {table} in the snapshot"));
        let (taken, kept): (Vec<Row>, Vec<Row>) =
            std::mem::take(rows).into_iter().partition(|r| r[index].as_deref() == Some(value));
        *rows = kept;
        taken.into_iter().map(|r| r[owner].clone().unwrap_or_else(|| panic!("{table} without an owner"))).collect()
    }

    /// The rows of `table`, as [`rows`] reads them.
    pub fn table(&self, table: &str) -> &[Row] {
        self.0.get(table).unwrap_or_else(|| panic!("no table {table} in the snapshot"))
    }

    /// Table by table, so that a difference names its table.
    #[track_caller]
    pub fn assert_same_as(&self, expected: &Snapshot, context: &str) {
        assert_eq!(self.0.keys().collect::<Vec<_>>(), expected.0.keys().collect::<Vec<_>>());
        for (table, rows) in &expected.0 {
            assert_eq!(&self.0[table], rows, "{context}: the rows of `{table}` differ (left: now, right: expected)");
        }
    }
}

pub fn column_index(table: &str, column: &str) -> usize {
    let (_, columns) = TABLES.iter().find(|(t, _)| *t == table).unwrap_or_else(|| panic!("unknown table {table}"));
    columns.iter().position(|c| *c == column).unwrap_or_else(|| panic!("no column {column} in {table}"))
}

/// Every row of a table, each column cast to text, sorted.
pub async fn rows(app: &TestApp, table: &str, columns: &[&str]) -> Vec<Row> {
    let select: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("CAST({c} AS TEXT) AS c{i}")).collect();
    let sql = format!("SELECT {} FROM {table}", select.join(", "));
    let found = app
        .store
        .db
        .query_all_raw(Statement::from_string(app.store.backend(), sql.clone()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut out: Vec<Row> = found
        .iter()
        .map(|row| {
            (0..columns.len())
                .map(|i| row.try_get::<Option<String>>("", &format!("c{i}")).unwrap_or_else(|e| panic!("{sql}: {e}")))
                .collect()
        })
        .collect();
    out.sort();
    out
}
