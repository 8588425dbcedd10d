//! A bounds-checked cursor over a payload: every read names what it was reading.

use super::DecodeError;

#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(DecodeError::Truncated { what, needed: n, available: self.remaining() });
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        let b = self.bytes(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn peek_u32(&self) -> Option<u32> {
        let b = self.buf.get(self.pos..self.pos + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A NUL-terminated UTF-8 string running to the first NUL in the rest of the payload.
    pub(crate) fn cstr(&mut self, what: &'static str) -> Result<&'a str, DecodeError> {
        let rest = &self.buf[self.pos..];
        let nul = rest.iter().position(|&b| b == 0).ok_or(DecodeError::MissingNul { what })?;
        self.pos += nul + 1;
        utf8(&rest[..nul], what)
    }
}

/// Validates UTF-8, naming the field and the offending offset on failure.
pub(crate) fn utf8<'a>(bytes: &'a [u8], what: &'static str) -> Result<&'a str, DecodeError> {
    std::str::from_utf8(bytes).map_err(|e| DecodeError::InvalidUtf8 { what, offset: e.valid_up_to() })
}

/// A packet's string field whose declared length includes its NUL: the text runs to the
/// first NUL, as a C reader sees it, and whatever follows within the length is padding.
/// The one rule for both directions: a string field never contains a NUL (the encoder
/// refuses one), so a decoded field always encodes back to the same value.
pub(crate) fn c_string_field<'a>(bytes: &'a [u8], what: &'static str) -> Result<&'a str, DecodeError> {
    match bytes.iter().position(|&b| b == 0) {
        Some(nul) => utf8(&bytes[..nul], what),
        None => Err(DecodeError::MissingNul { what }),
    }
}

/// Strips the terminating NUL of a UTF-8 text (a record) whose length includes it; the
/// text is taken whole, NULs inside it included, as records are length-delimited.
pub(crate) fn utf8_nul<'a>(bytes: &'a [u8], what: &'static str) -> Result<&'a str, DecodeError> {
    match bytes.split_last() {
        Some((0, text)) => utf8(text, what),
        _ => Err(DecodeError::MissingNul { what }),
    }
}
