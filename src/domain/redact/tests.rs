use super::*;

fn for_everyone(text: &str) -> String {
    redact_free_text(text, false).into_owned()
}

fn for_pii_readers(text: &str) -> String {
    redact_free_text(text, true).into_owned()
}

#[test]
fn luhn_accepts_valid_check_digits_and_refuses_others() {
    for valid in ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "79927398713"] {
        assert!(luhn_valid(valid.as_bytes()), "{valid}");
    }
    for invalid in ["4111111111111112", "5555555555554440", "378282246310006", "79927398710", "", "4111x11111111111"] {
        assert!(!luhn_valid(invalid.as_bytes()), "{invalid}");
    }
}

#[test]
fn card_numbers_are_redacted_for_everyone_in_every_common_format() {
    for card in [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111.1111.1111.1111",
        "3782 822463 10005",
        "5555 5555 5555 4444",
        "6011-1111-1111-1117",
    ] {
        let text = format!("customer read out {card} for the refund");
        assert_eq!(for_everyone(&text), "customer read out [card number] for the refund", "{card}");
        assert_eq!(for_pii_readers(&text), "customer read out [card number] for the refund", "{card}");
    }
}

#[test]
fn a_card_number_next_to_other_digits_is_still_found() {
    assert_eq!(for_pii_readers("card 4111 1111 1111 1111 12 25 cvv"), "card [card number] 12 25 cvv");
    assert_eq!(for_pii_readers("4111111111111111, exp 12/27"), "[card number], exp 12/27");
    assert_eq!(for_pii_readers("two: 4111111111111111 and 5555555555554444."), "two: [card number] and [card number].");
}

#[test]
fn digits_that_fail_luhn_are_not_card_numbers() {
    assert_eq!(for_pii_readers("order 4111 1111 1111 1112 shipped"), "order 4111 1111 1111 1112 shipped");
    // 16 digits are too many for a phone number: not redacted either way.
    assert_eq!(for_everyone("order 4111 1111 1111 1112 shipped"), "order 4111 1111 1111 1112 shipped");
    // Too short or too long for a card, whatever the check digit.
    assert_eq!(for_pii_readers("ref 79927398713"), "ref 79927398713");
    assert_eq!(for_pii_readers("ref 41111111111111111111111"), "ref 41111111111111111111111");
}

#[test]
fn e_mail_addresses_are_redacted_without_pii_read_only() {
    let text = "wrote from Jane.Doe+work@Example.co.uk. please reply";
    assert_eq!(for_everyone(text), "wrote from [email]. please reply");
    assert_eq!(for_pii_readers(text), text);
    assert_eq!(for_everyone("(a@b.io)"), "([email])");
    assert_eq!(for_everyone("x a_b-c@mail-host.example.org, y"), "x [email], y");
}

#[test]
fn things_that_only_look_like_e_mail_addresses_stay() {
    for text in ["@handle on twitter", "meet @ 5pm", "user@localhost", "a@b.c", "x@.com", "foo@bar..com"] {
        assert_eq!(for_everyone(text), text, "{text}");
    }
}

#[test]
fn phone_numbers_are_redacted_without_pii_read_only() {
    for phone in [
        "+92 300 1234567",
        "+923001234567",
        "+44 (0)20 7946 0958",
        "0300-1234567",
        "(0300) 123-4567",
        "020 7946 0958",
        "+1 555 0100",
    ] {
        let text = format!("call back on {phone} tomorrow");
        assert_eq!(for_everyone(&text), "call back on [phone] tomorrow", "{phone}");
        assert_eq!(for_pii_readers(&text), text, "{phone}");
    }
}

#[test]
fn dates_times_amounts_and_short_numbers_are_not_phone_numbers() {
    for text in [
        "on 2026-11-29 at 10:30",
        "on 29.11.2026",
        "refund of 1250.00 PKR",
        "ticket 12345",
        "order 1234567",
        "exp 12/27",
        "year 2026, room 12",
    ] {
        assert_eq!(for_everyone(text), text, "{text}");
    }
}

#[test]
fn everything_together_and_unicode_around_it() {
    let text = "Größe: mail ayesha@example.com, tel +92 300 1234567, Karte 4111 1111 1111 1111 — danke";
    assert_eq!(for_everyone(text), "Größe: mail [email], tel [phone], Karte [card number] — danke");
    assert_eq!(
        for_pii_readers(text),
        "Größe: mail ayesha@example.com, tel +92 300 1234567, Karte [card number] — danke"
    );
    assert!(has_contact_data(text));
    assert!(!has_contact_data("Karte 4111 1111 1111 1111"));
    assert!(!has_contact_data("nothing here"));
}

#[test]
fn text_without_anything_to_redact_is_borrowed() {
    assert!(matches!(redact_free_text("plain note", false), Cow::Borrowed(_)));
    assert!(matches!(redact_free_text("", false), Cow::Borrowed(_)));
}
