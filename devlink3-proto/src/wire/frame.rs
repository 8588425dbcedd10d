//! Framing: `0x49`, a 2- or 3-octet length that counts the whole frame, then the payload.
//!
//! The 2-octet form carries frames up to 0x7FFF octets. Above that the sender sets the top
//! bit of the first length octet and uses three octets (specification §6.6.1):
//! `len = ((b1 & 0x7F) << 15) | ((b2 & 0x7F) << 8) | b3`, where `len` counts the 4-octet
//! header too. Bit 7 of `b2` is never set by that encoding, so we reject frames that set it.

use super::DecodeError;

/// The first octet of every DevLink3 frame.
pub const DISCRIMINATOR: u8 = 0x49;

/// Largest frame length the 2-octet form can carry (header included).
pub const MAX_SHORT_FRAME_LEN: usize = 0x7FFF;

/// Largest frame length the 3-octet form can carry (header included).
pub const MAX_FRAME_LEN: usize = (0x7F << 15) | (0x7F << 8) | 0xFF;

/// Largest payload that fits in a frame.
pub const MAX_PAYLOAD_LEN: usize = MAX_FRAME_LEN - 4;

/// Header length used for a payload of `payload_len` octets: 3, or 4 for the long form.
#[inline]
pub const fn header_len(payload_len: usize) -> usize {
    if payload_len + 3 > MAX_SHORT_FRAME_LEN { 4 } else { 3 }
}

/// The frame header for a payload of `payload_len` octets, and how many of the four
/// octets it uses.
///
/// # Panics
/// If `payload_len` exceeds [`MAX_PAYLOAD_LEN`]: callers build payloads, so this is a bug.
pub fn header_bytes(payload_len: usize) -> ([u8; 4], usize) {
    assert!(
        payload_len <= MAX_PAYLOAD_LEN,
        "DevLink3 payload of {payload_len} octets exceeds the frame limit of {MAX_PAYLOAD_LEN}"
    );
    if header_len(payload_len) == 3 {
        let len = payload_len + 3;
        ([DISCRIMINATOR, (len >> 8) as u8, len as u8, 0], 3)
    } else {
        let len = payload_len + 4;
        ([DISCRIMINATOR, ((len >> 15) as u8) | 0x80, ((len >> 8) as u8) & 0x7F, len as u8], 4)
    }
}

/// Appends the frame header for a payload of `payload_len` octets.
///
/// # Panics
/// If `payload_len` exceeds [`MAX_PAYLOAD_LEN`].
pub fn write_header(payload_len: usize, out: &mut Vec<u8>) {
    let (bytes, len) = header_bytes(payload_len);
    out.extend_from_slice(&bytes[..len]);
}

/// Appends a whole frame (header and payload).
pub fn encode_frame(payload: &[u8], out: &mut Vec<u8>) {
    out.reserve(payload.len() + 4);
    write_header(payload.len(), out);
    out.extend_from_slice(payload);
}

/// A decoded frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// 3 or 4.
    pub header_len: usize,
    /// Length of the whole frame, header included.
    pub frame_len: usize,
}

impl FrameHeader {
    /// Length of the payload that follows the header.
    pub const fn payload_len(&self) -> usize {
        self.frame_len - self.header_len
    }
}

/// Decodes the header at the start of `buf`; `Ok(None)` when more octets are needed.
pub fn decode_header(buf: &[u8]) -> Result<Option<FrameHeader>, DecodeError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    if first != DISCRIMINATOR {
        return Err(DecodeError::BadDiscriminator(first));
    }
    let Some(&b1) = buf.get(1) else {
        return Ok(None);
    };
    let (header_len, frame_len) = if b1 & 0x80 == 0 {
        let Some(&b2) = buf.get(2) else {
            return Ok(None);
        };
        (3, usize::from(u16::from_be_bytes([b1, b2])))
    } else {
        let (Some(&b2), Some(&b3)) = (buf.get(2), buf.get(3)) else {
            return Ok(None);
        };
        if b2 & 0x80 != 0 {
            return Err(DecodeError::BadLongLength([b1, b2, b3]));
        }
        let len = (usize::from(b1 & 0x7F) << 15) | (usize::from(b2) << 8) | usize::from(b3);
        (4, len)
    };
    if frame_len < header_len {
        return Err(DecodeError::FrameTooShort { frame_len, header_len });
    }
    Ok(Some(FrameHeader { header_len, frame_len }))
}

/// Decodes one complete frame from the start of `buf`, returning its payload and the
/// number of octets it used. `Ok(None)` when `buf` holds only part of a frame.
pub fn decode_frame(buf: &[u8]) -> Result<Option<(&[u8], usize)>, DecodeError> {
    match decode_header(buf)? {
        Some(h) if buf.len() >= h.frame_len => Ok(Some((&buf[h.header_len..h.frame_len], h.frame_len))),
        _ => Ok(None),
    }
}

/// Incremental deframer: feed it bytes in any split, take whole frames out.
///
/// Bytes are copied once, into its buffer (or read straight into it with
/// [`Deframer::spare`] and [`Deframer::commit`]); payloads are handed out as slices of that
/// buffer, never copied again. Consumed frames are reclaimed lazily, moving only the
/// partial frame at the tail.
#[derive(Debug)]
pub struct Deframer {
    /// Initialised storage; `start..filled` holds received octets not yet taken.
    buf: Vec<u8>,
    start: usize,
    filled: usize,
    /// Frames longer than this are rejected before their payload is buffered.
    max_frame_len: usize,
}

impl Default for Deframer {
    fn default() -> Self {
        Self::new()
    }
}

impl Deframer {
    /// Initial buffer size: room for a busy socket read of event frames.
    const INITIAL_CAPACITY: usize = 16 * 1024;
    /// An idle buffer larger than this (after a big ReadFile) is given back.
    const RETAIN_CAPACITY: usize = 256 * 1024;

    /// A deframer accepting every frame length the protocol can express.
    pub fn new() -> Self {
        Self::with_max_frame_len(MAX_FRAME_LEN)
    }

    /// A deframer that rejects frames longer than `max_frame_len` (header included).
    pub fn with_max_frame_len(max_frame_len: usize) -> Self {
        Deframer { buf: Vec::new(), start: 0, filled: 0, max_frame_len }
    }

    /// Appends received bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.spare(bytes.len())[..bytes.len()].copy_from_slice(bytes);
        self.filled += bytes.len();
    }

    /// Free buffer space of at least `min` octets to receive into directly; follow with
    /// [`Deframer::commit`] saying how many octets were written.
    pub fn spare(&mut self, min: usize) -> &mut [u8] {
        self.make_room(min);
        &mut self.buf[self.filled..]
    }

    /// Marks `n` octets at the start of the last [`Deframer::spare`] slice as received.
    ///
    /// # Panics
    /// If `n` is larger than that slice.
    pub fn commit(&mut self, n: usize) {
        assert!(self.filled + n <= self.buf.len(), "commit({n}) past the spare space");
        self.filled += n;
    }

    /// Whether [`Deframer::next_frame`] would return a frame or an error without more input.
    pub fn has_frame(&self) -> bool {
        match decode_header(&self.buf[self.start..self.filled]) {
            Ok(Some(header)) => header.frame_len > self.max_frame_len || self.buffered() >= header.frame_len,
            Ok(None) => false,
            Err(_) => true,
        }
    }

    /// Number of buffered octets not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.filled - self.start
    }

    /// Takes the next complete frame's payload, or `Ok(None)` until more bytes arrive.
    ///
    /// After an error the stream cannot be resynchronised (DevLink3 has no frame marker
    /// other than `0x49`, which payloads contain too): drop the connection.
    pub fn next_frame(&mut self) -> Result<Option<&[u8]>, DecodeError> {
        let pending = &self.buf[self.start..self.filled];
        let Some(header) = decode_header(pending)? else {
            return Ok(None);
        };
        if header.frame_len > self.max_frame_len {
            return Err(DecodeError::FrameTooLong { frame_len: header.frame_len, max: self.max_frame_len });
        }
        if pending.len() < header.frame_len {
            return Ok(None);
        }
        let begin = self.start + header.header_len;
        self.start += header.frame_len;
        Ok(Some(&self.buf[begin..self.start]))
    }

    /// Ensures `min` free octets after `filled`, first by dropping consumed frames.
    fn make_room(&mut self, min: usize) {
        if self.start == self.filled {
            self.start = 0;
            self.filled = 0;
            if self.buf.len() > Self::RETAIN_CAPACITY {
                self.buf = Vec::new();
            }
        }
        if self.buf.len() - self.filled >= min {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.filled < min {
            let want = (self.filled + min).max(self.buf.len() * 2).max(Self::INITIAL_CAPACITY);
            self.buf.resize(want, 0);
        }
    }
}
