//! The arguments of a look-ahead's `interactions(...)`, read as the resolver would read them.

use crate::domain::Channel;
use crate::domain::enums::InteractionKind;
use crate::domain::interaction::HistoryPage;
use crate::graphql::pagination::history_page;
use async_graphql::Value;

/// The history page a look-ahead of `interactions(...)` asks for, when its arguments are
/// literals or variables that parse.
pub(super) fn page_from_arguments(args: &[(async_graphql::Name, Value)]) -> Option<HistoryPage> {
    let mut first = None;
    let mut after = None;
    let mut channel = None;
    let (mut kind, mut since, mut until, mut outcome, mut topic) = (None, None, None, None, None);
    let time = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&chrono::Utc));
    for (name, value) in args {
        match (name.as_str(), value) {
            ("first", Value::Number(n)) => first = Some(i32::try_from(n.as_i64()?).ok()?),
            ("after", Value::String(s)) => after = Some(s.as_str()),
            ("channel", Value::Enum(c)) => channel = Some(c.as_str().parse::<Channel>().ok()?),
            ("channel", Value::String(c)) => channel = Some(c.parse::<Channel>().ok()?),
            ("kind", Value::Enum(k)) => kind = Some(InteractionKind::parse(k.as_str())?),
            ("kind", Value::String(k)) => kind = Some(InteractionKind::parse(k)?),
            ("since", Value::String(s)) => since = Some(time(s)?),
            ("until", Value::String(s)) => until = Some(time(s)?),
            ("outcome", Value::String(s)) => outcome = Some(s.as_str()),
            ("topic", Value::String(s)) => topic = Some(s.as_str()),
            (_, Value::Null) => {}
            _ => return None,
        }
    }
    let mut page = history_page(first, after, channel).ok()?;
    page.filter = crate::graphql::inputs::history_filter(kind, since, until, outcome, topic).ok()?;
    Some(page)
}
