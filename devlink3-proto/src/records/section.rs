//! One description per record section, from which everything that reads or writes the
//! section is derived.
//!
//! A Delta3 section (`<Call>`, `<PartyA>`, `<Target>`, `<CallLost>`...) is a line of
//! positional comma-separated fields. [`section!`] takes the list of those fields, one line
//! each (doc, name, Rust type, wire kind, the specification's label), and generates:
//!
//! * the struct, borrowing its strings from the parsed text;
//! * its parser (fields in wire order, errors naming section and field);
//! * `into_owned`, and `Display` writing the canonical text (the simulator's writer);
//! * [`Described::FIELDS`], the fields as data, from which the C views (`devlink3-ffi`'s
//!   generated `view/sections.rs`) and the bindings' type files are generated;
//! * [`Described::visit`], the values in order, which the bindings walk to build their
//!   objects (Node's tape, the JSON document through serde's derive on the same struct).
//!
//! Adding a field to a section is one line here.

use std::borrow::Cow;
use std::fmt::{self, Formatter};

use super::{Fields, PartyFlags, RecordError, UnterminatedQuote, excerpt, parse_u32};

/// One field of a section, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The Rust field name, which is also the document's key (`end_id`).
    pub name: &'static str,
    /// The field's name in the specification's table (`End identifier`).
    pub label: &'static str,
    /// What the field holds.
    pub kind: FieldKind,
    /// The field's documentation, one line per entry (each starting with a space).
    pub doc: &'static [&'static str],
}

impl Field {
    /// The documentation as one paragraph.
    pub fn doc_text(&self) -> String {
        self.doc.iter().map(|line| line.trim()).collect::<Vec<_>>().join(" ")
    }
}

/// What a field holds, and how it is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A string, bare on the wire (quoted only when it would not read back otherwise).
    Text,
    /// A string the table calls "Quoted Utf8String": quoted on the wire unless empty.
    Quoted,
    /// An unsigned number.
    Number,
    /// A number read as a truth value (0 or not).
    Flag,
    /// A coded number, of the enum `name` (`PartyState`) whose documented values are `named`.
    Code {
        /// The enum's name.
        name: &'static str,
        /// The documented values and the specification's names for them.
        named: &'static [(u32, &'static str)],
    },
    /// A bit set ([`PartyFlags`]).
    Flags,
    /// A word of the enum `name` (`SipEvent`) whose documented words are `words`; any
    /// other word is kept as sent.
    Word {
        /// The enum's name.
        name: &'static str,
        /// The documented words.
        words: &'static [&'static str],
    },
}

/// A section's fields as data, and its values in the same order.
pub trait Described {
    /// The section's name in the specification (`Call`, `Party`, `CallLost`...).
    const NAME: &'static str;
    /// The section's documentation, one line per entry.
    const DOC: &'static [&'static str];
    /// Every field, in wire order.
    const FIELDS: &'static [Field];
    /// Hands each field's value to `visitor`, in wire order.
    fn visit<V: FieldVisitor>(&self, visitor: &mut V);
}

/// Receives a section's values, in wire order (see [`Described::visit`]).
pub trait FieldVisitor {
    /// A [`FieldKind::Text`] or [`FieldKind::Quoted`] field.
    fn text(&mut self, field: &'static Field, value: &str);
    /// A [`FieldKind::Number`] field.
    fn number(&mut self, field: &'static Field, value: u32);
    /// A [`FieldKind::Flag`] field.
    fn flag(&mut self, field: &'static Field, value: bool);
    /// A [`FieldKind::Code`] field.
    fn code<C: Coded>(&mut self, field: &'static Field, value: C);
    /// A [`FieldKind::Flags`] field.
    fn flags(&mut self, field: &'static Field, value: PartyFlags);
    /// A [`FieldKind::Word`] field, as sent.
    fn word(&mut self, field: &'static Field, value: &str);

    /// A number field read on demand (Delta2), `None` when it holds no number. By
    /// default such a field is skipped.
    fn maybe_number(&mut self, field: &'static Field, value: Option<u32>) {
        if let Some(value) = value {
            self.number(field, value);
        }
    }
    /// A flag read on demand; see [`Self::maybe_number`].
    fn maybe_flag(&mut self, field: &'static Field, value: Option<bool>) {
        if let Some(value) = value {
            self.flag(field, value);
        }
    }
    /// A code read on demand; see [`Self::maybe_number`].
    fn maybe_code<C: Coded>(&mut self, field: &'static Field, value: Option<C>) {
        if let Some(value) = value {
            self.code(field, value);
        }
    }
}

/// The enums of coded fields (made by `code_enum!`), as generic code needs them.
pub trait Coded: Copy + Default + fmt::Debug + 'static {
    /// The enum's name (`PartyState`).
    const NAME: &'static str;
    /// Every documented value, in the specification's order.
    const ALL: &'static [Self];
    /// Every documented value's raw number and name, in the specification's order.
    const NAMED: &'static [(u32, &'static str)];
    /// The value for a raw wire number.
    fn from_raw(raw: u32) -> Self;
    /// The raw wire number.
    fn raw(self) -> u32;
    /// The specification's name for the value, `None` when it names none.
    fn name(self) -> Option<&'static str>;
}

/// The enums of word fields (SIPTrack's `START`/`END`...), as generic code needs them.
pub trait Worded {
    /// The enum's name (`SipEvent`).
    const NAME: &'static str;
    /// Every documented word, in the specification's order.
    const WORDS: &'static [&'static str];
    /// The word as the PBX writes it.
    fn as_str(&self) -> &str;
}

/// A field value's part in the generated code: visiting, and detaching from the text.
#[doc(hidden)]
pub trait FieldValue {
    type Static;
    fn visit_as<V: FieldVisitor>(&self, field: &'static Field, visitor: &mut V);
    fn into_static(self) -> Self::Static;
}

impl FieldValue for Cow<'_, str> {
    type Static = Cow<'static, str>;

    #[inline]
    fn visit_as<V: FieldVisitor>(&self, field: &'static Field, visitor: &mut V) {
        visitor.text(field, self);
    }

    fn into_static(self) -> Cow<'static, str> {
        Cow::Owned(self.into_owned())
    }
}

/// The plain values: visited as their kind, owned already.
macro_rules! copy_field_value {
    ($($ty:ty => $visit:ident),*) => {$(
        impl FieldValue for $ty {
            type Static = $ty;

            #[inline]
            fn visit_as<V: FieldVisitor>(&self, field: &'static Field, visitor: &mut V) {
                visitor.$visit(field, *self);
            }

            fn into_static(self) -> $ty {
                self
            }
        }
    )*};
}

copy_field_value!(u32 => number, bool => flag, PartyFlags => flags);

/// Positional reader of one section's fields, naming the section and field in errors.
///
/// Each read returns the value itself (the default on a bad field) and keeps the first
/// error for [`Self::finish`]: the parsers stay a plain list of reads, and no `Result`
/// (whose error side is some 60 bytes) is built and moved per field, which showed at
/// millions of records a second.
pub(crate) struct SectionReader<'a> {
    name: &'static str,
    fields: Fields<'a>,
    error: Option<Box<RecordError>>,
}

impl<'a> SectionReader<'a> {
    #[inline]
    pub(crate) fn new(name: &'static str, content: &'a str) -> Self {
        Self { name, fields: Fields::new(super::trim(content)), error: None }
    }

    /// The first field that did not read, if any.
    #[inline]
    pub(crate) fn finish(self) -> Result<(), RecordError> {
        match self.error {
            None => Ok(()),
            Some(error) => Err(*error),
        }
    }

    #[cold]
    #[inline(never)]
    fn fail(&mut self, error: RecordError) {
        self.error.get_or_insert_with(|| Box::new(error));
    }

    #[inline]
    fn take(&mut self, field: &'static str) -> &'a str {
        match self.fields.take_unquoted() {
            Ok(value) => value,
            Err(UnterminatedQuote) => {
                self.fail(RecordError::UnterminatedQuote { section: self.name, field });
                ""
            }
        }
    }

    #[inline]
    pub(crate) fn text(&mut self, field: &'static str) -> Cow<'a, str> {
        Cow::Borrowed(self.take(field))
    }

    /// Quoted on the wire; `take` has already removed the quotes.
    #[inline]
    pub(crate) fn quoted(&mut self, field: &'static str) -> Cow<'a, str> {
        self.text(field)
    }

    /// The usual number field (a few digits, or empty) read inline; anything else out of
    /// line, so the section's parser stays small.
    #[inline(always)]
    pub(crate) fn number(&mut self, field: &'static str) -> u32 {
        match self.fields.take_digits() {
            Some(number) => number,
            None => self.unusual_number(field),
        }
    }

    #[inline(never)]
    fn unusual_number(&mut self, field: &'static str) -> u32 {
        let value = self.take(field);
        match parse_u32(value) {
            Some(number) => number,
            None => {
                self.fail(RecordError::InvalidNumber { section: self.name, field, value: excerpt(value) });
                0
            }
        }
    }

    #[inline]
    pub(crate) fn flag(&mut self, field: &'static str) -> bool {
        self.number(field) != 0
    }

    #[inline]
    pub(crate) fn code<C: Coded>(&mut self, field: &'static str) -> C {
        C::from_raw(self.number(field))
    }

    #[inline]
    pub(crate) fn flags(&mut self, field: &'static str) -> PartyFlags {
        PartyFlags::from_bits(self.number(field))
    }
}

/// Positional reader of a record that is one plain comma-separated line (SIPTrack): no
/// quoting, and every described field must be there.
pub(crate) struct LineReader<'a> {
    record: &'static str,
    fields: Fields<'a>,
    expected: usize,
    found: usize,
}

impl<'a> LineReader<'a> {
    pub(crate) fn new(record: &'static str, line: &'a str, expected: usize) -> Self {
        Self { record, fields: Fields::new(line), expected, found: 0 }
    }

    fn take(&mut self) -> Result<&'a str, RecordError> {
        let field = self.fields.next().ok_or(RecordError::TooFewFields {
            record: self.record,
            expected: self.expected,
            found: self.found,
        })?;
        self.found += 1;
        Ok(field)
    }

    pub(crate) fn text(&mut self, _field: &'static str) -> Result<Cow<'a, str>, RecordError> {
        self.take().map(Cow::Borrowed)
    }

    pub(crate) fn word<W: From<&'a str>>(&mut self, _field: &'static str) -> Result<W, RecordError> {
        self.take().map(W::from)
    }
}

/// Writes a section's fields comma-separated, quoting strings that would not read back.
pub(crate) struct FieldWriter<'f, 'b> {
    f: &'f mut Formatter<'b>,
    first: bool,
}

impl<'f, 'b> FieldWriter<'f, 'b> {
    pub(crate) fn new(f: &'f mut Formatter<'b>) -> Self {
        Self { f, first: true }
    }

    fn sep(&mut self) -> fmt::Result {
        if !std::mem::take(&mut self.first) {
            self.f.write_str(",")?;
        }
        Ok(())
    }

    /// A plain string field. The PBX sends these bare; we quote one only when it would
    /// otherwise read back differently (a comma, a leading quote, edge whitespace).
    pub(crate) fn text(&mut self, value: &str) -> fmt::Result {
        self.sep()?;
        let needs_quotes = value.contains(',')
            || value.starts_with('"')
            || value.starts_with(char::is_whitespace)
            || value.ends_with(char::is_whitespace);
        if needs_quotes { write!(self.f, "\"{value}\"") } else { self.f.write_str(value) }
    }

    /// A field the table calls "Quoted Utf8String": quoted unless empty.
    pub(crate) fn quoted(&mut self, value: &str) -> fmt::Result {
        self.sep()?;
        if value.is_empty() { Ok(()) } else { write!(self.f, "\"{value}\"") }
    }

    pub(crate) fn number(&mut self, value: &u32) -> fmt::Result {
        self.sep()?;
        write!(self.f, "{value}")
    }

    pub(crate) fn flag(&mut self, value: &bool) -> fmt::Result {
        self.number(&u32::from(*value))
    }

    pub(crate) fn code<C: Coded>(&mut self, value: &C) -> fmt::Result {
        self.number(&value.raw())
    }

    pub(crate) fn flags(&mut self, value: &PartyFlags) -> fmt::Result {
        self.number(&value.bits())
    }

    pub(crate) fn word<W: Worded>(&mut self, value: &W) -> fmt::Result {
        self.sep()?;
        self.f.write_str(value.as_str())
    }
}

/// The [`FieldKind`] of a field's wire kind (`text`, `code`...) and type.
macro_rules! field_kind {
    (text, $ty:ty) => {
        $crate::records::FieldKind::Text
    };
    (quoted, $ty:ty) => {
        $crate::records::FieldKind::Quoted
    };
    (number, $ty:ty) => {
        $crate::records::FieldKind::Number
    };
    (flag, $ty:ty) => {
        $crate::records::FieldKind::Flag
    };
    (code, $ty:ty) => {
        $crate::records::FieldKind::Code {
            name: <$ty as $crate::records::Coded>::NAME,
            named: <$ty as $crate::records::Coded>::NAMED,
        }
    };
    (flags, $ty:ty) => {
        $crate::records::FieldKind::Flags
    };
    (word, $ty:ty) => {
        $crate::records::FieldKind::Word {
            name: <$ty as $crate::records::Worded>::NAME,
            words: <$ty as $crate::records::Worded>::WORDS,
        }
    };
}

/// Defines a section from its fields; see the module documentation.
///
/// `section!` makes a part of a record (`Call`, `Party`, `Target`: its parser takes the
/// section's name for errors, and `Display` writes the fields alone). `record!` makes a
/// whole record (`CallLost`...): it also keeps its `raw` text, and `Display` writes its tags.
macro_rules! section {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident<'a> {
            $( $(#[doc = $doc:literal])* pub $field:ident : $ty:ty = $kind:ident($label:literal), )*
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        pub struct $name<'a> {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl<'a> $name<'a> {
            #[cfg(test)]
            pub(crate) fn parse(section: &'static str, content: &'a str) -> Result<Self, RecordError> {
                let mut parsed = Self::default();
                parsed.read(section, content).map(|()| parsed)
            }

            /// Reads the fields of `content` into `self`, in place: a section is hundreds of
            /// bytes, and moving it through a `Result` into its record costs a `memcpy`.
            #[inline]
            pub(crate) fn read(&mut self, section: &'static str, content: &'a str) -> Result<(), RecordError> {
                let mut s = $crate::records::section::SectionReader::new(section, content);
                $( self.$field = s.$kind($label); )*
                s.finish()
            }

            /// The owned form, independent of the parsed text.
            pub fn into_owned(self) -> $name<'static> {
                use $crate::records::section::FieldValue;
                $name { $( $field: self.$field.into_static(), )* }
            }

        }

        impl Display for $name<'_> {
            /// The section's fields, comma-separated (without the section's tags).
            fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
                let mut w = $crate::records::section::FieldWriter::new(f);
                $( w.$kind(&self.$field)?; )*
                Ok(())
            }
        }

        section!(@described $name [$($sdoc),*] { $( $(#[doc = $doc])* $field : $ty = $kind($label), )* });
    };

    (@described $name:ident [$($sdoc:literal),*] { $( $(#[doc = $doc:literal])* $field:ident : $ty:ty = $kind:ident($label:literal), )* }) => {
        impl<'a> $crate::records::Described for $name<'a> {
            const NAME: &'static str = stringify!($name);
            const DOC: &'static [&'static str] = &[$($sdoc),*];
            const FIELDS: &'static [$crate::records::Field] = &[
                $( $crate::records::Field {
                    name: stringify!($field),
                    label: $label,
                    kind: field_kind!($kind, $ty),
                    doc: &[$($doc),*],
                }, )*
            ];

            #[inline]
            fn visit<V: $crate::records::FieldVisitor>(&self, visitor: &mut V) {
                use $crate::records::section::FieldValue;
                let mut fields = Self::FIELDS.iter();
                $( self.$field.visit_as(fields.next().expect("one Field per field"), visitor); )*
            }
        }
    };
}

/// A whole record defined by its fields (see [`section!`]): the fields, then `raw`.
macro_rules! record {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident<'a> as $tag:literal {
            $( $(#[doc = $doc:literal])* pub $field:ident : $ty:ty = $kind:ident($label:literal), )*
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        pub struct $name<'a> {
            $( $(#[doc = $doc])* pub $field: $ty, )*
            /// The text this record was parsed from.
            #[cfg_attr(feature = "serde", serde(skip_serializing_if = "crate::records::omit_raw"))]
            pub raw: Cow<'a, str>,
        }

        impl<'a> $name<'a> {
            #[inline]
            pub(crate) fn parse(raw: &'a str, body: &'a str) -> Result<Self, RecordError> {
                let mut s = $crate::records::section::SectionReader::new($tag, body);
                let parsed = Self { $( $field: s.$kind($label), )* raw: Cow::Borrowed(raw) };
                s.finish().map(|()| parsed)
            }

            /// The owned form, independent of the parsed text.
            pub fn into_owned(self) -> $name<'static> {
                use $crate::records::section::FieldValue;
                $name { $( $field: self.$field.into_static(), )* raw: self.raw.into_static() }
            }

            /// Sets `raw` to the canonical text of the fields (for records built in code).
            pub fn with_canonical_raw(mut self) -> Self {
                self.raw = Cow::Owned(self.to_string());
                self
            }
        }

        impl Display for $name<'_> {
            #[doc = concat!("The canonical text, `<", $tag, ">` and the fields, comma-separated.")]
            fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
                f.write_str(concat!("<", $tag, ">"))?;
                let mut w = $crate::records::section::FieldWriter::new(f);
                $( w.$kind(&self.$field)?; )*
                f.write_str(concat!("</", $tag, ">"))
            }
        }

        section!(@described $name [$($sdoc),*] { $( $(#[doc = $doc])* $field : $ty = $kind($label), )* });
    };
}

/// A record that is one plain comma-separated line, no tags (SIPTrack), defined by its
/// fields (see [`section!`]): the fields, then `raw`. Every field must be present.
macro_rules! line_record {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident<'a> as $record:literal {
            $( $(#[doc = $doc:literal])* pub $field:ident : $ty:ty = $kind:ident($label:literal), )*
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        pub struct $name<'a> {
            $( $(#[doc = $doc])* pub $field: $ty, )*
            /// The text this record was parsed from (without a trailing NUL).
            #[cfg_attr(feature = "serde", serde(skip_serializing_if = "crate::records::omit_raw"))]
            pub raw: Cow<'a, str>,
        }

        impl<'a> $name<'a> {
            /// Parses the fields of `line`, keeping `raw` as the record's text.
            pub(crate) fn parse_line(raw: &'a str, line: &'a str) -> Result<Self, RecordError> {
                use $crate::records::Described;
                let mut s = $crate::records::section::LineReader::new($record, line, Self::FIELDS.len());
                Ok(Self { $( $field: s.$kind($label)?, )* raw: Cow::Borrowed(raw) })
            }

            /// The owned form, independent of the parsed text.
            pub fn into_owned(self) -> $name<'static> {
                use $crate::records::section::FieldValue;
                $name { $( $field: self.$field.into_static(), )* raw: self.raw.into_static() }
            }

            /// Sets `raw` to the canonical text of the fields (for records built in code).
            pub fn with_canonical_raw(mut self) -> Self {
                self.raw = Cow::Owned(self.to_string());
                self
            }
        }

        impl Display for $name<'_> {
            /// The record's text: the fields, comma-separated.
            fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
                let mut w = $crate::records::section::FieldWriter::new(f);
                $( w.$kind(&self.$field)?; )*
                Ok(())
            }
        }

        section!(@described $name [$($sdoc),*] { $( $(#[doc = $doc])* $field : $ty = $kind($label), )* });
    };
}

/// A record whose text is not a line of positional fields (CMExtn's), defined by its fields
/// (see [`section!`]): the struct, `into_owned` and the description; its parser and writer
/// are written beside it. `with raw` adds the `raw` text after the fields.
macro_rules! described_record {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident<'a> $(with $raw:ident)? {
            $( $(#[doc = $doc:literal])* pub $field:ident : $ty:ty = $kind:ident($label:literal), )*
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        pub struct $name<'a> {
            $( $(#[doc = $doc])* pub $field: $ty, )*
            $(
                /// The text this event was parsed from (without a trailing NUL).
                #[cfg_attr(feature = "serde", serde(skip_serializing_if = "crate::records::omit_raw"))]
                pub $raw: Cow<'a, str>,
            )?
        }

        impl $name<'_> {
            /// The owned form, independent of the parsed text.
            pub fn into_owned(self) -> $name<'static> {
                use $crate::records::section::FieldValue;
                $name { $( $field: self.$field.into_static(), )* $( $raw: self.$raw.into_static(), )? }
            }
        }

        section!(@described $name [$($sdoc),*] { $( $(#[doc = $doc])* $field : $ty = $kind($label), )* });
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{AttemptReject, Call, CallLost, LinkLost, Party, SipTrack, Target};

    /// Records each visited field as its wire text.
    #[derive(Default)]
    struct Wire(Vec<(&'static str, String)>);

    impl FieldVisitor for Wire {
        fn text(&mut self, field: &'static Field, value: &str) {
            assert!(matches!(field.kind, FieldKind::Text | FieldKind::Quoted), "{field:?}");
            self.0.push((field.name, value.to_owned()));
        }
        fn number(&mut self, field: &'static Field, value: u32) {
            assert_eq!(field.kind, FieldKind::Number);
            self.0.push((field.name, value.to_string()));
        }
        fn flag(&mut self, field: &'static Field, value: bool) {
            assert_eq!(field.kind, FieldKind::Flag);
            self.0.push((field.name, u32::from(value).to_string()));
        }
        fn code<C: Coded>(&mut self, field: &'static Field, value: C) {
            assert!(matches!(field.kind, FieldKind::Code { name, named } if name == C::NAME && named == C::NAMED));
            self.0.push((field.name, value.raw().to_string()));
        }
        fn flags(&mut self, field: &'static Field, value: PartyFlags) {
            assert_eq!(field.kind, FieldKind::Flags);
            self.0.push((field.name, value.bits().to_string()));
        }
        fn word(&mut self, field: &'static Field, value: &str) {
            assert!(matches!(field.kind, FieldKind::Word { .. }), "{field:?}");
            self.0.push((field.name, value.to_owned()));
        }
    }

    /// A section text whose every field differs from the others: numbers 1, 2, ... and
    /// strings `s1`, `s2`, ...; then parse, visit, and expect those values by name in order.
    fn check<T: Described + std::fmt::Display>(count: usize, parse: fn(&str) -> T) {
        assert_eq!(T::FIELDS.len(), count, "{}", T::NAME);
        let values: Vec<String> = T::FIELDS
            .iter()
            .enumerate()
            .map(|(i, f)| match f.kind {
                FieldKind::Text | FieldKind::Quoted | FieldKind::Word { .. } => format!("s{i}"),
                FieldKind::Flag => "1".to_owned(),
                _ => (i + 1).to_string(),
            })
            .collect();
        let section = parse(&values.join(","));
        let mut wire = Wire::default();
        section.visit(&mut wire);
        let names: Vec<_> = T::FIELDS.iter().map(|f| f.name).collect();
        assert_eq!(wire.0.iter().map(|(n, _)| *n).collect::<Vec<_>>(), names, "{}", T::NAME);
        assert_eq!(wire.0.into_iter().map(|(_, v)| v).collect::<Vec<_>>(), values, "{}", T::NAME);
        for field in T::FIELDS {
            assert!(!field.label.is_empty() && !field.doc_text().is_empty(), "{field:?} undocumented");
        }
    }

    #[test]
    fn every_section_visits_its_fields_in_wire_order() {
        check(18, |t| Call::parse("Call", t).unwrap().into_owned());
        check(26, |t| Party::parse("PartyA", t).unwrap().into_owned());
        check(14, |t| Target::parse("Target", t).unwrap().into_owned());
        check(5, |t| CallLost::parse(t, t).unwrap().into_owned());
        check(6, |t| LinkLost::parse(t, t).unwrap().into_owned());
        check(5, |t| AttemptReject::parse(t, t).unwrap().into_owned());
        check(6, |t| SipTrack::parse_line(t, t).unwrap().into_owned());
    }

    #[test]
    fn quoted_fields_are_written_quoted() {
        let party = Party { calling_name: "Smith, J".into(), cli: "01".into(), ..Party::default() };
        let text = party.to_string();
        assert!(text.contains(",\"Smith, J\","), "{text}");
        assert_eq!(Party::parse("PartyA", &text).unwrap(), party);
    }
}
