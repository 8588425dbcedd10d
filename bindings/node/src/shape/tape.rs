//! The tape: a batch of events flattened into numbers and one text per event.
//!
//! On the tape a shape starts with its number; then each field in writer order: a number,
//! flag (0/1) or code (raw value) as one number; a string as its length in UTF-16 units,
//! its characters going to the event's text; a missing-or-present value or object as 0/1
//! before it; a list as its length before its items. Tags are not on the tape: the decoder
//! knows them from the shape. Each event's strings are one JS string that the decoder
//! slices, so a kept event keeps alive its own text only.

use napi::bindgen_prelude::{Array, ToNapiValue, Uint32Array};
use napi::{Env, sys};

use devlink3_core::client::Event;

use super::events::{self, Shape};
use super::{Coded, Sink, Words};

/// Events flattened for one crossing into JS.
#[derive(Debug, Default)]
pub(crate) struct Tape {
    numbers: Vec<u32>,
    /// Every event's strings, back to back.
    text: String,
    /// Where each event's part of `text` ends.
    ends: Vec<usize>,
}

impl Tape {
    /// Room for `events` typical events (a Detail: some 100 numbers, 300 characters).
    pub fn with_capacity(events: usize) -> Self {
        Tape {
            numbers: Vec::with_capacity(events * 100),
            text: String::with_capacity(events * 300),
            ends: Vec::with_capacity(events),
        }
    }

    pub fn push(&mut self, event: &Event) {
        events::event(self, event);
        self.ends.push(self.text.len());
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
    ends: Vec<usize>,
}

impl ToNapiValue for EventTexts {
    unsafe fn to_napi_value(env: sys::napi_env, texts: Self) -> napi::Result<sys::napi_value> {
        let env = Env::from_raw(env);
        let mut array = env.create_array(u32::try_from(texts.ends.len()).unwrap_or(u32::MAX))?;
        let mut start = 0;
        for (index, &end) in texts.ends.iter().enumerate() {
            array.set(index as u32, &texts.text[start..end])?;
            start = end;
        }
        // SAFETY: `array` was created in this `env`, whose scope the caller holds.
        unsafe { Array::to_napi_value(env.raw(), array) }
    }
}

/// A JS string's length: UTF-16 code units.
fn utf16_len(text: &str) -> u32 {
    let len = if text.is_ascii() { text.len() } else { text.encode_utf16().count() };
    u32::try_from(len).unwrap_or(u32::MAX)
}

impl Sink for Tape {
    fn shape(&mut self, shape: Shape) {
        self.numbers.push(shape as u32);
    }

    fn tag(&mut self, _: &'static str, _: &'static str) {}

    fn text(&mut self, _: &'static str, value: &str) {
        self.numbers.push(utf16_len(value));
        self.text.push_str(value);
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
