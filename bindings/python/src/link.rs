//! `Link`: one connection to an IP Office, as Python sees it.
//!
//! Pull: events cross into Python in batches. A wait releases the GIL, takes up to
//! [`BATCH`] events from the client at once into the link's inbox, and each `__next__`
//! then only pops one and wraps it. Waits run in [`SLICE`]s with a signal check between
//! them, so Ctrl-C interrupts a blocked loop.
//!
//! Push: the first callback registered switches the link to the core's dispatcher thread,
//! which takes the GIL for each call only (design.md, "Threads"). An exception raised by a
//! callback goes to `sys.unraisablehook`, like one raised in `__del__`; the stream goes on.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use devlink3_core::calls::{CallTracker, TrackerConfig, unix_now};
use devlink3_core::client::{
    Client, ClientConfig, Error, Event, LinkState as CoreLinkState, MAX_QUEUE_CAPACITY, Reconnect, check_queue_capacity,
};
use devlink3_core::dispatch::{Callback, Handlers};
use devlink3_core::transport::{ClientCert, HttpAuth, TlsOptions, WebSocketOptions, parse_fingerprint};
use devlink3_core::wire::ResultCode;
use pyo3::PyTraverseError;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::calls::{self, Calls};
use crate::errors;
use crate::events::{self, LinkState, PbxInfo, User};
use crate::gil::{self, SLICE};

/// Most events moved from the client into Python per GIL release.
const BATCH: usize = 1024;
/// How often `wait_operational` looks at the link.
const POLL: Duration = Duration::from_millis(10);

/// A link to one IP Office. Iterate it for events, or register callbacks.
#[pyclass(frozen, subclass, module = "devlink3")]
pub struct Link {
    target: String,
    client: Client,
    inbox: Inbox,
    callbacks: Arc<Callbacks>,
    closed: AtomicBool,
    /// A `threading.Event` set on close: `wait_closed` blocks on it (interruptible by
    /// Ctrl-C, no polling).
    closed_event: Py<PyAny>,
}

#[pymethods]
impl Link {
    #[new]
    #[pyo3(signature = (
        target, user, password, *, flags = "", tls = None, websocket = None, application_name = None,
        queue_capacity = 4096,
        keepalive_interval = 30.0, connect_timeout = 10.0, response_timeout = 10.0, reconnect_delay = 0.5,
        reconnect_max_delay = 60.0, retry_later_delay = 30.0,
    ))]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments
    fn new(
        py: Python<'_>,
        target: String,
        user: String,
        password: String,
        flags: &str,
        tls: Option<TlsArgs>,
        websocket: Option<WebSocketArgs>,
        application_name: Option<String>,
        queue_capacity: i64,
        keepalive_interval: f64,
        connect_timeout: f64,
        response_timeout: f64,
        reconnect_delay: f64,
        reconnect_max_delay: f64,
        retry_later_delay: f64,
    ) -> PyResult<Self> {
        crate::logging::sync_level(py);
        let mut config = ClientConfig::new(target.clone(), user, password);
        config.flags = flags.to_owned();
        if let Some(tls) = tls {
            config.tls = tls.try_into()?;
        }
        if let Some(websocket) = websocket {
            config.websocket = websocket.try_into()?;
        }
        if let Some(name) = application_name {
            config.application_name = name;
        }
        // Checked here, before anything is allocated: a negative or huge value is a mistake.
        config.queue_capacity = usize::try_from(queue_capacity).unwrap_or(0);
        check_queue_capacity(config.queue_capacity).map_err(|_| {
            PyValueError::new_err(format!(
                "queue_capacity {queue_capacity} is out of range: 1 to {MAX_QUEUE_CAPACITY} events"
            ))
        })?;
        config.keepalive_interval = duration("keepalive_interval", keepalive_interval)?;
        config.connect_timeout = duration("connect_timeout", connect_timeout)?;
        config.response_timeout = duration("response_timeout", response_timeout)?;
        config.reconnect = Reconnect {
            initial_delay: duration("reconnect_delay", reconnect_delay)?,
            max_delay: duration("reconnect_max_delay", reconnect_max_delay)?,
            retry_later_delay: duration("retry_later_delay", retry_later_delay)?,
            ..Reconnect::default()
        };
        let client = Client::connect(config).map_err(errors::error)?;
        Ok(Link {
            target,
            client,
            inbox: Inbox::default(),
            callbacks: Arc::default(),
            closed: AtomicBool::new(false),
            closed_event: py.import("threading")?.getattr("Event")?.call0()?.unbind(),
        })
    }

    /// The `target` the link was opened with.
    #[getter]
    fn target(&self) -> &str {
        &self.target
    }

    /// The link's current state.
    #[getter]
    fn state(&self) -> LinkState {
        LinkState(self.client.state())
    }

    /// Whether `close()` has been called.
    #[getter]
    fn closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// The next event, waiting as long as it takes; the iteration ends when the link is
    /// closed and raises when the PBX refuses it (`AuthenticationFailed`...).
    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match self.wait_next(py, None)? {
            Next::Event(event) => Ok(Some(event)),
            Next::Closed | Next::Timeout => Ok(None),
        }
    }

    /// The next event, or `None` after `timeout` seconds (`None`: wait as long as it takes).
    /// Raises `LinkClosed` once the link is closed.
    #[pyo3(signature = (timeout = None))]
    fn next_event(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Py<PyAny>>> {
        match self.wait_next(py, deadline(timeout)?)? {
            Next::Event(event) => Ok(Some(event)),
            Next::Timeout => Ok(None),
            Next::Closed => Err(errors::error(Error::Closed)),
        }
    }

    /// An event already received, or `None`; never waits. For the asyncio layer.
    fn _take(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        if self.closed() {
            return Err(errors::error(Error::Closed));
        }
        self.take(py)
    }

    /// Waits up to `timeout` seconds, without the GIL, for events to `_take`. For the
    /// asyncio layer, which runs it on a worker thread.
    fn _fill(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let timeout = duration("timeout", timeout)?;
        match gil::released(py, || self.inbox.fill(&self.client, timeout)) {
            Ok(()) | Err(Error::Closed) => Ok(()),
            Err(error) => Err(errors::error(error)),
        }
    }

    /// Sets (or with `None` removes) the callback for one kind of event. The first call
    /// switches the link to callbacks: from then on iteration is refused.
    fn _set_callback(&self, py: Python<'_>, kind: &str, callback: Option<Py<PyAny>>) -> PyResult<()> {
        let kind = Kind::parse(kind)?;
        if let Some(callback) = &callback {
            if !callback.bind(py).is_callable() {
                return Err(PyTypeError::new_err("the callback must be callable"));
            }
        }
        // Dropped after the table is unlocked: a finalizer must not find it locked.
        let _previous = self.callbacks.set(kind, callback);
        // The core routes a kind only while it has a callback: a record callback is what
        // makes the link subscribe, so no record arrives before there is one to take it.
        let callbacks = Arc::clone(&self.callbacks);
        // Without the GIL: the dispatcher holds the handler table while a callback runs,
        // and that callback waits for the GIL.
        gil::released(py, || self.client.set_handlers(move |handlers| route(handlers, &callbacks)))
            .map_err(errors::error)?;
        Ok(())
    }

    /// The calls of this link: iterate the result for call and extension events (dicts:
    /// the documents `devlink3 calls` prints). Like iterating the link itself, it takes
    /// the link's events: use one or the other, or callbacks (`on_call`).
    #[pyo3(signature = (*, max_idle = 43200.0, resync_window = 5.0, max_calls = 100_000))]
    fn calls(slf: &Bound<'_, Self>, max_idle: f64, resync_window: f64, max_calls: usize) -> PyResult<Calls> {
        let config = tracker_config(max_idle, resync_window, max_calls)?;
        Ok(Calls::new(slf.clone().unbind(), config))
    }

    /// Asks the PBX for events now, if the link has not yet. Iterating and registering a
    /// record callback do this by themselves; records the PBX sends are kept for the
    /// iteration or callbacks that follow.
    fn subscribe(&self) -> PyResult<()> {
        self.client.subscribe(None).map_err(errors::error)
    }

    /// Blocks until the link is operational and returns what the PBX said about itself.
    /// Raises `AuthenticationFailed` (or another `Refused`) when the PBX refuses the link,
    /// `Timeout` after `timeout` seconds, `LinkClosed` if it is closed meanwhile.
    #[pyo3(signature = (timeout = None))]
    fn wait_operational(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<PbxInfo> {
        let deadline = deadline(timeout)?;
        loop {
            match self.client.state() {
                CoreLinkState::Operational(info) => return Ok(PbxInfo(info)),
                CoreLinkState::Rejected { code, reason } => return Err(errors::rejected(code, &reason)),
                CoreLinkState::Closed => return Err(errors::error(Error::Closed)),
                _ => {}
            }
            if !self.pause(py, deadline)? {
                let waited = Duration::from_secs_f64(timeout.unwrap_or_default());
                return Err(errors::error(Error::Timeout(waited)));
            }
        }
    }

    /// Blocks until the link is closed (by a callback or another thread); returns whether
    /// it is, `False` after `timeout` seconds. For programs that only use callbacks.
    #[pyo3(signature = (timeout = None))]
    fn wait_closed(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        if let Some(timeout) = timeout {
            duration("timeout", timeout)?;
        }
        // Event.wait releases the GIL and sleeps until close() sets it.
        self.closed_event.call_method1(py, "wait", (timeout,))?.extract(py)
    }

    /// Reads a PBX pseudo-file such as `nasystem/user_list` while events keep flowing.
    fn read_file<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyBytes>> {
        let contents = gil::released(py, || self.client.read_file(name)).map_err(errors::error)?;
        Ok(PyBytes::new(py, &contents))
    }

    /// The PBX's users, from `nasystem/user_list`.
    fn users(&self, py: Python<'_>) -> PyResult<Vec<User>> {
        let users = gil::released(py, || self.client.users()).map_err(errors::error)?;
        Ok(users.into_iter().map(User::from).collect())
    }

    /// Closes the link: idempotent, from any thread, also from inside a callback. Outside a
    /// callback, once it returns no callback is running or will run.
    fn close(&self, py: Python<'_>) {
        self.closed.store(true, Ordering::Release);
        // Without the GIL: closing joins the dispatcher, which may be waiting for it.
        gil::released(py, || self.client.close());
        // Callbacks often refer to the link: letting go of them breaks the cycle.
        let _callbacks = self.callbacks.clear();
        // Wakes wait_closed; setting an Event cannot fail short of a broken interpreter.
        let _ = self.closed_event.call_method0(py, "set");
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __exit__(
        &self,
        py: Python<'_>,
        _kind: Option<Bound<'_, PyAny>>,
        _value: Option<Bound<'_, PyAny>>,
        _traceback: Option<Bound<'_, PyAny>>,
    ) {
        self.close(py);
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let name = slf.get_type().qualname()?;
        let link = slf.get();
        Ok(format!("<{name} {} {}>", link.target, link.client.state().name()))
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        // A collection must not wait: if the dispatcher holds the table, skip this round.
        if let Ok(slots) = self.callbacks.slots.try_lock() {
            for callback in slots.iter().flatten() {
                visit.call(callback)?;
            }
        }
        Ok(())
    }

    /// The garbage collector breaking a cycle (a callback that refers to its link): the
    /// link was dropped without close() and stayed connected until now. Say so, as Python
    /// does for an unclosed file or socket; Drop then closes it.
    fn __clear__(&self, py: Python<'_>) {
        if !self.closed() {
            let message = format!(
                "unclosed devlink3.Link to {}: it stayed connected until garbage collection; call close() or use \
                 'with devlink3.connect(...) as link'",
                self.target
            );
            let warned = py
                .import("builtins")
                .and_then(|builtins| builtins.getattr("ResourceWarning"))
                .and_then(|category| PyErr::warn(py, &category, &std::ffi::CString::new(message)?, 1));
            if let Err(error) = warned {
                error.write_unraisable(py, None);
            }
        }
        let _callbacks = self.callbacks.clear();
    }
}

/// What a wait for the next event ended with.
enum Next {
    Event(Py<PyAny>),
    Timeout,
    Closed,
}

impl Link {
    /// Whether the link was closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed()
    }

    /// Waits up to `timeout` for events into the inbox (call without the GIL).
    pub(crate) fn fill(&self, timeout: Duration) -> Result<(), Error> {
        self.inbox.fill(&self.client, timeout)
    }

    /// The next event of the inbox as the core's event (`take` and the call tracker); a
    /// refusal by the PBX ends the stream: it is raised now and on every later call.
    pub(crate) fn pop_raw(&self, _py: Python<'_>) -> PyResult<Option<Event>> {
        if let Some((code, reason)) = self.inbox.rejection.get() {
            return Err(errors::rejected(*code, reason));
        }
        match self.inbox.pop() {
            Some(Event::LinkState(CoreLinkState::Rejected { code, reason })) => {
                let (code, reason) = self.inbox.rejection.get_or_init(|| (code, reason));
                Err(errors::rejected(*code, reason))
            }
            other => Ok(other),
        }
    }

    /// Waits for the next event until `deadline` (forever when `None`), in slices.
    fn wait_next(&self, py: Python<'_>, deadline: Option<Instant>) -> PyResult<Next> {
        let mut last_wait = false;
        loop {
            if self.closed() {
                return Ok(Next::Closed);
            }
            if let Some(event) = self.take(py)? {
                return Ok(Next::Event(event));
            }
            if last_wait {
                return Ok(Next::Timeout);
            }
            // Even an expired deadline gets one look at the client's queue.
            let slice = match deadline {
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    last_wait = left <= SLICE;
                    left.min(SLICE)
                }
                None => SLICE,
            };
            match gil::released(py, || self.inbox.fill(&self.client, slice)) {
                Ok(()) => {}
                Err(Error::Closed) => return Ok(Next::Closed),
                Err(error) => return Err(errors::error(error)),
            }
            py.check_signals()?;
        }
    }

    /// The next event of the inbox as a Python object, `None` when the inbox is empty.
    /// A refusal by the PBX ends the stream: it is raised now and on every later call.
    fn take(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        while let Some(event) = self.pop_raw(py)? {
            match event {
                // The end of the stream, not an event in it.
                Event::LinkState(CoreLinkState::Closed) => {}
                event => return events::to_py(py, event).map(Some),
            }
        }
        Ok(None)
    }

    /// Sleeps one poll interval without the GIL and checks for signals; `false`, without
    /// sleeping, once `deadline` has passed.
    fn pause(&self, py: Python<'_>, deadline: Option<Instant>) -> PyResult<bool> {
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return Ok(false);
        }
        gil::released(py, || std::thread::sleep(POLL));
        py.check_signals()?;
        Ok(true)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // As `close`: without the GIL. At interpreter shutdown there is none to release.
        if !self.closed.swap(true, Ordering::AcqRel) {
            Python::try_attach(|py| gil::released(py, || self.client.close()));
        }
    }
}

/// Events taken from the client and not yet handed to Python, and how the stream ended.
#[derive(Default)]
struct Inbox {
    events: Mutex<VecDeque<Event>>,
    /// The batch being fetched. Held while waiting on the client, so that concurrent
    /// waits land their batches in order; only ever locked without the GIL.
    fetch: Mutex<Vec<Event>>,
    /// The PBX's refusal, once it came: every later read raises it again.
    rejection: OnceLock<(Option<ResultCode>, String)>,
}

impl Inbox {
    /// Waits up to `timeout` for events and moves up to [`BATCH`] of them into the inbox.
    fn fill(&self, client: &Client, timeout: Duration) -> Result<(), Error> {
        let mut batch = lock(&self.fetch);
        // Another thread may have filled the inbox while this one waited for the lock.
        if !lock(&self.events).is_empty() {
            return Ok(());
        }
        client.next_events(&mut batch, BATCH, Some(timeout))?;
        lock(&self.events).extend(batch.drain(..));
        Ok(())
    }

    fn pop(&self) -> Option<Event> {
        lock(&self.events).pop_front()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here can leave the data inconsistent when a thread panics.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The kinds of event a callback can be registered for (`Link.on_delta3`...).
#[derive(Clone, Copy)]
enum Kind {
    Delta3,
    Delta2,
    SipTrack,
    CmExtn,
    LinkState,
    Missed,
    Other,
    /// Call and extension events of the call tracker (`on_call`).
    Call,
}

impl Kind {
    const COUNT: usize = 8;

    fn parse(name: &str) -> PyResult<Kind> {
        Ok(match name {
            "delta3" => Kind::Delta3,
            "delta2" => Kind::Delta2,
            "siptrack" => Kind::SipTrack,
            "cmextn" => Kind::CmExtn,
            "link_state" => Kind::LinkState,
            "missed" => Kind::Missed,
            "other" => Kind::Other,
            "call" => Kind::Call,
            _ => return Err(PyValueError::new_err(format!("no such kind of event: {name:?}"))),
        })
    }
}

/// The Python callbacks of a link, shared with the dispatcher thread.
#[derive(Default)]
struct Callbacks {
    slots: Mutex<[Option<Py<PyAny>>; Kind::COUNT]>,
    /// The call model behind `on_call`, fed on the dispatcher thread.
    tracker: Mutex<CallTracker>,
}

impl Callbacks {
    /// Replaces a callback; returns the previous one, to be dropped after the lock.
    fn set(&self, kind: Kind, callback: Option<Py<PyAny>>) -> Option<Py<PyAny>> {
        std::mem::replace(&mut lock(&self.slots)[kind as usize], callback)
    }

    fn has(&self, kind: Kind) -> bool {
        lock(&self.slots)[kind as usize].is_some()
    }

    /// Feeds `event` to the call model when there is an `on_call` callback, and calls it
    /// with each call or extension event that results.
    fn track(&self, event: &Event) {
        if !self.has(Kind::Call) {
            return;
        }
        let mut out = Vec::new();
        lock(&self.tracker).event(event, unix_now(), &mut out);
        for tracked in &out {
            self.deliver(Kind::Call, |py| calls::tracked_to_py(py, tracked));
        }
    }

    /// Removes every callback; returns them, to be dropped after the lock.
    fn clear(&self) -> [Option<Py<PyAny>>; Kind::COUNT] {
        std::mem::take(&mut *lock(&self.slots))
    }

    /// Calls the callback for `kind`, if there is one, with `event(py)`: the GIL is taken
    /// for this call only. What the callback raises goes to `sys.unraisablehook`.
    fn deliver(&self, kind: Kind, event: impl FnOnce(Python<'_>) -> PyResult<Py<PyAny>>) {
        // At interpreter shutdown there is no Python left to call.
        Python::try_attach(|py| {
            let Some(callback) = lock(&self.slots)[kind as usize].as_ref().map(|c| c.clone_ref(py)) else {
                return;
            };
            if let Err(error) = event(py).and_then(|event| callback.call1(py, (event,))) {
                error.write_unraisable(py, Some(callback.bind(py)));
            }
        });
    }
}

/// Routes each kind of event from the core's dispatcher to its Python callback, and the
/// events the call model needs to it while there is an `on_call` callback. A kind without
/// either is not routed: a record kind is routed (and the link subscribed) only once there
/// is a callback to take it.
fn route(handlers: &mut Handlers, callbacks: &Arc<Callbacks>) {
    let calls = callbacks.has(Kind::Call);
    let plain = |kind: Kind| -> Option<Callback<Event>> {
        let callbacks = Arc::clone(callbacks);
        callbacks.has(kind).then(|| -> Callback<Event> {
            Box::new(move |event: &Event| callbacks.deliver(kind, |py| events::to_py(py, event.clone())))
        })
    };
    let tracked = |kind: Kind| -> Option<Callback<Event>> {
        let callbacks = Arc::clone(callbacks);
        (calls || callbacks.has(kind)).then(|| -> Callback<Event> {
            Box::new(move |event: &Event| {
                callbacks.deliver(kind, |py| events::to_py(py, event.clone()));
                callbacks.track(event);
            })
        })
    };
    handlers.delta2 = plain(Kind::Delta2);
    handlers.siptrack = plain(Kind::SipTrack);
    handlers.cmextn = plain(Kind::CmExtn);
    handlers.other = plain(Kind::Other);
    handlers.delta3 = tracked(Kind::Delta3);
    handlers.missed = tracked(Kind::Missed);
    handlers.link_state = (calls || callbacks.has(Kind::LinkState)).then(|| -> Callback<CoreLinkState> {
        let callbacks = Arc::clone(callbacks);
        Box::new(move |state: &CoreLinkState| {
            callbacks.deliver(Kind::LinkState, |py| Ok(Py::new(py, LinkState(state.clone()))?.into_any()));
            callbacks.track(&Event::LinkState(state.clone()));
        })
    });
}

/// The tracker's limits from `calls()`'s keyword arguments (checked by the core).
pub(crate) fn tracker_config(max_idle: f64, resync_window: f64, max_calls: usize) -> PyResult<TrackerConfig> {
    TrackerConfig::from_seconds(max_idle, resync_window, max_calls).map_err(PyValueError::new_err)
}

/// The `tls=` argument: any object with these attributes (`devlink3.TlsOptions`).
#[derive(FromPyObject)]
struct TlsArgs {
    #[pyo3(attribute)]
    ca_file: Option<PathBuf>,
    #[pyo3(attribute)]
    pin_sha256: Option<String>,
    #[pyo3(attribute)]
    danger_accept_invalid_certs: bool,
    #[pyo3(attribute)]
    client_cert: Option<(PathBuf, PathBuf)>,
    #[pyo3(attribute)]
    server_name: Option<String>,
}

impl TryFrom<TlsArgs> for TlsOptions {
    type Error = PyErr;

    fn try_from(args: TlsArgs) -> PyResult<TlsOptions> {
        Ok(TlsOptions {
            ca_file: args.ca_file,
            pin_sha256: args
                .pin_sha256
                .as_deref()
                .map(parse_fingerprint)
                .transpose()
                .map_err(|e| errors::config("pin_sha256", e))?,
            danger_accept_invalid_certs: args.danger_accept_invalid_certs,
            client_cert: args.client_cert.map(|(cert_file, key_file)| ClientCert { cert_file, key_file }),
            server_name: args.server_name,
        })
    }
}

/// The `websocket=` argument: any object with these attributes (`devlink3.WebSocketOptions`).
#[derive(FromPyObject)]
struct WebSocketArgs {
    #[pyo3(attribute)]
    http_auth: String,
    #[pyo3(attribute)]
    allow_basic_over_cleartext: bool,
    #[pyo3(attribute)]
    devlink_auth: bool,
    #[pyo3(attribute)]
    protocols: Vec<String>,
    #[pyo3(attribute)]
    headers: Vec<(String, String)>,
}

impl TryFrom<WebSocketArgs> for WebSocketOptions {
    type Error = PyErr;

    fn try_from(args: WebSocketArgs) -> PyResult<WebSocketOptions> {
        let http_auth = args.http_auth.parse::<HttpAuth>().map_err(|e| errors::config("http_auth", e))?;
        Ok(WebSocketOptions {
            http_auth,
            allow_basic_over_cleartext: args.allow_basic_over_cleartext,
            devlink_auth: args.devlink_auth,
            protocols: args.protocols,
            headers: args.headers,
        })
    }
}

/// A duration argument given in seconds.
pub(crate) fn duration(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| errors::config(name, format!("must be a number of seconds >= 0, not {value}")))
}

/// When a wait of `timeout` seconds from now ends; `None` for no limit.
pub(crate) fn deadline(timeout: Option<f64>) -> PyResult<Option<Instant>> {
    timeout.map(|t| duration("timeout", t).map(|t| Instant::now() + t)).transpose()
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Link>()
}
