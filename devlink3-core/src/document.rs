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
    serde_json::to_value(Documented::new(event, raw)).unwrap_or(Value::Null)
}

/// An event (or a part of one: a Detail's party...) serialized as its document, with the
/// records' `raw` texts only when asked for: serialize it straight to bytes
/// (`serde_json::to_writer`) where no [`Value`] is needed, as `devlink3 tail` and the
/// relay do.
#[derive(Debug, Clone, Copy)]
pub struct Documented<'a, T: ?Sized> {
    value: &'a T,
    raw: bool,
}

impl<'a, T: serde::Serialize + ?Sized> Documented<'a, T> {
    /// `value`'s document; `raw` keeps the records' texts.
    pub fn new(value: &'a T, raw: bool) -> Self {
        Documented { value, raw }
    }
}

impl<T: serde::Serialize + ?Sized> serde::Serialize for Documented<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::records::serialize_with_raw(self.raw, || self.value.serialize(serializer))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{LinkState, MissedReason, Origin, PbxInfo};
    use crate::records::{CmExtn, CmExtnState, Delta2, Delta2Kind, Delta3Record, SipTrack, Worded, parse_delta2};

    fn has_raw(value: &Value) -> bool {
        match value {
            Value::Object(map) => map.contains_key("raw") || map.values().any(has_raw),
            Value::Array(items) => items.iter().any(has_raw),
            _ => false,
        }
    }

    #[test]
    fn raw_only_when_asked_and_the_choice_does_not_leak() {
        let origin = Origin { pbx_ip: [192, 168, 42, 3].into(), counter: 1 };
        let detail = Delta3Record::parse("<Detail><Call>n,1</Call><PartyA>e,1</PartyA></Detail>").unwrap();
        let delta2 = parse_delta2("CALL: D 1.2.0,1.3.1,42").unwrap().into_owned();
        let events = [Event::Delta3 { origin, record: detail }, Event::Delta2 { origin, record: Box::new(delta2) }];
        for event in &events {
            assert!(!has_raw(&document(event, false)), "{event:?}");
            let bytes = serde_json::to_vec(&Documented::new(event, false)).unwrap();
            assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), document(event, false));
            assert!(has_raw(&document(event, true)), "{event:?}");
            // Plain serialization, after a document without raw, still has it.
            assert!(has_raw(&serde_json::to_value(event).unwrap()), "{event:?}");
        }
    }

    /// The words the bindings take from `Worded` are the document's.
    #[test]
    fn described_words_are_the_documents() {
        for reason in MissedReason::ALL {
            let missed = document(&Event::Missed { count: 1, reason }, false);
            assert_eq!(missed["reason"], reason.as_str());
        }
        assert_eq!(MissedReason::WORDS, MissedReason::ALL.map(MissedReason::as_str));
        for kind in Delta2Kind::ALL {
            let record = serde_json::to_value(Delta2::build(kind, &["1", "2", "3"])).unwrap();
            assert_eq!(record["kind"], kind.as_str());
            assert_eq!(kind.as_str(), kind.letter().to_string());
        }
        assert_eq!(Delta2Kind::WORDS, Delta2Kind::ALL.map(Delta2Kind::as_str));
    }

    /// `Event::type_name` and `LinkState::name`, which the bindings write, are the
    /// document's `type` and `state`.
    #[test]
    fn type_and_state_names_are_the_documents() {
        let origin = Origin { pbx_ip: [192, 168, 42, 3].into(), counter: 1 };
        let states = [
            LinkState::Connecting { attempt: 1 },
            LinkState::Operational(PbxInfo::default()),
            LinkState::NoResponse { reason: String::new(), retry_in: std::time::Duration::ZERO },
            LinkState::Rejected { code: None, reason: String::new() },
            LinkState::Closed,
        ];
        let mut events = vec![
            Event::Delta3 { origin, record: Delta3Record::parse("<CallLost>n,e,0,0,1</CallLost>").unwrap() },
            Event::Delta2 { origin, record: Box::new(parse_delta2("CALL: D 1.2.0,1.3.1,42").unwrap().into_owned()) },
            Event::SipTrack { origin, record: Box::new(SipTrack::default()) },
            Event::CmExtn { origin, record: Box::new(CmExtn::default()) },
            Event::CmExtnState { origin, record: Box::new(CmExtnState::default()) },
            Event::Unparsed { origin, tag: 0, text: String::new(), error: String::new() },
            Event::Missed { count: 1, reason: MissedReason::CounterGap },
        ];
        for state in &states {
            let document = document(&Event::LinkState(state.clone()), false);
            assert_eq!(document["state"], state.name());
        }
        events.extend(states.map(Event::LinkState));
        for event in &events {
            assert_eq!(document(event, false)["type"], event.type_name(), "{event:?}");
        }
    }
}
