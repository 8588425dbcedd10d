//! Result codes the IP Office returns, with the specification's names.

use std::fmt;

code_enum! {
    /// A result field of a response packet (Test, Authenticate, Event request, ReadFile).
    ///
    /// ReadFile's "NOT FOUND" has no documented value: it arrives as `Other(raw)`.
    pub enum ResultCode: u32 {
        Success = 0 => "SUCCESS",
        /// Event request: some flags were accepted (the response lists them).
        PartialSuccess = 9 => "PARTIAL_SUCCESS",
        PayloadTooLong = 0x8000_0001 => "PAYLOAD_TOO_LONG",
        /// The stream is broken and must be reconnected.
        StreamIntegrityLost = 0x8000_0002 => "STREAM_INTEGRITY_LOST",
        /// Authentication already failed on this stream.
        StreamAuthenticationFailed = 0x8000_0003 => "STREAM_AUTHENTICATION_FAILED",
        UnknownFlag = 0x8000_0021 => "UNKNOWN_FLAG",
        InsufficientLicence = 0x8000_0022 => "INSUFFICIENT_LICENCE",
        FeatureNotAvailable = 0x8000_0023 => "FEATURE_NOT_AVAILABLE",
        /// Wrong user or password. Never retry: the IP Office locks the account out.
        AuthenticationFailed = 0x8000_0041 => "AUTHENTICATION_FAILED",
        /// Too many DevLink3 connections (3 per IP Office).
        LimitsExceeded = 0x8000_0042 => "LIMITS_EXCEEDED",
        RetryLater = 0x8000_0043 => "RETRY_LATER",
        LicenceMissing = 0x8000_0044 => "LICENCE_MISSING",
    }
}

impl ResultCode {
    /// SUCCESS or PARTIAL SUCCESS.
    pub const fn is_success(self) -> bool {
        matches!(self, ResultCode::Success | ResultCode::PartialSuccess)
    }

    /// The code as the PBX documents it: `0x80000041 AUTHENTICATION_FAILED`, `9 PARTIAL_SUCCESS`.
    pub fn described(self) -> impl fmt::Display {
        struct Described(ResultCode);
        impl fmt::Display for Described {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let raw = self.0.raw();
                if raw >= 0x8000_0000 {
                    write!(f, "0x{raw:08X}")?
                } else {
                    write!(f, "{raw}")?
                }
                match self.0.name() {
                    Some(name) => write!(f, " {name}"),
                    None => f.write_str(" (undocumented)"),
                }
            }
        }
        Described(self)
    }
}
