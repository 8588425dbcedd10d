//! Record texts as typed values.
//!
//! The IP Office reports calls as text; the wire layer hands that text over already decoded to
//! `&str`. This module turns it into typed, zero-copy values:
//!
//! * [`Delta3Index::read`]: Delta3 records (§6.7) read where they lie: every section and
//!   field located and the numbers checked in one pass, a [`Delta3View`] whose accessors
//!   decode their field when called ([`Delta3Record`] owns a text and its index, as the
//!   event path delivers them); [`parse_delta3`] gives the typed form, every field decoded:
//!   [`Detail`] (Call, PartyA, PartyB, Target_list), [`CallLost`], [`LinkLost`] and
//!   [`AttemptReject`].
//! * [`parse_delta2`]: legacy Delta2 records `CALL: S ...`, `CALL: D ...`, `CALL: A ...`.
//! * [`parse_siptrack`]: SIPTrack events (`START,<epid>,<end id>,TRUNK,IN,<sip call id>`).
//! * [`parse_cmextn`] and [`CmExtnState`]: CMExtn events, plain and extended.
//!
//! Every value borrows from the text it was parsed from (`Cow::Borrowed`), keeps that text
//! (`raw`), and has an `into_owned` giving the `'static` form to send across threads. Each type
//! also implements `Display`, writing the canonical text the IP Office sends; the simulator uses
//! that writer, and `parse(write(x)) == x` holds for records built with `with_canonical_raw`.
//!
//! Parsing is liberal where the specification is vague (missing trailing fields default, extra
//! ones are ignored, whitespace around sections is trimmed, a trailing NUL is dropped) and
//! returns a [`RecordError`] naming the problem otherwise. No input makes it panic.

use std::borrow::Cow;

#[macro_use]
pub(crate) mod section;
mod cmextn;
mod delta2;
mod delta3;
mod owned;
mod siptrack;

pub use cmextn::{CmExtn, CmExtnState, ExtnState, parse_cmextn};
pub use delta2::{Delta2, Delta2Kind, Delta2State, parse_delta2};
pub use delta3::{
    AttemptReject, AttemptRejectView, Call, CallLost, CallLostView, CallView, CalledType, CallingNameType,
    CliPresentation, Delta3, Delta3Index, Delta3View, Detail, DetailView, EquipmentClass, LinkLost, LinkLostView,
    Party, PartyFlags, PartyState, PartyView, QueueState, Target, TargetView, Tone, parse_delta3,
};
pub use owned::Delta3Record;
pub(crate) use section::Span;
pub use section::{Coded, Described, Field, FieldKind, FieldVisitor, SectionView, Worded};
pub use siptrack::{SipDirection, SipEvent, SipTrack, SipType, parse_siptrack};

code_enum! {
    /// Clearing cause: Delta3 CallLost/LinkLost "Cause" (§6.7.5) and Delta2 S field 25.
    ///
    /// Names are IP Office's internal `CMCause…` spellings (legacy DevLink guide, field 25).
    /// Values 0–102 are ISDN causes; the unnamed ones are kept as `Other`.
    pub enum Cause: u32 {
        Unknown = 0 => "CMCauseUnknown",
        UnallocatedNumber = 1 => "CMCauseUnallocatedNumber",
        ForceIdle = 2 => "CMCauseForceIdle",
        Unregister = 3 => "CMCauseUnregister",
        Normal = 16 => "CMCauseNormal",
        Busy = 17 => "CMCauseBusy",
        NoUserResponding = 18 => "CMCauseNoUserResponding",
        CallRejected = 21 => "CMCauseCallRejected",
        NormalUnspecified = 31 => "CMCauseNormalUnspecified",
        NoChannel = 34 => "CMCauseNoChannel",
        NetworkOoo = 38 => "CMCauseNetworkOOO",
        Incompatible = 88 => "CMCauseIncompatible",
        PhoneInfo = 113 => "CMCausePhoneInfo",
        ReminderFree = 114 => "CMCauseReminderFree",
        ReminderNoAns = 115 => "CMCauseReminderNoAns",
        E911Emergency = 116 => "CMCauseE911Emergency",
        Parked = 117 => "CMCauseParked",
        UnParked = 118 => "CMCauseUnParked",
        Pickup = 119 => "CMCausePickup",
        Reminder = 120 => "CMCauseReminder",
        Redirect = 121 => "CMCauseRedirect",
        CallBarred = 122 => "CMCauseCallBarred",
        ForwardToVoicemail = 123 => "CMCauseForwardToVoicemail",
        AnsweredByOther = 124 => "CMCauseAnsweredByOther",
        NoAccountCode = 125 => "CMCauseNoAccountCode",
        Transfer = 126 => "CMCauseTransfer",
        ConferencingMove = 127 => "CMCauseConferencingMove",
        RestrictedToPartner = 128 => "CMCauseRestrictedToPartner",
        HeldCall = 129 => "CMCauseHeldCall",
        RingBackCheck = 130 => "CMRingBackCheck",
        AppearanceCallSteal = 131 => "CMCauseAppearanceCallSteal",
        AppearanceBridgeInto = 132 => "CMCauseAppearanceBridgeInto",
        BumpedCall = 133 => "CMCauseBumpedCall",
        LineAppearanceCall = 134 => "CMCauseLineAppearanceCall",
        UnheldCall = 135 => "CMCauseUnheldCall",
        ReplaceCurrentCall = 136 => "CMCauseReplaceCurrentCall",
        Glare = 137 => "CMCauseGlare",
        R21CompatConfMove = 138 => "CMCauseR21CompatConfMove",
    }
}

impl Cause {
    /// The cause with this `CMCause…` name (as printed in CMExtn texts), if it is a named one.
    pub fn from_name(name: &str) -> Option<Self> {
        // All named causes are below 256; scanning them avoids a second, hand-kept table.
        (0..256).map(Self::from_raw).find(|cause| cause.name() == Some(name))
    }
}

#[cfg(feature = "serde")]
thread_local! {
    /// Set while [`serialize_with_raw`] serializes without the records' texts.
    static OMIT_RAW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `serialize` with records serializing their `raw` text or not (feature `serde`).
///
/// A record's text repeats what its fields say and doubles a document's size, so the
/// event documents leave it out unless asked; this decides it while serializing, rather
/// than serializing the text and removing it afterwards.
#[cfg(feature = "serde")]
pub fn serialize_with_raw<R>(raw: bool, serialize: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            OMIT_RAW.with(|omit| omit.set(self.0));
        }
    }
    let _restore = Restore(OMIT_RAW.with(|omit| omit.replace(!raw)));
    serialize()
}

/// `skip_serializing_if` of the records' `raw` fields: see [`serialize_with_raw`].
#[cfg(feature = "serde")]
pub(crate) fn omit_raw<T: ?Sized>(_: &T) -> bool {
    OMIT_RAW.with(std::cell::Cell::get)
}

/// Why a record text could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The text is empty (or only whitespace and NULs).
    #[error("empty record text")]
    Empty,
    /// The record's tag (Delta3) or kind letter (Delta2) is not one we know.
    #[error("unknown record kind {kind:?}")]
    UnknownKind {
        /// The tag or kind as found in the text (at most 32 characters of it).
        kind: String,
    },
    /// An opening tag has no `>`.
    #[error("malformed tag {tag:?}: no closing '>'")]
    MalformedTag {
        /// The start of the tag (at most 32 characters).
        tag: String,
    },
    /// An element was opened but its closing tag is missing.
    #[error("missing closing tag </{tag}>")]
    MissingClosingTag {
        /// The element's name.
        tag: String,
    },
    /// A required section (`Call`, `PartyA`) is absent.
    #[error("missing <{section}> section")]
    MissingSection {
        /// The missing section's name.
        section: &'static str,
    },
    /// An integer field holds something other than decimal digits (or a value above `u32::MAX`).
    #[error("{section} field {field:?} is not a number: {value:?}")]
    InvalidNumber {
        /// The section or record the field belongs to (`Call`, `PartyA`, `Target`, `CALL: S`...).
        section: &'static str,
        /// The field's name as the specification gives it.
        field: &'static str,
        /// The offending text.
        value: String,
    },
    /// A field starts with `"` but no closing `"` ends it (before a `,` or the section's end).
    #[error("{section} field {field:?} has an unterminated quote")]
    UnterminatedQuote {
        /// The section the field belongs to.
        section: &'static str,
        /// The field's name as the specification gives it.
        field: &'static str,
    },
    /// A record has fewer fields than it must have.
    #[error("{record} record has {found} fields, needs {expected}")]
    TooFewFields {
        /// The record kind (`SIPTrack`).
        record: &'static str,
        /// Fields required.
        expected: usize,
        /// Fields found.
        found: usize,
    },
    /// The text is longer than a record can be: an index holds 32-bit offsets, and no
    /// frame carries 4 GiB.
    #[error("record text of {len} bytes is too long (at most 4 GiB)")]
    TooLong {
        /// The text's length in bytes.
        len: usize,
    },
}

impl RecordError {
    /// An `UnknownKind` quoting at most 32 characters of `kind`.
    pub(crate) fn unknown_kind(kind: &str) -> Self {
        Self::UnknownKind { kind: excerpt(kind) }
    }
}

/// At most 32 characters of `text`, so errors about huge inputs stay small.
pub(crate) fn excerpt(text: &str) -> String {
    text.chars().take(32).collect()
}

/// The comma-separated fields of a record or section, in order, without allocating.
///
/// It splits on every `,` (like `str::split(',')`; Delta2 and SIPTrack have no quoting).
/// Delta3 sections are indexed by the quote-aware `section::index_fields` instead.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    /// The unread text; `None` once the last field has been taken.
    rest: Option<&'a str>,
}

impl<'a> Fields<'a> {
    /// Fields of `text`; an empty text has one empty field.
    pub fn new(text: &'a str) -> Self {
        Self { rest: Some(text) }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match find_byte(rest.as_bytes(), b',') {
            Some(comma) => {
                self.rest = Some(&rest[comma + 1..]);
                Some(&rest[..comma])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// The first `needle` in `haystack`, eight bytes at a time.
///
/// Fields are a few bytes long: a word-at-a-time search finds most commas in its first
/// step, where a byte loop takes one step a byte and `memchr` spends more on setting up.
#[inline]
pub(crate) fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let pattern = ONES * u64::from(needle);
    let mut words = haystack.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        // `chunks_exact` makes every word 8 bytes, so the conversion cannot fail (and
        // compiles to one load). Bytes equal to the needle become zero; the lowest set
        // high bit marks the first zero byte (borrows can only mark bytes after it).
        let word = u64::from_le_bytes(word.try_into().unwrap_or([!needle; 8])) ^ pattern;
        let zeros = word.wrapping_sub(ONES) & !word & HIGHS;
        if zeros != 0 {
            return Some(at + (zeros.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words.remainder().iter().position(|&b| b == needle).map(|i| at + i)
}

/// Parses an integer field: decimal digits, surrounding whitespace allowed, empty means 0.
/// `None` for anything else, including values that overflow `u32`.
#[inline]
pub(crate) fn parse_u32(text: &str) -> Option<u32> {
    fn digits(text: &str) -> Option<u32> {
        text.bytes().try_fold(0u32, |acc, b| {
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            acc.checked_mul(10)?.checked_add(u32::from(digit))
        })
    }
    // Trimming only after a miss keeps the common case (bare digits) a single pass.
    digits(text).or_else(|| {
        let trimmed = text.trim();
        if trimmed.len() == text.len() { None } else { digits(trimmed) }
    })
}

/// `text.trim()`, answered at once when the text neither starts nor ends with a space or
/// a control or non-ASCII character: the usual section or tag name, which the full
/// Unicode-aware trim would walk through its character decoding for nothing.
#[inline]
pub(crate) fn trim(text: &str) -> &str {
    let plain = |byte: Option<&u8>| byte.is_some_and(|&b| b > b' ' && b < 0x7f);
    let bytes = text.as_bytes();
    if plain(bytes.first()) && plain(bytes.last()) { text } else { text.trim() }
}

/// The text without the trailing NULs a C string brings along.
pub(crate) fn strip_nul(text: &str) -> &str {
    text.trim_end_matches('\0')
}

/// Detaches a borrowed string from its source.
pub(crate) fn own(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_split_like_str_split() {
        for text in ["", ",", "a", "a,b", ",a,,b,", "é,ü"] {
            let ours: Vec<_> = Fields::new(text).collect();
            let std: Vec<_> = text.split(',').collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    #[test]
    fn find_byte_finds_the_first() {
        let text = b"abcdefgh,ijklmnop,q,";
        for len in 0..=text.len() {
            for start in 0..len {
                let hay = &text[start..len];
                assert_eq!(find_byte(hay, b','), hay.iter().position(|&b| b == b','), "{hay:?}");
            }
        }
        // Bytes just above and below the needle, and high bytes, are not it.
        assert_eq!(find_byte(b"\x2b\x2d\xac\xff\x00+-,", b','), Some(7));
        assert_eq!(find_byte(&[0x80; 20], 0x00), None);
        assert_eq!(find_byte(&[0x01, 0x00, 0x00], 0x00), Some(1));
    }

    #[test]
    fn trim_is_str_trim() {
        for text in ["", " ", "a", " a", "a ", "\ta\n", "a b", "\u{a0}a", "a\u{3000}", "\x01a\x01", "é", "\x7f"] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u32(""), Some(0));
        assert_eq!(parse_u32(" 42 "), Some(42));
        assert_eq!(parse_u32("4294967295"), Some(u32::MAX));
        assert_eq!(parse_u32("4294967296"), None);
        assert_eq!(parse_u32("+1"), None);
        assert_eq!(parse_u32("1a"), None);
        assert_eq!(parse_u32("٣"), None);
    }

    #[test]
    fn cause_names() {
        assert_eq!(Cause::from_name("CMCauseForceIdle"), Some(Cause::ForceIdle));
        assert_eq!(Cause::from_name("CMRingBackCheck"), Some(Cause::RingBackCheck));
        assert_eq!(Cause::from_name("CMCauseForcelidle"), None);
        assert_eq!(Cause::Transfer.to_string(), "CMCauseTransfer");
    }
}
