//! The simulator's own runtime: one worker thread, `devlink3-sim`.
//!
//! The simulator stands in for an IP Office, another machine. On the client's runtime its
//! work (writing every event, and the loopback's share of the kernel's work with it) would
//! run on the very thread that reads and parses those events: a test would hide
//! interleavings a real PBX allows, and a benchmark would charge the client for both ends.

use std::sync::OnceLock;

use tokio::runtime::{Handle, Runtime};

/// The simulator runtime's handle, starting it on first use.
pub(crate) fn handle() -> &'static Handle {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            // Multi-threaded (of one worker) so that a simulator dropped on a runtime
            // thread can wait for its tasks with `block_in_place`.
            devlink3_core::runtime::named("devlink3-sim", 1)
                .expect("simulator: cannot start its tokio runtime (out of threads or file descriptors?)")
        })
        .handle()
}
