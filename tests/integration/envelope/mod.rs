//! Envelope encryption (decision 0009): a data key per customer in a key store apart from
//! the data, values bound to their row, master key rotation, the in-place migration of
//! values sealed the old way, crypto-shredding, free text sealed at rest — each test on
//! SQLite and on PostgreSQL (the key store then in a second PostgreSQL database).

mod at_rest;
mod classification;
mod rotation;
mod shredding;

use crate::common::*;
use sea_orm::{ConnectionTrait as _, Statement};
use serde_json::{Value, json};

/// The text columns of every row a query returns, straight from the database.
async fn column(app: &TestApp, sql: &str) -> Vec<String> {
    let rows =
        app.store.db.query_all_raw(Statement::from_string(app.store.backend(), sql.to_owned())).await.expect(sql);
    rows.iter().map(|r| r.try_get_by_index::<Option<String>>(0).expect("a text column").unwrap_or_default()).collect()
}

/// Run a statement straight on the database.
async fn execute(app: &TestApp, sql: &str) {
    app.store.db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A customer with a name and a phone; returns its id.
async fn person(app: &TestApp, name: &str, phone: &str) -> String {
    app.create_customer(json!({ "displayName": name, "identities": [{ "channel": "PHONE", "value": phone }] })).await
}

/// Name and identity values of a customer, as an admin reads them (the whole body).
async fn read(app: &TestApp, id: &str) -> Value {
    app.attempt("query($id: ID!) { customer(id: $id) { displayName identities { value } } }", json!({ "id": id })).await
}
