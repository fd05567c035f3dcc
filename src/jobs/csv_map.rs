//! CSV with a header mapping: each column names a path of the import line's JSON shape
//! (the header itself, or `--map 'Column=path'`), and a row becomes that JSON line.
//!
//! Paths: `id`, `displayName`, `identities.<CHANNEL>`, `externalRefs.<system>`,
//! `attributes.<key>` (a string; `attributes.<key>:number`, `:boolean` or `:json` to
//! convert), `labels` (names separated by `;`), `preferences.<language|timezone|
//! preferredChannel|preferredAgentId|doNotContact>`, `consents.<CHANNEL>` (a status), and
//! `-` to skip a column. Empty cells are left out.

use crate::domain::import::LineError;
use serde_json::{Map, Value, json};

/// What a column fills in a line.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Skip,
    Id,
    DisplayName,
    Identity(String),
    ExternalRef(String),
    Attribute { key: String, kind: Kind },
    Labels,
    Preference(String),
    Consent(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Boolean,
    Json,
}

const PREFERENCES: [&str; 5] = ["language", "timezone", "preferredChannel", "preferredAgentId", "doNotContact"];

/// The columns of a file, mapped.
#[derive(Clone, Debug)]
pub struct Mapping(Vec<Target>);

impl Mapping {
    /// Map `headers` with `overrides` (`Column=path`). An unknown path is an error naming
    /// the column (header names are not PII).
    pub fn new(headers: &[String], overrides: &[String]) -> anyhow::Result<Self> {
        let mut renamed: Vec<(&str, &str)> = Vec::new();
        for spec in overrides {
            let (column, path) =
                spec.split_once('=').ok_or_else(|| anyhow::anyhow!("--map {spec:?}: expected Column=path"))?;
            if !headers.iter().any(|h| h == column.trim()) {
                anyhow::bail!("--map {spec:?}: the file has no column {:?}", column.trim());
            }
            renamed.push((column.trim(), path.trim()));
        }
        let targets = headers
            .iter()
            .map(|h| {
                let path = renamed.iter().rev().find(|(c, _)| c == h).map_or(h.as_str(), |(_, p)| p);
                target(path).ok_or_else(|| {
                    anyhow::anyhow!(
                        "column {h:?} maps to {path:?}, which is not a path of a customer line (see --help)"
                    )
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self(targets))
    }

    /// The JSON line of a row (line `line` of the file).
    pub fn line(&self, line: u64, row: &csv::StringRecord) -> Result<Value, LineError> {
        let (mut out, mut prefs, mut consents) = (Map::new(), Map::new(), Vec::new());
        for (target, cell) in self.0.iter().zip(row.iter()) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let push = |out: &mut Map<String, Value>, key: &str, item: Value| {
                if let Value::Array(items) = out.entry(key).or_insert_with(|| json!([])) {
                    items.push(item);
                }
            };
            match target {
                Target::Skip => {}
                Target::Id => {
                    out.insert("id".into(), json!(cell));
                }
                Target::DisplayName => {
                    out.insert("displayName".into(), json!(cell));
                }
                Target::Identity(channel) => push(&mut out, "identities", json!({ "channel": channel, "value": cell })),
                Target::ExternalRef(system) => {
                    push(&mut out, "externalRefs", json!({ "system": system, "externalId": cell }))
                }
                Target::Attribute { key, kind } => {
                    let value = convert(*kind, cell)
                        .ok_or_else(|| LineError::new(line, format!("attributes.{key}"), kind.expected()))?;
                    push(&mut out, "attributes", json!({ "key": key, "value": value }))
                }
                Target::Labels => {
                    for name in cell.split(';').map(str::trim).filter(|n| !n.is_empty()) {
                        push(&mut out, "labels", json!(name));
                    }
                }
                Target::Preference(name) => {
                    let value = if name == "doNotContact" {
                        convert(Kind::Boolean, cell)
                            .ok_or_else(|| LineError::new(line, "preferences.doNotContact", Kind::Boolean.expected()))?
                    } else {
                        json!(cell)
                    };
                    prefs.insert(name.clone(), value);
                }
                Target::Consent(channel) => consents.push(json!({ "channel": channel, "status": cell })),
            }
        }
        if !consents.is_empty() {
            prefs.insert("consents".into(), Value::Array(consents));
        }
        if !prefs.is_empty() {
            out.insert("preferences".into(), Value::Object(prefs));
        }
        Ok(Value::Object(out))
    }
}

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Number => "not a number",
            Kind::Boolean => "not a boolean (true/false, yes/no, 1/0)",
            Kind::Json => "not valid JSON",
        }
    }
}

fn convert(kind: Kind, cell: &str) -> Option<Value> {
    match kind {
        Kind::Text => Some(json!(cell)),
        Kind::Number => cell.parse::<serde_json::Number>().ok().map(Value::Number),
        Kind::Boolean => match cell.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Some(json!(true)),
            "false" | "no" | "0" => Some(json!(false)),
            _ => None,
        },
        Kind::Json => serde_json::from_str(cell).ok(),
    }
}

fn target(path: &str) -> Option<Target> {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    Some(match (head, rest) {
        ("-", "") => Target::Skip,
        ("id", "") => Target::Id,
        ("displayName", "") => Target::DisplayName,
        ("labels", "") => Target::Labels,
        ("identities", channel) if !channel.is_empty() => Target::Identity(channel.to_uppercase()),
        ("externalRefs", system) if !system.is_empty() => Target::ExternalRef(system.to_owned()),
        ("consents", channel) if !channel.is_empty() => Target::Consent(channel.to_uppercase()),
        ("preferences", name) if PREFERENCES.contains(&name) => Target::Preference(name.to_owned()),
        ("attributes", spec) if !spec.is_empty() => {
            let (key, kind) = match spec.rsplit_once(':') {
                Some((key, "number")) => (key, Kind::Number),
                Some((key, "boolean")) => (key, Kind::Boolean),
                Some((key, "json")) => (key, Kind::Json),
                Some(_) => return None,
                None => (spec, Kind::Text),
            };
            Target::Attribute { key: key.to_owned(), kind }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_becomes_the_json_line_its_header_mapping_says() {
        let headers: Vec<String> =
            ["Name", "E-mail", "SF", "Tier", "Score", "Tags", "Lang", "sms", "notes"].map(String::from).to_vec();
        let map = ["Name=displayName", "E-mail=identities.email", "SF=externalRefs.salesforce", "Tier=attributes.tier"]
            .into_iter()
            .chain(["Score=attributes.score:number", "Tags=labels", "Lang=preferences.language"])
            .chain(["sms=consents.SMS", "notes=-"])
            .map(String::from)
            .collect::<Vec<_>>();
        let mapping = Mapping::new(&headers, &map).unwrap();
        let row =
            csv::StringRecord::from(vec!["Jane", "j@x.io", "003", "gold", "4.5", "VIP; Late", "en", "OPT_IN", "x"]);
        let line = mapping.line(2, &row).unwrap();
        assert_eq!(
            line,
            json!({
                "displayName": "Jane",
                "identities": [{ "channel": "EMAIL", "value": "j@x.io" }],
                "externalRefs": [{ "system": "salesforce", "externalId": "003" }],
                "attributes": [{ "key": "tier", "value": "gold" }, { "key": "score", "value": 4.5 }],
                "labels": ["VIP", "Late"],
                "preferences": { "language": "en", "consents": [{ "channel": "SMS", "status": "OPT_IN" }] }
            })
        );
        let bad = csv::StringRecord::from(vec!["Jane", "", "003", "", "many", "", "", "", ""]);
        let e = mapping.line(3, &bad).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (3, "attributes.score"));
        assert!(!e.reason.contains("many"));
    }

    #[test]
    fn an_unknown_path_is_refused_naming_its_column() {
        let e = Mapping::new(&["Foo".to_owned()], &[]).unwrap_err().to_string();
        assert!(e.contains("\"Foo\""), "{e}");
    }
}
