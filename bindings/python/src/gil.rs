//! Waiting without the GIL, and leaving no thread inside such a wait at interpreter exit.
//!
//! Every blocking wait releases the GIL (design.md, "Threads") and lasts at most [`SLICE`]
//! before the thread takes the GIL back to look for signals, so Ctrl-C is never blocked.
//! At exit, Python closes every link, which ends the waits; [`_drain_waits`] then gives the
//! waiting threads the GIL to leave before the interpreter finalizes. (A daemon thread that
//! takes the GIL back during finalization is terminated by CPython with its Rust frames
//! still on the stack, which aborts the process.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyo3::marker::Ungil;
use pyo3::prelude::*;

/// Longest wait without looking for signals.
pub(crate) const SLICE: Duration = Duration::from_millis(100);

/// Threads inside [`released`].
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// Runs `wait` without the GIL.
pub(crate) fn released<T: Ungil>(py: Python<'_>, wait: impl FnOnce() -> T + Ungil) -> T {
    WAITING.fetch_add(1, Ordering::AcqRel);
    let result = py.detach(wait);
    WAITING.fetch_sub(1, Ordering::AcqRel);
    result
}

/// Waits up to `timeout` seconds, without the GIL, until no thread is inside a wait.
/// Returns whether none is.
#[pyfunction]
fn _drain_waits(py: Python<'_>, timeout: f64) -> bool {
    let deadline = Instant::now() + Duration::from_secs_f64(timeout.clamp(0.0, 60.0));
    py.detach(|| {
        while WAITING.load(Ordering::Acquire) > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        true
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_drain_waits, m)?)
}
