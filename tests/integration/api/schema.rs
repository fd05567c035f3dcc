//! The committed SDL (`schema.graphql`) is the SDL the code prints and the SDL the app
//! serves: the golden assertion lives here, once offline and once live, and nowhere else.

use crate::common::*;
use customers::graphql::{SdlOptions, build_schema, federation_sdl};
use serde_json::json;

const STALE: &str = "schema.graphql is stale: run `cargo run -- print-schema > schema.graphql`";

fn committed_sdl() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).expect("schema.graphql")
}

#[test]
fn schema_graphql_is_what_the_code_prints() {
    let printed = federation_sdl(&build_schema(None), SdlOptions::default());
    assert!(committed_sdl() == printed, "{STALE}");
}

/// The router fetches the SDL without a token; the SDL does not depend on the database.
#[tokio::test]
async fn schema_graphql_is_what_the_app_serves() {
    let app = TestApp::sqlite().await;
    let body = app.post(None, "{ _service { sdl } }", json!({})).await.1;
    assert!(body["data"]["_service"]["sdl"].as_str() == Some(committed_sdl().as_str()), "{STALE}");
}

#[test]
fn the_sdl_without_auth_directives_has_none_and_imports_none() {
    let sdl = federation_sdl(&build_schema(None), SdlOptions { without_auth_directives: true, ..Default::default() });
    assert!(!sdl.contains("@requiresScopes") && !sdl.contains("@authenticated"), "{sdl}");
    // `@shareable`: the activity value types, which a subgraph that `@requires` them declares too.
    assert!(sdl.contains("import: [\"@key\", \"@tag\", \"@shareable\"]"), "{}", &sdl[..200]);
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

/// Where a new scope was split from an old one, the SDL lets the router accept either: the
/// alternatives of each operation are the new scope and every old scope that implies it.
#[test]
fn the_sdl_accepts_the_old_scope_wherever_a_new_one_was_split_from_it() {
    let sdl = federation_sdl(&build_schema(None), SdlOptions::default());
    for (field, scopes) in [
        ("resolveCustomer(", r#"[["customers:resolve"], ["customers:read"]]"#),
        ("setPreferences(", r#"[["consents:write"], ["customers:write"]]"#),
        ("linkInteraction(", r#"[["interactions:write"], ["customers:write"]]"#),
        ("relinkInteraction(", r#"[["interactions:relink"], ["customers:merge"]]"#),
    ] {
        let line = sdl.lines().find(|l| l.trim_start().starts_with(field)).expect(field);
        assert!(line.ends_with(&format!("@requiresScopes(scopes: {scopes})")), "{line}");
    }
    for (old, new) in customers::domain::access::IMPLIED {
        let alternatives = format!("[[\"{new}\"], [\"{old}\"]]");
        assert!(sdl.contains(&alternatives), "no operation of {new} accepts {old}");
    }
}
