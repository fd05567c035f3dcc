//! The profile itself: one person, recognised across every channel.

use super::attribute::AttributeChange;
use super::enums::CustomerStatus;
use super::external_ref::ExternalRef;
use super::id::{CustomerId, IdentityId, LabelId};
use super::identity::IdentitySpec;
use super::preference::PreferencePatch;
use super::text::{Located, Patch};
use super::{Error, Pii, Result};
use chrono::{DateTime, Utc};

const MAX_NAME_CHARS: usize = 200;

/// A customer profile as stored (PII opened, still wrapped).
#[derive(Clone, Debug)]
pub struct Customer {
    pub id: CustomerId,
    pub display_name: Option<Pii>,
    pub status: CustomerStatus,
    pub merged_into: Option<CustomerId>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A display name: whitespace collapsed, at most 200 characters; blank means none.
pub fn parse_display_name(field: &str, raw: &str) -> Result<Option<Pii>> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::bad_input(field, "a display name is at most 200 characters"));
    }
    Ok((!name.is_empty()).then(|| Pii::new(name)))
}

/// What a new profile (or a CRM sync of a known one) brings, parsed and validated.
#[derive(Clone, Debug, Default)]
pub struct ProfileInput {
    pub display_name: Option<Pii>,
    pub identities: Vec<Located<IdentitySpec>>,
    pub attributes: Vec<AttributeChange>,
    /// Without repeats, each at the field it was given in.
    pub label_ids: Vec<Located<LabelId>>,
    pub preferences: Option<Located<PreferencePatch>>,
    pub external_refs: Vec<Located<ExternalRef>>,
    /// Import only: the ids an exported profile's identities had, by position in
    /// `identities` (`None`, or a shorter list: a new id). A new identity keeps its id
    /// unless another identity has it, so that `preferences.preferredIdentityId` of the
    /// exported line still names it.
    pub identity_ids: Vec<Option<IdentityId>>,
}

/// A change to the profile row itself.
#[derive(Clone, Debug)]
pub struct ProfileUpdate {
    pub display_name: Patch<Pii>,
    pub expected_version: Option<i32>,
}

impl ProfileInput {
    /// What the input writes, as the audit log records it: field names, never values.
    pub fn changed_fields(&self) -> Vec<String> {
        let mut fields = Vec::new();
        if self.display_name.is_some() {
            fields.push("displayName".to_owned());
        }
        let mut channels: Vec<&str> = self.identities.iter().map(|i| i.value.channel.as_str()).collect();
        channels.sort_unstable();
        channels.dedup();
        fields.extend(channels.into_iter().map(|c| format!("identities.{c}")));
        fields.extend(self.attributes.iter().map(|a| format!("attributes.{}", a.key)));
        if !self.label_ids.is_empty() {
            fields.push("labels".to_owned());
        }
        if let Some(prefs) = &self.preferences {
            fields.extend(prefs.value.changed_fields());
        }
        if !self.external_refs.is_empty() {
            fields.push("externalRefs".to_owned());
        }
        fields
    }
}

impl ProfileUpdate {
    /// What the update changes (field names).
    pub fn changed_fields(&self) -> Vec<String> {
        if self.display_name.changes() { vec!["displayName".to_owned()] } else { vec![] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_collapse_whitespace_and_blank_means_none() {
        assert_eq!(parse_display_name("n", "  Jane   Doe ").unwrap().unwrap().expose(), "Jane Doe");
        assert!(parse_display_name("n", "   ").unwrap().is_none());
        assert_eq!(parse_display_name("n", &"x".repeat(201)).unwrap_err().field(), Some("n"));
    }
}
