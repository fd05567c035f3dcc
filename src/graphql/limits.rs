//! Query limits, each answered with its own error (`extensions.code: LIMIT_EXCEEDED`,
//! `extensions.limit` naming it) before anything is resolved: lexical tokens (counted on
//! the raw text, before parsing), aliases, directives and `_entities` representations
//! (counted on the parsed document), and depth and list-aware complexity (async-graphql's
//! validation, whose errors are given the same code here).
//!
//! These are checks, not an extension of their own: [`super::codes`] runs them
//! from its hooks. async-graphql calls every extension's `resolve` hook for every field
//! resolved (a boxed future each, even for the default hook), so a request-level concern
//! costs least inside an extension that is there anyway.

use crate::config::Limits;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

/// The most representations one `_entities` call may carry.
pub const MAX_REPRESENTATIONS: usize = 1000;

/// The query limits of a schema.
#[derive(Clone, Debug)]
pub struct QueryLimits(pub Limits);

/// The error for a limit: what it is and its value, never anything of the query.
pub fn exceeded(limit: &str, max: usize) -> ServerError {
    let mut e = ServerError::new(format!("the query exceeds the {limit} limit ({max})"), None);
    let ext = e.extensions.get_or_insert_with(Default::default);
    ext.set("code", "LIMIT_EXCEEDED");
    ext.set("limit", limit);
    ext.set("max", max as u64);
    e
}

impl QueryLimits {
    /// Before parsing: the lexical tokens of the query text.
    pub fn check_text(&self, query: &str) -> ServerResult<()> {
        let max = self.0.max_tokens;
        // A token is at least one byte: a text no longer than the limit cannot exceed it.
        if query.len() > max && count_tokens(query, max) > max {
            return Err(exceeded("tokens", max));
        }
        Ok(())
    }

    /// Once parsed: aliases, directives and `_entities` representations.
    pub fn check_document(&self, doc: &ExecutableDocument, variables: &Variables) -> ServerResult<()> {
        let counts = Counts::of(doc);
        if counts.aliases > self.0.max_aliases {
            return Err(exceeded("aliases", self.0.max_aliases));
        }
        if counts.directives > self.0.max_directives {
            return Err(exceeded("directives", self.0.max_directives));
        }
        if super::entities::representations(doc, variables).len() > MAX_REPRESENTATIONS {
            return Err(exceeded("representations", MAX_REPRESENTATIONS));
        }
        Ok(())
    }

    /// A validation error: async-graphql's own for its depth and complexity limits become
    /// limit errors; any other is returned as it is.
    pub fn validation_error(&self, e: ServerError) -> ServerError {
        match e.message.as_str() {
            // async-graphql's own wording for its two limits.
            "Query is too complex." => exceeded("complexity", self.0.max_complexity),
            "Query is nested too deep." => exceeded("depth", self.0.max_depth),
            _ => e,
        }
    }
}

/// GraphQL lexical tokens in `text` (punctuators, names, numbers, strings), counting no
/// further than `stop` past it: whitespace, commas and comments are not tokens.
pub fn count_tokens(text: &str, stop: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < bytes.len() && n <= stop {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            0xEF if bytes[i..].starts_with("\u{feff}".as_bytes()) => i += 3,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 3;
                n += 1;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                n += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                i += 3;
                n += 1;
            }
            c if c.is_ascii_digit() || c == b'-' => {
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'.' | b'+' | b'-')) {
                    i += 1;
                }
                n += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                n += 1;
            }
            _ => {
                i += 1;
                n += 1;
            }
        }
    }
    n
}

#[derive(Default)]
struct Counts {
    aliases: usize,
    directives: usize,
}

impl Counts {
    /// Aliases and directives of every operation and fragment, each definition once.
    fn of(doc: &ExecutableDocument) -> Self {
        let mut c = Counts::default();
        for (_, op) in doc.operations.iter() {
            c.directives += op.node.directives.len();
            c.walk(&op.node.selection_set.node);
        }
        for fragment in doc.fragments.values() {
            c.directives += fragment.node.directives.len();
            c.walk(&fragment.node.selection_set.node);
        }
        c
    }

    fn walk(&mut self, set: &SelectionSet) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    self.aliases += usize::from(f.node.alias.is_some());
                    self.directives += f.node.directives.len();
                    self.walk(&f.node.selection_set.node);
                }
                Selection::FragmentSpread(s) => self.directives += s.node.directives.len(),
                Selection::InlineFragment(f) => {
                    self.directives += f.node.directives.len();
                    self.walk(&f.node.selection_set.node);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_counted_as_graphql_lexes_them() {
        assert_eq!(count_tokens("{ a }", 100), 3);
        assert_eq!(count_tokens("query Q($x: Int = -1.5e3) { f(x: $x) @skip(if: false) }", 100), 26);
        assert_eq!(count_tokens("{ a...F }", 100), 5);
        assert_eq!(count_tokens("# only a comment\n , ,", 100), 0);
        assert_eq!(count_tokens(r#"{ f(s: "a \" b", t: """x "" y""") }"#, 100), 11);
        assert_eq!(count_tokens("{ ...F }", 100), 4);
    }

    #[test]
    fn counting_stops_past_the_limit() {
        let huge = "{ a ".repeat(1_000_000);
        assert_eq!(count_tokens(&huge, 10), 11);
    }

    #[test]
    fn aliases_and_directives_are_counted_in_operations_and_fragments() {
        let doc = async_graphql::parser::parse_query(
            "query Q @a { x: f @b { y: g } ...F ... @c { z: h } } fragment F on T @d { w: i @e @f }",
        )
        .unwrap();
        let c = Counts::of(&doc);
        assert_eq!((c.aliases, c.directives), (4, 6));
    }

    #[test]
    fn a_limit_error_says_which_limit() {
        let e = exceeded("aliases", 30);
        let ext = serde_json::to_value(&e).unwrap()["extensions"].clone();
        assert_eq!(ext, serde_json::json!({ "code": "LIMIT_EXCEEDED", "limit": "aliases", "max": 30 }));
    }
}
