//! Integration tests through the HTTP app, each on SQLite and on PostgreSQL.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod access;
mod entities;
mod fixtures;
mod health;
mod profile;
mod queries;
mod schema;
