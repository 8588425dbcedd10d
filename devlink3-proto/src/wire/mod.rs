//! Pure DevLink3 codecs: no I/O, no allocation on the decode path.
//!
//! * [`frame`]: the `0x49` + length framing and the incremental [`Deframer`].
//! * [`packet`]: every packet of the specification, both directions ([`Packet`]).
//! * [`tuple`](mod@tuple): the tag/length tuples inside authentication results and events.
//!
//! Decoding borrows from the input buffer; encoding appends whole frames to a `Vec<u8>`.

pub mod frame;
pub mod packet;
mod reader;
pub mod result;
pub mod tuple;

pub use frame::{Deframer, FrameHeader, decode_frame, encode_frame};
pub use packet::{
    AuthRequest, AuthResult, Event, EventRequest, EventResponse, Packet, ReadFileRequest, ReadFileResponse,
    TestRequest, TestResponse,
};
pub use result::ResultCode;
pub use tuple::{EventTuple, RawTuple, Text, TupleTable, TupleWriter};

/// Why bytes could not be decoded. Each variant names the problem and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("frame does not start with the DevLink3 discriminator 0x49 (found 0x{0:02X})")]
    BadDiscriminator(u8),
    #[error("malformed 3-octet frame length {0:02X?}: bit 7 of the second octet must be 0")]
    BadLongLength([u8; 3]),
    #[error("frame length {frame_len} is shorter than its own {header_len}-octet header")]
    FrameTooShort { frame_len: usize, header_len: usize },
    #[error("frame length {frame_len} exceeds the limit of {max} octets")]
    FrameTooLong { frame_len: usize, max: usize },
    #[error("{what}: needs {needed} octets but only {available} remain in the payload")]
    Truncated { what: &'static str, needed: usize, available: usize },
    #[error("tuple 0x{tag:08X} says {len} octets but only {available} remain in the table")]
    TupleOverrun { tag: u32, len: usize, available: usize },
    #[error("unknown packet type 0x{0:08X}")]
    UnknownPacketType(u32),
    #[error("{packet}: unknown sub-type {value} (0x{value:08X})")]
    UnknownSubtype { packet: &'static str, value: u32 },
    #[error("{what}: string is not NUL-terminated")]
    MissingNul { what: &'static str },
    #[error("{what}: invalid UTF-8 at octet {offset}")]
    InvalidUtf8 { what: &'static str, offset: usize },
    #[error("{what}: invalid UTF-16 ({reason})")]
    InvalidUtf16 { what: &'static str, reason: &'static str },
}

/// Why a packet could not be encoded: a value the wire format cannot carry back intact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    #[error("{what} is {len} octets; the protocol allows at most {max}")]
    TooLong { what: &'static str, len: usize, max: usize },
    #[error("{what} cannot be encoded: {reason}")]
    Invalid { what: &'static str, reason: &'static str },
}
