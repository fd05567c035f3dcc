//! Labels in the catalogue: validated name, colour and description.

use super::enums::LabelSource;
use super::id::LabelId;
use super::{Error, Result};

/// A label in the catalogue.
#[derive(Clone, Debug)]
pub struct Label {
    pub id: LabelId,
    pub name: String,
    pub color: Option<String>,
    pub description: Option<String>,
    pub source: LabelSource,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelSpec {
    pub name: String,
    /// `#rrggbb`, lower-case.
    pub color: Option<String>,
    pub description: Option<String>,
}

impl LabelSpec {
    /// The fields a label write sets, as the audit log records them.
    pub fn fields(&self) -> Vec<String> {
        let mut fields = vec!["name".to_owned()];
        fields.extend(self.color.is_some().then(|| "color".to_owned()));
        fields.extend(self.description.is_some().then(|| "description".to_owned()));
        fields
    }

    pub fn new(name: &str, color: Option<&str>, description: Option<&str>) -> Result<Self> {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::bad_input("input.name", "a label name is 1–100 characters"));
        }
        let color = color.map(str::trim).filter(|c| !c.is_empty()).map(parse_color).transpose()?;
        let description = description.map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned);
        if description.as_ref().is_some_and(|d| d.chars().count() > 1000) {
            return Err(Error::bad_input("input.description", "a description is at most 1000 characters"));
        }
        Ok(Self { name, color, description })
    }

    /// Names are unique regardless of case and spacing: "VIP" and "vip " are one label.
    pub fn name_key(&self) -> String {
        self.name.to_lowercase()
    }
}

fn parse_color(raw: &str) -> Result<String> {
    let hex = raw.strip_prefix('#').unwrap_or(raw);
    let hex = match hex.len() {
        3 => hex.chars().flat_map(|c| [c, c]).collect::<String>(),
        _ => hex.to_owned(),
    };
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::bad_input("input.color", "a colour is #rrggbb (or #rgb)"));
    }
    Ok(format!("#{}", hex.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_keyed_case_insensitively() {
        let spec = LabelSpec::new("  High   Priority ", None, None).unwrap();
        assert_eq!(spec.name, "High Priority");
        assert_eq!(spec.name_key(), "high priority");
    }

    #[test]
    fn colours_are_normalised_to_lower_case_six_digit_hex() {
        assert_eq!(LabelSpec::new("a", Some("#FFAA00"), None).unwrap().color.as_deref(), Some("#ffaa00"));
        assert_eq!(LabelSpec::new("a", Some("f0a"), None).unwrap().color.as_deref(), Some("#ff00aa"));
        let err = LabelSpec::new("a", Some("red"), None).unwrap_err();
        assert_eq!(err.field(), Some("input.color"));
    }

    #[test]
    fn an_empty_name_is_rejected_with_its_field() {
        assert_eq!(LabelSpec::new("   ", None, None).unwrap_err().field(), Some("input.name"));
    }
}
