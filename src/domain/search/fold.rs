//! Folding: what makes `José`, `JOSE` and `jose` one word to search.

use unicode_normalization::UnicodeNormalization as _;
use unicode_normalization::char::is_combining_mark;

/// Lower-case, without accents (compatibility decomposition, combining marks dropped), and
/// with runs of whitespace made one space.
pub fn fold(text: &str) -> String {
    let stripped: String = text.nfkd().filter(|c| !is_combining_mark(*c)).collect();
    stripped.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The words of a text, folded: runs of letters and digits (`O'Brien-Smith` → `o`, `brien`, `smith`).
pub fn words(text: &str) -> Vec<String> {
    fold(text).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned).collect()
}
