//! What a core [`Event`] looks like in JavaScript, written once.
//!
//! Building JS objects property by property through Node-API costs about 100 ns a
//! property, and a Delta3 Detail has some 75: far too slow for hundreds of thousands of
//! events a second. So the writers in [`events`] describe each event to a [`Sink`]
//! instead, and two sinks read them:
//!
//! * [`tape::Tape`] (on the delivery thread) flattens a batch of events into numbers and
//!   one text per event, which cross into JS in a handful of Node-API calls;
//! * [`schema::Schema`] (at build time) records every shape's field names and kinds, from
//!   which `scripts/generate.mjs` writes the JS decoder (`lib/decode.js`) that rebuilds
//!   the objects as literals, and their TypeScript types (`lib/events.d.ts`).
//!
//! Both follow the same writer calls in the same order, so the decoder and the tape
//! cannot disagree; a hash of the schema guards against a stale generated decoder.

pub(crate) mod events;
pub(crate) mod schema;
pub(crate) mod tape;

use std::net::Ipv4Addr;

pub(crate) use devlink3_core::records::{Coded, PartyFlags, Worded};

/// Receives an event's fields, in order. Names are the JS property names.
pub(crate) trait Sink: Sized {
    /// Whether the sink reads names and docs (the schema does; the tape only values, so
    /// record sections skip making their camelCase names for it).
    const DESCRIBES: bool = false;
    /// Starts an event of `shape`; its fields follow.
    fn shape(&mut self, shape: events::Shape);
    /// Documents the next field (for the TypeScript types only).
    fn doc(&mut self, _text: &'static str) {}
    /// A fixed string telling shapes apart (`type`, `kind`, `state`); not on the tape.
    fn tag(&mut self, name: &'static str, value: &'static str);
    fn text(&mut self, name: &'static str, value: &str);
    /// A string from a known set of words.
    fn word(&mut self, name: &'static str, value: &str, words: Words);
    fn number(&mut self, name: &'static str, value: u32);
    fn flag(&mut self, name: &'static str, value: bool);
    /// A coded field: its name in JS when the specification names the value, else the number.
    fn code<C: Coded>(&mut self, name: &'static str, value: C);
    fn texts<'a>(&mut self, name: &'static str, values: impl Iterator<Item = &'a str>);
    /// A bit set: the names of the flags set (the document's), an undocumented bit as its number.
    fn flags(&mut self, name: &'static str, value: PartyFlags) {
        let undocumented = (value.undocumented() != 0).then(|| value.undocumented().to_string());
        let names = value.document_names().map(|name| -> &str { name });
        self.texts(name, names.chain(undocumented.as_deref()));
    }
    /// An IPv4 address, as text.
    fn address(&mut self, name: &'static str, value: Ipv4Addr) {
        self.text(name, &value.to_string());
    }
    /// The object being written is a record section whose fields are in wire order: the
    /// n-th field is the n-th comma-separated one (so JS can decode it from its text).
    fn wire_order(&mut self) {}
    /// A value that may be missing (`null` in JS), written by `write` when present.
    fn optional<T: Default>(&mut self, name: &'static str, value: Option<T>, write: fn(&mut Self, &'static str, T));
    /// A nested object of the named interface.
    fn object<T: Default>(&mut self, name: &'static str, interface: &'static str, value: &T, write: fn(&mut Self, &T));
    fn optional_object<T: Default>(
        &mut self,
        name: &'static str,
        interface: &'static str,
        value: Option<&T>,
        write: fn(&mut Self, &T),
    );
    fn list<T: Default>(
        &mut self,
        name: &'static str,
        interface: &'static str,
        values: impl ExactSizeIterator<Item = T>,
        write: fn(&mut Self, &T),
    );
}

/// A set of words a string field takes; `open` when others may occur too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Words {
    /// The TypeScript type's name.
    pub name: &'static str,
    pub words: &'static [&'static str],
    pub open: bool,
}

impl Words {
    /// The words of a closed set, as the core describes them.
    pub(crate) const fn closed<W: Worded>() -> Self {
        Words { name: W::NAME, words: W::WORDS, open: false }
    }
}

/// `end_id` -> `endId`, `party_a` -> `partyA`.
pub(crate) fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}
