//! Relay-style pagination: the page-size rule, opaque cursors and `PageInfo`. Cursors are
//! base64url but stable: a customer cursor is its id (listing order), an interaction cursor
//! its (startedAt, id) position.

use crate::domain::audit::AuditEntry;
use crate::domain::id::{CustomerId, InteractionId};
use crate::domain::interaction::{HistoryPage, Interaction};
use crate::domain::{Channel, Error, Result};
use crate::store::audit::Position;
use async_graphql::SimpleObject;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

/// The most items a page may ask for.
pub const MAX_PAGE: i32 = 100;
/// `first` when a client does not say.
pub const DEFAULT_PAGE: i32 = 20;

/// `first` as given (or the default), checked: `0..=100`.
pub fn page_size(first: Option<i32>) -> Result<usize> {
    let first = first.unwrap_or(DEFAULT_PAGE);
    if !(0..=MAX_PAGE).contains(&first) {
        return Err(Error::bad_input("first", "first must be between 0 and 100"));
    }
    Ok(first as usize)
}

/// The complexity of a list field: its page size times its selection (plus itself), so that
/// nested pages multiply as the rows they return do.
pub fn list_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let first = first.unwrap_or(DEFAULT_PAGE).clamp(0, MAX_PAGE) as usize;
    first.max(1).saturating_mul(child_complexity).saturating_add(1)
}

/// Where a page ends, and whether more items follow.
#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// More items follow this page.
    pub has_next_page: bool,
    /// The cursor of the page's last item, to pass as `after` for the next page; `null` when the page is empty.
    pub end_cursor: Option<String>,
}

/// Cut a page read with one extra row (which only says there is a next page).
pub fn cut<T>(mut rows: Vec<T>, first: usize, cursor: impl Fn(&T) -> String) -> (Vec<T>, PageInfo) {
    let has_next_page = rows.len() > first;
    rows.truncate(first);
    let end_cursor = rows.last().map(cursor);
    (rows, PageInfo { has_next_page, end_cursor })
}

fn decode<'a>(field: &str, raw: &str, buf: &'a mut String, prefix: &str) -> Result<&'a str> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| Error::bad_input(field, "not a valid cursor"))?;
    *buf = String::from_utf8(bytes).map_err(|_| Error::bad_input(field, "not a valid cursor"))?;
    buf.strip_prefix(prefix).ok_or_else(|| Error::bad_input(field, "not a cursor of this list"))
}

pub fn customer_cursor(id: &CustomerId) -> String {
    URL_SAFE_NO_PAD.encode(format!("c:{id}"))
}

pub fn decode_customer_cursor(field: &str, raw: &str) -> Result<CustomerId> {
    let mut buf = String::new();
    CustomerId::parse(field, decode(field, raw, &mut buf, "c:")?)
}

/// A `searchCustomers` cursor: the rank and id of the last result seen.
pub fn search_cursor(rank: i32, id: &CustomerId) -> String {
    URL_SAFE_NO_PAD.encode(format!("s:{rank}|{id}"))
}

pub fn decode_search_cursor(field: &str, raw: &str) -> Result<crate::domain::search::SearchCursor> {
    let mut buf = String::new();
    let rest = decode(field, raw, &mut buf, "s:")?;
    let (rank, id) = rest.split_once('|').ok_or_else(|| Error::bad_input(field, "not a valid cursor"))?;
    let rank = rank.parse::<i32>().map_err(|_| Error::bad_input(field, "not a valid cursor"))?;
    Ok(crate::domain::search::SearchCursor { rank, id: CustomerId::parse(field, id)? })
}

pub fn anomaly_cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("a:{id}"))
}

/// An `accessAnomalies` cursor: the id of the last detection seen.
pub fn decode_anomaly_cursor(field: &str, raw: &str) -> Result<String> {
    let mut buf = String::new();
    let id = decode(field, raw, &mut buf, "a:")?;
    crate::domain::id::canonical(id).ok_or_else(|| Error::bad_input(field, "not a valid cursor"))
}

pub fn interaction_cursor(r: &Interaction) -> String {
    URL_SAFE_NO_PAD.encode(format!("i:{}|{}", r.spec.period.start.to_rfc3339(), r.id))
}

fn decode_interaction_cursor(field: &str, raw: &str) -> Result<(DateTime<Utc>, InteractionId)> {
    let mut buf = String::new();
    let rest = decode(field, raw, &mut buf, "i:")?;
    let (at, id) = rest.split_once('|').ok_or_else(|| Error::bad_input(field, "not a valid cursor"))?;
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| Error::bad_input(field, "not a valid cursor"))?;
    Ok((at.with_timezone(&Utc), InteractionId::parse(field, id)?))
}

pub fn audit_cursor(e: &AuditEntry) -> String {
    URL_SAFE_NO_PAD.encode(format!("a:{}|{}", e.at.timestamp_micros(), e.id))
}

pub fn decode_audit_cursor(field: &str, raw: &str) -> Result<Position> {
    let mut buf = String::new();
    let rest = decode(field, raw, &mut buf, "a:")?;
    let invalid = || Error::bad_input(field, "not a valid cursor");
    let (at, id) = rest.split_once('|').ok_or_else(invalid)?;
    let at = at.parse::<i64>().ok().and_then(DateTime::from_timestamp_micros).ok_or_else(invalid)?;
    let id = crate::domain::id::canonical(id).ok_or_else(invalid)?;
    Ok(Position { at, id })
}

/// The history page of `Customer.interactions(first, after, channel)`: one row more than
/// `first`, to know whether there is a next page.
pub fn history_page(first: Option<i32>, after: Option<&str>, channel: Option<Channel>) -> Result<HistoryPage> {
    let first = page_size(first)?;
    let before = after.map(|c| decode_interaction_cursor("after", c)).transpose()?;
    Ok(HistoryPage { limit: first as u64 + 1, before, channel, filter: Default::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_0_to_100_items() {
        assert_eq!(page_size(None).unwrap(), 20);
        assert_eq!(page_size(Some(100)).unwrap(), 100);
        assert_eq!(page_size(Some(101)).unwrap_err().field(), Some("first"));
        assert!(page_size(Some(-1)).is_err());
    }

    #[test]
    fn cursors_round_trip_and_belong_to_their_list() {
        let id = CustomerId::generate();
        assert_eq!(decode_customer_cursor("after", &customer_cursor(&id)).unwrap(), id);
        assert!(history_page(None, Some(&customer_cursor(&id)), None).is_err());
        assert_eq!(decode_customer_cursor("after", "!!").unwrap_err().field(), Some("after"));
    }

    #[test]
    fn search_cursors_round_trip_and_belong_to_their_list() {
        let id = CustomerId::generate();
        let cursor = decode_search_cursor("after", &search_cursor(3, &id)).unwrap();
        assert_eq!((cursor.rank, cursor.id), (3, id.clone()));
        assert_eq!(decode_search_cursor("after", &customer_cursor(&id)).unwrap_err().field(), Some("after"));
    }

    #[test]
    fn a_cut_page_says_whether_there_is_more() {
        let (rows, info) = cut(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!((rows, info.has_next_page, info.end_cursor.as_deref()), (vec![1, 2], true, Some("2")));
    }
}
