//! Legacy Delta2 records (legacy DevLink guide §3): `CALL: S ...`, `CALL: D ...`, `CALL: A ...`.
//!
//! Legacy applications get these texts unchanged, so a [`Delta2`] keeps its text byte-exact
//! and reads fields on demand from it: plain comma separation, no quoting (none is documented).

use std::borrow::Cow;
use std::fmt::{self, Display, Formatter};

use super::{Cause, Coded, Described, Field, FieldKind, FieldVisitor, Fields, RecordError, own, parse_u32};

code_enum! {
    /// Delta2 end state (S fields 3 and 4).
    pub enum Delta2State: u32 {
        Idle = 0 => "Idle",
        Ringing = 1 => "Ringing",
        Connected = 2 => "Connected",
        Disconnected = 3 => "Disconnected",
        Suspending = 4 => "Suspending",
        Suspended = 5 => "Suspended",
        Resuming = 6 => "Resuming",
        Dialling = 7 => "Dialling",
        Dialled = 8 => "Dialled",
        LocalDial = 9 => "Local Dial",
        Queued = 10 => "Queued",
        Parked = 11 => "Parked",
        Held = 12 => "Held",
        Redialling = 13 => "Redialling",
    }
}

/// The kind of a Delta2 record: the letter after `CALL:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delta2Kind {
    /// `S`: a call was created, answered, or one of its ends changed (50 fields).
    Status,
    /// `D`: the call no longer exists (3 fields).
    Deleted,
    /// `A`: IP Office swapped the A and B ends (3 fields).
    EndsSwapped,
}

impl Delta2Kind {
    /// Every kind, in the documentation's order.
    pub const ALL: [Self; 3] = [Self::Status, Self::Deleted, Self::EndsSwapped];

    /// The record letter: `S`, `D` or `A`.
    pub const fn letter(self) -> char {
        self.as_str().as_bytes()[0] as char
    }

    /// The record letter as the event document writes it: `"S"`, `"D"` or `"A"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Status => "S",
            Self::Deleted => "D",
            Self::EndsSwapped => "A",
        }
    }

    /// The section name used in errors.
    const fn label(self) -> &'static str {
        match self {
            Self::Status => "CALL: S",
            Self::Deleted => "CALL: D",
            Self::EndsSwapped => "CALL: A",
        }
    }
}

/// A Delta2 record: its exact text, its kind, and typed access to its fields.
///
/// Accessors split the text on each call, which is cheap for one field; to read many, walk
/// [`fields`](Self::fields) once. Numeric accessors return an error naming the field when it
/// holds something other than digits (an empty field reads as 0), because parsing itself never
/// rejects a record with a known kind: legacy applications get it unchanged whatever it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta2<'a> {
    raw: Cow<'a, str>,
    kind: Delta2Kind,
    /// Byte range of the fields in `raw` (after `CALL: S `, before a trailing NUL or line end).
    body: (usize, usize),
}

/// Parses a Delta2 record.
///
/// Accepts `CALL: S` and `CALL:S` (the legacy .NET wrapper's spelling), any number of spaces
/// before and after the kind letter, and a trailing NUL, CR or LF (kept in [`Delta2::raw`],
/// not part of the last field). Missing fields read as empty.
pub fn parse_delta2<'a>(text: impl Into<Cow<'a, str>>) -> Result<Delta2<'a>, RecordError> {
    // An owned text (decoded from UTF-16) is kept as is: the record stores offsets, so
    // `into_owned` then moves it rather than copying it.
    let raw = text.into();
    let (kind, body) = locate(&raw)?;
    Ok(Delta2 { raw, kind, body })
}

/// The record kind and the byte range of its fields.
fn locate(text: &str) -> Result<(Delta2Kind, (usize, usize)), RecordError> {
    let end = text.trim_end_matches(['\0', '\r', '\n']).len();
    let head = text[..end].trim_start();
    let Some(after) = head.strip_prefix("CALL:") else {
        return Err(if head.trim().is_empty() { RecordError::Empty } else { RecordError::unknown_kind(head) });
    };
    let after = after.trim_start_matches(' ');
    let mut chars = after.chars();
    let kind = match chars.next() {
        Some('S') => Delta2Kind::Status,
        Some('D') => Delta2Kind::Deleted,
        Some('A') => Delta2Kind::EndsSwapped,
        _ => return Err(RecordError::unknown_kind(head)),
    };
    let fields = chars.as_str().trim_start_matches(' ');
    Ok((kind, (end - fields.len(), end)))
}

impl super::Worded for Delta2Kind {
    const NAME: &'static str = "Delta2Kind";
    const WORDS: &'static [&'static str] = &[Self::Status.as_str(), Self::Deleted.as_str(), Self::EndsSwapped.as_str()];

    fn as_str(&self) -> &str {
        Delta2Kind::as_str(*self)
    }
}

impl Default for Delta2<'static> {
    /// `CALL: D ,,0`: the least a Delta2 record is (descriptions of its shape start from it).
    fn default() -> Self {
        Self::deleted("", "", 0)
    }
}

impl Delta2<'static> {
    /// Formats a record from its fields: `CALL: <letter> f1,f2,...`.
    ///
    /// Fields are written as given; one containing a comma would not read back as one field.
    pub fn build<S: AsRef<str>>(kind: Delta2Kind, fields: &[S]) -> Self {
        let mut text = format!("CALL: {} ", kind.letter());
        let start = text.len();
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(field.as_ref());
        }
        let end = text.len();
        Delta2 { raw: Cow::Owned(text), kind, body: (start, end) }
    }

    /// A `CALL: D a,b,call_id` record.
    pub fn deleted(a_call_id: &str, b_call_id: &str, call_id: u32) -> Self {
        Self::build(Delta2Kind::Deleted, &[a_call_id, b_call_id, &call_id.to_string()])
    }

    /// A `CALL: A a,b,call_id` record.
    pub fn ends_swapped(a_call_id: &str, b_call_id: &str, call_id: u32) -> Self {
        Self::build(Delta2Kind::EndsSwapped, &[a_call_id, b_call_id, &call_id.to_string()])
    }
}

impl<'a> Delta2<'a> {
    /// The record's kind.
    pub fn kind(&self) -> Delta2Kind {
        self.kind
    }

    /// The text exactly as received.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The comma-separated fields, without the `CALL: S ` prefix or a trailing NUL/line end.
    pub fn body(&self) -> &str {
        // The range was computed on this very text at parse time, so it is in bounds and on
        // character boundaries; `get` keeps that a non-panicking promise all the same.
        self.raw.get(self.body.0..self.body.1).unwrap_or("")
    }

    /// The fields in order.
    pub fn fields(&self) -> Fields<'_> {
        Fields::new(self.body())
    }

    /// Field `n`, counting from 1 as the documentation does; `""` when absent (or `n` is 0).
    pub fn field(&self, n: usize) -> &str {
        n.checked_sub(1).and_then(|i| self.fields().nth(i)).unwrap_or("")
    }

    /// Field 1 (all kinds): the call id of the A end.
    pub fn a_call_id(&self) -> &str {
        self.field(1)
    }

    /// Field 2 (all kinds): the call id of the B end.
    pub fn b_call_id(&self) -> &str {
        self.field(2)
    }

    /// The unique call id: S field 50, or D/A field 3.
    pub fn call_id(&self) -> Result<u32, RecordError> {
        let n = if self.kind == Delta2Kind::Status { 50 } else { 3 };
        self.number(n, "CallID")
    }

    /// The owned form, independent of the parsed text.
    pub fn into_owned(self) -> Delta2<'static> {
        Delta2 { raw: own(self.raw), kind: self.kind, body: self.body }
    }

    /// S field `n`; `""` on a D or A record, whose fields mean something else.
    fn status_field(&self, n: usize) -> &str {
        if self.kind == Delta2Kind::Status { self.field(n) } else { "" }
    }

    fn parse_number(&self, value: &str, name: &'static str) -> Result<u32, RecordError> {
        parse_u32(value).ok_or_else(|| RecordError::InvalidNumber {
            section: self.kind.label(),
            field: name,
            value: super::excerpt(value),
        })
    }

    fn number(&self, n: usize, name: &'static str) -> Result<u32, RecordError> {
        self.parse_number(self.field(n), name)
    }

    fn status_number(&self, n: usize, name: &'static str) -> Result<u32, RecordError> {
        self.parse_number(self.status_field(n), name)
    }

    /// S field 11 split at its semicolons: the possible targets (at most four are listed).
    pub fn b_targets(&self) -> impl Iterator<Item = &str> {
        self.b_list().split(';').filter(|t| !t.is_empty())
    }
}

/// Generates the named S-field accessors, each reading its field from the text on demand
/// (on a D or A record they read as empty, or 0 / the default), and the fields as data
/// with their values in order ([`Described`] for `Delta2`).
macro_rules! status_fields {
    ($($n:literal => $name:ident: $ty:tt, $label:literal, $doc:literal;)*) => {
        impl<'a> Delta2<'a> {
            $( status_fields!(@one $n, $name, $ty, $label, $doc); )*
        }

        impl Described for Delta2<'_> {
            const NAME: &'static str = "Delta2";
            const DOC: &'static [&'static str] = &[" The named fields of a `CALL: S` record."];
            const FIELDS: &'static [Field] = &[
                $( Field { name: stringify!($name), label: $label, kind: status_fields!(@kind $ty), doc: &[$doc] }, )*
            ];

            /// The named S fields; a number field that holds no number is `maybe_*(None)`.
            fn visit<V: FieldVisitor>(&self, visitor: &mut V) {
                let mut fields = Self::FIELDS.iter();
                $( status_fields!(@visit self, visitor, fields.next().expect("one Field per field"), $name, $ty); )*
            }
        }
    };
    (@one $n:literal, $name:ident, str, $label:literal, $doc:literal) => {
        #[doc = concat!("S field ", $n, " (", $label, "): ", $doc)]
        pub fn $name(&self) -> &str {
            self.status_field($n)
        }
    };
    (@one $n:literal, $name:ident, bool, $label:literal, $doc:literal) => {
        #[doc = concat!("S field ", $n, " (", $label, "): ", $doc, " Non-zero is `true`.")]
        pub fn $name(&self) -> Result<bool, RecordError> {
            self.status_number($n, $label).map(|v| v != 0)
        }
    };
    (@one $n:literal, $name:ident, $ty:ident, $label:literal, $doc:literal) => {
        #[doc = concat!("S field ", $n, " (", $label, "): ", $doc)]
        pub fn $name(&self) -> Result<$ty, RecordError> {
            self.status_number($n, $label).map(<$ty>::from)
        }
    };
    (@kind str) => { FieldKind::Text };
    (@kind bool) => { FieldKind::Flag };
    (@kind u32) => { FieldKind::Number };
    (@kind $ty:ident) => { FieldKind::Code { name: <$ty as Coded>::NAME, named: <$ty as Coded>::NAMED } };
    (@visit $self:ident, $v:ident, $field:expr, $name:ident, str) => { $v.text($field, $self.$name()) };
    (@visit $self:ident, $v:ident, $field:expr, $name:ident, bool) => { $v.maybe_flag($field, $self.$name().ok()) };
    (@visit $self:ident, $v:ident, $field:expr, $name:ident, u32) => { $v.maybe_number($field, $self.$name().ok()) };
    (@visit $self:ident, $v:ident, $field:expr, $name:ident, $ty:ident) => {
        $v.maybe_code($field, $self.$name().ok())
    };
}

/// The named fields of a `CALL: S` record, described once: `position => name: type,
/// "the legacy guide's label", "doc";`. Handed to `$m!`: this crate's `status_fields!`
/// (accessors and [`Described`]), the Python binding's `Delta2` getters.
#[macro_export]
#[doc(hidden)]
macro_rules! delta2_status_fields {
    ($m:ident) => {
        $m! {
            3 => a_state: Delta2State, "Astate", "state of the A end.";
            4 => b_state: Delta2State, "Bstate", "state of the B end; Idle if there is none.";
            5 => a_connected: bool, "Aconnected", "whether the A end is connected to the switch.";
            6 => a_is_music: bool, "A is music", "whether the A end hears music on hold.";
            7 => b_connected: bool, "Bconnected", "whether the B end is connected to the switch.";
            8 => b_is_music: bool, "B is music", "whether the B end hears music on hold.";
            9 => a_name: str, "Aname", "name of the A end (`Name (Number)`, or `Line number`).";
            10 => b_name: str, "Bname", "name of the B end; empty if there is none.";
            11 => b_list: str, "Blist", "possible targets, separated by semicolons.";
            12 => a_slot_channel: str, "Aslot Achannel", "slot and channel of the A end.";
            13 => b_slot_channel: str, "Bslot Bchannel", "slot and channel of the B end.";
            14 => called_presentation_type: str, "Called party presentation & type",
                "`presentation.type` of the called party number.";
            15 => called_number: str, "Called party number", "number of the called party.";
            16 => calling_presentation_type: str, "Calling party presentation & type",
                "`presentation.type` of the calling party number.";
            17 => calling_number: str, "Calling party number", "number of the calling party.";
            18 => called_subaddress: str, "Called sub address", "subaddress of the called party.";
            19 => calling_subaddress: str, "Calling sub address", "subaddress of the calling party.";
            20 => dialled_type: u32, "Dialled party type", "type of the dialled party number.";
            21 => dialled_number: str, "Dialled party number", "number of the dialled party.";
            22 => keypad_type: u32, "Keypad type", "type of the keypad number.";
            23 => keypad_number: str, "Keypad number", "the digits dialled.";
            24 => ring_attempt_count: u32, "Ring attempt count",
                "times the call has been presented to a target.";
            25 => cause: Cause, "Cause", "why the call is in its current state.";
            26 => voicemail_disallow: bool, "Voicemail disallow", "the call cannot divert to voicemail.";
            27 => sending_complete: bool, "Sending complete", "overlap dialling is complete.";
            28 => call_transport_type: str, "Call type & Transport type",
                "`calltype.transport` (transport 0 circuit, 2 packet).";
            29 => owner_huntgroup: str, "Owner hunt group name", "hunt group the call is queued in.";
            30 => original_huntgroup: str, "Original hunt group name", "hunt group originally targeted.";
            31 => original_user: str, "Original user name", "user originally targeted.";
            32 => target_huntgroup: str, "Target hunt group name", "hunt group currently targeted.";
            33 => target_user: str, "Target user name", "user currently targeted.";
            34 => target_ras: str, "Target RAS name", "remote-access target name (name inferred).";
            44 => tag: str, "Tag", "call tag text (name inferred).";
            49 => account_code: str, "Account code", "account code (name inferred).";
        }
    };
}

delta2_status_fields!(status_fields);

impl Display for Delta2<'_> {
    /// The record's text exactly as received or built.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Delta2<'_> {
    /// `{"kind": "S", "fields": [...], "raw": "CALL: S ..."}`: fields by position, since their
    /// meanings beyond the first 33 are not documented.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let omit_raw = super::omit_raw(self.raw());
        let mut record = serializer.serialize_struct("Delta2", 2 + usize::from(!omit_raw))?;
        record.serialize_field("kind", self.kind().as_str())?;
        record.serialize_field("fields", &self.fields().collect::<Vec<&str>>())?;
        if omit_raw {
            record.skip_field("raw")?;
        } else {
            record.serialize_field("raw", self.raw())?;
        }
        record.end()
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Delta2<'_> {
    fn schema_name() -> Cow<'static, str> {
        "Delta2".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A Delta2 record: its kind letter, its fields by position (their meanings beyond \
                            the first 33 are not documented), and its text.",
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["S", "D", "A"]},
                "fields": {"type": "array", "items": {"type": "string"}},
                "raw": {"type": "string"}
            },
            "required": ["kind", "fields", "raw"],
            "additionalProperties": false
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects the visited values as text, `None` for an unreadable one.
    #[derive(Default)]
    struct Values(Vec<(&'static str, Option<String>)>);

    impl FieldVisitor for Values {
        fn text(&mut self, field: &'static Field, value: &str) {
            self.0.push((field.name, Some(value.to_owned())));
        }
        fn number(&mut self, field: &'static Field, value: u32) {
            self.0.push((field.name, Some(value.to_string())));
        }
        fn flag(&mut self, field: &'static Field, value: bool) {
            self.0.push((field.name, Some(value.to_string())));
        }
        fn code<C: Coded>(&mut self, field: &'static Field, value: C) {
            self.0.push((field.name, Some(value.raw().to_string())));
        }
        fn flags(&mut self, _: &'static Field, _: crate::records::PartyFlags) {
            unreachable!("Delta2 has no flags field")
        }
        fn word(&mut self, _: &'static Field, _: &str) {
            unreachable!("Delta2 has no word field")
        }
        fn maybe_number(&mut self, field: &'static Field, value: Option<u32>) {
            self.0.push((field.name, value.map(|v| v.to_string())));
        }
        fn maybe_flag(&mut self, field: &'static Field, value: Option<bool>) {
            self.0.push((field.name, value.map(|v| v.to_string())));
        }
        fn maybe_code<C: Coded>(&mut self, field: &'static Field, value: Option<C>) {
            self.0.push((field.name, value.map(|v| v.raw().to_string())));
        }
    }

    #[test]
    fn status_fields_visit_in_wire_order() {
        // Field n holds n: the visited values name their positions, which must ascend.
        let fields: Vec<String> = (1..=50).map(|n| n.to_string()).collect();
        let record = Delta2::build(Delta2Kind::Status, &fields);
        let mut values = Values::default();
        record.visit(&mut values);
        let names: Vec<_> = Delta2::FIELDS.iter().map(|f| f.name).collect();
        assert_eq!(values.0.iter().map(|(n, _)| *n).collect::<Vec<_>>(), names);
        let mut last = 0;
        for ((name, value), field) in values.0.iter().zip(Delta2::FIELDS) {
            let value = value.as_deref().unwrap_or_else(|| panic!("{name} unreadable"));
            if field.kind == FieldKind::Flag {
                assert_eq!(value, "true", "{name}");
                continue;
            }
            let position: u32 = value.parse().unwrap_or_else(|_| panic!("{name} = {value:?}"));
            assert!(position > last && position <= 50, "{name} at {position} after {last}");
            last = position;
        }
        assert_eq!(names.len(), 34);
        // An unreadable number reads as None, not as a skipped field.
        let record = Delta2::build(Delta2Kind::Status, &["a", "b", "x"]);
        let mut values = Values::default();
        record.visit(&mut values);
        assert_eq!(values.0[0], ("a_state", None));
    }

    #[test]
    fn an_owned_text_is_moved_not_copied() {
        let text = String::from("CALL: D 1.2.0,1.3.1,42");
        let buffer = text.as_ptr();
        let record = parse_delta2(text).unwrap().into_owned();
        assert_eq!(record.raw().as_ptr(), buffer);
        assert_eq!((record.kind(), record.call_id().unwrap()), (Delta2Kind::Deleted, 42));
        assert_eq!(parse_delta2("CALL: S a,b").unwrap().a_call_id(), "a");
    }
}
