//! The GraphQL operations more than one scenario sends, from `tests/operations/`.

macro_rules! operation {
    ($file:literal $(, $fragment:literal)?) => {
        concat!(include_str!(concat!("../../operations/", $file)) $(, include_str!(concat!("../../operations/", $fragment)))?)
    };
}

pub const CUSTOMER: &str = operation!("customer.graphql");
pub const CUSTOMER_360: &str = operation!("customer360.graphql");
pub const CUSTOMERS: &str = operation!("customers.graphql");
pub const CUSTOMER_INTERACTIONS: &str = operation!("customer_interactions.graphql");
pub const CUSTOMER_ATTRIBUTES: &str = operation!("customer_attributes.graphql");
pub const CONTACTABILITY: &str = operation!("contactability.graphql");
pub const CREATE_CUSTOMER: &str = operation!("create_customer.graphql");
pub const UPDATE_CUSTOMER: &str = operation!("update_customer.graphql");
pub const ADD_CHANNEL_IDENTITY: &str = operation!("add_channel_identity.graphql");
pub const RESOLVE_CUSTOMER: &str = operation!("resolve_customer.graphql");
pub const UPSERT_CUSTOMER_BY_EXTERNAL_REF: &str = operation!("upsert_customer_by_external_ref.graphql");
pub const LINK_INTERACTION: &str = operation!("link_interaction.graphql");
pub const RELINK_INTERACTION: &str = operation!("relink_interaction.graphql");
pub const CREATE_LABEL: &str = operation!("create_label.graphql");
pub const UPDATE_LABEL: &str = operation!("update_label.graphql");
pub const DELETE_LABEL: &str = operation!("delete_label.graphql");
pub const LABELS: &str = operation!("labels.graphql");
pub const ASSIGN_LABELS: &str = operation!("assign_labels.graphql");
pub const UNASSIGN_LABELS: &str = operation!("unassign_labels.graphql");
pub const DEFINE_ATTRIBUTE: &str = operation!("define_attribute.graphql");
pub const ATTRIBUTE_DEFINITIONS: &str = operation!("attribute_definitions.graphql");
pub const SET_ATTRIBUTES: &str = operation!("set_attributes.graphql");
pub const SET_PREFERENCES: &str = operation!("set_preferences.graphql", "preferences.graphql");
/// A customer's preferences, every field.
pub const PREFERENCES: &str = concat!(
    "query($id: ID!) { customer(id: $id) { preferences { ...PreferenceFields } } }\n",
    operation!("preferences.graphql")
);
pub const MERGE_CUSTOMERS: &str = operation!("merge_customers.graphql", "merge_view.graphql");
/// A customer as a merge is judged.
pub const MERGE_VIEW: &str =
    concat!("query($id: ID!) { customer(id: $id) { ...MergeView } }\n", operation!("merge_view.graphql"));
pub const UNMERGE_CUSTOMER: &str = operation!("unmerge_customer.graphql");
pub const AUDIT_LOG: &str = operation!("audit_log.graphql");
pub const ACCESS_ANOMALIES: &str = operation!("access_anomalies.graphql");
pub const CLEAR_ACCESS_ANOMALY: &str = operation!("clear_access_anomaly.graphql");
/// graphql-js's standard introspection query (what GraphiQL, codegen and Postman send).
pub const INTROSPECTION: &str = operation!("introspection.graphql");
pub const ERASE_CUSTOMER: &str = operation!("erase_customer.graphql");
pub const EXPORT_CUSTOMER: &str = operation!("export_customer.graphql");
pub const SET_LEGAL_HOLD: &str = operation!("set_legal_hold.graphql");
