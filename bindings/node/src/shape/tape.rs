//! The tape: a batch of events flattened into numbers and one text per event.
//!
//! On the tape a shape starts with its number; then each field in writer order: a number,
//! flag (0/1), code (raw value) or IPv4 address as one number; a string as its length in UTF-16 units,
//! its characters going to the event's text; a missing-or-present value or object as 0/1
//! before it; a list as its length before its items. Tags are not on the tape: the decoder
//! knows them from the shape. Each event's strings are one JS string that the decoder
//! slices, so a kept event keeps alive its own text only.
//!
//! A Delta3 Detail, the event that comes by the million, is laid out for `lib/detail.js`,
//! which decodes its sections only when they are read (see [`Tape::detail`]).

use std::net::Ipv4Addr;

use napi::bindgen_prelude::{ToNapiValue, Uint32Array};
use napi::sys;

use devlink3_core::client::Event;
use devlink3_core::records::{Delta3View, Described, DetailView, SectionView};

use super::events::{self, Shape};
use super::{Coded, Sink, Words};

/// A section's text is located by its UTF-16 offsets in the record's, which JS packs into
/// one number (`start * 2^24 + end`, below 2^53): offsets from here on are not.
const LOCATABLE: u32 = 1 << 24;

/// Events flattened for one crossing into JS.
#[derive(Debug)]
pub(crate) struct Tape {
    numbers: Vec<u32>,
    /// Every event's strings, back to back.
    text: String,
    /// Where each event's part of `text` ends, and whether that part is ASCII.
    ends: Vec<(usize, bool)>,
    /// The current event's texts so far are ASCII.
    ascii: bool,
}

impl Tape {
    /// Room for `events` typical events (a Detail: 14 numbers with two parties, its text
    /// of some 270 characters); others grow the tape.
    pub fn with_capacity(events: usize) -> Self {
        Tape {
            numbers: Vec::with_capacity(events * 16),
            text: String::with_capacity(events * 280),
            ends: Vec::with_capacity(events),
            ascii: true,
        }
    }

    pub fn push(&mut self, event: &Event) {
        match event {
            Event::Delta3 { origin, record } => match record.get() {
                Delta3View::Detail(detail) => {
                    events::record(self, Shape::Detail, event, origin, |tape| tape.detail(&detail))
                }
                _ => events::event(self, event),
            },
            _ => events::event(self, event),
        }
        self.ends.push((self.text.len(), std::mem::replace(&mut self.ascii, true)));
    }

    /// A Detail's record, as `lib/detail.js` reads it after the event's address and counter
    /// (`events::record`): whether it has a PartyB (0/1) and how many targets; each section
    /// (Call, PartyA, PartyB, the targets) as `1, start, end` when its fields are its text
    /// split at commas, which lies at `start..end` in the record's text (UTF-16 units),
    /// else as `0` and its fields as the generic writer puts them; then the record's text.
    /// JS splits a section's text when it is first read: the event costs a few numbers
    /// here instead of some 70 fields.
    fn detail(&mut self, detail: &DetailView) {
        let raw = detail.raw();
        let party_b = detail.party_b();
        let targets = detail.targets();
        self.flag("partyB", party_b.is_some());
        self.number("targets", u32::try_from(targets.len()).unwrap_or(u32::MAX));
        let mut offsets = Utf16Offsets::new(raw);
        self.section(&mut offsets, &detail.call());
        self.section(&mut offsets, &detail.party_a());
        if let Some(party_b) = party_b {
            self.section(&mut offsets, &party_b);
        }
        for target in targets {
            self.section(&mut offsets, &target);
        }
        self.push_text(raw, offsets.ascii);
    }

    /// A string, `ascii` or not (as the caller found).
    fn push_text(&mut self, value: &str, ascii: bool) {
        let len = if ascii { value.len() } else { value.encode_utf16().count() };
        self.numbers.push(u32::try_from(len).unwrap_or(u32::MAX));
        self.text.push_str(value);
        self.ascii &= ascii;
    }

    /// One of a Detail's sections (see [`Tape::detail`]).
    fn section<'v, S>(&mut self, offsets: &mut Utf16Offsets<'_>, view: &SectionView<'v, S>)
    where
        SectionView<'v, S>: Described,
    {
        match view.comma_separated().and_then(|text| offsets.range(text)) {
            Some((start, end)) => self.numbers.extend([1, start, end]),
            None => {
                self.numbers.push(0);
                events::section(self, view);
            }
        }
    }

    /// The arguments of the JS batch callback: the numbers, and the texts of the events.
    pub fn into_js(self) -> (Uint32Array, EventTexts) {
        (Uint32Array::new(self.numbers), EventTexts { text: self.text, ends: self.ends })
    }
}

/// Becomes a JS array with one string per event.
#[derive(Debug)]
pub struct EventTexts {
    text: String,
    ends: Vec<(usize, bool)>,
}

impl ToNapiValue for EventTexts {
    unsafe fn to_napi_value(env: sys::napi_env, texts: Self) -> napi::Result<sys::napi_value> {
        let check = |status: sys::napi_status, what: &str| match status {
            sys::Status::napi_ok => Ok(()),
            status => Err(napi::Error::new(napi::Status::from(status), format!("cannot create the batch's {what}"))),
        };
        let mut array = std::ptr::null_mut();
        // SAFETY (this block and the loop's): `env` is the live environment the caller's
        // scope holds; every pointer passed is valid for the call, and lengths are the
        // slices' own.
        check(unsafe { sys::napi_create_array(env, &mut array) }, "array")?;
        let mut start = 0;
        for (index, &(end, ascii)) in texts.ends.iter().enumerate() {
            let text = &texts.text[start..end];
            start = end;
            let mut string = std::ptr::null_mut();
            // ASCII, the usual record, is Latin-1 too: V8 then copies it without decoding.
            let status = unsafe {
                if ascii {
                    sys::napi_create_string_latin1(env, text.as_ptr().cast(), text.len() as isize, &mut string)
                } else {
                    sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut string)
                }
            };
            check(status, "texts")?;
            check(unsafe { sys::napi_set_element(env, array, index as u32, string) }, "texts")?;
        }
        Ok(array)
    }
}

/// Where parts of a text lie in it in UTF-16 units (a JS string's), for parts asked for in
/// the order they lie (then each character is counted once; an earlier part starts over).
#[derive(Debug)]
struct Utf16Offsets<'a> {
    whole: &'a str,
    ascii: bool,
    /// A byte offset in `whole`, and the UTF-16 units before it.
    byte: usize,
    units: usize,
}

impl<'a> Utf16Offsets<'a> {
    fn new(whole: &'a str) -> Self {
        Utf16Offsets { whole, ascii: whole.is_ascii(), byte: 0, units: 0 }
    }

    /// Where `part`, a part of the text, lies in it; `None` past [`LOCATABLE`].
    fn range(&mut self, part: &str) -> Option<(u32, u32)> {
        let start = (part.as_ptr() as usize).checked_sub(self.whole.as_ptr() as usize)?;
        let end = start + part.len();
        self.whole.get(start..end)?;
        let (start, end) = if self.ascii { (start, end) } else { (self.units_at(start), self.units_at(end)) };
        let end = u32::try_from(end).ok().filter(|&end| end < LOCATABLE)?;
        Some((start as u32, end))
    }

    /// The UTF-16 units before byte `byte` (a character boundary).
    fn units_at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            (self.byte, self.units) = (0, 0);
        }
        self.units += self.whole[self.byte..byte].encode_utf16().count();
        self.byte = byte;
        self.units
    }
}

impl Sink for Tape {
    fn shape(&mut self, shape: Shape) {
        self.numbers.push(shape as u32);
    }

    fn tag(&mut self, _: &'static str, _: &'static str) {}

    fn text(&mut self, _: &'static str, value: &str) {
        self.push_text(value, value.is_ascii());
    }

    fn word(&mut self, name: &'static str, value: &str, _: Words) {
        self.text(name, value);
    }

    fn number(&mut self, _: &'static str, value: u32) {
        self.numbers.push(value);
    }

    fn flag(&mut self, _: &'static str, value: bool) {
        self.numbers.push(u32::from(value));
    }

    fn code<C: Coded>(&mut self, _: &'static str, value: C) {
        self.numbers.push(value.raw());
    }

    /// As its number: JS keeps the text of the last one it saw, since a link's events all
    /// come from one PBX or a few.
    fn address(&mut self, _: &'static str, value: Ipv4Addr) {
        self.numbers.push(u32::from(value));
    }

    fn texts<'a>(&mut self, name: &'static str, values: impl Iterator<Item = &'a str>) {
        let count_at = self.numbers.len();
        self.numbers.push(0);
        for value in values {
            self.numbers[count_at] += 1;
            self.text(name, value);
        }
    }

    fn optional<T: Default>(&mut self, name: &'static str, value: Option<T>, write: fn(&mut Self, &'static str, T)) {
        self.numbers.push(u32::from(value.is_some()));
        if let Some(value) = value {
            write(self, name, value);
        }
    }

    fn object<T: Default>(&mut self, _: &'static str, _: &'static str, value: &T, write: fn(&mut Self, &T)) {
        write(self, value);
    }

    fn optional_object<T: Default>(
        &mut self,
        _: &'static str,
        _: &'static str,
        value: Option<&T>,
        write: fn(&mut Self, &T),
    ) {
        self.numbers.push(u32::from(value.is_some()));
        if let Some(value) = value {
            write(self, value);
        }
    }

    fn list<T: Default>(
        &mut self,
        _: &'static str,
        _: &'static str,
        values: impl ExactSizeIterator<Item = T>,
        write: fn(&mut Self, &T),
    ) {
        self.numbers.push(values.len() as u32);
        for value in values {
            write(self, &value);
        }
    }
}
