//! The catalogue and the per-customer writes around it, end to end through GraphQL, each
//! test on SQLite and on PostgreSQL: labels and their assignment, attribute definitions
//! and values, customer filters, preferences, interaction links, and writes to missing
//! or malformed ids.

mod attribute_definitions;
mod attribute_keys;
mod attribute_values;
mod customer_filters;
mod interactions;
mod label_assignments;
mod labels;
mod preferences;
mod writes;

/// An attribute key of every type but `ENUM` (which needs its values).
const EVERY_TYPE: [(&str, &str); 6] = [
    ("nickname", "STRING"),
    ("lifetime_value", "NUMBER"),
    ("vip", "BOOLEAN"),
    ("birthday", "DATE"),
    ("last_order_at", "DATETIME"),
    ("crm_payload", "JSON"),
];
