//! Tuples: a 4-octet tag, a 2-octet length and that many octets of data.
//!
//! They carry the application name in the authentication request, the PBX type and
//! variant in its result, and the records of every event. Strings in them are
//! NUL-terminated, UTF-8 or UTF-16 big-endian depending on the tuple, and the length
//! counts the terminator.

use std::borrow::Cow;
use std::fmt;

use super::reader::{Reader, c_string_field, utf8_nul};
use super::{DecodeError, EncodeError};

/// Tuple tags of the specification.
pub mod tag {
    /// Event: a Delta3 record, UTF-8.
    pub const CALL_DELTA3: u32 = 0x0076_0001;
    /// Event: a Delta2 record, UTF-16BE (UTF-8 under the `-TEXT` flag).
    pub const CALL_DELTA2: u32 = 0x0076_0002;
    /// Event: a SIPTrack record, UTF-16BE.
    pub const SIP_TRACK: u32 = 0x0076_0003;
    /// Event: a CMExtn record, UTF-16BE, plain or with v/p1/p2 numbers first.
    pub const CM_EXTN: u32 = 0x0076_0004;
    /// Authenticate request: the application's name, UTF-8.
    pub const APPLICATION_NAME: u32 = 0x007E_0001;
    /// Authenticate result: PBX type and version, UTF-8.
    pub const PBX_TYPE_AND_VERSION: u32 = 0x007D_0001;
    /// Authenticate result: DevLink variant, UTF-8.
    pub const DEVLINK_VARIANT: u32 = 0x007D_0002;
}

/// Largest tuple data the 2-octet length can describe.
pub const MAX_TUPLE_DATA: usize = u16::MAX as usize;

/// One tuple as found on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawTuple<'a> {
    pub tag: u32,
    pub data: &'a [u8],
}

/// A table of tuples, decoded lazily as it is iterated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TupleTable<'a> {
    bytes: &'a [u8],
}

impl<'a> TupleTable<'a> {
    pub const fn new(bytes: &'a [u8]) -> Self {
        TupleTable { bytes }
    }

    /// The encoded table, as received.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The tuples with their tags and raw data.
    pub fn iter(&self) -> RawTuples<'a> {
        RawTuples { reader: Reader::new(self.bytes), failed: false }
    }

    /// The tuples interpreted as event records.
    pub fn events(&self) -> impl Iterator<Item = Result<EventTuple<'a>, DecodeError>> + 'a {
        self.iter().map(|raw| raw.and_then(EventTuple::decode))
    }

    /// The first tuple with `tag` read as a NUL-terminated UTF-8 string.
    pub fn find_utf8(&self, wanted: u32, what: &'static str) -> Result<Option<&'a str>, DecodeError> {
        for raw in self.iter() {
            let raw = raw?;
            if raw.tag == wanted {
                return c_string_field(raw.data, what).map(Some);
            }
        }
        Ok(None)
    }
}

impl<'a> IntoIterator for TupleTable<'a> {
    type Item = Result<RawTuple<'a>, DecodeError>;
    type IntoIter = RawTuples<'a>;
    fn into_iter(self) -> RawTuples<'a> {
        self.iter()
    }
}

/// Iterator over a [`TupleTable`]; stops after the first error.
#[derive(Debug, Clone)]
pub struct RawTuples<'a> {
    reader: Reader<'a>,
    failed: bool,
}

impl<'a> Iterator for RawTuples<'a> {
    type Item = Result<RawTuple<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.reader.is_empty() {
            return None;
        }
        let item = self.next_tuple();
        self.failed = item.is_err();
        Some(item)
    }
}

impl<'a> RawTuples<'a> {
    fn next_tuple(&mut self) -> Result<RawTuple<'a>, DecodeError> {
        let mut tag = self.reader.u32("tuple tag")?;
        // The specification prints CallDelta2 as 0x00760001 then 0x00760002 before the
        // length. A Delta3 length of 0x0076 followed by 0x0002 cannot start UTF-8 text, so
        // the second tag is unambiguous.
        if tag == tag::CALL_DELTA3 && self.reader.peek_u32() == Some(tag::CALL_DELTA2) {
            self.reader.u32("tuple tag")?;
            tag = tag::CALL_DELTA2;
        }
        let len = usize::from(self.reader.u16("tuple length")?);
        let available = self.reader.remaining();
        if len > available {
            return Err(DecodeError::TupleOverrun { tag, len, available });
        }
        let data = self.reader.bytes(len, "tuple data")?;
        Ok(RawTuple { tag, data })
    }
}

/// Record text from a tuple, without its terminating NUL.
///
/// UTF-8 text is borrowed as `&str`. UTF-16 text is kept as its validated big-endian
/// octets and converted on request, so decoding an event never allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text<'a> {
    Utf8(&'a str),
    /// Big-endian UTF-16 code units, already validated.
    Utf16Be(&'a [u8]),
}

impl<'a> Text<'a> {
    /// Reads NUL-terminated UTF-16BE text.
    pub fn utf16(data: &'a [u8], what: &'static str) -> Result<Self, DecodeError> {
        if data.len() % 2 != 0 {
            return Err(DecodeError::InvalidUtf16 { what, reason: "odd number of octets" });
        }
        let Some(body) = data.strip_suffix(&[0, 0]) else {
            return Err(DecodeError::MissingNul { what });
        };
        if char::decode_utf16(units(body)).any(|c| c.is_err()) {
            return Err(DecodeError::InvalidUtf16 { what, reason: "unpaired surrogate" });
        }
        Ok(Text::Utf16Be(body))
    }

    /// Reads NUL-terminated UTF-8 text.
    pub fn utf8(data: &'a [u8], what: &'static str) -> Result<Self, DecodeError> {
        utf8_nul(data, what).map(Text::Utf8)
    }

    /// Delta2 text is UTF-16BE, or UTF-8 when the `-TEXT` flag was requested. Records
    /// start with an ASCII letter (`CALL:`), so UTF-16BE starts with a zero octet and
    /// UTF-8 never does.
    pub fn detect(data: &'a [u8], what: &'static str) -> Result<Self, DecodeError> {
        if data.first() == Some(&0) && data.len() != 1 { Self::utf16(data, what) } else { Self::utf8(data, what) }
    }

    /// The text as a string, borrowed when it is UTF-8.
    pub fn to_str(&self) -> Cow<'a, str> {
        match *self {
            Text::Utf8(s) => Cow::Borrowed(s),
            Text::Utf16Be(b) => {
                let mut s = String::with_capacity(b.len() / 2);
                self.push_to(&mut s);
                Cow::Owned(s)
            }
        }
    }

    /// Appends the text to `out`.
    pub fn push_to(&self, out: &mut String) {
        match *self {
            Text::Utf8(s) => out.push_str(s),
            Text::Utf16Be(b) => {
                out.extend(char::decode_utf16(units(b)).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)))
            }
        }
    }

    pub const fn is_utf16(&self) -> bool {
        matches!(self, Text::Utf16Be(_))
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_str())
    }
}

fn units(b: &[u8]) -> impl Iterator<Item = u16> + '_ {
    b.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]))
}

/// A tuple of a DevLink3 event, interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventTuple<'a> {
    /// A Delta3 record (`<Detail>...`, `<CallLost>...`, ...).
    CallDelta3(&'a str),
    /// A Delta2 record (`CALL: S ...`), the text exactly as the PBX sent it.
    CallDelta2(Text<'a>),
    /// `START,epid,end_id,TRUNK,IN,sip_callid`.
    SipTrack(Text<'a>),
    /// A monitor CMExtn line, e.g. `Extn4001: CALL LOST (CMCauseForceIdle)`.
    CmExtn(Text<'a>),
    /// The extended CMExtn form: an extension state change (`v`, `p1`, `p2`, extension).
    CmExtnState { v: u32, p1: u32, p2: u32, extension: Text<'a> },
    /// A tag this library does not know; skipped by consumers and reported.
    Unknown { tag: u32, data: &'a [u8] },
}

impl<'a> EventTuple<'a> {
    /// Interprets a raw event tuple by its tag.
    pub fn decode(raw: RawTuple<'a>) -> Result<Self, DecodeError> {
        Ok(match raw.tag {
            tag::CALL_DELTA3 => EventTuple::CallDelta3(utf8_nul(raw.data, "CallDelta3 text")?),
            tag::CALL_DELTA2 => EventTuple::CallDelta2(Text::detect(raw.data, "CallDelta2 text")?),
            tag::SIP_TRACK => EventTuple::SipTrack(Text::utf16(raw.data, "SIPTrack text")?),
            // The extended form puts v (a small number, so two zero octets first) before
            // the string; a plain string starting with U+0000 would be empty, length 2.
            tag::CM_EXTN if raw.data.len() >= 14 && raw.data[..2] == [0, 0] => {
                let mut r = Reader::new(raw.data);
                let v = r.u32("CMExtn v")?;
                let p1 = r.u32("CMExtn p1")?;
                let p2 = r.u32("CMExtn p2")?;
                EventTuple::CmExtnState { v, p1, p2, extension: Text::utf16(r.rest(), "CMExtn extension")? }
            }
            tag::CM_EXTN => EventTuple::CmExtn(Text::utf16(raw.data, "CMExtn text")?),
            tag => EventTuple::Unknown { tag, data: raw.data },
        })
    }

    /// The tuple's tag (CallDelta2 as 0x00760002 whichever layout it came in).
    pub const fn tag(&self) -> u32 {
        match self {
            EventTuple::CallDelta3(_) => tag::CALL_DELTA3,
            EventTuple::CallDelta2(_) => tag::CALL_DELTA2,
            EventTuple::SipTrack(_) => tag::SIP_TRACK,
            EventTuple::CmExtn(_) | EventTuple::CmExtnState { .. } => tag::CM_EXTN,
            EventTuple::Unknown { tag, .. } => *tag,
        }
    }
}

/// Appends tuples to a packet being encoded.
#[derive(Debug)]
pub struct TupleWriter<'o> {
    out: &'o mut Vec<u8>,
}

impl<'o> TupleWriter<'o> {
    pub fn new(out: &'o mut Vec<u8>) -> Self {
        TupleWriter { out }
    }

    /// A NUL-terminated UTF-8 string tuple.
    pub fn utf8(&mut self, tag: u32, text: &str) -> Result<&mut Self, EncodeError> {
        self.tuple(tag, |out| {
            out.extend_from_slice(text.as_bytes());
            out.push(0);
        })
    }

    /// A NUL-terminated UTF-16BE string tuple.
    pub fn utf16(&mut self, tag: u32, text: &str) -> Result<&mut Self, EncodeError> {
        self.tuple(tag, |out| push_utf16(text, out))
    }

    /// A tuple with arbitrary data (for tests and the simulator's fault injection).
    pub fn raw(&mut self, tag: u32, data: &[u8]) -> Result<&mut Self, EncodeError> {
        self.tuple(tag, |out| out.extend_from_slice(data))
    }

    pub fn delta3(&mut self, record: &str) -> Result<&mut Self, EncodeError> {
        self.utf8(tag::CALL_DELTA3, record)
    }

    /// A Delta2 record, UTF-8 when the client asked for `-TEXT`.
    pub fn delta2(&mut self, record: &str, as_utf8: bool) -> Result<&mut Self, EncodeError> {
        if as_utf8 { self.utf8(tag::CALL_DELTA2, record) } else { self.utf16(tag::CALL_DELTA2, record) }
    }

    pub fn siptrack(&mut self, record: &str) -> Result<&mut Self, EncodeError> {
        self.utf16(tag::SIP_TRACK, record)
    }

    pub fn cmextn(&mut self, record: &str) -> Result<&mut Self, EncodeError> {
        self.utf16(tag::CM_EXTN, record)
    }

    /// The extended CMExtn form; its length counts the 12 octets of numbers.
    ///
    /// `v` must be below 0x10000: decoders tell this form from plain text by its two leading
    /// zero octets.
    pub fn cmextn_state(&mut self, v: u32, p1: u32, p2: u32, extension: &str) -> Result<&mut Self, EncodeError> {
        if v > 0xFFFF {
            return Err(EncodeError::Invalid { what: "CMExtn v", reason: "must be below 0x10000" });
        }
        self.tuple(tag::CM_EXTN, |out| {
            for n in [v, p1, p2] {
                out.extend_from_slice(&n.to_be_bytes());
            }
            push_utf16(extension, out);
        })
    }

    /// Writes tag, a length placeholder and the data, then fills the length in.
    fn tuple(&mut self, tag: u32, write: impl FnOnce(&mut Vec<u8>)) -> Result<&mut Self, EncodeError> {
        let start = self.out.len();
        self.out.extend_from_slice(&tag.to_be_bytes());
        self.out.extend_from_slice(&[0, 0]);
        write(self.out);
        let len = self.out.len() - start - 6;
        let Ok(len16) = u16::try_from(len) else {
            self.out.truncate(start);
            return Err(EncodeError::TooLong { what: "tuple data", len, max: MAX_TUPLE_DATA });
        };
        self.out[start + 4..start + 6].copy_from_slice(&len16.to_be_bytes());
        Ok(self)
    }
}

fn push_utf16(text: &str, out: &mut Vec<u8>) {
    out.reserve(text.len() * 2 + 2);
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
}
