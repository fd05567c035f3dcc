//! Normalisation of channel identifiers on the way in.
//!
//! A customer is found by `(channel, identifier)`, so two spellings of one
//! phone number, email address or handle must become the same string, or one
//! person becomes two profiles. [`normalize`] returns that canonical form, or
//! an [`IdentityError`] whose message never repeats the input (it is personal
//! data, and error messages reach logs and GraphQL responses).

use crate::domain::channel::Channel;
use email_address::{EmailAddress, Options as EmailOptions};
use phonenumber::country::Id as RegionId;

/// Inputs longer than this (in bytes) are rejected before any parsing, so a
/// hostile client cannot make the phone or email parsers chew on megabytes.
const MAX_RAW_BYTES: usize = 1024;
/// The longest address SMTP can carry (RFC 5321 path limit minus the brackets).
const MAX_EMAIL_CHARS: usize = 254;
/// Generous upper bound for handles; the platforms themselves allow 15–32.
const MAX_HANDLE_CHARS: usize = 64;
/// Upper bound for opaque ids (device ids, page-scoped ids, session ids...).
const MAX_OPAQUE_CHARS: usize = 256;

/// Hosts of WhatsApp ids as delivered by the WhatsApp APIs and gateways
/// (`923001234567@s.whatsapp.net`, `923001234567@c.us`).
const WHATSAPP_HOSTS: [&str; 2] = ["s.whatsapp.net", "c.us"];

/// Settings that influence normalisation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NormalizeOptions {
    /// The region assumed for phone numbers written without a country code
    /// (`0300 1234567`). `None` means such numbers are rejected rather than
    /// guessed: a wrong guess would silently attach the identity to a number
    /// in another country.
    pub default_region: Option<RegionId>,
}

/// Why an identifier was rejected.
///
/// The messages are shown to API clients and logged, so they describe the
/// problem without ever including the offending value.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// Nothing but whitespace (or a bare `@`, `mailto:`, `tel:`).
    #[error("the identifier is empty")]
    Empty,
    /// Longer than the channel allows, or over the global input limit.
    #[error("the identifier is too long for this channel")]
    TooLong,
    /// Not a phone number the numbering plan of its country allows.
    #[error("not a valid phone number")]
    InvalidPhone,
    /// A phone number without a country code, and no default region to supply one.
    #[error("a national phone number needs a country code (+…) because no default region is configured")]
    NationalNumberWithoutRegion,
    /// Not a bare, syntactically valid email address.
    #[error("not a valid email address")]
    InvalidEmail,
    /// Contains characters the channel's identifiers cannot contain.
    #[error("the identifier contains characters that are not allowed for this channel")]
    InvalidCharacters,
}

/// A region setting that is not an ISO 3166-1 alpha-2 code known to the
/// phone-number metadata. Region codes are configuration, not personal data,
/// so the value is included to make the misconfiguration obvious.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("unknown region {0:?}: expected an ISO 3166-1 alpha-2 code such as PK or GB")]
pub struct UnknownRegion(pub String);

/// Parses a region code such as `PK` or `gb` (surrounding whitespace and case
/// are ignored), as used by the `CUSTOMERS_DEFAULT_REGION` setting.
pub fn parse_region(code: &str) -> Result<RegionId, UnknownRegion> {
    let upper = code.trim().to_ascii_uppercase();
    match upper.parse::<RegionId>() {
        Ok(id) if has_metadata(id) => Ok(id),
        _ => Err(UnknownRegion(code.to_owned())),
    }
}

/// The phone-number parser unwraps the metadata of the region it is given, so
/// a region without metadata must never reach it.
fn has_metadata(id: RegionId) -> bool {
    phonenumber::metadata::DATABASE.by_id(id.as_ref()).is_some()
}

/// Returns the canonical form of `raw` as an identifier on `channel`:
///
/// * phone-based channels: E.164 (`+923001234567`);
/// * EMAIL: the bare address, lower-cased;
/// * TWITTER, INSTAGRAM, TELEGRAM: the handle without `@`, lower-cased;
/// * WEB, MOBILE, FACEBOOK, OTHER: the value with surrounding whitespace removed.
pub fn normalize(channel: Channel, raw: &str, opts: &NormalizeOptions) -> Result<String, IdentityError> {
    if raw.len() > MAX_RAW_BYTES {
        return Err(IdentityError::TooLong);
    }
    match channel {
        c if c.is_phone_based() => normalize_phone(channel, raw, opts),
        Channel::Email => normalize_email(raw),
        Channel::Twitter | Channel::Instagram | Channel::Telegram => normalize_handle(raw),
        _ => normalize_opaque(raw),
    }
}

/// Characters people put between digits: spaces (any Unicode whitespace,
/// e.g. no-break spaces from copy-paste), dashes, dots, parentheses and the
/// slash German numbers often use after the area code (`030/1234567`).
fn is_phone_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')' | '/')
}

fn normalize_phone(channel: Channel, raw: &str, opts: &NormalizeOptions) -> Result<String, IdentityError> {
    let s = strip_prefix_ignore_case(raw.trim(), "tel:").map_or(raw.trim(), str::trim_start);
    if channel == Channel::Whatsapp
        && let Some((id, host)) = s.rsplit_once('@')
        && WHATSAPP_HOSTS.iter().any(|h| host.eq_ignore_ascii_case(h))
    {
        // A WhatsApp id is the bare digits of the international number.
        return match id.trim_end() {
            "" => Err(IdentityError::Empty),
            d if d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0') => parse_international(d),
            _ => Err(IdentityError::InvalidPhone),
        };
    }
    if s.is_empty() {
        return Err(IdentityError::Empty);
    }
    // The library maps letters to keypad digits (1-800-FLOWERS), skips
    // leading junk and reads extensions, which would turn typos into someone
    // else's number, so we check the characters and hand it digits only.
    let (plus, body) = s.strip_prefix('+').map_or((false, s), |rest| (true, rest));
    let allowed = |c: char| c.is_ascii_digit() || is_phone_separator(c);
    if !body.chars().all(allowed) {
        return Err(IdentityError::InvalidCharacters);
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err(IdentityError::InvalidPhone);
    }
    if plus {
        return parse_international(&digits);
    }
    // For WHATSAPP, bare digits without a trunk 0 are tried as an
    // international number first (that is how WhatsApp writes them); a
    // national number like a US `2024561111` still gets the region below.
    if channel == Channel::Whatsapp
        && !digits.starts_with('0')
        && let Ok(e164) = parse_international(&digits)
    {
        return Ok(e164);
    }
    // The region's own international prefix (00, 011, 0011, ...) and its
    // national numbers with a trunk prefix are handled by the library.
    if let Some(region) = opts.default_region.filter(|r| has_metadata(*r))
        && let Ok(e164) = parse_valid(Some(region), &digits)
    {
        return Ok(e164);
    }
    // The library reads `00` as an international prefix only when it is the
    // default region's; it is the ITU-recommended prefix used by most of the
    // world, so it is accepted whatever the region.
    if let Some(rest) = digits.strip_prefix("00") {
        return parse_international(rest);
    }
    match opts.default_region {
        None => Err(IdentityError::NationalNumberWithoutRegion),
        Some(_) => Err(IdentityError::InvalidPhone),
    }
}

fn parse_international(digits: &str) -> Result<String, IdentityError> {
    parse_valid(None, &format!("+{digits}"))
}

/// Parses with the library and insists on `is_valid` (the number matches its
/// country's numbering plan), not just a plausible length.
fn parse_valid(region: Option<RegionId>, number: &str) -> Result<String, IdentityError> {
    let parsed = phonenumber::parse(region, number).map_err(|_| IdentityError::InvalidPhone)?;
    if !parsed.is_valid() {
        return Err(IdentityError::InvalidPhone);
    }
    // E.164 is just `+`, country code and national significant number
    // (leading zeros included, e.g. Italian fixed lines). Writing it directly
    // avoids the library's `Display`, which reports an error (and so makes
    // `to_string` panic) for a country code without metadata.
    Ok(format!("+{}{}", parsed.code().value(), parsed.national()))
}

/// Email addresses are stored as the bare address, entirely lower-cased.
///
/// RFC 5321 allows a case-sensitive local part, but practically every
/// provider treats it case-insensitively, and `Jane.Doe@…` vs `jane.doe@…`
/// creating two profiles for one person is the worst failure this service
/// can have; no real mailbox is lost by folding case.
fn normalize_email(raw: &str) -> Result<String, IdentityError> {
    let s = strip_prefix_ignore_case(raw.trim(), "mailto:").unwrap_or(raw);
    let s = bounded(s, MAX_EMAIL_CHARS)?;
    // Only a bare address: no `Name <addr>` display form, no IP-literal
    // domains, and the domain needs a dot (no `user@localhost`).
    let options = EmailOptions::default().without_display_text().without_domain_literal().with_required_tld();
    let address = EmailAddress::parse_with_options(s, options).map_err(|_| IdentityError::InvalidEmail)?;
    // RFC 5322 lets a domain contain any "atext" (`?`, `=`, `#`, ...), so
    // `jane@example.com?subject=hi` from a mailto: link would pass; a
    // domain we can deliver to is a host name (letters, digits, `-`, `.`;
    // non-ASCII letters for internationalised domains).
    let host_name = |c: char| c.is_alphanumeric() || c == '-' || c == '.';
    if !address.domain().chars().all(host_name) {
        return Err(IdentityError::InvalidEmail);
    }
    Ok(s.to_lowercase())
}

/// Twitter, Instagram and Telegram handles are case-insensitive on the
/// platforms themselves and are written with or without the `@`.
fn normalize_handle(raw: &str) -> Result<String, IdentityError> {
    let trimmed = raw.trim();
    let s = bounded(trimmed.strip_prefix('@').unwrap_or(trimmed), MAX_HANDLE_CHARS)?;
    let handle = s.to_ascii_lowercase();
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.';
    if !handle.bytes().all(allowed) {
        return Err(IdentityError::InvalidCharacters);
    }
    Ok(handle)
}

/// Opaque ids are compared exactly (case matters for many of them), so only
/// surrounding whitespace, which is never meaningful, is removed.
fn normalize_opaque(raw: &str) -> Result<String, IdentityError> {
    let s = bounded(raw, MAX_OPAQUE_CHARS)?;
    if s.chars().any(char::is_control) {
        return Err(IdentityError::InvalidCharacters);
    }
    Ok(s.to_owned())
}

/// `s` without surrounding whitespace, if that is 1 to `max` chars long.
fn bounded(s: &str, max: usize) -> Result<&str, IdentityError> {
    let s = s.trim();
    match s.chars().count() {
        0 => Err(IdentityError::Empty),
        n if n > max => Err(IdentityError::TooLong),
        _ => Ok(s),
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| s.get(prefix.len()..))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonenumber::country::Id;

    const NO_REGION: NormalizeOptions = NormalizeOptions { default_region: None };

    fn region(id: Id) -> NormalizeOptions {
        NormalizeOptions { default_region: Some(id) }
    }

    fn phone(raw: &str, opts: &NormalizeOptions) -> Result<String, IdentityError> {
        normalize(Channel::Phone, raw, opts)
    }

    fn ok(s: &str) -> Result<String, IdentityError> {
        Ok(s.to_owned())
    }

    #[test]
    fn pk_international_formats_with_and_without_region() {
        let inputs = [
            "+923001234567",
            "+92 300 1234567",
            "+92-300-123-4567",
            "+92 (300) 1234567",
            "+92.300.1234567",
            " +92 300 1234567\t",
            "+92\u{a0}300\u{a0}1234567",
            "0092 300 1234567",
            "0092-300-1234567",
            "00923001234567",
            "tel:+92-300-1234567",
            "TEL:+923001234567",
        ];
        for opts in [NO_REGION, region(Id::PK), region(Id::GB), region(Id::US)] {
            for raw in inputs {
                assert_eq!(phone(raw, &opts), ok("+923001234567"), "{raw:?} {opts:?}");
            }
        }
    }

    #[test]
    fn pk_national_numbers_need_a_region() {
        for raw in ["0300 1234567", "0300-1234567", "03001234567", "(0300) 123 4567"] {
            assert_eq!(phone(raw, &region(Id::PK)), ok("+923001234567"), "{raw:?}");
            assert_eq!(phone(raw, &NO_REGION), Err(IdentityError::NationalNumberWithoutRegion), "{raw:?}");
        }
        // The region decides what a national number means: 0300 is also a
        // UK non-geographic prefix, and US numbers never start with 0.
        assert_eq!(phone("0300 1234567", &region(Id::GB)), ok("+443001234567"));
        assert_eq!(phone("0300 1234567", &region(Id::US)), Err(IdentityError::InvalidPhone));
    }

    #[test]
    fn bare_international_digits_on_phone_use_the_region() {
        // Without `+` or `00` a PHONE number is national; the library still
        // recognises a leading country code of the default region.
        assert_eq!(phone("923001234567", &region(Id::PK)), ok("+923001234567"));
        assert_eq!(phone("923001234567", &NO_REGION), Err(IdentityError::NationalNumberWithoutRegion));
    }

    #[test]
    fn uk_numbers() {
        for raw in ["+44 20 7946 0958", "+44 (0)20 7946 0958", "0044 20 7946 0958", "+44-20-7946-0958"] {
            assert_eq!(phone(raw, &NO_REGION), ok("+442079460958"), "{raw:?}");
        }
        assert_eq!(phone("020 7946 0958", &region(Id::GB)), ok("+442079460958"));
        assert_eq!(phone("07911 123456", &region(Id::GB)), ok("+447911123456"));
        assert_eq!(phone("020 7946 0958", &NO_REGION), Err(IdentityError::NationalNumberWithoutRegion));
    }

    #[test]
    fn us_numbers() {
        for raw in ["+1 (202) 456-1111", "+1 202.456.1111", "001 202 456 1111"] {
            assert_eq!(phone(raw, &NO_REGION), ok("+12024561111"), "{raw:?}");
        }
        for raw in ["(202) 456-1111", "202-456-1111", "1-202-456-1111"] {
            assert_eq!(phone(raw, &region(Id::US)), ok("+12024561111"), "{raw:?}");
        }
        // The US international prefix 011 is understood when the region is US,
        // and `00` is accepted there as well.
        assert_eq!(phone("011 44 20 7946 0958", &region(Id::US)), ok("+442079460958"));
        assert_eq!(phone("0044 20 7946 0958", &region(Id::US)), ok("+442079460958"));
    }

    #[test]
    fn german_numbers() {
        for raw in ["+49 30 12345678", "+49 (0)30 12345678", "0049 30 12345678"] {
            assert_eq!(phone(raw, &NO_REGION), ok("+493012345678"), "{raw:?}");
        }
        for raw in ["030 12345678", "030/12345678", "030 / 1234 5678", "(030) 12345678"] {
            assert_eq!(phone(raw, &region(Id::DE)), ok("+493012345678"), "{raw:?}");
        }
        assert_eq!(phone("0151 23456789", &region(Id::DE)), ok("+4915123456789"));
    }

    #[test]
    fn other_international_prefixes_and_leading_zeros() {
        // Australia dials out with 0011; the library knows it from the region.
        assert_eq!(phone("0011 44 20 7946 0958", &region(Id::AU)), ok("+442079460958"));
        // Italian fixed lines keep their leading 0 after the country code.
        assert_eq!(phone("+39 06 1234 5678", &NO_REGION), ok("+390612345678"));
        assert_eq!(phone("06 1234 5678", &region(Id::IT)), ok("+390612345678"));
    }

    #[test]
    fn all_phone_channels_normalise_alike() {
        for channel in [Channel::Phone, Channel::Sms, Channel::Whatsapp, Channel::Viber] {
            assert_eq!(normalize(channel, "+92 300 1234567", &NO_REGION), ok("+923001234567"));
            assert_eq!(normalize(channel, "0300 1234567", &region(Id::PK)), ok("+923001234567"));
        }
    }

    #[test]
    fn whatsapp_ids() {
        for raw in [
            "923001234567@s.whatsapp.net",
            "923001234567@S.WhatsApp.Net",
            "923001234567@c.us",
            "923001234567",
            "92 300 1234567",
        ] {
            for opts in [NO_REGION, region(Id::PK), region(Id::US)] {
                assert_eq!(normalize(Channel::Whatsapp, raw, &opts), ok("+923001234567"), "{raw:?} {opts:?}");
            }
        }
        assert_eq!(
            normalize(Channel::Whatsapp, "0300 1234567", &NO_REGION),
            Err(IdentityError::NationalNumberWithoutRegion)
        );
        // A national number that is not valid internationally still gets the region.
        assert_eq!(normalize(Channel::Whatsapp, "(202) 456-1111", &region(Id::US)), ok("+12024561111"));
        for (raw, err) in [
            ("@s.whatsapp.net", IdentityError::Empty),
            ("+923001234567@s.whatsapp.net", IdentityError::InvalidPhone),
            ("92 300 1234567@s.whatsapp.net", IdentityError::InvalidPhone),
            ("jane@s.whatsapp.net", IdentityError::InvalidPhone),
            ("03001234567@s.whatsapp.net", IdentityError::InvalidPhone),
            ("92300@s.whatsapp.net", IdentityError::InvalidPhone),
            ("120363025246125486@g.us", IdentityError::InvalidCharacters),
            ("+92 300 1234567@c.us", IdentityError::InvalidPhone),
        ] {
            assert_eq!(normalize(Channel::Whatsapp, raw, &region(Id::PK)), Err(err), "{raw:?}");
        }
        // The WhatsApp suffix means nothing on other channels.
        assert_eq!(phone("923001234567@s.whatsapp.net", &region(Id::PK)), Err(IdentityError::InvalidCharacters));
    }

    #[test]
    fn rejects_invalid_phone_numbers() {
        let cases = [
            ("", IdentityError::Empty),
            ("   ", IdentityError::Empty),
            ("tel:", IdentityError::Empty),
            ("+", IdentityError::InvalidPhone),
            ("---", IdentityError::InvalidPhone),
            ("+92 300 12345", IdentityError::InvalidPhone),
            ("+92 300 1234567890123", IdentityError::InvalidPhone),
            ("+999 1234567", IdentityError::InvalidPhone),
            ("+44 20 7946 095", IdentityError::InvalidPhone),
            ("0092", IdentityError::InvalidPhone),
            ("+1-800-FLOWERS", IdentityError::InvalidCharacters),
            ("+92 300 1234567 ext. 12", IdentityError::InvalidCharacters),
            ("call me: +923001234567", IdentityError::InvalidCharacters),
            ("++923001234567", IdentityError::InvalidCharacters),
            ("+92 300 1234567;ext=1", IdentityError::InvalidCharacters),
            ("+９２３００１２３４５６７", IdentityError::InvalidCharacters),
            ("abc", IdentityError::InvalidCharacters),
            ("0300 1234567 / 0300 7654321", IdentityError::InvalidPhone),
        ];
        for (raw, err) in cases {
            assert_eq!(phone(raw, &region(Id::PK)), Err(err), "{raw:?}");
        }
    }

    #[test]
    fn input_over_1024_bytes_is_rejected_on_every_channel() {
        let long = format!("+92{}", "0".repeat(1022));
        assert_eq!(long.len(), 1025);
        for channel in Channel::ALL {
            assert_eq!(normalize(channel, &long, &region(Id::PK)), Err(IdentityError::TooLong), "{channel}");
        }
        // The limit is on bytes: 513 two-byte chars are over it.
        assert_eq!(normalize(Channel::Other, &"é".repeat(513), &NO_REGION), Err(IdentityError::TooLong));
        // Exactly 1024 bytes of padding is still parsed.
        let padded = format!("{:^1024}", "+923001234567");
        assert_eq!(padded.len(), 1024);
        assert_eq!(phone(&padded, &NO_REGION), ok("+923001234567"));
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        let cases = [
            ("jane.doe@example.com", "jane.doe@example.com"),
            ("  Jane.Doe@Example.COM \n", "jane.doe@example.com"),
            ("mailto:Jane.Doe@Example.com", "jane.doe@example.com"),
            ("  MAILTO: jane@example.com ", "jane@example.com"),
            ("Jane+Newsletter@Example.co.UK", "jane+newsletter@example.co.uk"),
            ("o'brien@example.ie", "o'brien@example.ie"),
            ("ÉLODIE@exemple.fr", "élodie@exemple.fr"),
            ("用户@例子.中国", "用户@例子.中国"),
            ("jane@Bücher.DE", "jane@bücher.de"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize(Channel::Email, raw, &NO_REGION), ok(want), "{raw:?}");
        }
    }

    #[test]
    fn rejects_invalid_emails() {
        let cases = [
            ("", IdentityError::Empty),
            ("   ", IdentityError::Empty),
            ("mailto:", IdentityError::Empty),
            ("jane", IdentityError::InvalidEmail),
            ("jane@", IdentityError::InvalidEmail),
            ("@example.com", IdentityError::InvalidEmail),
            ("jane@@example.com", IdentityError::InvalidEmail),
            ("jane doe@example.com", IdentityError::InvalidEmail),
            ("jane@example..com", IdentityError::InvalidEmail),
            ("jane@localhost", IdentityError::InvalidEmail),
            ("jane@[127.0.0.1]", IdentityError::InvalidEmail),
            ("Jane Doe <jane@example.com>", IdentityError::InvalidEmail),
            ("<jane@example.com>", IdentityError::InvalidEmail),
            ("jane@example.com, bob@example.com", IdentityError::InvalidEmail),
            ("mailto:jane@example.com?subject=hi", IdentityError::InvalidEmail),
            ("jane@exa\nmple.com", IdentityError::InvalidEmail),
            ("jane@example.com#top", IdentityError::InvalidEmail),
            ("jane@exa_mple.com", IdentityError::InvalidEmail),
        ];
        for (raw, err) in cases {
            assert_eq!(normalize(Channel::Email, raw, &NO_REGION), Err(err), "{raw:?}");
        }
    }

    #[test]
    fn email_length_limit_is_254() {
        let domain = format!("{}.{}.{}", "b".repeat(63), "c".repeat(63), "d".repeat(61));
        let longest = format!("{}@{domain}", "a".repeat(64));
        assert_eq!(longest.len(), 254);
        assert_eq!(normalize(Channel::Email, &longest, &NO_REGION), Ok(longest.clone()));
        let too_long = format!("{}@{domain}x", "a".repeat(64));
        assert_eq!(normalize(Channel::Email, &too_long, &NO_REGION), Err(IdentityError::TooLong));
    }

    #[test]
    fn handles_lose_the_at_and_case() {
        for channel in [Channel::Twitter, Channel::Instagram, Channel::Telegram] {
            for (raw, want) in [
                ("@JaneDoe", "janedoe"),
                ("  @jane_doe.99 ", "jane_doe.99"),
                ("JANE", "jane"),
                ("123456789", "123456789"),
            ] {
                assert_eq!(normalize(channel, raw, &NO_REGION), ok(want), "{raw:?}");
            }
            let max = "a".repeat(64);
            assert_eq!(normalize(channel, &max, &NO_REGION), Ok(max.clone()));
            for (raw, err) in [
                ("", IdentityError::Empty),
                ("@", IdentityError::Empty),
                ("  @  ", IdentityError::Empty),
                ("@@jane", IdentityError::InvalidCharacters),
                ("jane doe", IdentityError::InvalidCharacters),
                ("@ jane!", IdentityError::InvalidCharacters),
                ("jane-doe", IdentityError::InvalidCharacters),
                ("jané", IdentityError::InvalidCharacters),
                ("https://x.com/jane", IdentityError::InvalidCharacters),
                ("KELVIN\u{212a}", IdentityError::InvalidCharacters),
            ] {
                assert_eq!(normalize(channel, raw, &NO_REGION), Err(err), "{raw:?}");
            }
            assert_eq!(normalize(channel, &"a".repeat(65), &NO_REGION), Err(IdentityError::TooLong));
        }
    }

    #[test]
    fn opaque_ids_keep_case_and_inner_characters() {
        for channel in [Channel::Web, Channel::Mobile, Channel::Facebook, Channel::Other] {
            for (raw, want) in [
                (" AbC-123 ", "AbC-123"),
                ("\t1234567890123456\n", "1234567890123456"),
                ("device: iPhone 15 / A1B2", "device: iPhone 15 / A1B2"),
                ("ユーザー42", "ユーザー42"),
                ("@Jane", "@Jane"),
            ] {
                assert_eq!(normalize(channel, raw, &NO_REGION), ok(want), "{raw:?}");
            }
            let max = "é".repeat(256);
            assert_eq!(normalize(channel, &max, &NO_REGION), Ok(max.clone()));
            for (raw, err) in [
                ("", IdentityError::Empty),
                (" \n\t ", IdentityError::Empty),
                ("ab\ncd", IdentityError::InvalidCharacters),
                ("ab\u{0}cd", IdentityError::InvalidCharacters),
                ("ab\u{1b}[31mcd", IdentityError::InvalidCharacters),
                ("ab\u{85}cd", IdentityError::InvalidCharacters),
            ] {
                assert_eq!(normalize(channel, raw, &NO_REGION), Err(err), "{raw:?}");
            }
            assert_eq!(normalize(channel, &"x".repeat(257), &NO_REGION), Err(IdentityError::TooLong));
        }
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        let samples = [
            (Channel::Phone, "0300 1234567"),
            (Channel::Sms, "+44 (0)20 7946 0958"),
            (Channel::Whatsapp, "923001234567@s.whatsapp.net"),
            (Channel::Viber, "0049 30 12345678"),
            (Channel::Email, " mailto:Jane.Doe@Example.com "),
            (Channel::Instagram, "@Jane.Doe"),
            (Channel::Facebook, " 1000123456789 "),
        ];
        for (channel, raw) in samples {
            let once = normalize(channel, raw, &region(Id::PK));
            let Ok(once) = once else {
                panic!("{channel} {raw:?}: {once:?}");
            };
            for opts in [NO_REGION, region(Id::PK), region(Id::US)] {
                assert_eq!(normalize(channel, &once, &opts), Ok(once.clone()), "{raw:?}");
            }
        }
    }

    #[test]
    fn error_messages_never_contain_the_input() {
        let inputs = [
            "+92 300 12345",
            "0300 1234567",
            "+1-800-FLOWERS",
            "+999 1234567",
            "jane.doe@",
            "Jane Doe <jane.doe@example.com>",
            "jane.doe@localhost",
            "@jane-doe",
            "jane doe",
            "secret\nsession",
            "03001234567@s.whatsapp.net",
        ];
        let long = "janedoe".repeat(200);
        let inputs = inputs.iter().copied().chain([long.as_str()]);
        let mut errors = 0;
        for raw in inputs {
            for channel in Channel::ALL {
                for opts in [NO_REGION, region(Id::PK)] {
                    if let Err(err) = normalize(channel, raw, &opts) {
                        errors += 1;
                        let shown = format!("{err} {err:?}");
                        assert!(!shown.contains(raw), "{channel}: {shown}");
                        assert!(!shown.contains(raw.trim_start_matches('@')), "{shown}");
                        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
                        assert!(digits.len() < 4 || !shown.contains(&digits), "{shown}");
                    }
                }
            }
        }
        assert!(errors > 100, "only {errors} errors exercised");
    }

    #[test]
    fn error_messages_are_the_documented_ones() {
        assert_eq!(IdentityError::InvalidPhone.to_string(), "not a valid phone number");
        assert_eq!(
            IdentityError::NationalNumberWithoutRegion.to_string(),
            "a national phone number needs a country code (+…) because no default region is configured"
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        let odd = [
            "",
            "+",
            "++",
            "00",
            "0000000000000000000",
            "+0",
            "+00",
            "+000000000",
            "99999999999999999999999999",
            "+99999999999999999999",
            "tel:tel:+92",
            "()()()",
            "-.-./",
            "+(92)",
            "\u{0}",
            "é",
            "😀",
            "+😀",
            "@",
            "@@",
            "mailto:mailto:",
            "a@b@c",
            "\u{feff}+923001234567",
            "0 0 9 2",
            "123",
            "+1",
            "1",
            "011",
            "011 ",
            "0011 44 20 7946 0958",
        ];
        for raw in odd {
            for channel in Channel::ALL {
                for opts in [NO_REGION, region(Id::PK), region(Id::US), region(Id::AU)] {
                    let _ = normalize(channel, raw, &opts);
                }
            }
        }
    }

    #[test]
    fn regions_parse_case_insensitively() {
        assert_eq!(parse_region("PK"), Ok(Id::PK));
        assert_eq!(parse_region("gb"), Ok(Id::GB));
        assert_eq!(parse_region(" De "), Ok(Id::DE));
        assert_eq!(parse_region("us"), Ok(Id::US));
        for bad in ["", " ", "UK", "XX", "PAK", "001", "P K", "pk1"] {
            assert_eq!(parse_region(bad), Err(UnknownRegion(bad.to_owned())), "{bad:?}");
        }
        assert!(parse_region("UK").unwrap_err().to_string().contains("\"UK\""));
    }

    #[test]
    fn default_options_have_no_region() {
        assert_eq!(NormalizeOptions::default(), NO_REGION);
    }
}
