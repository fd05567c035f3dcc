//! The committed SDL is the SDL the code serves.

use crate::common::*;
use customers::graphql::{SdlOptions, build_schema, federation_sdl};
use serde_json::json;

#[test]
fn schema_graphql_is_what_print_schema_prints() {
    let printed = federation_sdl(&build_schema(None), SdlOptions::default());
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(committed == printed, "schema.graphql is stale: run `cargo run -- print-schema > schema.graphql`");
}

#[test]
fn the_sdl_without_auth_directives_has_none_and_imports_none() {
    let sdl = federation_sdl(&build_schema(None), SdlOptions { without_auth_directives: true });
    assert!(!sdl.contains("@requiresScopes") && !sdl.contains("@authenticated"), "{sdl}");
    assert!(sdl.contains("import: [\"@key\", \"@tag\"]"), "{}", &sdl[..200]);
}

#[test]
fn the_sdl_declares_the_contract_keys_and_tags_pii() {
    let sdl = federation_sdl(&build_schema(None), SdlOptions::default());
    for key in [
        "type Customer @key(fields: \"id\")",
        "type ChannelIdentity @key(fields: \"id\")",
        "type Label @authenticated @key(fields: \"id\")",
        "type InteractionRef @key(fields: \"id\")",
        "type Conversation @key(fields: \"id\", resolvable: false)",
        "displayName: String @tag(name: \"pii\")",
        "value: String! @tag(name: \"pii\")",
        "customer(id: ID!): Customer @requiresScopes(scopes: [[\"customers:read\"]])",
    ] {
        assert!(sdl.contains(key), "missing `{key}`");
    }
}

async fn the_live_sdl_equals_the_committed_one(app: &TestApp) {
    let body = app.post(None, "{ _service { sdl } }", json!({})).await.1;
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(body["data"]["_service"]["sdl"].as_str() == Some(committed.as_str()));
}

on_both_databases!(the_live_sdl_equals_the_committed_one);
