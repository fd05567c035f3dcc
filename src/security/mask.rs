//! Masking of personal data for callers without the `pii:read` scope.
//!
//! A masked value keeps just enough to tell identities apart on screen (the
//! country code and last digits of a phone number, the mail domain, the first
//! letter of a name) without disclosing the value itself. These functions run
//! on every response, so they must never panic: they work on `char`s (or on
//! checked slices of all-ASCII values) and fall back to the plain `***` form
//! for anything unexpected.

use crate::domain::channel::Channel;

/// What replaces the hidden part of emails, handles, opaque ids and names.
const STARS: &str = "***";
/// Values shorter than this (in chars) are masked as a bare `***`: showing
/// their first and last character would reveal too large a share of them.
const MIN_PARTIAL_CHARS: usize = 6;
/// Leading digits kept of a phone number (mostly the country code).
const PHONE_HEAD_DIGITS: usize = 2;
/// Trailing digits kept of a phone number.
const PHONE_TAIL_DIGITS: usize = 3;
/// At least this many digits must be hidden for the phone form to be used.
const PHONE_MIN_HIDDEN_DIGITS: usize = 2;

/// Masks an identifier as stored for `channel` (normally the output of
/// `normalize`, but anything is accepted):
///
/// * phone-based: `+923001234567` → `+92*******567` (same length);
/// * email: `jane.doe@example.com` → `j***@example.com`;
/// * everything else: `valentina99` → `v***9`; fewer than 6 chars → `***`.
pub fn mask_identity(channel: Channel, value: &str) -> String {
    let masked = if channel.is_phone_based() {
        mask_phone(value)
    } else if channel == Channel::Email {
        mask_email(value)
    } else {
        None
    };
    masked.unwrap_or_else(|| mask_opaque(value))
}

/// Masks a person's name word by word: `Jane Doe` → `J*** D***`.
///
/// Words are split on any whitespace and re-joined with single spaces; each
/// keeps its first `char` (so `Łukasz` → `Ł***`). An empty or blank name
/// stays empty.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .map(|first| format!("{first}{STARS}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `+` (if present), the first two and last three digits, a `*` for every
/// digit in between. `None` when the value is not `+`-and-digits or too short
/// to hide anything meaningful.
fn mask_phone(value: &str) -> Option<String> {
    let (plus, digits) = match value.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", value),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // All ASCII from here on, so byte offsets are char offsets.
    let len = digits.len();
    if len < PHONE_HEAD_DIGITS + PHONE_MIN_HIDDEN_DIGITS + PHONE_TAIL_DIGITS {
        return None;
    }
    let hidden = len - PHONE_HEAD_DIGITS - PHONE_TAIL_DIGITS;
    let head = digits.get(..PHONE_HEAD_DIGITS)?;
    let tail = digits.get(len - PHONE_TAIL_DIGITS..)?;
    Some(format!("{plus}{head}{}{tail}", "*".repeat(hidden)))
}

/// First char of the local part, `***`, `@domain`. Splits at the last `@`
/// because a quoted local part may itself contain one. `None` without an
/// `@`, or with an empty local part or domain.
fn mask_email(value: &str) -> Option<String> {
    let (local, domain) = value.rsplit_once('@')?;
    let first = local.chars().next()?;
    if domain.is_empty() {
        return None;
    }
    Some(format!("{first}{STARS}@{domain}"))
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
mod tests {
    use super::*;

    const OPAQUE_CHANNELS: [Channel; 7] = [
        Channel::Web,
        Channel::Mobile,
        Channel::Facebook,
        Channel::Instagram,
        Channel::Twitter,
        Channel::Telegram,
        Channel::Other,
    ];

    #[test]
    fn phone_numbers_keep_plus_two_leading_and_three_trailing_digits() {
        for channel in [Channel::Phone, Channel::Sms, Channel::Whatsapp, Channel::Viber] {
            for (value, want) in [
                ("+923001234567", "+92*******567"),
                ("+442079460958", "+44*******958"),
                ("+14155552671", "+14******671"),
                ("+4915123456789", "+49********789"),
                ("+1234567", "+12**567"),
                ("923001234567", "92*******567"),
            ] {
                let got = mask_identity(channel, value);
                assert_eq!(got, want, "{channel} {value:?}");
                assert_eq!(got.len(), value.len());
            }
        }
    }

    #[test]
    fn odd_phone_values_fall_back_to_the_generic_mask() {
        for (value, want) in [
            ("+123456", "+***6"),
            ("+12345", "+***5"),
            ("+1234", "***"),
            ("", "***"),
            ("+", "***"),
            ("not a number", "n***r"),
            ("+92 300 1234567", "+***7"),
            ("++923001234567", "+***7"),
            ("+٩٢٣٠٠١٢٣٤٥٦٧", "+***٧"),
        ] {
            assert_eq!(mask_identity(Channel::Phone, value), want, "{value:?}");
        }
    }

    #[test]
    fn emails_keep_first_char_and_domain() {
        for (value, want) in [
            ("jane.doe@example.com", "j***@example.com"),
            ("j@example.com", "j***@example.com"),
            ("élodie@exemple.fr", "é***@exemple.fr"),
            ("\"a@b\"@example.com", "\"***@example.com"),
            ("用户@例子.中国", "用***@例子.中国"),
        ] {
            assert_eq!(mask_identity(Channel::Email, value), want, "{value:?}");
        }
    }

    #[test]
    fn malformed_emails_fall_back_to_the_generic_mask() {
        for (value, want) in [
            ("@example.com", "@***m"),
            ("jane.doe@", "j***@"),
            ("jane@", "***"),
            ("no-at-sign", "n***n"),
            ("", "***"),
            ("@", "***"),
        ] {
            assert_eq!(mask_identity(Channel::Email, value), want, "{value:?}");
        }
    }

    #[test]
    fn handles_and_opaque_ids_keep_first_and_last_char_from_six_chars() {
        for channel in OPAQUE_CHANNELS {
            for (value, want) in [
                ("valentina99", "v***9"),
                ("janedo", "j***o"),
                ("jane_", "***"),
                ("jane", "***"),
                ("j", "***"),
                ("", "***"),
                ("1000123456789", "1***9"),
                ("ユーザー名前です", "ユ***す"),
                ("éééééé", "é***é"),
                ("ééééé", "***"),
                ("👩‍👩‍👧‍👦", "👩***👦"),
            ] {
                assert_eq!(mask_identity(channel, value), want, "{channel} {value:?}");
            }
        }
    }

    #[test]
    fn names_keep_the_first_char_of_each_word() {
        for (name, want) in [
            ("Jane Doe", "J*** D***"),
            ("  Jane \t van  Doe\n", "J*** v*** D***"),
            ("Jane", "J***"),
            ("J", "J***"),
            ("", ""),
            ("   ", ""),
            ("Łukasz Żółć", "Ł*** Ż***"),
            ("李小龙", "李***"),
            ("Ólafur Ragnar Grímsson", "Ó*** R*** G***"),
            ("Mary-Jane O'Neil", "M*** O***"),
            ("😀 Smile", "😀*** S***"),
        ] {
            assert_eq!(mask_name(name), want, "{name:?}");
        }
    }

    #[test]
    fn masked_values_never_contain_long_originals() {
        let tricky = [
            "",
            " ",
            "a",
            "ab",
            "abcd",
            "abcde",
            "abcdef",
            "+",
            "+1",
            "+12345",
            "+123456",
            "+1234567",
            "+923001234567",
            "923001234567",
            "+92 300 1234567",
            "00923001234567",
            "jane.doe@example.com",
            "a@b.co",
            "ab@cd",
            "@example.com",
            "jane@",
            "@@@@@@",
            "******",
            "*****@x",
            "é",
            "éé",
            "ééééé",
            "éééééé",
            "日本語のテキスト",
            "👩‍👩‍👧‍👦",
            "👩‍👩‍👧‍👦👩‍👩‍👧‍👦",
            "e\u{301}e\u{301}e\u{301}",
            "\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}",
            "\u{feff}\u{200b}\u{200d}",
            "a b c d e",
            "Jane Doe",
            "  padded value  ",
            "x".repeat(300).leak(),
            "１２３４５６７８９",
            "+٩٢٣٠٠١٢٣٤٥٦٧",
        ];
        for value in tricky {
            let long = value.chars().count() > 4;
            for channel in Channel::ALL {
                let masked = mask_identity(channel, value);
                if long {
                    assert!(!masked.contains(value), "{channel} {value:?} -> {masked:?}");
                }
            }
            let masked = mask_name(value);
            if long {
                assert!(!masked.contains(value), "name {value:?} -> {masked:?}");
            }
        }
    }
}
