//! Integration tests through the HTTP app, each on SQLite and on PostgreSQL.

#[path = "../common/mod.rs"]
mod common;

mod access;
mod entities;
mod health;
mod profile;
mod queries;
mod schema;
