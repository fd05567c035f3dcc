//! The catalogue and the per-customer writes around it, end to end through GraphQL, each
//! test on SQLite and on PostgreSQL: labels and their assignment, attribute definitions
//! and values, customer filters, preferences, interaction links, and writes to missing
//! or malformed ids.

#[path = "../common/mod.rs"]
mod common;

mod support;

mod attribute_definitions;
mod attribute_values;
mod customer_filters;
mod interactions;
mod label_assignments;
mod labels;
mod preferences;
mod writes;
