//! Small text rules shared by several inputs, and the field path an input item sits at.

use super::{Error, Result};

/// 1 to `max` printable characters, trimmed (ids of other systems, sources, providers).
pub fn short_text(field: &str, raw: &str, max: usize) -> Result<String> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(Error::bad_input(field, format!("expected 1–{max} printable characters")));
    }
    Ok(text.to_owned())
}

/// A list given at `field` holds at most `max` items (every input list is bounded).
pub fn at_most<T>(field: &str, items: &[T], max: usize) -> Result<()> {
    if items.len() > max {
        return Err(Error::bad_input(field, format!("at most {max} items")));
    }
    Ok(())
}

/// An item of a command together with the input field it came from, so that an error
/// found later (a duplicate, an unknown id) still names the right field.
#[derive(Clone, Debug, PartialEq)]
pub struct Located<T> {
    pub field: String,
    pub value: T,
}

impl<T> Located<T> {
    pub fn new(field: impl Into<String>, value: T) -> Self {
        Self { field: field.into(), value }
    }
}

/// A change to one optional field: keep it, clear it, or set it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    /// Whether the patch changes anything.
    pub fn changes(&self) -> bool {
        !matches!(self, Patch::Keep)
    }

    /// Apply the patch to `slot`.
    pub fn apply(self, slot: &mut Option<T>) {
        match self {
            Patch::Keep => {}
            Patch::Clear => *slot = None,
            Patch::Set(v) => *slot = Some(v),
        }
    }

    /// Parse the value of a `Set`.
    pub fn try_map<U>(self, parse: impl FnOnce(T) -> Result<U>) -> Result<Patch<U>> {
        Ok(match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(parse(v)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_trimmed_bounded_and_printable() {
        assert_eq!(short_text("f", "  crm  ", 10).unwrap(), "crm");
        assert_eq!(short_text("f", "", 10).unwrap_err().field(), Some("f"));
        assert!(short_text("f", "a\u{0}b", 10).is_err());
        assert!(short_text("f", "abcdef", 5).is_err());
    }

    #[test]
    fn lists_are_bounded() {
        assert!(at_most("ids", &[1, 2], 2).is_ok());
        assert_eq!(at_most("ids", &[1, 2, 3], 2).unwrap_err().field(), Some("ids"));
    }

    #[test]
    fn a_patch_keeps_clears_or_sets() {
        let mut slot = Some(1);
        Patch::Keep.apply(&mut slot);
        assert_eq!(slot, Some(1));
        Patch::Set(2).apply(&mut slot);
        assert_eq!(slot, Some(2));
        Patch::<i32>::Clear.apply(&mut slot);
        assert_eq!(slot, None);
    }
}
