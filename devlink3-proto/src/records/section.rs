//! One description per record section, from which everything that reads or writes the
//! section is derived.
//!
//! A Delta3 section (`<Call>`, `<PartyA>`, `<Target>`, `<CallLost>`...) is a line of
//! positional comma-separated fields. [`section!`] takes the list of those fields, one line
//! each (doc, name, Rust type, wire kind, the specification's label), and generates:
//!
//! * the struct, borrowing its strings from the parsed text (the decoded form, and what
//!   code builds records from);
//! * its indexer: one pass over the section's text recording where each field lies (a
//!   [`Span`]) and checking the numbers, with errors naming section and field;
//! * its [`SectionView`] accessors, one per field, each decoding its field from the text
//!   when called, and `decode`, the struct from the text and spans;
//! * `into_owned`, and `Display` writing the canonical text (the simulator's writer);
//! * [`Described::FIELDS`], the fields as data, from which the C views (`devlink3-ffi`'s
//!   generated `view/sections.rs`) and the bindings' type files are generated;
//! * [`Described::visit`], the values in order, which the bindings walk to build their
//!   objects (Node's tape, the JSON document through serde's derive on the same struct).
//!
//! Adding a field to a section is one line here.

use std::borrow::Cow;
use std::fmt::{self, Formatter};

use super::{Fields, PartyFlags, RecordError, excerpt, find_byte, parse_u32};

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

impl FieldValue for &str {
    type Static = Cow<'static, str>;

    #[inline]
    fn visit_as<V: FieldVisitor>(&self, field: &'static Field, visitor: &mut V) {
        visitor.text(field, self);
    }

    fn into_static(self) -> Cow<'static, str> {
        Cow::Owned(self.to_owned())
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

/// A field type's reading from its text (the span's), as a view's accessor returns it.
///
/// The indexer has checked every number field already, so reading cannot fail: an empty
/// field reads as 0 (or `""`), as a missing one does.
#[doc(hidden)]
pub trait FromSpan<'a>: Sized {
    /// What the accessor returns: `&'a str` for the texts, the value itself otherwise.
    type View: FieldValue;
    /// The value in the field's text.
    fn read(text: &'a str) -> Self::View;
    /// The decoded struct's field from the accessor's value.
    fn from_view(view: Self::View) -> Self;
}

impl<'a> FromSpan<'a> for Cow<'a, str> {
    type View = &'a str;

    #[inline]
    fn read(text: &'a str) -> &'a str {
        text
    }

    #[inline]
    fn from_view(view: &'a str) -> Self {
        Cow::Borrowed(view)
    }
}

/// The number a checked number field holds.
#[inline]
pub(crate) fn number_in(text: &str) -> u32 {
    parse_u32(text).unwrap_or(0)
}

/// The plain values: read as a number.
macro_rules! number_from_span {
    ($($ty:ty => $from:expr),*) => {$(
        impl FromSpan<'_> for $ty {
            type View = $ty;

            #[inline]
            fn read(text: &str) -> $ty {
                $from(number_in(text))
            }

            #[inline]
            fn from_view(view: $ty) -> $ty {
                view
            }
        }
    )*};
}

number_from_span!(u32 => std::convert::identity, bool => |n: u32| n != 0, PartyFlags => PartyFlags::from_bits);

/// Where one field's value lies in its record's text: a byte range, without the quotes
/// of a quoted field. A record's text and its spans are all there is to an indexed record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// An empty field (or a missing one).
    pub(crate) const EMPTY: Self = Self { start: 0, end: 0 };

    /// The field's text in its record's `text` (`""` for a text it does not fit).
    #[inline]
    pub(crate) fn of_text(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize).unwrap_or("")
    }
}

/// The position of the field `name` in `fields`, at compile time (the accessors' index
/// into their section's spans).
#[doc(hidden)]
pub const fn field_at(fields: &[Field], name: &str) -> usize {
    let mut i = 0;
    while i < fields.len() {
        let (a, b) = (fields[i].name.as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("no such field")
}

/// A section's fields, read where they lie in their record's text: what a record's
/// accessors (`party.calling_name()`, `call.call_id()`) read from. Made by a
/// [`Delta3View`](super::Delta3View); `S` is the section's struct, which
/// [`decode`](Self::decode) (generated per section) builds.
pub struct SectionView<'a, S> {
    /// The whole record's text (the spans are offsets into it).
    pub(crate) text: &'a str,
    /// The section's spans, one per field in wire order.
    pub(crate) spans: &'a [Span],
    /// The spans are the section's text split at its commas.
    pub(crate) comma_separated: bool,
    pub(crate) section: std::marker::PhantomData<fn() -> S>,
}

impl<S> Clone for SectionView<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for SectionView<'_, S> {}

impl<S> Default for SectionView<'_, S> {
    /// A view of nothing: every field reads as empty (0).
    fn default() -> Self {
        Self::new("", &[])
    }
}

impl<'a, S> SectionView<'a, S> {
    #[inline]
    pub(crate) fn new(text: &'a str, spans: &'a [Span]) -> Self {
        Self { text, spans, comma_separated: false, section: std::marker::PhantomData }
    }

    /// The section's text, when its fields are exactly that text split at its commas (those
    /// missing at the end read as empty): no field quoted, every number bare digits. A
    /// reader that splits text itself (the Node binding, in JS) can then take this text in
    /// place of the fields. `None` when the fields need their spans (a quoted field, a
    /// number with spaces around it, more fields than the section has).
    pub fn comma_separated(&self) -> Option<&'a str> {
        if !self.comma_separated {
            return None;
        }
        // Fields lie one after another, one comma apart; those missing at the end are
        // `EMPTY` (no field starts at 0, where the record's `<` is).
        let first = self.spans.first()?;
        let last = self.spans.iter().rev().find(|span| **span != Span::EMPTY)?;
        self.text.get(first.start as usize..last.end as usize)
    }

    /// The text of field `at`.
    #[doc(hidden)]
    #[inline]
    pub fn field(&self, at: usize) -> &'a str {
        self.spans.get(at).map_or("", |span| span.of_text(self.text))
    }
}

/// Which of `fields` hold numbers (numbers, flags, codes, bit sets), one bit each in
/// wire order: what [`index_fields`] checks.
#[doc(hidden)]
pub const fn numeric_fields(fields: &[Field]) -> u64 {
    assert!(fields.len() <= 64, "a section of at most 64 fields");
    let mut mask = 0;
    let mut i = 0;
    while i < fields.len() {
        if !matches!(fields[i].kind, FieldKind::Text | FieldKind::Quoted | FieldKind::Word { .. }) {
            mask |= 1 << i;
        }
        i += 1;
    }
    mask
}

/// Indexes one section: the span of each of its fields, in wire order, into `slots`
/// (one per field of `fields`), checking that the fields `numeric` marks hold numbers.
///
/// `content` is the section's text, a part of the record's `text`, from whose start the
/// spans count. Fields are comma-separated; one starting with `"` runs to the next `"`
/// followed by a comma or the end (`"Smith, John"` is one field, without its quotes).
/// Missing trailing fields are empty; extra ones are ignored. The error names the
/// section and the field.
///
/// One pass over the bytes, eight at a time ([`split_words`]); a section with a quote or
/// an unusual number field goes through [`split_bytes`], which reads every case. Returns
/// whether the fields are the (trimmed) text split at its commas, which only the first
/// reads: see [`SectionView::comma_separated`].
pub(crate) fn index_fields(
    section: &'static str,
    fields: &'static [Field],
    numeric: u64,
    text: &str,
    content: &str,
    slots: &mut [Span],
) -> Result<bool, RecordError> {
    let content = super::trim(content);
    // `content` lies within `text`; records are far below 4 GiB (three length octets).
    let offset = (content.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    if let Some((found, _)) = split_words(content.as_bytes(), numeric, offset, slots, false) {
        for slot in &mut slots[found..] {
            *slot = Span::EMPTY;
        }
        return Ok(true);
    }
    split_bytes(section, fields, numeric, offset, content, slots).map(|()| false)
}

const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const LOWS: u64 = u64::from_le_bytes([0x7f; 8]);
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

/// The high bit of each byte of `word` that is not zero (exactly: no borrow between bytes).
#[inline(always)]
fn nonzero_bytes(word: u64) -> u64 {
    ((word & LOWS).wrapping_add(LOWS) | word) & HIGHS
}

/// The high bit of each byte of `word` equal to `byte`.
#[inline(always)]
fn bytes_equal(word: u64, byte: u8) -> u64 {
    !nonzero_bytes(word ^ (ONES * u64::from(byte))) & HIGHS
}

/// The high bit of each byte of `word` that is not an ASCII digit.
#[inline(always)]
fn non_digits(word: u64) -> u64 {
    // A digit is 0x30-0x39, so 0-9 once shifted; 0-9 plus 0x76 stays below 0x80, 10 and
    // up do not. The low seven bits alone are added, so no byte carries into the next.
    let shifted = word ^ u64::from_le_bytes([b'0'; 8]);
    ((shifted & LOWS).wrapping_add(u64::from_le_bytes([0x76; 8])) | shifted) & HIGHS
}

/// The high bit of each byte of `word` that is `,` or `<`, and of those that are `<`.
///
/// The two differ in bit 4 alone (0x2c, 0x3c): with bit 4 set, both read 0x3c, and no
/// other byte does; bit 4 moved up to bit 7 then tells them apart.
#[inline(always)]
fn commas_and_tags(word: u64) -> (u64, u64) {
    let either = bytes_equal(word | u64::from_le_bytes([0x10; 8]), b'<');
    let tags = either & word << 3;
    (either ^ tags, tags)
}

/// Splits `bytes` on its commas eight bytes at a time, each number field checked as bare
/// digits (at most nine) on the way: a comma or a non-digit is a bit of a mask, found
/// without a branch per byte. With `to_tag`, the text ends at its first `<` (there must
/// be one). The spans go into `slots`; returns how many fields there were (at most
/// `slots.len()`) and where the text ended, or `None` at a field starting with a quote
/// or an unusual number, which [`split_bytes`] reads.
#[inline]
fn split_words(bytes: &[u8], numeric: u64, offset: usize, slots: &mut [Span], to_tag: bool) -> Option<(usize, usize)> {
    let mut len = bytes.len();
    let mut tagged = false;
    let mut slots = slots.iter_mut();
    let mut found = 0;
    // The number-field bits of the fields from the current one on.
    let mut numbers = numeric;
    let mut field_start = 0;
    // Non-digits (commas aside) seen in the current field, in words before this one.
    let mut earlier_non_digits = false;
    let mut at = 0;
    while at < len {
        let (word, mut valid) = match bytes.get(at..at + 8) {
            Some(chunk) => (u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])), HIGHS),
            None => {
                // The tail, padded with digits (neither comma, quote nor non-digit).
                let mut tail = [b'0'; 8];
                tail[..len - at].copy_from_slice(&bytes[at..]);
                (u64::from_le_bytes(tail), HIGHS >> (8 * (8 - (len - at))))
            }
        };
        let (commas, tags) = commas_and_tags(word);
        if to_tag {
            let tags = tags & valid;
            if tags != 0 {
                // The bytes before the first `<` only.
                valid &= (tags & tags.wrapping_neg()) - 1;
                len = at + (tags.trailing_zeros() / 8) as usize;
                tagged = true;
            }
        }
        let mut commas = commas & valid;
        let mut others = non_digits(word) & valid & !commas;
        while commas != 0 {
            let comma = commas & commas.wrapping_neg();
            let end = at + (comma.trailing_zeros() / 8) as usize;
            if numbers & 1 == 1 && (earlier_non_digits || others & (comma - 1) != 0 || end - field_start > 9) {
                return None;
            }
            // A field starting with a quote may hold commas: `split_bytes` reads those.
            if bytes.get(field_start) == Some(&b'"') {
                return None;
            }
            // Every slot full: more fields than the section has, which the general path reads
            // (ignoring the extra ones).
            let slot = slots.next()?;
            *slot = Span { start: (offset + field_start) as u32, end: (offset + end) as u32 };
            found += 1;
            numbers >>= 1;
            field_start = end + 1;
            earlier_non_digits = false;
            others &= !(comma - 1);
            commas ^= comma;
        }
        earlier_non_digits |= others != 0;
        at += 8;
    }
    if to_tag && !tagged {
        return None;
    }
    // The last field runs to the end.
    if numbers & 1 == 1 && (earlier_non_digits || len - field_start > 9) {
        return None;
    }
    if bytes.get(field_start) == Some(&b'"') && field_start < len {
        return None;
    }
    match slots.next() {
        Some(slot) => *slot = Span { start: (offset + field_start) as u32, end: (offset + len) as u32 },
        None if to_tag => return None,
        None => return Some((found, len)),
    }
    Some((found + 1, len))
}

/// Indexes a section from `after` (the record `text` just after its opening tag `<name>`)
/// through its closing tag, when the section is plain: its text ends at the first `<`,
/// which begins `</name>`, and has no quote, no space or control character at either
/// end, and only bare-digit numbers. Returns the length read, through the closing tag;
/// `None` for anything else, which the general path (finding the closing tag, then
/// [`index_fields`]) reads instead.
///
/// The section's text is read once, where finding its end first and then its fields
/// read it twice.
#[inline]
pub(crate) fn index_to_close(name: &str, numeric: u64, text: &str, after: &str, slots: &mut [Span]) -> Option<usize> {
    let plain = |byte: u8| byte > b' ' && byte < 0x7f;
    let bytes = after.as_bytes();
    if !plain(*bytes.first()?) {
        return None;
    }
    let offset = (after.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    let (found, len) = split_words(bytes, numeric, offset, slots, true)?;
    if len > 0 && !plain(bytes[len - 1]) {
        return None;
    }
    let close = bytes.get(len..)?;
    // Compared a byte at a time: a name is a few bytes, too few for a call to `memcmp`.
    let name_at = |i: usize| name.as_bytes().get(i).copied().unwrap_or(b'>');
    let closes = close.len() >= name.len() + 3
        && close.starts_with(b"</")
        && (0..=name.len()).all(|i| close[2 + i] == name_at(i));
    if !closes {
        return None;
    }
    for slot in &mut slots[found..] {
        *slot = Span::EMPTY;
    }
    Some(len + 3 + name.len())
}

/// Splits `content` a byte at a time, quotes and unusual numbers included (see
/// [`index_fields`]).
#[cold]
#[inline(never)]
fn split_bytes(
    section: &'static str,
    fields: &'static [Field],
    numeric: u64,
    offset: usize,
    content: &str,
    slots: &mut [Span],
) -> Result<(), RecordError> {
    let bytes = content.as_bytes();
    let span = |start: usize, end: usize| Span { start: (offset + start) as u32, end: (offset + end) as u32 };
    let label = |i: usize| fields.get(i).map_or("", |f| f.label);
    let mut found = 0;
    let mut start = 0;
    while found < slots.len() {
        let is_number = numeric >> found & 1 == 1;
        if bytes.get(start) == Some(&b'"') {
            let (inner, end, after) =
                quoted(bytes, start).ok_or_else(|| RecordError::UnterminatedQuote { section, field: label(found) })?;
            if is_number {
                check_number(section, label(found), &content[inner..end])?;
            }
            slots[found] = span(inner, end);
            found += 1;
            match after {
                Some(after) => start = after,
                None => break,
            }
            continue;
        }
        // To the comma, noting (without a branch) whether every byte was a digit: the
        // usual number field needs no second look.
        let mut end = start;
        let mut not_digits = 0u8;
        while end < bytes.len() && bytes[end] != b',' {
            not_digits |= u8::from(bytes[end].wrapping_sub(b'0') > 9);
            end += 1;
        }
        // Nine digits at most cannot overflow.
        if is_number && (not_digits != 0 || end - start > 9) {
            check_number(section, label(found), &content[start..end])?;
        }
        slots[found] = span(start, end);
        found += 1;
        if end == bytes.len() {
            break;
        }
        start = end + 1;
    }
    // Missing trailing fields are empty.
    for slot in &mut slots[found..] {
        *slot = Span::EMPTY;
    }
    Ok(())
}

/// A number field that is not bare digits: numbers with spaces around, or an error.
#[cold]
#[inline(never)]
fn check_number(section: &'static str, field: &'static str, value: &str) -> Result<(), RecordError> {
    match parse_u32(value) {
        Some(_) => Ok(()),
        None => Err(RecordError::InvalidNumber { section, field, value: excerpt(value) }),
    }
}

/// The quoted field whose opening quote is at `at`: its text's start and end (inside the
/// quotes) and where the next field starts; `None` when no quote closes it. A quote closes
/// the field only when a comma or the end follows it; any other quote is part of the value
/// (the PBX does not escape them). Out of line: quotes are rare.
#[cold]
#[inline(never)]
fn quoted(bytes: &[u8], at: usize) -> Option<(usize, usize, Option<usize>)> {
    let inner = at + 1;
    let mut from = inner;
    while let Some(i) = find_byte(bytes.get(from..)?, b'"') {
        let quote = from + i;
        match bytes.get(quote + 1) {
            None => return Some((inner, quote, None)),
            Some(b',') => return Some((inner, quote, Some(quote + 2))),
            Some(_) => from = quote + 1,
        }
    }
    None
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
                let mut spans = [$crate::records::Span::EMPTY; <$name<'static> as $crate::records::Described>::FIELDS.len()];
                Self::index(section, content, content, &mut spans)?;
                Ok(Self::decode(content, &spans))
            }

            section!(@index_decode $name { $( $field : $ty = $kind($label), )* } (text) {});

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
        section!(@view $name { $( $(#[doc = $doc])* $field : $ty = $kind($label), )* });
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

    // The indexer and the decoding of a section's struct (`text` is the whole record's).
    (@index_decode $name:ident { $( $field:ident : $ty:ty = $kind:ident($label:literal), )* } ($text:ident) { $($more:tt)* }) => {
        /// Records where each field of `content` (a part of the record text `text`) lies,
        /// into `slots` (one per field), checking the number fields.
        #[inline]
        pub(crate) fn index(
            section: &'static str,
            text: &str,
            content: &str,
            slots: &mut [$crate::records::Span],
        ) -> Result<bool, RecordError> {
            use $crate::records::Described;
            const NUMERIC: u64 = $crate::records::section::numeric_fields(<$name<'static> as Described>::FIELDS);
            $crate::records::section::index_fields(section, <$name<'static> as Described>::FIELDS, NUMERIC, text, content, slots)
        }

        /// [`index`](Self::index)'s fast path from just after the opening tag, through the
        /// closing one (see `section::index_to_close`).
        #[inline]
        #[allow(dead_code)] // the records' (CallLost...) take their body whole
        pub(crate) fn index_to_close(
            name: &str,
            text: &str,
            after: &str,
            slots: &mut [$crate::records::Span],
        ) -> Option<usize> {
            use $crate::records::Described;
            const NUMERIC: u64 = $crate::records::section::numeric_fields(<$name<'static> as Described>::FIELDS);
            $crate::records::section::index_to_close(name, NUMERIC, text, after, slots)
        }

        /// The struct, its fields decoded from where `spans` locates them in `text`.
        pub(crate) fn decode($text: &'a str, spans: &[$crate::records::Span]) -> Self {
            use $crate::records::section::FromSpan;
            let mut spans = spans.iter();
            let mut next = || spans.next().map_or("", |span| span.of_text($text));
            Self {
                $( $field: <$ty as FromSpan<'a>>::from_view(<$ty as FromSpan<'a>>::read(next())), )*
                $($more)*
            }
        }
    };

    // The accessors of the section's view, and the view's description (the same fields).
    (@view $name:ident { $( $(#[doc = $doc:literal])* $field:ident : $ty:ty = $kind:ident($label:literal), )* }) => {
        impl<'a> $crate::records::SectionView<'a, $name<'a>> {
            $(
                $(#[doc = $doc])*
                #[inline]
                pub fn $field(&self) -> <$ty as $crate::records::section::FromSpan<'a>>::View {
                    const AT: usize = $crate::records::section::field_at(
                        <$name<'static> as $crate::records::Described>::FIELDS,
                        stringify!($field),
                    );
                    <$ty as $crate::records::section::FromSpan<'a>>::read(self.field(AT))
                }
            )*

            /// The section's struct, every field decoded (the strings borrowed from the text).
            pub fn decode(&self) -> $name<'a> {
                $name::decode(self.text, self.spans)
            }
        }

        impl<'a> fmt::Debug for $crate::records::SectionView<'a, $name<'a>> {
            /// As the decoded struct.
            fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.decode(), f)
            }
        }

        impl<'a> $crate::records::Described for $crate::records::SectionView<'a, $name<'a>> {
            const NAME: &'static str = <$name<'static> as $crate::records::Described>::NAME;
            const DOC: &'static [&'static str] = <$name<'static> as $crate::records::Described>::DOC;
            const FIELDS: &'static [$crate::records::Field] = <$name<'static> as $crate::records::Described>::FIELDS;

            #[inline]
            fn visit<V: $crate::records::FieldVisitor>(&self, visitor: &mut V) {
                use $crate::records::section::FieldValue;
                let mut fields = Self::FIELDS.iter();
                $( self.$field().visit_as(fields.next().expect("one Field per field"), visitor); )*
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
            #[cfg(test)]
            pub(crate) fn parse(body: &'a str) -> Result<Self, RecordError> {
                let mut spans = [$crate::records::Span::EMPTY; <$name<'static> as $crate::records::Described>::FIELDS.len()];
                Self::index($tag, body, body, &mut spans)?;
                Ok(Self::decode(body, &spans))
            }

            // `raw` is the whole record's text, without trailing NULs.
            section!(@index_decode $name { $( $field : $ty = $kind($label), )* } (text) {
                raw: Cow::Borrowed($crate::records::strip_nul(text)),
            });

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

        impl<'a> $crate::records::SectionView<'a, $name<'a>> {
            /// The record's text as the PBX sent it (without trailing NULs).
            pub fn raw(&self) -> &'a str {
                $crate::records::strip_nul(self.text)
            }
        }

        section!(@described $name [$($sdoc),*] { $( $(#[doc = $doc])* $field : $ty = $kind($label), )* });
        section!(@view $name { $( $(#[doc = $doc])* $field : $ty = $kind($label), )* });
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
        check(5, |t| CallLost::parse(t).unwrap().into_owned());
        check(6, |t| LinkLost::parse(t).unwrap().into_owned());
        check(5, |t| AttemptReject::parse(t).unwrap().into_owned());
        check(6, |t| SipTrack::parse_line(t, t).unwrap().into_owned());
    }

    const TEXTS: [Field; 8] = [Field { name: "t", label: "T", kind: FieldKind::Text, doc: &[] }; 8];

    /// The texts `index_fields` finds in `content`, as text fields (`numeric` 0) or numbers.
    fn index(content: &str, numeric: u64) -> Result<Vec<String>, RecordError> {
        // Spans count from the record's start, before the section's tag.
        let text = format!("<S>{content}</S>");
        let mut slots = [Span::EMPTY; 8];
        index_fields("S", &TEXTS, numeric, &text, &text[3..text.len() - 4], &mut slots)?;
        Ok(slots.iter().map(|span| span.of_text(&text).to_owned()).collect())
    }

    #[test]
    fn fields_split_on_commas_outside_quotes() {
        assert_eq!(
            index(r#"a,"Smith, John",,"x"y","""#, 0).unwrap(),
            ["a", "Smith, John", "", r#"x"y"#, "", "", "", ""]
        );
        assert_eq!(index("", 0).unwrap(), [""; 8], "an empty section: every field empty");
        assert_eq!(index(" a,b ", 0).unwrap(), ["a", "b", "", "", "", "", "", ""], "the section is trimmed");
        assert_eq!(
            index("1,2,3,4,5,6,7,8,9,10", 0).unwrap(),
            ["1", "2", "3", "4", "5", "6", "7", "8"],
            "extra ignored"
        );
        let open = RecordError::UnterminatedQuote { section: "S", field: "T" };
        assert_eq!(index(r#"a,"open, never closed"#, 0), Err(open.clone()));
        assert_eq!(index(r#"""#, 0), Err(open));
    }

    #[test]
    fn number_fields_are_checked() {
        let numbers = "1,23,,4294967295,123456789, 7 ,\"8\",";
        assert_eq!(index(numbers, 0xff).unwrap(), ["1", "23", "", "4294967295", "123456789", " 7 ", "8", ""]);
        for (bad, value) in [("x", "x"), ("1,4294967296", "4294967296"), ("1a", "1a"), ("+1", "+1"), ("٣", "٣")] {
            assert_eq!(
                index(bad, 0xff),
                Err(RecordError::InvalidNumber { section: "S", field: "T", value: value.into() }),
                "{bad}"
            );
            assert!(index(bad, 0).is_ok(), "{bad} is a text");
        }
        assert_eq!(numeric_fields(<Party<'static> as Described>::FIELDS) & 0b111, 0b110, "end_id, incoming, state");
    }

    #[test]
    fn masks_mark_the_right_bytes() {
        for byte in 0..=255u8 {
            for at in 0..8 {
                // The byte among others of every kind.
                let mut bytes = *b"0,<a9\xff:/";
                bytes[at] = byte;
                let word = u64::from_le_bytes(bytes);
                let mark = |set: u64, i: usize| set >> (8 * i + 7) & 1 == 1;
                let (commas, tags) = commas_and_tags(word);
                let others = non_digits(word);
                for (i, &b) in bytes.iter().enumerate() {
                    assert_eq!(mark(commas, i), b == b',', "{bytes:?} {i}");
                    assert_eq!(mark(tags, i), b == b'<', "{bytes:?} {i}");
                    assert_eq!(mark(others, i), !b.is_ascii_digit(), "{bytes:?} {i}");
                    assert_eq!(mark(bytes_equal(word, b'"'), i), b == b'"', "{bytes:?} {i}");
                }
            }
        }
    }

    /// Pseudo-random section texts of up to 40 bytes from `alphabet` ("é" for 0xc3).
    fn texts(alphabet: &[u8], count: usize) -> impl Iterator<Item = (String, u64)> + '_ {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        (0..count).map(move |case| {
            let mut bytes = Vec::new();
            for _ in 0..case % 41 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let byte = alphabet[(seed % alphabet.len() as u64) as usize];
                bytes.extend_from_slice(if byte == 0xc3 { "é".as_bytes() } else { std::slice::from_ref(&byte) });
            }
            (String::from_utf8(bytes).unwrap(), seed.rotate_left(17))
        })
    }

    #[test]
    fn sections_read_to_their_close_as_found_first() {
        // The fast path from the opening tag reads what finding the closing tag, then
        // the fields, reads; or declines.
        let alphabet = [b',', b'1', b'0', b'a', b'S', b'<', b'/', b'>', b' ', b'"', 0xc3];
        let mut read = 0;
        for (content, numeric) in texts(&alphabet, 30_000) {
            let text = format!("<S>{content}</S>tail</S>");
            let after = &text[3..];
            let mut fast = [Span { start: 99, end: 99 }; 8];
            let Some(used) = index_to_close("S", numeric, &text, after, &mut fast) else { continue };
            read += 1;
            let close = after.find("</S>").expect("a closing tag");
            assert_eq!(used, close + 4, "{content:?}");
            let mut slow = [Span::EMPTY; 8];
            assert!(index_fields("S", &TEXTS, numeric, &text, &after[..close], &mut slow).is_ok(), "{content:?}");
            assert_eq!(fast, slow, "{content:?} {numeric:#x}");
        }
        assert!(read > 1_000, "the fast path reads the plain texts ({read})");
    }

    #[test]
    fn words_split_as_bytes_do() {
        // Sections of every length up to 40 from a few bytes, each split eight bytes at a
        // time and a byte at a time: the same spans, or the word splitter declines.
        let alphabet = [b',', b'1', b'9', b'0', b'a', b'/', b':', b' ', b'"', 0xc3];
        let mut declined = 0;
        for (content, numeric) in texts(&alphabet, 20_000) {
            let mut by_words = [Span { start: 99, end: 99 }; 8];
            let mut by_bytes = [Span::EMPTY; 8];
            let bytes_result = split_bytes("S", &TEXTS, numeric, 0, &content, &mut by_bytes);
            match split_words(content.as_bytes(), numeric, 0, &mut by_words, false) {
                Some((found, _)) => {
                    assert!(bytes_result.is_ok(), "{content:?} {numeric:#x}");
                    assert_eq!(by_words[..found], by_bytes[..found], "{content:?} {numeric:#x}");
                    assert!(by_bytes[found..].iter().all(|s| *s == Span::EMPTY), "{content:?}");
                }
                None => declined += 1,
            }
        }
        assert!(declined > 1000 && declined < 19_000, "both paths exercised ({declined} declined)");
    }

    #[test]
    fn quoted_fields_are_written_quoted() {
        let party = Party { calling_name: "Smith, J".into(), cli: "01".into(), ..Party::default() };
        let text = party.to_string();
        assert!(text.contains(",\"Smith, J\","), "{text}");
        assert_eq!(Party::parse("PartyA", &text).unwrap(), party);
    }
}
