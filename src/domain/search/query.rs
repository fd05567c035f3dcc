//! A search text, checked, and the tokens it looks up.

use super::{MAX_TERMS, MAX_TEXT, MIN_SUFFIX, PlainToken, TokenKind, fold, prefix, words};
use crate::domain::id::CustomerId;
use crate::domain::identity::{NormalizeOptions, normalize};
use crate::domain::{Channel, Error, Pii, Result};

/// A search text as an agent typed it: 1–200 characters with a letter or digit, at most
/// 8 words. PII: it is carried as [`Pii`] and never logged or audited in clear.
#[derive(Clone, Debug)]
pub struct SearchText(Pii);

impl SearchText {
    /// Check `raw` given at `field`. Errors never repeat the text.
    pub fn parse(field: &str, raw: &str) -> Result<Self> {
        let text = raw.trim();
        if text.chars().count() > MAX_TEXT {
            return Err(Error::bad_input(field, format!("a search text is at most {MAX_TEXT} characters")));
        }
        if text.chars().any(char::is_control) {
            return Err(Error::bad_input(field, "a search text cannot hold control characters"));
        }
        if !text.chars().any(char::is_alphanumeric) {
            return Err(Error::bad_input(field, "a search text needs at least one letter or digit"));
        }
        if words(text).len() > MAX_TERMS {
            return Err(Error::bad_input(field, format!("a search text is at most {MAX_TERMS} words")));
        }
        Ok(Self(Pii::new(text)))
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// The tokens a search looks up. A profile is a result when it holds any token of
/// `alone`, or the prefix token of every word (`terms`); `words` only rank.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchPlan {
    pub alone: Vec<PlainToken>,
    /// The prefix token of each distinct word of the text.
    pub terms: Vec<String>,
    /// Each word as a whole word (a whole-word hit ranks above a prefix hit).
    pub words: Vec<String>,
}

impl SearchPlan {
    /// Every reading of `text`: an identifier in any format (a phone number normalised with
    /// the default region, an e-mail address, a handle, an external id or attribute value as
    /// typed), trailing phone digits, an e-mail's local part, and a name.
    pub fn new(text: &SearchText, opts: &NormalizeOptions) -> Self {
        let raw = text.expose();
        let mut alone: Vec<PlainToken> = vec![(TokenKind::Identifier, fold(raw))];
        for channel in [Channel::Phone, Channel::Email, Channel::Instagram] {
            if let Ok(normalized) = normalize(channel, raw, opts) {
                alone.push((TokenKind::Identifier, fold(&normalized)));
            }
        }
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let phone_like = raw.chars().all(|c| c.is_ascii_digit() || c.is_whitespace() || "+-.()/".contains(c));
        if phone_like && digits.len() >= MIN_SUFFIX {
            alone.push((TokenKind::Partial, digits));
        }
        if !raw.contains('@') && !raw.chars().any(char::is_whitespace) {
            alone.push((TokenKind::Partial, fold(raw))); // an e-mail's local part
        }
        let mut words = words(raw);
        if !words.is_empty() {
            alone.push((TokenKind::FullName, words.join(" ")));
        }
        alone.sort();
        alone.dedup();
        let mut terms: Vec<String> = words.iter().map(|w| prefix(w)).collect();
        terms.sort();
        terms.dedup();
        words.sort();
        words.dedup();
        Self { alone, terms, words }
    }

    /// Every token looked up, with its kind.
    pub fn tokens(&self) -> Vec<PlainToken> {
        let mut all = self.alone.clone();
        all.extend(self.terms.iter().map(|t| (TokenKind::Prefix, t.clone())));
        all.extend(self.words.iter().map(|w| (TokenKind::Word, w.clone())));
        all
    }
}

/// Where a page of search results ends: the last result's rank and id (results come by
/// rank, best first, then by id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchCursor {
    pub rank: i32,
    pub id: CustomerId,
}
