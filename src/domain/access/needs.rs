//! The scopes a command needs for what it touches, beyond the scope of its operation: an
//! input that assigns labels needs `labels:assign`, one that changes consent or
//! do-not-contact needs `consents:write`, one that changes other preferences
//! `customers:write`. Each need names its input field, for the `FORBIDDEN` error.

use super::Scope;
use crate::domain::customer::ProfileInput;
use crate::domain::preference::PreferencePatch;
use crate::domain::text::Patch;

/// A scope an input field needs: `(scope, field path)`.
pub type Need = (Scope, String);

impl PreferencePatch {
    /// `field` is where the patch was given (`input`, `input.preferences`).
    pub fn needs(&self, field: &str) -> Vec<Need> {
        let at = |name: &str| format!("{field}.{name}");
        let mut needs = Vec::new();
        let others = [
            (!matches!(self.language, Patch::Keep), "language"),
            (!matches!(self.timezone, Patch::Keep), "timezone"),
            (!matches!(self.preferred_channel, Patch::Keep), "preferredChannel"),
            (!matches!(self.preferred_identity, Patch::Keep), "preferredIdentityId"),
            (!matches!(self.preferred_agent_id, Patch::Keep), "preferredAgentId"),
            (self.best_time_to_contact.is_some(), "bestTimeToContact"),
        ];
        if let Some((_, name)) = others.iter().find(|(touched, _)| *touched) {
            needs.push((Scope::CustomersWrite, at(name)));
        }
        if self.do_not_contact.is_some() {
            needs.push((Scope::ConsentsWrite, at("doNotContact")));
        }
        if self.consents.is_some() {
            needs.push((Scope::ConsentsWrite, at("consents")));
        }
        needs
    }
}

impl ProfileInput {
    /// `field` is where the input was given (`input`).
    pub fn needs(&self, field: &str) -> Vec<Need> {
        let mut needs = Vec::new();
        if !self.label_ids.is_empty() {
            needs.push((Scope::LabelsAssign, format!("{field}.labelIds")));
        }
        if let Some(prefs) = &self.preferences {
            needs.extend(prefs.value.needs(&prefs.field));
        }
        needs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::preference::ConsentChange;

    #[test]
    fn consent_and_do_not_contact_need_consents_write_and_the_rest_customers_write() {
        let consent_only = PreferencePatch {
            do_not_contact: Some(true),
            consents: Some(Vec::<ConsentChange>::new()),
            ..PreferencePatch::default()
        };
        assert_eq!(
            consent_only.needs("input"),
            [(Scope::ConsentsWrite, "input.doNotContact".into()), (Scope::ConsentsWrite, "input.consents".into())]
        );
        let language = PreferencePatch { language: Patch::Clear, ..PreferencePatch::default() };
        assert_eq!(language.needs("input"), [(Scope::CustomersWrite, "input.language".into())]);
        assert!(PreferencePatch::default().needs("input").is_empty());
    }
}
