//! The writes that set a scene and the reads that check it, through the API (every
//! scope) or, to prove what was stored, straight from the database.

use super::*;
use sea_orm::{ConnectionTrait as _, Statement};

impl TestApp {
    /// Create a customer; returns its id.
    pub async fn create_customer(&self, input: Value) -> String {
        id(&self.admin(CREATE_CUSTOMER, json!({ "input": input })).await["createCustomer"])
    }

    /// Create a label in the catalogue; returns its id.
    pub async fn create_label(&self, name: &str) -> String {
        let input = json!({ "name": name, "color": "#aa0000" });
        id(&self.admin(CREATE_LABEL, json!({ "input": input })).await["createLabel"])
    }

    pub async fn define_attribute(&self, input: Value) {
        self.admin(DEFINE_ATTRIBUTE, json!({ "input": input })).await;
    }

    /// Link an interaction to a customer; returns the interaction as the mutation answers.
    pub async fn link(&self, customer_id: &str, interaction: Value) -> Value {
        let variables = json!({ "customerId": customer_id, "interaction": interaction });
        self.admin(LINK_INTERACTION, variables).await["linkInteraction"].clone()
    }

    /// Resolve an identifier as Channel Manager does; panics on errors.
    pub async fn resolve(&self, channel: &str, value: &str, create_if_missing: bool) -> Value {
        let identity = json!({ "channel": channel, "value": value });
        let variables = json!({ "identity": identity, "createIfMissing": create_if_missing });
        let body = self.as_scopes(CHANNEL_MANAGER, RESOLVE_CUSTOMER, variables).await;
        assert!(body.get("errors").is_none(), "{body:#}");
        body["data"]["resolveCustomer"].clone()
    }

    /// Read one customer with the given selection; panics if there is none.
    pub async fn customer(&self, id: &str, selection: &str) -> Value {
        let query = format!("query($id: ID!) {{ customer(id: $id) {{ {selection} }} }}");
        let data = self.admin(&query, json!({ "id": id })).await;
        assert!(!data["customer"].is_null(), "customer {id} not found");
        data["customer"].clone()
    }

    pub async fn version(&self, id: &str) -> i64 {
        self.customer(id, "version").await["version"].as_i64().expect("version")
    }

    /// The names of a customer's labels, in the order the API returns them.
    pub async fn label_names(&self, id: &str) -> Vec<String> {
        strings(&self.customer(id, "labels { name }").await["labels"], "name")
    }

    /// The id of a customer's only identity on a channel.
    pub async fn identity_id(&self, customer_id: &str, channel: &str) -> String {
        let listed = self.customer(customer_id, "identities { id channel }").await["identities"].clone();
        let on_channel: Vec<&Value> =
            listed.as_array().expect("identities").iter().filter(|i| i["channel"] == channel).collect();
        assert_eq!(on_channel.len(), 1, "one {channel} identity: {listed}");
        id(on_channel[0])
    }

    /// The ids of a customer's interactions (on one channel, or all), newest first.
    pub async fn history(&self, customer_id: &str, channel: Option<&str>) -> Vec<String> {
        let data = self.admin(CUSTOMER_INTERACTIONS, json!({ "id": customer_id, "channel": channel })).await;
        node_ids(&data["customer"]["interactions"])
    }

    /// Count the rows of a table directly (to prove what was, or was not, written).
    pub async fn count_rows(&self, table: &str) -> i64 {
        self.scalar_i64(&format!("SELECT COUNT(*) FROM {table}")).await
    }

    /// The first column of the first row of `sql`, an integer.
    pub async fn scalar_i64(&self, sql: &str) -> i64 {
        let row = self.store.db.query_one_raw(Statement::from_string(self.store.backend(), sql.to_owned())).await;
        row.expect(sql).expect("a row").try_get_by_index::<i64>(0).expect("an integer")
    }

    /// The text columns of the first row a query returns, straight from the database.
    pub async fn sql_strings(&self, sql: &str, columns: &[&str]) -> Option<Vec<String>> {
        let statement = Statement::from_string(self.store.backend(), sql.to_owned());
        let row = self.store.db.query_one_raw(statement).await.expect(sql)?;
        Some(columns.iter().map(|c| row.try_get::<String>("", c).unwrap_or_else(|e| panic!("{c}: {e}"))).collect())
    }
}
