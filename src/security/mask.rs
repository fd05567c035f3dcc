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

    fn two() -> MaskOptions {
        MaskOptions::default()
    }

    #[test]
    fn phone_numbers_keep_only_their_last_digits() {
        for channel in [Channel::Phone, Channel::Sms, Channel::Whatsapp, Channel::Viber] {
            for (value, want) in [
                ("+923001234567", "***67"),
                ("+442079460958", "***58"),
                ("+14155552671", "***71"),
                ("+4915123456789", "***89"),
                ("+1234567", "***67"),
                ("923001234567", "***67"),
            ] {
                assert_eq!(mask_identity(channel, value, two()), want, "{channel} {value:?}");
            }
        }
    }

    #[test]
    fn the_number_of_phone_digits_shown_is_configurable_from_two_to_four() {
        for (digits, want) in [(2, "***67"), (3, "***567"), (4, "***4567")] {
            let opts = MaskOptions::new(digits).unwrap();
            assert_eq!(mask_identity(Channel::Phone, "+923001234567", opts), want);
        }
        assert_eq!(MaskOptions::new(1), None);
        assert_eq!(MaskOptions::new(5), None);
        // Too short to hide five digits besides the four shown.
        assert_eq!(mask_identity(Channel::Phone, "+12345678", MaskOptions::new(4).unwrap()), "***");
    }

    #[test]
    fn masked_phone_numbers_do_not_tell_their_country_or_length() {
        let a = mask_identity(Channel::Phone, "+923001234567", two());
        let b = mask_identity(Channel::Phone, "+4467", two());
        let c = mask_identity(Channel::Phone, "+1555000000067", two());
        assert_eq!(a.len(), c.len());
        assert!(!a.contains("92") && b == "***");
    }

    #[test]
    fn odd_phone_values_are_masked_whole() {
        for value in [
            "+123456",
            "+12345",
            "+1234",
            "",
            "+",
            "not a number",
            "+92 300 1234567",
            "++923001234567",
            "+٩٢٣٠٠١٢٣٤٥٦٧",
        ] {
            assert_eq!(mask_identity(Channel::Phone, value, two()), "***", "{value:?}");
        }
    }

    #[test]
    fn emails_keep_the_first_char_and_the_top_level_domain() {
        for (value, want) in [
            ("jane.doe@example.com", "j***@***.com"),
            ("j@example.co.uk", "j***@***.uk"),
            ("élodie@exemple.fr", "é***@***.fr"),
            ("\"a@b\"@example.com", "\"***@***.com"),
            ("用户@例子.中国", "用***@***.中国"),
            ("root@localhost", "r***@***"),
            ("jane@.com", "j***@***"),
            ("jane@example.", "j***@***"),
        ] {
            assert_eq!(mask_identity(Channel::Email, value, two()), want, "{value:?}");
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
            assert_eq!(mask_identity(Channel::Email, value, two()), want, "{value:?}");
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
                assert_eq!(mask_identity(channel, value, two()), want, "{channel} {value:?}");
            }
        }
    }

    #[test]
    fn names_keep_only_the_first_char_of_the_first_word() {
        for (name, want) in [
            ("Jane Doe", "J***"),
            ("  Jane \t van  Doe\n", "J***"),
            ("Jane", "J***"),
            ("J", "J***"),
            ("", ""),
            ("   ", ""),
            ("Łukasz Żółć", "Ł***"),
            ("李小龙", "李***"),
            ("Ólafur Ragnar Grímsson", "Ó***"),
            ("Mary-Jane O'Neil", "M***"),
            ("😀 Smile", "😀***"),
            ("\u{feff}\u{200b}", "\u{feff}***"),
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
                for digits in MaskOptions::PHONE_DIGITS {
                    let masked = mask_identity(channel, value, MaskOptions::new(digits).unwrap());
                    if long {
                        assert!(!masked.contains(value), "{channel} {value:?} -> {masked:?}");
                    }
                    if channel.is_phone_based() {
                        assert!(masked.chars().count() <= 3 + digits, "{value:?} -> {masked:?}");
                    }
                }
            }
            let masked = mask_name(value);
            if long {
                assert!(!masked.contains(value), "name {value:?} -> {masked:?}");
            }
        }
    }
}
