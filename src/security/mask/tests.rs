//! The masks on ordinary, odd and non-ASCII values: shapes, and never the original.

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
    for value in
        ["+123456", "+12345", "+1234", "", "+", "not a number", "+92 300 1234567", "++923001234567", "+٩٢٣٠٠١٢٣٤٥٦٧"]
    {
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

#[test]
fn generated_values_never_panic_and_phone_masks_stay_short() {
    const POOL: [char; 16] =
        ['+', '@', '.', '0', '7', '9', ' ', 'a', 'Z', 'é', '\u{301}', '٧', '１', '👩', '\u{200d}', '\0'];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    for _ in 0..5_000 {
        let len = next() % 24;
        let value: String = (0..len).map(|_| POOL[next() % POOL.len()]).collect();
        for channel in Channel::ALL {
            let masked = mask_identity(channel, &value, two());
            if channel.is_phone_based() {
                assert!(masked.chars().count() <= 5, "{value:?} -> {masked:?}");
            }
        }
        let _ = mask_name(&value);
    }
}
