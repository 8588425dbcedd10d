//! How an operation of a link fails.

use std::time::Duration;

use crate::wire::ResultCode;

/// Why an operation failed. Each message names the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration or an option is wrong; nothing was sent.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
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
    /// A blocking call was made on the runtime's own thread, where it would stall every link.
    #[error("{0} blocks; call its async form on the runtime")]
    BlockingOnRuntime(&'static str),
    /// The operating system refused a thread the link needs.
    #[error("cannot start the {thread} thread: {reason}")]
    Thread { thread: &'static str, reason: String },
}

/// What is wrong with a link's configuration or one of its options.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The target is not an address devlink3 can use (the message says which part).
    #[error("target: {0}")]
    Target(String),
    /// No service user name was given.
    #[error("no service user name given")]
    MissingUser,
    /// A text setting (user, password, flags...) holds a NUL character.
    #[error("{0} must not contain NUL characters")]
    NulCharacter(&'static str),
    /// The event queue's capacity is outside `1..=max`.
    #[error("queue capacity {capacity} is out of range: 1 to {max} events")]
    QueueCapacity { capacity: usize, max: usize },
    /// A duration that must be above zero is zero.
    #[error("{0} must be above zero")]
    ZeroDuration(&'static str),
    /// The TLS settings cannot be used: a CA file, a fingerprint pin, a client certificate.
    #[error("TLS: {0}")]
    Tls(String),
    /// The link already asked for events with other flags; one link carries one stream.
    #[error("this link already asked for events with flags {requested:?}; it cannot switch to {wanted:?}")]
    FlagsConflict { requested: String, wanted: String },
    /// An option a face (C, Python, Node, the CLI) parsed is wrong.
    #[error("{option}: {reason}")]
    Option { option: String, reason: String },
}

impl ConfigError {
    /// An option named `option` is wrong for `reason`.
    pub fn option(option: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError::Option { option: option.into(), reason: reason.into() }
    }
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
