//! Customer Interaction Profiles: an Apollo Federation v2 subgraph.
//!
//! Requests flow `http → graphql → service → store`, never back up. `domain` holds the
//! validated values every layer speaks; `security` the masking and local secrets.

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod config;
pub mod domain;
pub mod events;
pub mod graphql;
pub mod http;
pub mod jobs;
pub mod security;
pub mod seed;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;

pub use http::{AppState, app};
