//! How an operation of a link fails.

use std::time::Duration;

use crate::wire::ResultCode;

/// Why an operation failed. Each message names the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("the PBX refused {during}: {}", code.described())]
    Refused { code: ResultCode, during: &'static str },
    #[error(
        "the PBX asked for PLAIN authentication on an unencrypted link; refusing to send the password in clear \
         text (connect with tls://)"
    )]
    PlainOnCleartext,
    #[error("reading {name:?} failed: {}", code.described())]
    ReadFile { name: String, code: ResultCode },
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("the link is not operational: {0}")]
    NotOperational(String),
    #[error("the link is closed")]
    Closed,
    #[error("events of this link go to its callbacks; next_event is not available")]
    CallbackMode,
}

impl Error {
    /// The PBX's result code, when the PBX refused something.
    pub fn code(&self) -> Option<ResultCode> {
        match self {
            Error::Refused { code, .. } | Error::ReadFile { code, .. } => Some(*code),
            _ => None,
        }
    }
}
