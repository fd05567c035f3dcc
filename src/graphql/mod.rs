//! The GraphQL schema: types, loaders, guards, error mapping and the federation SDL.

pub mod access;
pub mod access_log;
pub mod anomaly;
pub mod codes;
pub mod context;
pub mod directives;
mod entities;
pub mod error;
pub mod free_text;
mod hooks;
pub mod inputs;
pub mod limits;
pub mod loaders;
pub mod mutation;
mod order;
mod outbound;
pub mod pagination;
pub mod pii;
pub mod prefetch;
pub mod query;
mod sdl;
mod search;
pub mod subscription;
pub mod types;

pub use context::Caller;
pub use sdl::{SdlOptions, federation_sdl};

use crate::config::{AccessSettings, Limits};
use crate::service::Services;
use async_graphql::Schema;
use subscription::Subscription;

pub type CustomersSchema = Schema<query::Query, mutation::Mutation, Subscription>;

/// Build the schema with the default settings. `services` is `None` only for printing the SDL.
pub fn build_schema(services: Option<Services>) -> CustomersSchema {
    build_schema_with(services, &Limits::default(), &AccessSettings::default())
}

/// Build the schema with the given limits and access settings.
pub fn build_schema_with(services: Option<Services>, limits: &Limits, access: &AccessSettings) -> CustomersSchema {
    let sdl_options = SdlOptions { resolve_requires_scope: access.scopes.resolve_requires_scope, ..Default::default() };
    let sdl = federation_sdl(&base_builder(None, limits).finish(), sdl_options);
    base_builder(services, limits)
        .data(access.clone())
        // One extension: each costs every resolved field a call of its `resolve` hook.
        .extension(hooks::Hooks::new(Some(limits::QueryLimits(limits.clone())), Some(sdl)))
        .finish()
}

fn base_builder(
    services: Option<Services>,
    limits: &Limits,
) -> async_graphql::SchemaBuilder<query::Query, mutation::Mutation, Subscription> {
    let mut builder = Schema::build(query::Query, mutation::Mutation, Subscription)
        .enable_federation()
        // Routers (Hive Gateway, Apollo Router) carry subscriptions only for fields the
        // subgraph's SDL declares.
        .enable_subscription_in_federation()
        // Depth alone does not bound work (lists do: see the complexity of list fields);
        // it stops pathological nesting. graphql-js's introspection query needs 13.
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(32);
    if let Some(services) = services {
        builder = builder.data(services);
    }
    builder
}
