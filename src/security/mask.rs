//! Masking of personal data for callers without the `pii:read` scope (or refused it).
//!
//! A masked value keeps just enough to tell a customer's identities apart on screen and no
//! more: the last 2–4 digits of a phone number (no country code, no length), the first
//! letter and the top-level domain of an email, the first letter of a name. These functions
//! run on every response, so they must never panic: they work on `char`s (or on checked
//! slices of all-ASCII values) and fall back to the plain `***` form for anything
//! unexpected.

use crate::domain::channel::Channel;

/// What replaces the hidden part of values.
const STARS: &str = "***";
/// Values shorter than this (in chars) are masked as a bare `***`: showing
/// their first and last character would reveal too large a share of them.
const MIN_PARTIAL_CHARS: usize = 6;
/// At least this many digits of a phone number stay hidden, or none is shown.
const PHONE_MIN_HIDDEN_DIGITS: usize = 5;

/// How much a mask shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaskOptions {
    phone_digits: usize,
}

impl MaskOptions {
    /// The fewest and most trailing digits of a phone number a mask may show.
    pub const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 2..=4;

    /// `CUSTOMERS_MASK_PHONE_DIGITS`: trailing digits shown of a phone number, 2–4.
    pub fn new(phone_digits: usize) -> Option<Self> {
        Self::PHONE_DIGITS.contains(&phone_digits).then_some(Self { phone_digits })
    }

    pub fn phone_digits(self) -> usize {
        self.phone_digits
    }
}

impl Default for MaskOptions {
    fn default() -> Self {
        Self { phone_digits: 2 }
    }
}

/// Masks an identifier as stored for `channel` (normally the output of
/// `normalize`, but anything is accepted):
///
/// * phone-based: `+923001234567` → `***67` (the last 2–4 digits; nothing else);
/// * email: `jane.doe@example.com` → `j***@***.com`;
/// * everything else: `valentina99` → `v***9`; fewer than 6 chars → `***`.
pub fn mask_identity(channel: Channel, value: &str, opts: MaskOptions) -> String {
    if channel.is_phone_based() {
        return mask_phone(value, opts.phone_digits).unwrap_or_else(|| STARS.to_owned());
    }
    let masked = if channel == Channel::Email { mask_email(value) } else { None };
    masked.unwrap_or_else(|| mask_opaque(value))
}

/// Free text typed by agents (interaction summaries) as a caller may see it: whole with
/// `pii:read` (`visible`), else masked (`***`): it can hold anything, card numbers and
/// contact details included. The one place this decision is made, so that redaction
/// inside the text plugs in here.
pub fn free_text(text: &str, visible: bool) -> String {
    if visible { text.to_owned() } else { STARS.to_owned() }
}

/// Masks a person's name to the first `char` of its first word: `Jane Doe` → `J***`,
/// `Łukasz Żółć` → `Ł***`. An empty or blank name stays empty.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .next()
        .and_then(|word| word.chars().next())
        .map(|first| format!("{first}{STARS}"))
        .unwrap_or_default()
}

/// `***` and the last `shown` digits. `None` when the value is not `+`-and-ASCII-digits or
/// too short to keep at least [`PHONE_MIN_HIDDEN_DIGITS`] hidden.
fn mask_phone(value: &str, shown: usize) -> Option<String> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() < shown + PHONE_MIN_HIDDEN_DIGITS {
        return None;
    }
    // All ASCII, so byte offsets are char offsets.
    let tail = digits.get(digits.len() - shown..)?;
    Some(format!("{STARS}{tail}"))
}

/// First char of the local part, `***@***`, and the top-level domain (`.com`) when the
/// domain has one. Splits at the last `@` because a quoted local part may itself contain
/// one. `None` without an `@`, or with an empty local part or domain.
fn mask_email(value: &str) -> Option<String> {
    let (local, domain) = value.rsplit_once('@')?;
    let first = local.chars().next()?;
    if domain.is_empty() {
        return None;
    }
    let tld = match domain.rsplit_once('.') {
        Some((rest, tld)) if !rest.is_empty() && !tld.is_empty() => format!(".{tld}"),
        _ => String::new(),
    };
    Some(format!("{first}{STARS}@{STARS}{tld}"))
}

/// First char, `***`, last char for values of 6+ chars; `***` otherwise.
fn mask_opaque(value: &str) -> String {
    let mut chars = value.chars();
    match (chars.next(), chars.next_back()) {
        (Some(first), Some(last)) if value.chars().count() >= MIN_PARTIAL_CHARS => {
            format!("{first}{STARS}{last}")
        }
        _ => STARS.to_owned(),
    }
}

#[cfg(test)]
mod tests;
