//! Node.js binding of devlink3 (napi-rs). The native part is small: `NativeLink` (a core
//! client and its delivery thread), `Simulator`, and the event tape with its schema. The
//! public API (`connect`, the `Link` EventEmitter, `DevLink3Error`) is the JS in `lib/`.
//!
//! Threads: the core's one runtime does the network work; each link has one delivery
//! thread that hands batches of events to JS through a threadsafe function, released on
//! close so that the process can exit (design.md, "Threads").

mod errors;
mod link;
mod options;
mod promise;
mod pump;
mod shape;
mod sim;

use std::sync::OnceLock;

use napi_derive::napi;

// See Cargo.toml: the core's events cross threads, one allocation per field.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn described() -> &'static (String, u32) {
    static SCHEMA: OnceLock<(String, u32)> = OnceLock::new();
    SCHEMA.get_or_init(shape::schema::describe)
}

/// The event schema as JSON, for `scripts/generate.mjs`.
#[napi]
pub fn schema() -> String {
    described().0.clone()
}

/// A hash of the event schema: `lib/decode.js` must have been generated from the same.
#[napi]
pub fn schema_hash() -> u32 {
    described().1
}
