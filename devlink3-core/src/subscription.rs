//! A link's demand for events: the event request is sent only once a consumer of records
//! appears (a record callback, a pull, an explicit subscribe), so that nothing the PBX
//! sends first is lost before anyone can take it. The client asks; the dispatcher asks when
//! a record handler is set; the session task watches.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

use crate::error::{ConfigError, Error};

/// The link's event request: `None` until a consumer of records appears, then the flags
/// to send. The session task watches it.
#[derive(Debug)]
pub(crate) struct Subscription {
    requested: watch::Sender<Option<String>>,
    default_flags: String,
    /// Set once flags are requested: `next_event` asks on every call, and this keeps
    /// the hot path to one atomic load.
    done: AtomicBool,
}

impl Subscription {
    pub(crate) fn new(default_flags: String) -> (Arc<Self>, watch::Receiver<Option<String>>) {
        let (requested, receiver) = watch::channel(None);
        (Arc::new(Subscription { requested, default_flags, done: AtomicBool::new(false) }), receiver)
    }

    /// Asks for events with `flags` (the configured flags when `None`). Asking again with
    /// the same flags, or with none, changes nothing; other flags are refused: one link
    /// carries one event stream.
    pub(crate) fn request(&self, flags: Option<&str>) -> Result<(), Error> {
        if flags.is_none() && self.done.load(Ordering::Acquire) {
            return Ok(());
        }
        let wanted = flags.unwrap_or(&self.default_flags);
        if wanted.contains('\0') {
            return Err(ConfigError::NulCharacter("event flags").into());
        }
        let mut refused = None;
        self.requested.send_if_modified(|current| match current {
            None => {
                *current = Some(wanted.to_string());
                true
            }
            Some(existing) => {
                if flags.is_some() && !same_flags(existing, wanted) {
                    refused = Some(existing.clone());
                }
                false
            }
        });
        self.done.store(true, Ordering::Release);
        match refused {
            None => Ok(()),
            Some(existing) => {
                Err(ConfigError::FlagsConflict { requested: existing, wanted: wanted.to_string() }.into())
            }
        }
    }

    /// The flags asked for, once a consumer has appeared.
    pub(crate) fn flags(&self) -> Option<String> {
        self.requested.borrow().clone()
    }
}

fn same_flags(a: &str, b: &str) -> bool {
    let mut a: Vec<String> = a.split_whitespace().map(str::to_ascii_lowercase).collect();
    let mut b: Vec<String> = b.split_whitespace().map(str::to_ascii_lowercase).collect();
    a.sort();
    b.sort();
    a == b
}
