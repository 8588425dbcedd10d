//! The one process-wide tokio runtime: sockets, timers, TLS and decoding run here, and
//! never foreign code (see design.md, "Threads").
//!
//! Started on first use. Its worker threads are named `devlink3-rt`; their number is
//! `DEVLINK3_RUNTIME_THREADS`, default 1: a link's work (read, deframe, parse) takes about a
//! microsecond per event while an IP Office sends hundreds per second, the consumer's
//! thread takes part of the parsing when it keeps up (`dispatch::EventQueue::push_all`),
//! and a second worker does not make one link faster (`devlink3 bench` on 2 cores, two
//! interleaved runs each: 1.31-2.03 M events/s with one worker, 1.80-1.90 M with two,
//! the same within this machine's noise); it helps a process with many busy links.

use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Handle, Runtime};

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    let threads = std::env::var("DEVLINK3_RUNTIME_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(1usize);
    named("devlink3-rt", threads)
        .expect("devlink3: cannot start the tokio runtime (out of threads or file descriptors?)")
});

/// A runtime of `threads` workers (at least one) named `name`, with I/O and timers: this
/// one, and those of the pieces that must not share its thread (the simulator, the relay).
/// Multi-threaded even with one worker, so that code on a worker can `block_in_place`.
pub fn named(name: &str, threads: usize) -> std::io::Result<Runtime> {
    Builder::new_multi_thread().worker_threads(threads.max(1)).thread_name(name).enable_io().enable_time().build()
}

/// A handle to the process-wide runtime, starting it on first use.
pub fn handle() -> &'static Handle {
    RUNTIME.handle()
}

/// Whether the current thread is one of the runtime's (where blocking would deadlock).
pub fn on_runtime_thread() -> bool {
    Handle::try_current().is_ok()
}
