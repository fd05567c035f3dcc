use super::*;
use crate::domain::identity::NormalizeOptions;

fn doc() -> SearchDoc {
    SearchDoc {
        display_name: Some("José  García-Núñez".into()),
        identities: vec![
            ("+923001234567".into(), IdentityShape::Phone),
            ("jane.doe@example.com".into(), IdentityShape::Email),
        ],
        external_ids: vec!["SF-0031X".into()],
        attribute_values: vec!["GOLD-7".into()],
    }
}

fn has(tokens: &std::collections::BTreeSet<PlainToken>, kind: TokenKind, text: &str) -> bool {
    tokens.contains(&(kind, text.to_owned()))
}

#[test]
fn names_fold_case_and_accents_into_words_prefixes_and_the_full_name() {
    let t = tokens(&doc());
    assert!(has(&t, TokenKind::FullName, "jose garcia nunez"));
    for w in ["jose", "garcia", "nunez"] {
        assert!(has(&t, TokenKind::Word, w), "{w}");
    }
    for p in ["jo", "jos", "jose", "ga", "garc", "nu"] {
        assert!(has(&t, TokenKind::Prefix, p), "{p}");
    }
    assert!(!has(&t, TokenKind::Prefix, "j"), "one-letter prefixes of longer words are not indexed");
}

#[test]
fn phones_give_their_trailing_digits_from_four_and_emails_their_local_part() {
    let t = tokens(&doc());
    assert!(has(&t, TokenKind::Identifier, "+923001234567"));
    assert!(has(&t, TokenKind::Partial, "4567"));
    assert!(has(&t, TokenKind::Partial, "923001234567"));
    assert!(!has(&t, TokenKind::Partial, "567"));
    assert!(has(&t, TokenKind::Identifier, "jane.doe@example.com"));
    assert!(has(&t, TokenKind::Partial, "jane.doe"));
    assert!(has(&t, TokenKind::Identifier, "sf-0031x"));
    assert!(has(&t, TokenKind::Identifier, "gold-7"));
}

#[test]
fn long_words_are_prefixed_up_to_the_limit() {
    let t = tokens(&SearchDoc { display_name: Some("Wolfeschlegelsteinhausen".into()), ..Default::default() });
    let longest = t.iter().filter(|(k, _)| *k == TokenKind::Prefix).map(|(_, p)| p.chars().count()).max();
    assert_eq!(longest, Some(MAX_PREFIX));
    let plan = SearchPlan::new(&SearchText::parse("text", "wolfeschlegelsteinhausen").unwrap(), &opts());
    assert!(plan.terms.iter().all(|term| t.contains(&(TokenKind::Prefix, term.clone()))));
}

fn opts() -> NormalizeOptions {
    NormalizeOptions::default()
}

fn finds(text: &str) -> bool {
    let t = tokens(&doc());
    let plan = SearchPlan::new(&SearchText::parse("text", text).unwrap(), &opts());
    plan.alone.iter().any(|tok| t.contains(tok))
        || plan.terms.iter().all(|term| t.contains(&(TokenKind::Prefix, term.clone())))
}

#[test]
fn every_kind_of_text_finds_the_profile_and_others_do_not() {
    for text in [
        "jose",
        "JOSÉ gar",
        "garcia jose",
        "+92 300 1234567",
        "300 123-4567",
        "4567",
        "1234567",
        "Jane.Doe@Example.com",
        "jane.doe",
        "sf-0031x",
        "GOLD-7",
    ] {
        assert!(finds(text), "{text}");
    }
    for text in ["maria", "jose maria", "567", "jane.doe@example.org", "gold"] {
        assert!(!finds(text), "{text}");
    }
}

#[test]
fn ranks_put_identifiers_before_full_names_before_prefixes() {
    assert!(TokenKind::Identifier.rank() > TokenKind::FullName.rank());
    assert!(TokenKind::FullName.rank() > TokenKind::Word.rank());
    assert!(TokenKind::Word.rank() > TokenKind::Prefix.rank());
}

#[test]
fn bad_texts_are_refused_on_their_field_without_repeating_them() {
    for raw in ["", "   ", "--", &"a".repeat(MAX_TEXT + 1), "a b c d e f g h i", "a\u{7}b"] {
        let err = SearchText::parse("text", raw).unwrap_err();
        assert_eq!(err.field(), Some("text"), "{raw:?}");
        assert!(raw.trim().is_empty() || !err.to_string().contains(raw.trim()), "{raw:?}");
    }
    assert!(SearchText::parse("text", &"a".repeat(MAX_TEXT)).is_ok());
}
