//! A line of a bulk import file (`customers import`) into a domain command. A line has the
//! input shape of `createCustomer` (so the API's own coercion and validation run on it,
//! once: nothing is validated twice), plus `id` (a profile as exported), `labels` (names
//! instead of `labelIds`), `status` (shown by the export, ignored here) and the `id` of
//! each identity (an exported profile's identities keep their ids where they are free, so
//! that its `preferences.preferredIdentityId` still names one of them).

use super::CreateCustomerInput;
use crate::domain::id::{CustomerId, IdentityId};
use crate::domain::identity::NormalizeOptions;
use crate::domain::import::{ImportKey, ImportRecord, LineError};
use crate::domain::text::Located;
use serde_json::{Map, Value};

/// The fields of `CreateCustomerInput` (the input object ignores fields it does not know:
/// a misspelt one must be reported, not dropped).
const INPUT_FIELDS: [&str; 6] = ["displayName", "identities", "attributes", "labelIds", "preferences", "externalRefs"];
/// What a line adds to the input object.
const LINE_FIELDS: [&str; 3] = ["id", "labels", "status"];

/// Parse line `line` (1-based) of a file.
pub fn import_record(line: u64, value: Value, opts: &NormalizeOptions) -> Result<ImportRecord, LineError> {
    let Value::Object(mut object) = value else {
        return Err(LineError::new(line, "", "a line is a JSON object"));
    };
    if let Some(unknown) =
        object.keys().find(|k| !INPUT_FIELDS.contains(&k.as_str()) && !LINE_FIELDS.contains(&k.as_str()))
    {
        // The key is a field name the file chose, not a value.
        return Err(LineError::new(line, unknown.clone(), "not a field of a customer line"));
    }
    let id = match object.remove("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) => Some(CustomerId::parse("id", &raw).map_err(|e| LineError::of(line, &e))?),
        Some(_) => return Err(LineError::new(line, "id", "an id is a string")),
    };
    let label_names = label_names(line, object.remove("labels"))?;
    object.remove("status");
    let identity_ids = identity_ids(line, &mut object)?;
    let input = coerce(&object).map_err(|field| {
        LineError::new(line, field, "not of the field's type (a wrong type, a missing field or an unknown enum value)")
    })?;
    let mut input = input.parse("input", opts).map_err(|e| LineError::of(line, &e))?;
    input.identity_ids = identity_ids;
    let key = match (id, input.external_refs.first()) {
        (Some(id), _) => ImportKey::Id(id),
        (None, Some(r)) => ImportKey::Ref(r.value.clone()),
        (None, None) => {
            return Err(LineError::new(
                line,
                "externalRefs",
                "a line needs an external ref or an id: the key that makes a rerun update the profile instead of adding another",
            ));
        }
    };
    Ok(ImportRecord { line, key, input, label_names })
}

/// The `id` of each identity (`identities.N.id`), taken out of the line before the input is
/// coerced (the input object has no such field).
fn identity_ids(line: u64, object: &mut Map<String, Value>) -> Result<Vec<Option<IdentityId>>, LineError> {
    let Some(Value::Array(items)) = object.get_mut("identities") else { return Ok(Vec::new()) };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter_mut().enumerate() {
        let field = format!("identities.{i}.id");
        match item.as_object_mut().and_then(|o| o.remove("id")) {
            None | Some(Value::Null) => out.push(None),
            Some(Value::String(raw)) => {
                out.push(Some(IdentityId::parse(&field, &raw).map_err(|e| LineError::of(line, &e))?));
            }
            Some(_) => return Err(LineError::new(line, field, "an id is a string")),
        }
    }
    Ok(out)
}

fn label_names(line: u64, value: Option<Value>) -> Result<Vec<Located<String>>, LineError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(LineError::new(line, "labels", "labels are a list of label names")),
    };
    if items.len() > super::MAX_ITEMS {
        return Err(LineError::new(line, "labels", format!("at most {} labels", super::MAX_ITEMS)));
    }
    let mut out: Vec<Located<String>> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Value::String(name) if !name.trim().is_empty() => out.push(Located::new(format!("labels.{i}"), name)),
            _ => return Err(LineError::new(line, format!("labels.{i}"), "a label is named by a non-empty string")),
        }
    }
    Ok(out)
}

/// The input object, coerced as the API coerces it; on failure, the field that does not
/// coerce (`identities.2`), found by coercing each field, then each list item, alone
/// (async-graphql's own message quotes the value, so it is not used).
fn coerce(object: &Map<String, Value>) -> Result<CreateCustomerInput, String> {
    let attempt = |o: async_graphql::Value| <CreateCustomerInput as async_graphql::InputType>::parse(Some(o)).ok();
    if let Some(input) = attempt(const_object(object.iter())) {
        return Ok(input);
    }
    for (key, value) in object {
        if attempt(const_object(std::iter::once((key, value)))).is_some() {
            continue;
        }
        if let Value::Array(items) = value {
            for (i, item) in items.iter().enumerate() {
                let one = async_graphql::Value::List(vec![to_const(item)]);
                let object = async_graphql::indexmap::IndexMap::from_iter([(async_graphql::Name::new(key), one)]);
                if attempt(async_graphql::Value::Object(object)).is_none() {
                    return Err(format!("{key}.{i}"));
                }
            }
        }
        return Err(key.clone());
    }
    Err(String::new())
}

/// An object of these fields as async-graphql's input value, converted from the borrowed
/// JSON (no copy of the line, no pass through serde: this runs for every line).
fn const_object<'a>(fields: impl Iterator<Item = (&'a String, &'a Value)>) -> async_graphql::Value {
    async_graphql::Value::Object(fields.map(|(k, v)| (async_graphql::Name::new(k), to_const(v))).collect())
}

fn to_const(value: &Value) -> async_graphql::Value {
    use async_graphql::Value as C;
    match value {
        Value::Null => C::Null,
        Value::Bool(b) => C::Boolean(*b),
        Value::Number(n) => C::Number(n.clone()),
        Value::String(s) => C::String(s.clone()),
        Value::Array(items) => C::List(items.iter().map(to_const).collect()),
        Value::Object(o) => const_object(o.iter()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<ImportRecord, LineError> {
        import_record(4, v, &NormalizeOptions::default())
    }

    #[test]
    fn a_line_is_the_create_input_keyed_by_its_first_external_ref() {
        let r = parse(json!({
            "displayName": "Jane Doe",
            "identities": [{ "channel": "EMAIL", "value": "Jane@Example.com" }],
            "labels": ["VIP"],
            "externalRefs": [{ "system": "Salesforce", "externalId": "003-1" }]
        }))
        .unwrap();
        assert!(matches!(&r.key, ImportKey::Ref(k) if k.system == "salesforce" && k.external_id == "003-1"));
        assert_eq!(r.input.identities[0].value.value.expose(), "jane@example.com");
        assert_eq!((r.label_names[0].field.as_str(), r.label_names[0].value.as_str()), ("labels.0", "VIP"));
    }

    #[test]
    fn errors_name_the_line_and_field_and_never_the_value() {
        let bad_phone = json!({ "identities": [{ "channel": "PHONE", "value": "call-me-9999" }], "externalRefs": [{ "system": "s", "externalId": "1" }] });
        let e = parse(bad_phone).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (4, "identities.0.value"));
        assert!(!e.reason.contains("9999"), "{}", e.reason);
        let bad_enum = json!({ "identities": [{ "channel": "EMAIL", "value": "a@b.c" }, { "channel": "SECRET-42", "value": "x" }] });
        let e = parse(bad_enum).unwrap_err();
        assert_eq!(e.field, "identities.1");
        assert!(!e.reason.contains("SECRET-42"), "{}", e.reason);
        assert_eq!(parse(json!({ "displayNme": "x" })).unwrap_err().field, "displayNme");
        assert_eq!(parse(json!({ "displayName": "x" })).unwrap_err().field, "externalRefs", "no key");
        assert_eq!(parse(json!([1])).unwrap_err().field, "");
    }

    #[test]
    fn an_exported_identity_keeps_its_id_and_a_malformed_one_is_refused_at_its_field() {
        let kept = IdentityId::generate();
        let line = json!({ "id": CustomerId::generate().as_str(), "identities": [
            { "channel": "EMAIL", "value": "a@b.co" },
            { "id": kept.as_str(), "channel": "PHONE", "value": "+923001234567" }
        ] });
        let r = parse(line).unwrap();
        assert_eq!(r.input.identity_ids, [None, Some(kept)]);
        assert_eq!(r.input.identities.len(), 2);
        let bad = json!({ "externalRefs": [{ "system": "s", "externalId": "1" }],
            "identities": [{ "id": "+923001234567", "channel": "PHONE", "value": "+923001234567" }] });
        let e = parse(bad).unwrap_err();
        assert_eq!(e.field, "identities.0.id");
        assert!(!e.reason.contains("1234567"), "{}", e.reason);
    }

    #[test]
    fn an_exported_line_is_keyed_by_its_id() {
        let id = CustomerId::generate();
        let r = parse(json!({ "id": id.as_str(), "status": "ACTIVE", "displayName": "A" })).unwrap();
        assert_eq!(r.key, ImportKey::Id(id));
    }
}
