//! Search over encrypted PII: which blind-index tokens a profile has, and which tokens a
//! search text looks up. Pure: the store keys each token (HMAC under the blind-index key,
//! `PiiCodec::search_token`) and keeps only the keyed form. See
//! `docs/decisions/0013-search.md`.

mod fold;
mod query;
#[cfg(test)]
mod tests;

pub use fold::{fold, words};
pub use query::{SearchCursor, SearchPlan, SearchText};

use std::collections::BTreeSet;

/// The longest search text accepted, in characters.
pub const MAX_TEXT: usize = 200;
/// The most words of a name a search text may hold (each is one more token looked up).
pub const MAX_TERMS: usize = 8;
/// `totalCount` of a search stops counting here (an answer of 1000 means "1000 or more").
pub const TOTAL_CAP: u64 = 1000;
/// The fewest trailing digits of a phone number that find it.
pub const MIN_SUFFIX: usize = 4;
/// Name prefixes are indexed up to this many characters; a longer word typed is looked up
/// by its first `MAX_PREFIX` characters (and found first when it is a whole word).
pub const MAX_PREFIX: usize = 16;

/// What a token says about the profile holding it; the rank of a hit is the best kind
/// matched (exact identifier > full name > whole word or partial identifier > prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenKind {
    /// A whole identifier: an identity's normalised value, an external id, the value of a
    /// searchable attribute.
    Identifier,
    /// Part of an identifier: the last 4+ digits of a phone number, an e-mail's local part.
    Partial,
    /// The whole name, folded (`jose garcia`).
    FullName,
    /// One word of the name.
    Word,
    /// A prefix of a word of the name (2 to `MAX_PREFIX` characters; the word itself when shorter).
    Prefix,
}

impl TokenKind {
    pub const ALL: [TokenKind; 5] =
        [TokenKind::Identifier, TokenKind::Partial, TokenKind::FullName, TokenKind::Word, TokenKind::Prefix];

    /// The stored kind, and the namespace its token is keyed in (so that the same text
    /// as a word and as a prefix gives unrelated tokens).
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Identifier => "id",
            TokenKind::Partial => "part",
            TokenKind::FullName => "name",
            TokenKind::Word => "word",
            TokenKind::Prefix => "pre",
        }
    }

    /// Higher ranks first.
    pub fn rank(self) -> i32 {
        match self {
            TokenKind::Identifier => 4,
            TokenKind::FullName => 3,
            TokenKind::Word | TokenKind::Partial => 2,
            TokenKind::Prefix => 1,
        }
    }

    /// Whether one hit of this kind alone makes a profile a result (name words and
    /// prefixes must match every word of the text instead).
    pub fn matches_alone(self) -> bool {
        matches!(self, TokenKind::Identifier | TokenKind::Partial | TokenKind::FullName)
    }
}

/// Whether a change to these fields of a profile (as the audit log names them) changes
/// its tokens: its name, identities, attribute values or CRM links.
pub fn affects(fields: &[String]) -> bool {
    fields.iter().any(|f| {
        ["displayName", "identities", "attributes", "externalRefs"]
            .iter()
            .any(|p| f == p || f.strip_prefix(p).is_some_and(|rest| rest.starts_with('.')))
    })
}

/// A token before it is keyed: its kind and the folded text.
pub type PlainToken = (TokenKind, String);

/// What of a profile is searchable, decrypted (only in memory, while its tokens are made).
#[derive(Clone, Debug, Default)]
pub struct SearchDoc {
    pub display_name: Option<String>,
    /// Normalised identity values, with whether their channel carries phone numbers and
    /// whether it is e-mail.
    pub identities: Vec<(String, IdentityShape)>,
    pub external_ids: Vec<String>,
    /// Values of attributes defined `searchable` (strings as they are, others as JSON text).
    pub attribute_values: Vec<String>,
}

/// How an identity value is split into partial tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityShape {
    Phone,
    Email,
    Opaque,
}

/// Every token of a profile, deduplicated.
pub fn tokens(doc: &SearchDoc) -> BTreeSet<PlainToken> {
    let mut out = BTreeSet::new();
    if let Some(name) = &doc.display_name {
        name_tokens(name, &mut out);
    }
    for (value, shape) in &doc.identities {
        identifier(value, &mut out);
        match shape {
            IdentityShape::Phone => {
                let digits: String = value.chars().filter(char::is_ascii_digit).collect();
                for len in MIN_SUFFIX..=digits.len() {
                    out.insert((TokenKind::Partial, digits[digits.len() - len..].to_owned()));
                }
            }
            IdentityShape::Email => {
                if let Some((local, _)) = value.rsplit_once('@').filter(|(l, _)| !l.is_empty()) {
                    out.insert((TokenKind::Partial, fold(local)));
                }
            }
            IdentityShape::Opaque => {}
        }
    }
    for value in doc.external_ids.iter().chain(&doc.attribute_values) {
        identifier(value, &mut out);
    }
    out
}

fn identifier(value: &str, out: &mut BTreeSet<PlainToken>) {
    let folded = fold(value.trim());
    if !folded.is_empty() {
        out.insert((TokenKind::Identifier, folded));
    }
}

fn name_tokens(name: &str, out: &mut BTreeSet<PlainToken>) {
    let words = words(name);
    if words.is_empty() {
        return;
    }
    out.insert((TokenKind::FullName, words.join(" ")));
    for word in words {
        out.insert((TokenKind::Prefix, prefix(&word)));
        let chars: Vec<char> = word.chars().collect();
        for len in 2..chars.len().min(MAX_PREFIX) {
            out.insert((TokenKind::Prefix, chars[..len].iter().collect()));
        }
        out.insert((TokenKind::Word, word));
    }
}

/// The prefix token a word is looked up by: itself, or its first `MAX_PREFIX` characters.
pub(crate) fn prefix(word: &str) -> String {
    word.chars().take(MAX_PREFIX).collect()
}
