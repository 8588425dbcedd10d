//! The document of an event: the one JSON shape every face gives (`devlink3 tail`'s
//! lines, Python's `event.to_dict()`, ...), and its JSON Schema.
//!
//! It is the serde form of [`Event`]: `{"type": "delta3", "pbx_ip": ..., "counter": ...,
//! "record": {"kind": "detail", ...}}`, coded values by the specification's names (the
//! number when unnamed), party flags by name. Records carry their text as `raw` only when
//! asked for: it doubles a line's size and repeats what the fields say.

use serde_json::Value;

use crate::event::Event;

/// The schema's `$id`: where the published copy lives in the repository.
pub const SCHEMA_ID: &str = "https://github.com/devlink3/devlink3/blob/main/schema/devlink3-event.schema.json";

/// The document of `event`, with the records' `raw` text when `raw` is true.
pub fn document(event: &Event, raw: bool) -> Value {
    // Serializing our own types into a Value cannot fail: no map has non-string keys.
    let mut value = serde_json::to_value(event).unwrap_or(Value::Null);
    if !raw {
        strip_raw(&mut value);
    }
    value
}

/// Removes every `raw` member (what [`document`] does when `raw` is false).
pub fn strip_raw(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("raw");
            map.values_mut().for_each(strip_raw);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_raw),
        _ => {}
    }
}

/// The JSON Schema (draft 2020-12) of [`document`], derived from the types serde
/// serializes; `raw` is optional wherever it appears.
#[cfg(feature = "schema")]
pub fn schema() -> Value {
    let mut schema = schemars::schema_for!(Event).to_value();
    optional_raw(&mut schema);
    if let Value::Object(map) = &mut schema {
        map.insert("$id".into(), SCHEMA_ID.into());
        map.insert("title".into(), "devlink3 event".into());
        map.insert(
            "description".into(),
            "One event of a DevLink3 link, as devlink3 tail prints it and every binding gives it.".into(),
        );
    }
    schema
}

/// Drops `raw` from every `required` list.
#[cfg(feature = "schema")]
fn optional_raw(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(required)) = map.get_mut("required") {
                required.retain(|name| name != "raw");
            }
            map.values_mut().for_each(optional_raw);
        }
        Value::Array(items) => items.iter_mut().for_each(optional_raw),
        _ => {}
    }
}
