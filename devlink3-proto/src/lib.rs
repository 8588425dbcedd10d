//! DevLink3, the Avaya IP Office real-time call-event protocol, without I/O: everything
//! that turns bytes into values and back, for the client runtime (`devlink3-core`) and the
//! simulator (`devlink3-sim`) alike.
//!
//! * [`wire`]: frames (2- and 3-octet lengths), every packet, tuples.
//! * [`auth`]: SHA1 and PLAIN challenge responses.
//! * [`records`]: Delta3, Delta2, SIPTrack and CMExtn records as typed values.
//! * [`files`]: ReadFile contents such as `nasystem/user_list`.

#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

#[macro_use]
mod codes;

pub mod auth;
pub mod files;
pub mod records;
pub mod wire;
