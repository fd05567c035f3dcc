//! The federation SDL, as `_service { sdl }` serves it and `customers print-schema` prints it.
//!
//! async-graphql prints a `@link` that imports every federation directive whether used or
//! not, and has no `@authenticated`; we print `@authenticated` as a type directive, then
//! rewrite the `@link` to import exactly the directives the schema uses.

use async_graphql::SDLExportOptions;

const FEDERATION_URL: &str = "https://specs.apollo.dev/federation/v2.5";
const FEDERATION_DIRECTIVES: [&str; 12] = [
    "key",
    "tag",
    "shareable",
    "inaccessible",
    "override",
    "external",
    "provides",
    "requires",
    "composeDirective",
    "interfaceObject",
    "requiresScopes",
    "authenticated",
];

#[derive(Clone, Copy, Debug, Default)]
pub struct SdlOptions {
    /// Leave out `@requiresScopes` and `@authenticated`, for routers that refuse them
    /// without a commercial plan. The subgraph enforces the same rules either way.
    pub without_auth_directives: bool,
    /// `CUSTOMERS_RESOLVE_REQUIRES_SCOPE`: `resolveCustomer` is declared with
    /// `customers:resolve` alone, since `customers:read` no longer implies it.
    pub resolve_requires_scope: bool,
}

/// How `resolveCustomer` is declared: `customers:resolve`, or `customers:read` that implies it.
const RESOLVE_EITHER: &str = r#"@requiresScopes(scopes: [["customers:resolve"], ["customers:read"]])"#;
const RESOLVE_ONLY: &str = r#"@requiresScopes(scopes: [["customers:resolve"]])"#;

/// The scopes of subscription fields, which async-graphql cannot declare with
/// `requires_scopes` (its subscription macro has no such attribute): printed here so the
/// router checks them as it checks queries'. The resolvers' guards check the same.
const SUBSCRIPTION_SCOPES: [(&str, &str); 1] =
    [("customerChanged", r#"@requiresScopes(scopes: [["customers:read"]])"#)];

pub fn federation_sdl<Q, M, S>(schema: &async_graphql::Schema<Q, M, S>, opts: SdlOptions) -> String
where
    Q: async_graphql::ObjectType + 'static,
    M: async_graphql::ObjectType + 'static,
    S: async_graphql::SubscriptionType + 'static,
{
    let raw = schema.sdl_with_options(SDLExportOptions::new().federation().compose_directive());
    finalize(&raw, opts)
}

fn finalize(raw: &str, opts: SdlOptions) -> String {
    let mut body = String::with_capacity(raw.len());
    // A description block is held back until we see what it describes.
    let mut pending = String::new();
    let mut in_description = false;
    let mut in_subscription = false;
    let mut lines = raw.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("extend schema @link(") {
            // Skip the generated link block; ours is written below.
            for inner in lines.by_ref() {
                if inner.trim() == ")" {
                    break;
                }
            }
            continue;
        }
        if line.trim() == "\"\"\"" || in_description {
            if line.trim() == "\"\"\"" {
                in_description = !in_description;
            }
            pending.push_str(line);
            pending.push('\n');
            continue;
        }
        // Directive definitions are dropped: built-ins need none, and federation's own
        // (`@authenticated`) are imported through `@link`.
        if line.starts_with("directive @") {
            pending.clear();
            continue;
        }
        body.push_str(&pending);
        pending.clear();
        if line.starts_with("type Subscription") {
            in_subscription = true;
        } else if line.starts_with('}') {
            in_subscription = false;
        }
        body.push_str(line);
        if in_subscription {
            let field = line.trim_start().split(['(', ':']).next().unwrap_or_default();
            if let Some((_, directive)) = SUBSCRIPTION_SCOPES.iter().find(|(name, _)| *name == field) {
                body.push(' ');
                body.push_str(directive);
            }
        }
        body.push('\n');
    }
    if opts.resolve_requires_scope {
        body = body.replace(RESOLVE_EITHER, RESOLVE_ONLY);
    }
    if opts.without_auth_directives {
        body = strip_directive(&body, "@requiresScopes");
        body = strip_directive(&body, "@authenticated");
    }
    let body = body.trim().to_owned();
    let used: Vec<String> =
        FEDERATION_DIRECTIVES.iter().filter(|name| uses(&body, name)).map(|name| format!("\"@{name}\"")).collect();
    format!("extend schema @link(\n\turl: \"{FEDERATION_URL}\",\n\timport: [{}]\n)\n\n{body}\n", used.join(", "))
}

/// Whether `@name` is applied somewhere (not just a prefix of a longer name).
fn uses(sdl: &str, name: &str) -> bool {
    let needle = format!("@{name}");
    sdl.match_indices(&needle)
        .any(|(i, _)| sdl[i + needle.len()..].chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_')))
}

/// Remove every application of a directive, with its arguments.
fn strip_directive(sdl: &str, name: &str) -> String {
    let mut out = String::with_capacity(sdl.len());
    let mut rest = sdl;
    while let Some(i) = rest.find(name) {
        let after = &rest[i + name.len()..];
        if after.chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            out.push_str(&rest[..i + name.len()]);
            rest = after;
            continue;
        }
        out.push_str(rest[..i].trim_end_matches(' '));
        rest = after;
        if rest.starts_with('(') {
            let mut depth = 0usize;
            let mut end = rest.len();
            for (j, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = j + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_directives_are_stripped_with_their_arguments() {
        let sdl =
            "type Q {\n\ta: Int @requiresScopes(scopes: [[\"x:y\"]]) @tag(name: \"pii\")\n\tb: Int @authenticated\n}\n";
        let out = strip_directive(&strip_directive(sdl, "@requiresScopes"), "@authenticated");
        assert_eq!(out, "type Q {\n\ta: Int @tag(name: \"pii\")\n\tb: Int\n}\n");
    }

    #[test]
    fn subscription_fields_carry_their_scopes() {
        let out = finalize("type Subscription {\n\tcustomerChanged(id: ID!): Customer!\n}\n", SdlOptions::default());
        assert!(
            out.contains("\tcustomerChanged(id: ID!): Customer! @requiresScopes(scopes: [[\"customers:read\"]])\n"),
            "{out}"
        );
        let bare = finalize(
            "type Subscription {\n\tcustomerChanged(id: ID!): Customer!\n}\n",
            SdlOptions { without_auth_directives: true, ..SdlOptions::default() },
        );
        assert!(!bare.contains("@requiresScopes"), "{bare}");
    }

    #[test]
    fn only_used_directives_are_imported() {
        let out = finalize(
            "extend schema @link(\n\turl: \"x\",\n\timport: [\"@key\"]\n)\ntype A @key(fields: \"id\") { id: ID! }\n",
            SdlOptions::default(),
        );
        assert!(out.contains("import: [\"@key\"]"), "{out}");
    }
}
