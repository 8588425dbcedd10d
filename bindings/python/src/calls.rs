//! `link.calls()`: the call model over a link, as Python iterators of call documents.
//!
//! The core's [`CallTracker`] turns the link's events into call and extension events; each
//! crosses into Python as its document (a `dict`, the JSON `devlink3 calls` prints), so the
//! same code reads the CLI's output, a relay's messages and this.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use devlink3_core::calls::{CallTracker, Tracked, TrackerConfig, unix_now};
use devlink3_core::client::Error;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::errors;
use crate::events::json_to_py;
use crate::gil::{self, SLICE};
use crate::link::{Link, duration};

/// A call or extension event as its document.
pub(crate) fn tracked_to_py(py: Python<'_>, tracked: &Tracked) -> PyResult<Py<PyAny>> {
    let value = serde_json::to_value(tracked).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    Ok(json_to_py(py, &value)?.unbind())
}

/// The tracker and the events it produced that Python has not taken yet.
struct State {
    tracker: CallTracker,
    pending: VecDeque<Tracked>,
    out: Vec<Tracked>,
}

/// The calls of a link: iterate it (``for event in link.calls()``, ``async for``) for call
/// and extension events as dicts; ``calls()`` and ``extensions()`` are the state now.
#[pyclass(frozen, module = "devlink3")]
pub struct Calls {
    link: Py<Link>,
    state: Mutex<State>,
}

impl Calls {
    pub(crate) fn new(link: Py<Link>, config: TrackerConfig) -> Self {
        Calls {
            link,
            state: Mutex::new(State { tracker: CallTracker::new(config), pending: VecDeque::new(), out: Vec::new() }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Feeds what the link's inbox holds to the tracker; a refusal is raised.
    fn feed(&self, py: Python<'_>) -> PyResult<()> {
        let link = self.link.get();
        let now = unix_now();
        let mut state = self.lock();
        let State { tracker, pending, out } = &mut *state;
        while let Some(event) = link.pop_raw(py)? {
            tracker.event(&event, now, out);
        }
        tracker.tick(now, out);
        pending.extend(out.drain(..));
        Ok(())
    }

    fn pop(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let next = self.lock().pending.pop_front();
        next.map(|tracked| tracked_to_py(py, &tracked)).transpose()
    }

    /// Waits up to `timeout` without the GIL for the link's next events.
    fn fill(&self, py: Python<'_>, timeout: Duration) -> PyResult<bool> {
        match gil::released(py, || self.link.get().fill(timeout)) {
            Ok(()) => Ok(true),
            Err(Error::Closed) => Ok(false),
            Err(error) => Err(errors::error(error)),
        }
    }
}

#[pymethods]
impl Calls {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// The next call or extension event (a dict); the iteration ends when the link is
    /// closed and raises when the PBX refuses it.
    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        loop {
            self.feed(py)?;
            if let Some(event) = self.pop(py)? {
                return Ok(Some(event));
            }
            if self.link.get().is_closed() || !self.fill(py, SLICE)? {
                return Ok(None);
            }
            py.check_signals()?;
        }
    }

    /// An event already produced, or `None`; never waits. For the asyncio layer.
    fn _take(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.feed(py)?;
        self.pop(py)
    }

    /// Waits up to `timeout` seconds, without the GIL, for the link's next events; `False`
    /// once the link is closed. For the asyncio layer, on a worker thread.
    fn _fill(&self, py: Python<'_>, timeout: f64) -> PyResult<bool> {
        let timeout = duration("timeout", timeout)?;
        self.fill(py, timeout)
    }

    /// The calls in progress now, as call documents (oldest first).
    fn calls<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let state = self.lock();
        let mut calls: Vec<_> = state.tracker.calls().collect();
        calls.sort_by(|a, b| a.started_at.total_cmp(&b.started_at).then(a.id.cmp(&b.id)));
        let items = calls
            .into_iter()
            .map(|call| {
                let value = serde_json::to_value(call).unwrap_or_default();
                json_to_py(py, &value)
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }

    /// Every extension seen in a call and its state now: `{"4001": "talking", ...}`.
    fn extensions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let state = self.lock();
        let map: serde_json::Map<String, serde_json::Value> = state
            .tracker
            .extensions()
            .into_iter()
            .map(|(ext, s)| (ext, serde_json::to_value(s).unwrap_or_default()))
            .collect();
        json_to_py(py, &serde_json::Value::Object(map))
    }
}
