//! The GraphQL schema: types, loaders, guards, error mapping and the federation SDL.

pub mod context;
pub mod directives;
mod entities;
pub mod error;
pub mod inputs;
pub mod loaders;
pub mod mutation;
pub mod pagination;
pub mod prefetch;
pub mod query;
mod sdl;
pub mod types;

pub use context::Caller;
pub use sdl::{SdlOptions, federation_sdl};

use crate::service::Services;
use async_graphql::{EmptySubscription, Schema};

pub type CustomersSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Build the schema. `services` is `None` only for printing the SDL.
pub fn build_schema(services: Option<Services>) -> CustomersSchema {
    let sdl = federation_sdl(&base_builder(None).finish(), SdlOptions::default());
    base_builder(services).extension(sdl::ServiceSdl::new(sdl)).extension(entities::EntitiesPrefetch).finish()
}

fn base_builder(
    services: Option<Services>,
) -> async_graphql::SchemaBuilder<query::Query, mutation::Mutation, EmptySubscription> {
    let mut builder = Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .enable_federation()
        // The 360° view is about 6 levels deep; anything much deeper is not a real client.
        .limit_depth(12)
        .limit_complexity(20_000)
        .limit_recursive_depth(32);
    if let Some(services) = services {
        builder = builder.data(services);
    }
    builder
}
