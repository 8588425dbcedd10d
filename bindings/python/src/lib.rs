//! The native half of the `devlink3` Python package (`devlink3._devlink3`).
//!
//! The pure-Python package (`python/devlink3/`) adds asyncio, decorators and the exception
//! classes on top; everything that touches the protocol, threads or the GIL is here:
//!
//! * [`link`]: `Link`, one connection to an IP Office: iteration in batches, callbacks.
//! * [`events`]: the immutable event objects (`Detail`, `Party`, `Delta2`, `LinkState`...),
//!   built lazily over the Rust records so that an event costs one allocation in Python.
//! * [`calls`]: `link.calls()`, the call model's events as documents.
//! * [`codes`]: the coded fields as Python enums, generated from the Rust code tables.
//! * [`errors`]: Rust errors and refused links as the Python exception hierarchy.
//! * [`sim`]: the embedded simulator, for tests.
//! * [`logging`]: the Rust `log` records, forwarded to Python's `logging` ("devlink3").
//! * [`gil`]: waiting without the GIL, and no thread left waiting at interpreter exit.
//!
//! Threads (design.md): the Rust runtime never calls Python. The GIL is released for every
//! wait, and taken on the dispatcher thread only to run one callback.

mod calls;
mod codes;
mod errors;
#[macro_use]
mod events;
mod gil;
mod link;
mod logging;
mod sim;

use pyo3::prelude::*;

/// Events are allocated on the runtime threads and freed on Python's: see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The value classes and their members' Python types, for `stubgen.py` (which writes
/// `_devlink3.pyi`).
#[pyfunction]
fn _stubs() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    events::stubs()
}

#[pymodule]
fn _devlink3(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_stubs, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ANSWERED_CALL_DETAIL", devlink3_sim::ANSWERED_CALL_DETAIL)?;
    codes::register(m)?;
    events::register(m)?;
    link::register(m)?;
    m.add_class::<calls::Calls>()?;
    sim::register(m)?;
    logging::register(m)?;
    gil::register(m)?;
    Ok(())
}
