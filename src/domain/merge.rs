//! The rules of merging profiles: the survivor wins field by field and fills what it lacks
//! from the merged profiles in order; one primary identity per channel; the strictest
//! consent wins and do-not-contact anywhere stays; and how a merge is counted.

use super::Channel;
use super::preference::Preferences;
use std::collections::HashSet;

/// Survivor wins field by field, filling what it lacks from the merged profiles in order;
/// for each channel the strictest consent wins (see the ordering of `ConsentStatus`), and
/// do-not-contact anywhere stays do-not-contact.
pub fn combine_preferences(survivor: Preferences, merged: &[Preferences]) -> Preferences {
    let mut out = survivor;
    for m in merged {
        out.language = out.language.or_else(|| m.language.clone());
        out.timezone = out.timezone.or_else(|| m.timezone.clone());
        out.preferred_channel = out.preferred_channel.or(m.preferred_channel);
        out.preferred_identity_id = out.preferred_identity_id.or_else(|| m.preferred_identity_id.clone());
        out.preferred_agent_id = out.preferred_agent_id.or_else(|| m.preferred_agent_id.clone());
        if out.best_time_to_contact.is_empty() {
            out.best_time_to_contact = m.best_time_to_contact.clone();
        }
        out.do_not_contact |= m.do_not_contact;
        for c in &m.consents {
            match out.consents.iter_mut().find(|o| o.channel == c.channel) {
                Some(o) if c.status > o.status => *o = c.clone(),
                Some(_) => {}
                None => out.consents.push(c.clone()),
            }
        }
    }
    out.consents.sort_by_key(|c| c.channel.as_str());
    out
}

/// Whether an identity moving to the survivor stays primary: only when the survivor has
/// no primary identity on that channel (one primary per channel; the survivor's wins).
pub fn stays_primary(moving_is_primary: bool, channel: Channel, survivor_primary_channels: &HashSet<Channel>) -> bool {
    moving_is_primary && !survivor_primary_channels.contains(&channel)
}

/// What a merge moved to the survivor, as `Customer.merges` shows it and the audit records it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeCounts {
    /// Identities moved, and those the survivor already held (dropped, kept in the ledger).
    pub identities: usize,
    pub labels: usize,
    pub attributes: usize,
    /// Attribute values that lost to the survivor's (kept in the ledger).
    pub attribute_conflicts: usize,
    pub external_refs: usize,
    pub interactions: usize,
    /// Consent records (history with proof) moved.
    pub consents: usize,
    /// Per-customer suppressions moved.
    pub suppressions: usize,
}

impl std::ops::Add for MergeCounts {
    type Output = Self;

    fn add(self, o: Self) -> Self {
        Self {
            identities: self.identities + o.identities,
            labels: self.labels + o.labels,
            attributes: self.attributes + o.attributes,
            attribute_conflicts: self.attribute_conflicts + o.attribute_conflicts,
            external_refs: self.external_refs + o.external_refs,
            interactions: self.interactions + o.interactions,
            consents: self.consents + o.consents,
            suppressions: self.suppressions + o.suppressions,
        }
    }
}

impl std::iter::Sum for MergeCounts {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), |a, b| a + b)
    }
}

/// A merge as the ledger recorded it (`unmergeCustomer(mergeId)` undoes it).
#[derive(Clone, Debug)]
pub struct Merge {
    pub id: super::id::MergeId,
    pub survivor_id: super::id::CustomerId,
    pub merged_ids: Vec<super::id::CustomerId>,
    pub merged_by: String,
    pub merged_at: chrono::DateTime<chrono::Utc>,
    pub undone_by: Option<String>,
    pub undone_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What moved to the survivor.
    pub moved: MergeCounts,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::enums::ConsentStatus;
    use crate::domain::preference::ChannelConsent;
    use chrono::Utc;

    fn consent(channel: Channel, status: ConsentStatus) -> ChannelConsent {
        ChannelConsent { channel, status, updated_at: Utc::now(), source: None }
    }

    #[test]
    fn the_strictest_consent_and_any_do_not_contact_win() {
        let survivor = Preferences {
            language: Some("en".into()),
            consents: vec![consent(Channel::Sms, ConsentStatus::OptIn), consent(Channel::Email, ConsentStatus::OptOut)],
            ..Default::default()
        };
        let a = Preferences {
            language: Some("ur".into()),
            timezone: Some("Asia/Karachi".into()),
            do_not_contact: true,
            consents: vec![consent(Channel::Sms, ConsentStatus::OptOut), consent(Channel::Email, ConsentStatus::OptIn)],
            ..Default::default()
        };
        let b = Preferences { consents: vec![consent(Channel::Whatsapp, ConsentStatus::OptIn)], ..Default::default() };
        let out = combine_preferences(survivor, &[a, b]);
        assert_eq!(out.language.as_deref(), Some("en"), "the survivor wins");
        assert_eq!(out.timezone.as_deref(), Some("Asia/Karachi"), "gaps are filled");
        assert!(out.do_not_contact);
        let statuses: Vec<(Channel, ConsentStatus)> = out.consents.iter().map(|c| (c.channel, c.status)).collect();
        assert_eq!(
            statuses,
            [
                (Channel::Email, ConsentStatus::OptOut),
                (Channel::Sms, ConsentStatus::OptOut),
                (Channel::Whatsapp, ConsentStatus::OptIn)
            ]
        );
    }

    #[test]
    fn the_survivors_primary_identity_keeps_its_channel() {
        let survivor: HashSet<Channel> = [Channel::Phone].into();
        assert!(!stays_primary(true, Channel::Phone, &survivor));
        assert!(stays_primary(true, Channel::Email, &survivor));
        assert!(!stays_primary(false, Channel::Email, &survivor));
    }

    #[test]
    fn counts_add_up_over_parts() {
        let one = MergeCounts { identities: 2, interactions: 3, ..Default::default() };
        let total: MergeCounts = [one, one].into_iter().sum();
        assert_eq!((total.identities, total.interactions, total.labels), (4, 6, 0));
    }
}
