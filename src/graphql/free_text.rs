//! Free text as served: every read path of a free-text field (an interaction's summary, a
//! consent's source) goes through [`shown`], which applies the domain's redaction for this
//! caller. Contact data inside the text is shown only to `pii:read`, and then audited like
//! any PII field; card numbers never are (`domain::redact`).

use super::access_log::reveal;
use crate::domain::id::CustomerId;
use crate::domain::redact::{has_contact_data, redact_free_text};
use async_graphql::Context;

/// `text` (a free-text `field` of profile `customer_id`) as this caller may see it.
pub fn shown(ctx: &Context<'_>, customer_id: &CustomerId, field: &str, text: &str) -> String {
    // Ask (and audit) a reveal only when there is contact data to reveal.
    let contacts_visible = has_contact_data(text) && reveal(ctx, customer_id, field);
    redact_free_text(text, contacts_visible).into_owned()
}
