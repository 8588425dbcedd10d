//! The encoding of the record text handed to the legacy `TEXT *` callbacks.
//!
//! The PBX's text is Unicode (UTF-16 on the wire, UTF-8 once decoded). Windows programs of
//! the DevLink era read `char *` in the process's ANSI code page (Windows-1252 in Western
//! Europe and the Americas), as the original `devlink.dll` handed it over, so on Windows
//! that is the default; `text=utf8` in `reserved2` keeps UTF-8. Elsewhere text is UTF-8.
//! The extended `devlink3_*` API is always UTF-8.

/// How record text reaches a legacy callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Text {
    /// UTF-8, as decoded from the PBX.
    Utf8,
    /// The process's ANSI code page (`GetACP`); characters it lacks become `?`. Windows only.
    #[cfg_attr(not(windows), allow(dead_code))]
    Ansi,
}

impl Text {
    /// What a legacy link uses unless `text=` says otherwise.
    pub const LEGACY_DEFAULT: Text = if cfg!(windows) { Text::Ansi } else { Text::Utf8 };

    /// The value of the `text=` option.
    pub fn parse(value: &str) -> Result<Text, String> {
        match value.to_ascii_lowercase().as_str() {
            "utf8" | "utf-8" => Ok(Text::Utf8),
            #[cfg(windows)]
            "ansi" => Ok(Text::Ansi),
            #[cfg(not(windows))]
            "ansi" => Err("ansi: ANSI code pages exist only on Windows; elsewhere record text is UTF-8".into()),
            _ => Err(format!("{value:?}: expected ansi or utf8")),
        }
    }

    /// Appends `text` to `buffer` in this encoding (without a NUL).
    pub fn append(self, buffer: &mut Vec<u8>, text: &str) {
        match self {
            Text::Utf8 => buffer.extend_from_slice(text.as_bytes()),
            #[cfg(windows)]
            Text::Ansi => ansi::append(buffer, text),
            #[cfg(not(windows))]
            Text::Ansi => buffer.extend_from_slice(text.as_bytes()),
        }
    }
}

/// A string a legacy application passed (`DLOpen`'s address, password, user, options): UTF-8
/// when it is valid UTF-8 (ASCII always is), else, on Windows, the process's ANSI code page,
/// in which applications of the DevLink era hold their strings ("pässwörd" typed into a
/// Windows-1252 program arrives as `p\xe4ssw\xf6rd`, never valid UTF-8).
pub(crate) fn legacy_string<'a>(bytes: &'a std::ffi::CStr, what: &str) -> Result<std::borrow::Cow<'a, str>, String> {
    if let Ok(text) = bytes.to_str() {
        return Ok(std::borrow::Cow::Borrowed(text));
    }
    #[cfg(windows)]
    if let Some(text) = ansi::decode(bytes.to_bytes()) {
        return Ok(std::borrow::Cow::Owned(text));
    }
    Err(format!("{what} is neither valid UTF-8 nor text in this system's code page"))
}

/// UTF-8 to the ANSI code page with kernel32's `WideCharToMultiByte`, and back with
/// `MultiByteToWideChar`, declared by hand: three functions do not justify a bindings crate.
#[cfg(windows)]
mod ansi {
    use std::ptr;

    const CP_UTF8: u32 = 65001;
    /// Unmappable characters become the default character (`?`) instead of a look-alike
    /// ("Ł" is "?", not "L"): what the application gets does not depend on best-fit tables.
    const WC_NO_BEST_FIT_CHARS: u32 = 0x400;
    const DEFAULT_CHAR: &[u8] = b"?\0";

    /// MultiByteToWideChar: fail on bytes the code page does not define.
    const MB_ERR_INVALID_CHARS: u32 = 0x8;

    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn GetACP() -> u32;
        fn MultiByteToWideChar(
            code_page: u32,
            flags: u32,
            multi: *const u8,
            multi_len: i32,
            wide: *mut u16,
            wide_len: i32,
        ) -> i32;
        fn WideCharToMultiByte(
            code_page: u32,
            flags: u32,
            wide: *const u16,
            wide_len: i32,
            multi: *mut u8,
            multi_len: i32,
            default_char: *const u8,
            used_default_char: *mut i32,
        ) -> i32;
    }

    /// `bytes` in the ANSI code page, as Unicode; `None` when the code page does not define
    /// them (or is UTF-8, where they were not valid).
    pub(super) fn decode(bytes: &[u8]) -> Option<String> {
        // SAFETY: no arguments, no preconditions.
        let code_page = unsafe { GetACP() };
        let len = i32::try_from(bytes.len()).ok()?;
        if code_page == CP_UTF8 || len == 0 {
            return None;
        }
        let convert = |out: *mut u16, out_len: i32| {
            // SAFETY: `bytes` holds `len` bytes; `out` is NULL with `out_len` 0 (to measure) or
            // has room for `out_len` code units.
            unsafe { MultiByteToWideChar(code_page, MB_ERR_INVALID_CHARS, bytes.as_ptr(), len, out, out_len) }
        };
        let needed = convert(ptr::null_mut(), 0);
        if needed <= 0 {
            return None;
        }
        let mut wide = vec![0u16; needed as usize];
        let written = convert(wide.as_mut_ptr(), needed);
        if written <= 0 {
            return None;
        }
        wide.truncate(written as usize);
        String::from_utf16(&wide).ok()
    }

    pub(super) fn append(buffer: &mut Vec<u8>, text: &str) {
        // SAFETY: no arguments, no preconditions.
        let code_page = unsafe { GetACP() };
        // Every ANSI code page is a superset of ASCII; a UTF-8 one (Windows 10's "beta: use
        // Unicode UTF-8" setting, or an application manifest) takes the text as it is.
        if text.is_ascii() || code_page == CP_UTF8 {
            buffer.extend_from_slice(text.as_bytes());
            return;
        }
        // No ANSI code page has characters outside the BMP: each becomes one '?' here, where
        // WideCharToMultiByte would give one per UTF-16 unit on some systems (wine) and one
        // per character on others.
        let wide: Vec<u16> = text.chars().map(|c| u16::try_from(u32::from(c)).unwrap_or(u16::from(b'?'))).collect();
        // Records are far below 2^31 code units (frames are at most 16 MiB).
        let wide_len = i32::try_from(wide.len()).unwrap_or(i32::MAX);
        let convert = |out: *mut u8, out_len: i32| {
            // SAFETY: `wide` holds `wide_len` code units; `out` is NULL with `out_len` 0 (to
            // measure) or has room for `out_len` bytes; DEFAULT_CHAR is one NUL-terminated char.
            unsafe {
                WideCharToMultiByte(
                    code_page,
                    WC_NO_BEST_FIT_CHARS,
                    wide.as_ptr(),
                    wide_len,
                    out,
                    out_len,
                    DEFAULT_CHAR.as_ptr(),
                    ptr::null_mut(),
                )
            }
        };
        let needed = convert(ptr::null_mut(), 0);
        if needed > 0 {
            let start = buffer.len();
            buffer.resize(start + needed as usize, 0);
            let written = convert(buffer[start..].as_mut_ptr(), needed);
            buffer.truncate(start + written.max(0) as usize);
            if written > 0 {
                return;
            }
        }
        // A code page the function refuses these flags for: keep ASCII, mark the rest.
        buffer.extend(text.chars().map(|c| if c.is_ascii() { c as u8 } else { b'?' }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_passes_through() {
        let mut buffer = b"x".to_vec();
        Text::Utf8.append(&mut buffer, "René 日本");
        assert_eq!(buffer, "xRené 日本".as_bytes());
    }

    #[test]
    fn legacy_strings() {
        assert_eq!(legacy_string(c"ipo.example", "pbx_address").unwrap(), "ipo.example");
        assert_eq!(legacy_string(c"p\xc3\xa4ss", "pbx_password").unwrap(), "päss");
        if cfg!(not(windows)) {
            let error = legacy_string(c"p\xe4ss", "pbx_password").unwrap_err();
            assert_eq!(error, "pbx_password is neither valid UTF-8 nor text in this system's code page");
        }
    }

    #[test]
    fn option_values() {
        assert_eq!(Text::parse("UTF-8"), Ok(Text::Utf8));
        assert!(Text::parse("latin1").unwrap_err().contains("expected ansi or utf8"));
        if cfg!(windows) {
            assert_eq!(Text::parse("ansi"), Ok(Text::Ansi));
            assert_eq!(Text::LEGACY_DEFAULT, Text::Ansi);
        } else {
            assert!(Text::parse("ansi").unwrap_err().contains("only on Windows"));
            assert_eq!(Text::LEGACY_DEFAULT, Text::Utf8);
        }
    }
}
