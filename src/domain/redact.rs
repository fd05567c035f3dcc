//! Redaction of personal data inside free text (an interaction's summary, a consent's
//! source): what agents type is not a field we can mask as a whole, so the values inside
//! it are found and replaced.
//!
//! - **Card numbers** (13–19 digits, optionally grouped by spaces, dashes or dots, passing
//!   the Luhn check) are replaced by [`CARD`] for every caller: PCI DSS forbids showing a
//!   full primary account number, and nobody here needs one.
//! - **E-mail addresses** and **phone numbers** are replaced by [`EMAIL`] and [`PHONE`]
//!   unless the caller may see contact data (`pii:read`).
//!
//! A phone number is a run of digits (with spaces, dashes, dots or parentheses between
//! groups) of 7–15 digits starting with `+`, or of 9–15 digits without it: shorter runs
//! without `+` are dates, amounts and ticket numbers far more often than phone numbers.
//! Over-redacting a long order number is the safe side of that choice.
//!
//! Pure functions, no I/O: the GraphQL layer asks [`has_contact_data`] (to know whether a
//! reveal is audited) and [`redact_free_text`] on every read path of these fields.

use std::borrow::Cow;

/// What replaces a card number.
pub const CARD: &str = "[card number]";
/// What replaces an e-mail address for a caller without `pii:read`.
pub const EMAIL: &str = "[email]";
/// What replaces a phone number for a caller without `pii:read`.
pub const PHONE: &str = "[phone]";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Card,
    Email,
    Phone,
}

/// A found value: byte range and kind. Ranges never overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
    kind: Kind,
}

/// `text` with card numbers replaced for everyone, and e-mail addresses and phone numbers
/// replaced unless `contacts_visible`. Borrowed when nothing was found.
pub fn redact_free_text(text: &str, contacts_visible: bool) -> Cow<'_, str> {
    let spans: Vec<Span> = find(text).into_iter().filter(|s| s.kind == Kind::Card || !contacts_visible).collect();
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in spans {
        out.push_str(&text[at..s.start]);
        out.push_str(match s.kind {
            Kind::Card => CARD,
            Kind::Email => EMAIL,
            Kind::Phone => PHONE,
        });
        at = s.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Whether `text` holds an e-mail address or a phone number (what only `pii:read` shows).
pub fn has_contact_data(text: &str) -> bool {
    find(text).iter().any(|s| s.kind != Kind::Card)
}

/// Whether the digits pass the Luhn check (the check digit of card numbers).
pub fn luhn_valid(digits: &[u8]) -> bool {
    if digits.is_empty() || digits.iter().any(|d| !d.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let n = u32::from(d - b'0');
            if i % 2 == 1 {
                let doubled = n * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                n
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Every card number, e-mail address and phone number in `text`, in order.
fn find(text: &str) -> Vec<Span> {
    let bytes = text.as_bytes();
    let mut spans = emails(bytes);
    let mut i = 0;
    while i < bytes.len() {
        if let Some(email) = spans.iter().find(|s| s.start <= i && i < s.end) {
            i = email.end;
            continue;
        }
        if starts_number(bytes, i) {
            let end = number_run(bytes, i);
            // A run never reaches into an e-mail address (it stops at letters and `@`).
            spans.extend(classify(bytes, i, end));
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    spans.sort_by_key(|s| s.start);
    spans
}

fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_domain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// `local@domain.tld` around each `@`.
fn emails(bytes: &[u8]) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for (at, _) in bytes.iter().enumerate().filter(|(_, b)| **b == b'@') {
        if out.last().is_some_and(|s| at < s.end) {
            continue;
        }
        let mut start = at;
        while start > 0 && is_local(bytes[start - 1]) {
            start -= 1;
        }
        while start < at && matches!(bytes[start], b'.' | b'-' | b'+') {
            start += 1;
        }
        let mut end = at + 1;
        while end < bytes.len() && is_domain(bytes[end]) {
            end += 1;
        }
        while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let domain = &bytes[at + 1..end];
        let tld = domain.rsplit(|b| *b == b'.').next().unwrap_or_default();
        let valid = start < at
            && domain.contains(&b'.')
            && !domain.windows(2).any(|w| w == b"..")
            && domain.first().is_some_and(u8::is_ascii_alphanumeric)
            && tld.len() >= 2
            && tld.iter().all(u8::is_ascii_alphabetic);
        if valid {
            out.push(Span { start, end, kind: Kind::Email });
        }
    }
    out
}

fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.' | b'(' | b')')
}

/// A number starts at a digit, or at `+` / `(` right before one.
fn starts_number(bytes: &[u8], i: usize) -> bool {
    let digit_at = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_digit);
    digit_at(i) || (matches!(bytes[i], b'+' | b'(') && digit_at(i + 1))
}

/// The end of the run of digits starting at `start`: digit groups joined by at most two
/// separators (`) `, ` - `…).
fn number_run(bytes: &[u8], start: usize) -> usize {
    let mut j = start + usize::from(!bytes[start].is_ascii_digit());
    let mut last_digit_end = j;
    while j < bytes.len() {
        if bytes[j].is_ascii_digit() {
            j += 1;
            last_digit_end = j;
        } else if is_separator(bytes[j]) {
            let mut k = j;
            while k < bytes.len() && is_separator(bytes[k]) && k - j < 3 {
                k += 1;
            }
            if k < bytes.len() && bytes[k].is_ascii_digit() {
                j = k;
            } else {
                break;
            }
        } else {
            break;
        }
    }
    // `)` closing a leading `(` belongs to the number only when followed by digits: the end
    // is always the last digit.
    last_digit_end
}

/// The card numbers inside a run (any window of whole digit groups of 13–19 digits that
/// passes Luhn, the longest from each start), else the run as a phone number if it is one.
fn classify(bytes: &[u8], start: usize, end: usize) -> Vec<Span> {
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut i = start;
    while i < end {
        if bytes[i].is_ascii_digit() {
            let g = i;
            while i < end && bytes[i].is_ascii_digit() {
                i += 1;
            }
            groups.push((g, i));
        } else {
            i += 1;
        }
    }
    let mut cards = Vec::new();
    let mut a = 0;
    while a < groups.len() {
        let mut digits: Vec<u8> = Vec::new();
        let mut best = None;
        for (b, &(gs, ge)) in groups.iter().enumerate().skip(a) {
            digits.extend_from_slice(&bytes[gs..ge]);
            if digits.len() > 19 {
                break;
            }
            if digits.len() >= 13 && luhn_valid(&digits) {
                best = Some(b);
            }
        }
        match best {
            Some(b) => {
                cards.push(Span { start: groups[a].0, end: groups[b].1, kind: Kind::Card });
                a = b + 1;
            }
            None => a += 1,
        }
    }
    if !cards.is_empty() {
        return cards;
    }
    let count: usize = groups.iter().map(|(s, e)| e - s).sum();
    let international = bytes[start] == b'+';
    let phone = (7..=15).contains(&count) && (international || count >= 9);
    if phone { vec![Span { start, end, kind: Kind::Phone }] } else { Vec::new() }
}

#[cfg(test)]
mod tests;
