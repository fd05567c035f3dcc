//! Integration tests through the HTTP app, each on SQLite and on PostgreSQL.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod access;
mod contactability;
mod crm;
mod entities;
mod fixtures;
mod health;
mod identification;
mod profile;
mod queries;
mod schema;
