//! sea-orm entities: one module per table. These are storage shapes, never GraphQL types;
//! repositories turn them into domain records.

pub mod anomaly_detection;
pub mod anomaly_observation;
pub mod attribute_definition;
pub mod audit;
pub mod audit_anchor;
pub mod customer;
pub mod customer_activity;
pub mod customer_activity_day;
pub mod customer_attribute;
pub mod customer_label;
pub mod event_outbox;
pub mod external_ref;
pub mod identity;
pub mod import_checkpoint;
pub mod interaction;
pub mod interaction_metadata;
pub mod key_check;
pub mod label;
pub mod legal_hold;
pub mod merge;
pub mod preference;
