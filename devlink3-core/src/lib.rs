//! DevLink3: the Avaya IP Office real-time call-event protocol.
//!
//! * [`wire`]: I/O-free codecs for frames, packets and tuples.
//! * [`auth`]: SHA1 and PLAIN challenge responses.
//! * [`records`]: Delta3, Delta2, SIPTrack and CMExtn records as typed values.
//! * [`files`]: ReadFile contents such as `nasystem/user_list`.
//! * [`client`]: the session runtime: connect, authenticate, stream events, reconnect.
//! * [`redact`]: secrets out of log lines, for the faces that forward logs.
//! * [`sim`]: an embedded IP Office simulator for tests and demos.

#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_debug_implementations)]

#[macro_use]
mod codes;

pub mod auth;
pub mod client;
pub mod dispatch;
pub mod files;
pub mod records;
pub mod redact;
pub mod runtime;
#[cfg(feature = "sim")]
pub mod sim;
pub mod transport;
pub mod wire;
