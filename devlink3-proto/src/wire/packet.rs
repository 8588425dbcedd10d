//! Every packet of the specification (§6), both directions.
//!
//! [`Packet::decode`] reads a frame's payload and borrows from it; [`Packet::encode`]
//! appends a whole frame. Numbers are big-endian.

use std::net::Ipv4Addr;

use super::frame::{MAX_PAYLOAD_LEN, header_bytes};
use super::reader::{Reader, c_string_field};
use super::tuple::{TupleTable, TupleWriter, tag};
use super::{DecodeError, EncodeError, ResultCode};

/// Packet type codes (the first four octets of every payload).
pub mod kind {
    pub const TEST_REQUEST: u32 = 0x002A_0001;
    pub const TEST_RESPONSE: u32 = 0x802A_0001;
    pub const AUTH_REQUEST: u32 = 0x0030_0001;
    pub const AUTH_RESPONSE: u32 = 0x8030_0001;
    pub const EVENT_REQUEST: u32 = 0x0030_0011;
    pub const EVENT_RESPONSE: u32 = 0x8030_0011;
    pub const EVENT: u32 = 0x1030_0011;
    pub const READ_FILE_REQUEST: u32 = 0x0030_0041;
    pub const READ_FILE_RESPONSE: u32 = 0x8030_0041;

    /// Authenticate request sub-types.
    pub const AUTH_KIND_REQUEST: u32 = 1;
    pub const AUTH_KIND_SHA1_RESPONSE: u32 = 0x50;
    pub const AUTH_KIND_PLAIN_RESPONSE: u32 = 0x51;
    /// Authenticate response values that are challenges rather than results.
    pub const AUTH_KIND_PLAIN_CHALLENGE: u32 = 1;
    pub const AUTH_KIND_SHA1_CHALLENGE: u32 = 2;
}

/// Largest Test packet payload the specification allows.
pub const MAX_TEST_PAYLOAD: usize = 1000;

/// Test request: solicits a [`TestResponse`] echoing the payload (keepalive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestRequest<'a> {
    pub request_id: u32,
    pub payload: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestResponse<'a> {
    pub request_id: u32,
    pub result: ResultCode,
    pub payload: &'a [u8],
}

/// The first Authenticate request: user name and optional application name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthRequest<'a> {
    pub request_id: u32,
    pub username: &'a str,
    pub application_name: Option<&'a str>,
}

/// The Authenticate response that ends the exchange: success or the refusal's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthResult<'a> {
    pub request_id: u32,
    pub result: ResultCode,
    /// e.g. "Avaya IP500v2 10.0.2345.67894" (on success).
    pub pbx_type_and_version: Option<&'a str>,
    /// e.g. "Standard 1.0" (on success).
    pub devlink_variant: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRequest<'a> {
    pub request_id: u32,
    /// Space-separated flags, e.g. `-SCN -CMExtn`.
    pub flags: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventResponse<'a> {
    pub request_id: u32,
    pub result: ResultCode,
    /// The requested flags the PBX accepted.
    pub accepted_flags: &'a str,
}

/// An unsolicited event: the originating PBX, its per-PBX counter and the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    pub pbx_ip: Ipv4Addr,
    /// Increments by one per event from this PBX; a gap means events were missed.
    pub counter: u32,
    pub tuples: TupleTable<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadFileRequest<'a> {
    pub request_id: u32,
    /// e.g. `nasystem/user_list`.
    pub filename: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadFileResponse<'a> {
    pub request_id: u32,
    pub result: ResultCode,
    pub contents: &'a [u8],
}

/// A DevLink3 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packet<'a> {
    TestRequest(TestRequest<'a>),
    TestResponse(TestResponse<'a>),
    AuthRequest(AuthRequest<'a>),
    /// SHA1 challenge: 16 random octets from the PBX.
    AuthSha1Challenge {
        request_id: u32,
        challenge: &'a [u8],
    },
    /// PLAIN challenge (TLS links only): answer with the padded password.
    AuthPlainChallenge {
        request_id: u32,
    },
    /// Answer to a SHA1 challenge: the 20-octet digest.
    AuthSha1Response {
        request_id: u32,
        response: &'a [u8],
    },
    /// Answer to a PLAIN challenge: the password padded to 32 octets.
    AuthPlainResponse {
        request_id: u32,
        response: &'a [u8],
    },
    AuthResult(AuthResult<'a>),
    EventRequest(EventRequest<'a>),
    EventResponse(EventResponse<'a>),
    Event(Event<'a>),
    ReadFileRequest(ReadFileRequest<'a>),
    ReadFileResponse(ReadFileResponse<'a>),
}

impl<'a> Packet<'a> {
    /// Decodes a frame payload.
    ///
    /// Liberal where the specification's own samples are: trailing octets after a
    /// complete packet are ignored, and the Event request's flags run to their NUL
    /// whatever the length field says (the vendor's sample client sends half the length).
    pub fn decode(payload: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(payload);
        let packet_type = r.u32("packet type")?;
        Ok(match packet_type {
            kind::TEST_REQUEST => {
                let request_id = r.u32("request id")?;
                let len = r.u32("test payload length")? as usize;
                Packet::TestRequest(TestRequest { request_id, payload: r.bytes(len, "test payload")? })
            }
            kind::TEST_RESPONSE => {
                let request_id = r.u32("request id")?;
                let result = ResultCode::from_raw(r.u32("result")?);
                // PAYLOAD_TOO_LONG and the stream errors may come without a length field.
                let len = if r.is_empty() { 0 } else { r.u32("test payload length")? as usize };
                Packet::TestResponse(TestResponse { request_id, result, payload: r.bytes(len, "test payload")? })
            }
            kind::AUTH_REQUEST => {
                let request_id = r.u32("request id")?;
                match r.u32("authenticate request kind")? {
                    kind::AUTH_KIND_REQUEST => {
                        let username = r.cstr("user name")?;
                        let tuples = TupleTable::new(r.rest());
                        let application_name = tuples.find_utf8(tag::APPLICATION_NAME, "application name")?;
                        Packet::AuthRequest(AuthRequest { request_id, username, application_name })
                    }
                    kind::AUTH_KIND_SHA1_RESPONSE => {
                        let len = r.u32("challenge response length")? as usize;
                        Packet::AuthSha1Response { request_id, response: r.bytes(len, "challenge response")? }
                    }
                    kind::AUTH_KIND_PLAIN_RESPONSE => {
                        let len = r.u32("challenge response length")? as usize;
                        Packet::AuthPlainResponse { request_id, response: r.bytes(len, "challenge response")? }
                    }
                    value => return Err(DecodeError::UnknownSubtype { packet: "authenticate request", value }),
                }
            }
            kind::AUTH_RESPONSE => {
                let request_id = r.u32("request id")?;
                match r.u32("authenticate response kind")? {
                    kind::AUTH_KIND_PLAIN_CHALLENGE => Packet::AuthPlainChallenge { request_id },
                    kind::AUTH_KIND_SHA1_CHALLENGE => {
                        let len = r.u32("challenge length")? as usize;
                        Packet::AuthSha1Challenge { request_id, challenge: r.bytes(len, "challenge")? }
                    }
                    raw => {
                        let tuples = TupleTable::new(r.rest());
                        Packet::AuthResult(AuthResult {
                            request_id,
                            result: ResultCode::from_raw(raw),
                            pbx_type_and_version: tuples.find_utf8(tag::PBX_TYPE_AND_VERSION, "PBX type")?,
                            devlink_variant: tuples.find_utf8(tag::DEVLINK_VARIANT, "DevLink variant")?,
                        })
                    }
                }
            }
            kind::EVENT_REQUEST => {
                let request_id = r.u32("request id")?;
                let _declared_len = r.u16("flags length")?;
                Packet::EventRequest(EventRequest { request_id, flags: r.cstr("event flags")? })
            }
            kind::EVENT_RESPONSE => {
                let request_id = r.u32("request id")?;
                let result = ResultCode::from_raw(r.u32("result")?);
                // Refusals may end after the result.
                let accepted_flags = if r.is_empty() {
                    ""
                } else {
                    let len = usize::from(r.u16("accepted flags length")?);
                    if len == 0 { "" } else { c_string_field(r.bytes(len, "accepted flags")?, "accepted flags")? }
                };
                Packet::EventResponse(EventResponse { request_id, result, accepted_flags })
            }
            kind::EVENT => {
                let pbx_ip = Ipv4Addr::from(r.u32("originating PBX address")?);
                let counter = r.u32("event counter")?;
                Packet::Event(Event { pbx_ip, counter, tuples: TupleTable::new(r.rest()) })
            }
            kind::READ_FILE_REQUEST => {
                let request_id = r.u32("request id")?;
                let len = usize::from(r.u16("file name length")?);
                let filename = c_string_field(r.bytes(len, "file name")?, "file name")?;
                Packet::ReadFileRequest(ReadFileRequest { request_id, filename })
            }
            kind::READ_FILE_RESPONSE => {
                let request_id = r.u32("request id")?;
                let result = ResultCode::from_raw(r.u32("result")?);
                Packet::ReadFileResponse(ReadFileResponse { request_id, result, contents: r.rest() })
            }
            other => return Err(DecodeError::UnknownPacketType(other)),
        })
    }

    /// The packet type code that starts the payload.
    pub const fn packet_type(&self) -> u32 {
        match self {
            Packet::TestRequest(_) => kind::TEST_REQUEST,
            Packet::TestResponse(_) => kind::TEST_RESPONSE,
            Packet::AuthRequest(_) | Packet::AuthSha1Response { .. } | Packet::AuthPlainResponse { .. } => {
                kind::AUTH_REQUEST
            }
            Packet::AuthSha1Challenge { .. } | Packet::AuthPlainChallenge { .. } | Packet::AuthResult(_) => {
                kind::AUTH_RESPONSE
            }
            Packet::EventRequest(_) => kind::EVENT_REQUEST,
            Packet::EventResponse(_) => kind::EVENT_RESPONSE,
            Packet::Event(_) => kind::EVENT,
            Packet::ReadFileRequest(_) => kind::READ_FILE_REQUEST,
            Packet::ReadFileResponse(_) => kind::READ_FILE_RESPONSE,
        }
    }

    /// Appends this packet as one whole frame. On error nothing is appended.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut frame = FrameBuilder::begin(out, self.packet_type());
        match self.write_payload(&mut frame) {
            Ok(()) => frame.finish(),
            Err(e) => {
                frame.abandon();
                Err(e)
            }
        }
    }

    fn write_payload(&self, w: &mut FrameBuilder<'_>) -> Result<(), EncodeError> {
        match *self {
            Packet::TestRequest(p) => {
                w.u32(p.request_id);
                w.len32_bytes(p.payload, "test payload")?;
            }
            Packet::TestResponse(p) => {
                w.u32(p.request_id);
                w.u32(p.result.raw());
                w.len32_bytes(p.payload, "test payload")?;
            }
            Packet::AuthRequest(p) => {
                w.u32(p.request_id);
                w.u32(kind::AUTH_KIND_REQUEST);
                w.cstr(p.username, "user name")?;
                if let Some(name) = p.application_name {
                    TupleWriter::new(w.out).utf8(tag::APPLICATION_NAME, no_nul(name, "application name")?)?;
                }
            }
            Packet::AuthSha1Challenge { request_id, challenge } => {
                w.u32(request_id);
                w.u32(kind::AUTH_KIND_SHA1_CHALLENGE);
                w.len32_bytes(challenge, "challenge")?;
            }
            Packet::AuthPlainChallenge { request_id } => {
                w.u32(request_id);
                w.u32(kind::AUTH_KIND_PLAIN_CHALLENGE);
            }
            Packet::AuthSha1Response { request_id, response } => {
                w.u32(request_id);
                w.u32(kind::AUTH_KIND_SHA1_RESPONSE);
                w.len32_bytes(response, "challenge response")?;
            }
            Packet::AuthPlainResponse { request_id, response } => {
                w.u32(request_id);
                w.u32(kind::AUTH_KIND_PLAIN_RESPONSE);
                w.len32_bytes(response, "challenge response")?;
            }
            Packet::AuthResult(p) => {
                // 1 and 2 in this position mean "challenge", not a result.
                if matches!(p.result.raw(), kind::AUTH_KIND_PLAIN_CHALLENGE | kind::AUTH_KIND_SHA1_CHALLENGE) {
                    return Err(EncodeError::Invalid {
                        what: "authenticate result",
                        reason: "codes 1 and 2 are challenges, not results",
                    });
                }
                w.u32(p.request_id);
                w.u32(p.result.raw());
                let mut tuples = TupleWriter::new(w.out);
                if let Some(v) = p.pbx_type_and_version {
                    tuples.utf8(tag::PBX_TYPE_AND_VERSION, no_nul(v, "PBX type")?)?;
                }
                if let Some(v) = p.devlink_variant {
                    tuples.utf8(tag::DEVLINK_VARIANT, no_nul(v, "DevLink variant")?)?;
                }
            }
            Packet::EventRequest(p) => {
                w.u32(p.request_id);
                w.len16_cstr(p.flags, "event flags")?;
            }
            Packet::EventResponse(p) => {
                w.u32(p.request_id);
                w.u32(p.result.raw());
                w.len16_cstr(p.accepted_flags, "accepted flags")?;
            }
            Packet::Event(p) => {
                w.u32(u32::from(p.pbx_ip));
                w.u32(p.counter);
                w.out.extend_from_slice(p.tuples.as_bytes());
            }
            Packet::ReadFileRequest(p) => {
                w.u32(p.request_id);
                w.len16_cstr(p.filename, "file name")?;
            }
            Packet::ReadFileResponse(p) => {
                w.u32(p.request_id);
                w.u32(p.result.raw());
                w.out.extend_from_slice(p.contents);
            }
        }
        Ok(())
    }
}

/// Appends an Event frame whose tuples `write_tuples` produces (the simulator's path:
/// no intermediate buffer for the tuple table).
pub fn encode_event(
    pbx_ip: Ipv4Addr,
    counter: u32,
    out: &mut Vec<u8>,
    write_tuples: impl FnOnce(&mut TupleWriter<'_>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let mut frame = FrameBuilder::begin(out, kind::EVENT);
    frame.u32(u32::from(pbx_ip));
    frame.u32(counter);
    if let Err(e) = write_tuples(&mut TupleWriter::new(frame.out)) {
        frame.abandon();
        return Err(e);
    }
    frame.finish()
}

/// Builds one frame in place: reserves the long header, writes the payload, then writes
/// the real header (moving the payload down one octet when the short form fits).
struct FrameBuilder<'o> {
    out: &'o mut Vec<u8>,
    start: usize,
}

impl<'o> FrameBuilder<'o> {
    fn begin(out: &'o mut Vec<u8>, packet_type: u32) -> Self {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&packet_type.to_be_bytes());
        FrameBuilder { out, start }
    }

    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    /// A NUL-terminated UTF-8 string; an embedded NUL would cut it short on the wire.
    fn cstr(&mut self, s: &str, what: &'static str) -> Result<(), EncodeError> {
        if s.contains('\0') {
            return Err(EncodeError::Invalid { what, reason: "contains a NUL character" });
        }
        self.out.extend_from_slice(s.as_bytes());
        self.out.push(0);
        Ok(())
    }

    fn len32_bytes(&mut self, data: &[u8], what: &'static str) -> Result<(), EncodeError> {
        let len = u32::try_from(data.len()).map_err(|_| EncodeError::TooLong {
            what,
            len: data.len(),
            max: MAX_PAYLOAD_LEN,
        })?;
        self.u32(len);
        self.out.extend_from_slice(data);
        Ok(())
    }

    /// A 2-octet length counting the NUL, then the NUL-terminated UTF-8 string.
    fn len16_cstr(&mut self, s: &str, what: &'static str) -> Result<(), EncodeError> {
        let len = u16::try_from(s.len() + 1).map_err(|_| EncodeError::TooLong {
            what,
            len: s.len() + 1,
            max: u16::MAX as usize,
        })?;
        self.out.extend_from_slice(&len.to_be_bytes());
        self.cstr(s, what)
    }

    fn abandon(self) {
        self.out.truncate(self.start);
    }

    fn finish(self) -> Result<(), EncodeError> {
        let payload_len = self.out.len() - self.start - 4;
        if payload_len > MAX_PAYLOAD_LEN {
            self.out.truncate(self.start);
            return Err(EncodeError::TooLong { what: "packet payload", len: payload_len, max: MAX_PAYLOAD_LEN });
        }
        let (header, header_len) = header_bytes(payload_len);
        if header_len == 3 {
            self.out.copy_within(self.start + 4.., self.start + 3);
            self.out.pop();
        }
        self.out[self.start..self.start + header_len].copy_from_slice(&header[..header_len]);
        Ok(())
    }
}

/// A string field checked for the wire's one rule: no NUL inside (it would end the field).
fn no_nul<'s>(s: &'s str, what: &'static str) -> Result<&'s str, EncodeError> {
    if s.contains('\0') { Err(EncodeError::Invalid { what, reason: "contains a NUL character" }) } else { Ok(s) }
}
