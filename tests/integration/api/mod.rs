//! Profiles through the HTTP app: creating and reading them, the 360° view and its cost,
//! access and PII, identification, CRM sync, federation entities, health, and the SDL.

pub mod fixtures;

mod access;
mod contactability;
mod crm;
mod entities;
mod health;
mod identification;
mod mfa;
mod prefetch;
mod profile;
mod queries;
mod schema;
mod scopes;
