//! The schema: every shape's fields, recorded by running the writers on sample events.
//! `scripts/generate.mjs` turns it into the JS decoder and the TypeScript types.

use std::collections::BTreeMap;

use devlink3_core::records::PartyFlags;
use serde_json::{Value, json};

use super::events::{self, Shape};
use super::{Coded, Sink, Words};

/// The schema as JSON, and a hash of it that the generated decoder carries.
pub(crate) fn describe() -> (String, u32) {
    let mut schema = Schema::default();
    for shape in Shape::ALL {
        events::event(&mut schema, &shape.sample());
        let described = schema.shapes.last().map(|(shape, _)| *shape);
        assert_eq!(described, Some(shape), "the sample of {shape:?} is written as another shape");
    }
    let json = schema.into_json().to_string();
    let hash = fnv1a(json.as_bytes());
    (json, hash)
}

/// Records fields instead of values.
#[derive(Default)]
struct Schema {
    shapes: Vec<(Shape, Vec<Value>)>,
    /// Nested object types, by interface name.
    interfaces: BTreeMap<&'static str, Vec<Value>>,
    codes: BTreeMap<&'static str, Vec<(u32, &'static str)>>,
    words: BTreeMap<&'static str, Words>,
    /// Field lists being filled: the current shape's, then nested objects'.
    open: Vec<Vec<Value>>,
    /// The next field may be missing (`null`).
    nullable: bool,
    /// The next field's documentation.
    doc: Option<&'static str>,
    /// The interface being described lists its fields in wire order.
    wire_order: bool,
    /// Those that do.
    wire: Vec<&'static str>,
}

impl Schema {
    fn field(&mut self, name: &'static str, kind: &'static str, extra: Value) {
        let mut field = json!({ "name": name, "kind": kind, "nullable": std::mem::take(&mut self.nullable) });
        if let Some(doc) = self.doc.take() {
            field["doc"] = doc.into();
        }
        if let (Value::Object(field), Value::Object(extra)) = (&mut field, extra) {
            field.extend(extra);
        }
        self.open.last_mut().expect("a field outside any shape").push(field);
    }

    /// Describes the nested interface once, from a default value.
    fn nested<T: Default>(&mut self, interface: &'static str, write: fn(&mut Self, &T)) {
        if self.interfaces.contains_key(interface) {
            return;
        }
        self.open.push(Vec::new());
        self.wire_order = false;
        write(self, &T::default());
        if std::mem::take(&mut self.wire_order) {
            self.wire.push(interface);
        }
        let fields = self.open.pop().unwrap_or_default();
        self.interfaces.insert(interface, fields);
    }

    fn finish_shape(&mut self) {
        if let (Some(fields), Some((_, slot))) = (self.open.pop(), self.shapes.last_mut()) {
            *slot = fields;
        }
    }

    fn into_json(mut self) -> Value {
        self.finish_shape();
        let shapes: Vec<Value> = self
            .shapes
            .iter()
            .enumerate()
            .map(|(index, (shape, fields))| {
                json!({ "id": index, "interface": shape.interface(), "fields": fields, "lazy": shape.lazy() })
            })
            .collect();
        let codes: BTreeMap<_, _> = self
            .codes
            .iter()
            .map(|(name, values)| (*name, values.iter().map(|(raw, name)| json!([raw, name])).collect::<Vec<_>>()))
            .collect();
        let words: BTreeMap<_, _> = self
            .words
            .iter()
            .map(|(name, words)| (*name, json!({ "words": words.words, "open": words.open })))
            .collect();
        let party_flags: Vec<Value> = PartyFlags::NAMED.iter().map(|(bit, name)| json!([name, bit.bits()])).collect();
        // The names in events, by bit.
        let flag_names: Vec<Value> = PartyFlags::NAMED
            .iter()
            .zip(PartyFlags::DOCUMENT_NAMES)
            .map(|((bit, _), name)| json!([bit.bits(), name]))
            .collect();
        json!({
            "shapes": shapes,
            "interfaces": self.interfaces,
            "codes": codes,
            "words": words,
            "bits": { "PartyFlags": party_flags },
            "flagNames": { "PartyFlags": flag_names },
            "wire": self.wire,
        })
    }
}

impl Sink for Schema {
    const DESCRIBES: bool = true;

    fn doc(&mut self, text: &'static str) {
        self.doc = Some(text);
    }

    fn shape(&mut self, shape: Shape) {
        self.finish_shape();
        assert_eq!(Shape::ALL.get(shape as usize), Some(&shape), "Shape::ALL lists shapes in declaration order");
        self.shapes.push((shape, Vec::new()));
        self.open.push(Vec::new());
    }

    fn tag(&mut self, name: &'static str, value: &'static str) {
        self.field(name, "tag", json!({ "value": value }));
    }

    fn text(&mut self, name: &'static str, _: &str) {
        self.field(name, "text", json!({}));
    }

    fn word(&mut self, name: &'static str, _: &str, words: Words) {
        self.words.insert(words.name, words);
        self.field(name, "word", json!({ "type": words.name }));
    }

    fn number(&mut self, name: &'static str, _: u32) {
        self.field(name, "number", json!({}));
    }

    fn flag(&mut self, name: &'static str, _: bool) {
        self.field(name, "flag", json!({}));
    }

    fn code<C: Coded>(&mut self, name: &'static str, _: C) {
        self.codes.entry(C::NAME).or_insert_with(|| C::NAMED.to_vec());
        self.field(name, "code", json!({ "type": C::NAME }));
    }

    fn texts<'a>(&mut self, name: &'static str, _: impl Iterator<Item = &'a str>) {
        self.field(name, "texts", json!({}));
    }

    fn address(&mut self, name: &'static str, _: std::net::Ipv4Addr) {
        self.field(name, "address", json!({}));
    }

    fn flags(&mut self, name: &'static str, _: PartyFlags) {
        self.field(name, "texts", json!({ "bits": "PartyFlags" }));
    }

    fn wire_order(&mut self) {
        self.wire_order = true;
    }

    fn optional<T: Default>(&mut self, name: &'static str, _: Option<T>, write: fn(&mut Self, &'static str, T)) {
        self.nullable = true;
        write(self, name, T::default());
    }

    fn object<T: Default>(&mut self, name: &'static str, interface: &'static str, _: &T, write: fn(&mut Self, &T)) {
        self.field(name, "object", json!({ "type": interface }));
        self.nested(interface, write);
    }

    fn optional_object<T: Default>(
        &mut self,
        name: &'static str,
        interface: &'static str,
        _: Option<&T>,
        write: fn(&mut Self, &T),
    ) {
        self.nullable = true;
        self.object(name, interface, &T::default(), write);
    }

    fn list<T: Default>(
        &mut self,
        name: &'static str,
        interface: &'static str,
        _: impl ExactSizeIterator<Item = T>,
        write: fn(&mut Self, &T),
    ) {
        self.field(name, "list", json!({ "type": interface }));
        self.nested(interface, write);
    }
}

/// FNV-1a, 32 bits: enough to tell one schema from another.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, &b| (hash ^ u32::from(b)).wrapping_mul(0x0100_0193))
}
