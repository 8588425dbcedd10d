//! DevLink3 client runtime: one link to an Avaya IP Office, from connecting and logging in
//! to handing every event to the application, surviving network faults on the way.
//!
//! * [`client`]: the link ([`Client`], [`ClientConfig`]): connect, authenticate, subscribe,
//!   stream events, reconnect.
//! * [`event`]: what a link delivers ([`Event`], [`LinkState`]); [`Error`]: how a call fails.
//! * [`dispatch`]: the bounded event queue and the callback thread.
//! * [`transport`]: `tcp://`, `tls://`, `ws://`, `wss://`.
//! * [`redact`]: secrets out of log lines, for the faces that forward logs.
//!
//! The protocol itself (frames, packets, records, files) is `devlink3-proto`, re-exported
//! here as [`wire`], [`auth`], [`records`] and [`files`]; the IP Office simulator is
//! `devlink3-sim`. `ARCHITECTURE.md` at the repository root shows how they fit.

#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_debug_implementations)]

pub use devlink3_proto::{
    auth, cmextn_fields, delta2_status_fields, delta3_sections, files, records, siptrack_fields, wire,
};

pub mod calls;
pub mod client;
pub mod dispatch;
#[cfg(feature = "serde")]
pub mod document;
mod error;
pub mod event;
pub mod redact;
pub mod runtime;
mod subscription;
pub mod transport;

pub use client::{Client, ClientConfig};
pub use error::{ConfigError, Error};
pub use event::{Event, LinkState, MissedReason, Origin, PbxInfo};
