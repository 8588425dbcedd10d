//! `Simulator`: the embedded IP Office, for tests (ours and the users').

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use devlink3_core::files::UserEntry;
use devlink3_sim::{
    self as sim, BlastReport as CoreBlastReport, SimConfig, SimHttpAuth, SimStats as CoreSimStats, SimWebSocket,
};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors;
use crate::gil::{self, SLICE};
use crate::link::{deadline, duration};

/// A simulated IP Office on loopback, serving DevLink3 until `close()` (or the end of a
/// `with` block).
#[pyclass(frozen, subclass, module = "devlink3")]
pub struct Simulator {
    sim: Mutex<Option<sim::Simulator>>,
    target: String,
    tls_target: Option<String>,
    ws_target: Option<String>,
    wss_target: Option<String>,
    fingerprint_sha256: Option<String>,
    certificate_pem: Option<String>,
    /// The first service user, for `Simulator.connect()`.
    user: (String, String),
}

#[pymethods]
impl Simulator {
    #[new]
    #[pyo3(signature = (
        *, rate = 0.0, seed = 1, users = None, user_list = None, host = "127.0.0.1", port = 0, tls = false,
        tls_port = 0, lockout_after = 3, lockout_for = 60.0, max_connections = 3, plain_auth = false,
        plain_on_cleartext = false, licence_missing = false, pbx_type = None, variant = None, pbx_ip = None,
        websocket = false, ws_port = 0, ws_path = "/", ws_auth = "digest", client_ca_file = None, script = None,
    ))]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments
    fn new(
        py: Python<'_>,
        rate: f64,
        seed: u64,
        users: Option<Vec<(String, String)>>,
        user_list: Option<Vec<Vec<String>>>,
        host: &str,
        port: u16,
        tls: bool,
        tls_port: u16,
        lockout_after: u32,
        lockout_for: f64,
        max_connections: usize,
        plain_auth: bool,
        plain_on_cleartext: bool,
        licence_missing: bool,
        pbx_type: Option<String>,
        variant: Option<String>,
        pbx_ip: Option<&str>,
        websocket: bool,
        ws_port: u16,
        ws_path: &str,
        ws_auth: &str,
        client_ca_file: Option<std::path::PathBuf>,
        script: Option<&str>,
    ) -> PyResult<Self> {
        crate::logging::sync_level(py);
        let ip = host.parse().map_err(|_| errors::config("host", format!("must be an IP address, not {host:?}")))?;
        let defaults = SimConfig::default();
        let config = SimConfig {
            tcp: Some(SocketAddr::new(ip, port)),
            tls: tls.then(|| SocketAddr::new(ip, tls_port)),
            users: users.unwrap_or(defaults.users),
            lockout_after,
            lockout_for: duration("lockout_for", lockout_for)?,
            max_connections,
            plain_auth,
            client_ca_file,
            plain_on_cleartext,
            licence_missing,
            pbx_type: pbx_type.unwrap_or(defaults.pbx_type),
            variant: variant.unwrap_or(defaults.variant),
            pbx_ip: match pbx_ip {
                Some(text) => text
                    .parse::<Ipv4Addr>()
                    .map_err(|_| errors::config("pbx_ip", format!("must be an IPv4 address, not {text:?}")))?,
                None => defaults.pbx_ip,
            },
            script: match script {
                Some(text) => sim::parse_script(text).map_err(|e| errors::config("script", e))?,
                None => Vec::new(),
            },
            rate,
            seed,
            users_list: match user_list {
                Some(rows) => rows.into_iter().map(|fields| UserEntry { fields }).collect(),
                None => defaults.users_list,
            },
            ws: websocket.then(|| SocketAddr::new(ip, ws_port)),
            // With tls=True too: a wss:// listener with the generated certificate.
            wss: (websocket && tls).then(|| SocketAddr::new(ip, 0)),
            websocket: SimWebSocket {
                path: ws_path.to_owned(),
                http_auth: ws_auth.parse::<SimHttpAuth>().map_err(|e| errors::config("ws_auth", e))?,
                ..SimWebSocket::default()
            },
            ..defaults
        };
        let user = config.users.first().cloned().unwrap_or_default();
        let sim =
            py.detach(|| sim::Simulator::start(config)).map_err(|e| errors::config("Simulator", e.to_string()))?;
        Ok(Simulator {
            target: sim.target(),
            tls_target: sim.tls_target(),
            ws_target: sim.ws_target(),
            wss_target: sim.wss_target(),
            fingerprint_sha256: sim.fingerprint_sha256(),
            certificate_pem: sim.certificate_pem(),
            sim: Mutex::new(Some(sim)),
            user,
        })
    }

    /// Where a client connects: `tcp://127.0.0.1:PORT`.
    #[getter]
    fn target(&self) -> &str {
        &self.target
    }

    /// `tls://127.0.0.1:PORT` when started with `tls=True`.
    #[getter]
    fn tls_target(&self) -> Option<&str> {
        self.tls_target.as_deref()
    }

    /// `ws://127.0.0.1:PORT/path` when started with `websocket=True`.
    #[getter]
    fn ws_target(&self) -> Option<&str> {
        self.ws_target.as_deref()
    }

    /// `wss://127.0.0.1:PORT/path` when started with `websocket=True` and `tls=True`.
    #[getter]
    fn wss_target(&self) -> Option<&str> {
        self.wss_target.as_deref()
    }

    /// SHA-256 of the TLS certificate (hex), to pin with `TlsOptions(pin_sha256=...)`.
    #[getter]
    fn fingerprint_sha256(&self) -> Option<&str> {
        self.fingerprint_sha256.as_deref()
    }

    /// The TLS certificate, PEM, to trust with `TlsOptions(ca_file=...)`.
    #[getter]
    fn certificate_pem(&self) -> Option<&str> {
        self.certificate_pem.as_deref()
    }

    /// The first service user's name.
    #[getter]
    fn user(&self) -> &str {
        &self.user.0
    }

    /// The first service user's password.
    #[getter]
    fn password(&self) -> &str {
        &self.user.1
    }

    /// What each call the simulator played and has ended since the last call really was: a
    /// list of dicts (`id`, `direction`, `caller`, `called`, `answered_by`, `disposition`,
    /// `ring_seconds`, `talk_seconds`, `hold_seconds`...; times in Unix seconds). The truth
    /// to test a call model against: `id` is the call's `id` in `link.calls()`.
    fn take_truths<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let truths = self.with(|sim| sim.take_truths())?;
        let value = serde_json::to_value(truths).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        crate::events::json_to_py(py, &value)
    }

    /// A snapshot of the counters: connections, authentications, events sent...
    fn stats(&self) -> PyResult<SimStats> {
        self.with(|sim| SimStats(sim.stats()))
    }

    /// Waits until at least `count` connections have asked for events, so that records
    /// injected from now on reach them; False after `timeout` seconds. Links ask when a
    /// consumer of records appears (iteration, a record callback, `Link.subscribe()`).
    #[pyo3(signature = (count = 1, timeout = 10.0))]
    fn wait_subscribed(&self, py: Python<'_>, count: usize, timeout: f64) -> PyResult<bool> {
        let timeout = crate::link::duration("timeout", timeout)?;
        let deadline = std::time::Instant::now() + timeout;
        // In slices without the GIL, with a signal check between them (Ctrl-C).
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let slice = left.min(crate::gil::SLICE);
            if crate::gil::released(py, || self.with(|sim| sim.wait_subscribed(count, slice)))? {
                return Ok(true);
            }
            if left.is_zero() {
                return Ok(false);
            }
            py.check_signals()?;
        }
    }

    /// Changes the traffic model's rate: calls started per second (0: none).
    fn set_rate(&self, calls_per_sec: f64) -> PyResult<()> {
        if !(calls_per_sec.is_finite() && calls_per_sec >= 0.0) {
            return Err(errors::config("rate", format!("must be a number >= 0, not {calls_per_sec}")));
        }
        self.with(|sim| sim.set_rate(calls_per_sec))
    }

    /// Closes every connection abruptly; clients reconnect.
    fn drop_connections(&self) -> PyResult<()> {
        self.with(sim::Simulator::drop_connections)
    }

    /// Writes octets that are not a DevLink3 frame to every connection.
    fn send_garbage(&self) -> PyResult<()> {
        self.with(sim::Simulator::send_garbage)
    }

    /// Makes the next event's counter jump by `n`: clients report `n` missed.
    fn skip_counter(&self, n: u32) -> PyResult<()> {
        self.with(|sim| sim.skip_counter(n))
    }

    /// Every connection stops reading, answering and sending for `seconds`.
    fn stall(&self, seconds: f64) -> PyResult<()> {
        let stall_for = duration("seconds", seconds)?;
        self.with(|sim| sim.stall(stall_for))
    }

    /// While on, authentication is answered RETRY_LATER.
    fn retry_later(&self, on: bool) -> PyResult<()> {
        self.with(|sim| sim.retry_later(on))
    }

    /// Sends a Delta3 record (`<Detail>...`, `<CallLost>...`) to every connection; returns
    /// how many connections it went to.
    fn inject_delta3(&self, text: &str) -> PyResult<usize> {
        self.with(|sim| sim.inject_delta3(text))
    }

    /// Sends a Delta2 record (`CALL: ...`) to every `-CD2` connection.
    fn inject_delta2(&self, text: &str) -> PyResult<usize> {
        self.with(|sim| sim.inject_delta2(text))
    }

    /// Sends a SIPTrack event to every `_SIPTrack` connection.
    fn inject_siptrack(&self, text: &str) -> PyResult<usize> {
        self.with(|sim| sim.inject_siptrack(text))
    }

    /// Sends a plain CMExtn event to every `_CMExtn` connection.
    fn inject_cmextn(&self, text: &str) -> PyResult<usize> {
        self.with(|sim| sim.inject_cmextn(text))
    }

    /// Sends an extension-state CMExtn event to every `_CMExtn` connection.
    fn inject_cmextn_state(&self, v: u32, p1: u32, p2: u32, extension: &str) -> PyResult<usize> {
        self.with(|sim| sim.inject_cmextn_state(v, p1, p2, extension))
    }

    /// Sends `record` `events` times to every connection, as fast as each socket takes it;
    /// returns at once. `Blast.wait()` for the report.
    fn blast(&self, events: u64, record: &str) -> PyResult<Blast> {
        self.with(|sim| Blast(Mutex::new(Some(sim.blast(events, record)))))
    }

    /// Stops: closes the listeners and every connection. Idempotent.
    fn close(&self, py: Python<'_>) {
        let sim = self.sim.lock().unwrap_or_else(|e| e.into_inner()).take();
        // Stopping waits for the connections to close: no need to hold the GIL meanwhile.
        gil::released(py, || drop(sim));
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
        let this = slf.get();
        let running = this.sim.lock().map(|sim| sim.is_some()).unwrap_or(false);
        Ok(format!("<{name} {} {}>", this.target, if running { "running" } else { "stopped" }))
    }
}

impl Simulator {
    fn with<T>(&self, f: impl FnOnce(&sim::Simulator) -> T) -> PyResult<T> {
        let guard = self.sim.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map(f).ok_or_else(|| PyRuntimeError::new_err("the simulator is stopped"))
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let sim = self.sim.get_mut().unwrap_or_else(|e| e.into_inner()).take();
        Python::try_attach(|py| py.detach(|| drop(sim)));
    }
}

/// A blast in progress (`Simulator.blast`).
#[pyclass(frozen, module = "devlink3")]
pub struct Blast(Mutex<Option<sim::Blast>>);

#[pymethods]
impl Blast {
    /// Waits until every connection has been sent every event (or closed); `None` after
    /// `timeout` seconds. Ctrl-C interrupts it.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<BlastReport>> {
        let deadline = deadline(timeout)?;
        // Taken out while waiting without the GIL: a second waiter must not block on the
        // lock while holding the GIL.
        let mut blast = self.take()?;
        loop {
            let slice = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()).min(SLICE),
                None => SLICE,
            };
            if let Some(report) = gil::released(py, || blast.wait_timeout(slice)) {
                return Ok(Some(BlastReport(report)));
            }
            let interrupted = py.check_signals();
            if interrupted.is_err() || deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(blast);
                return interrupted.map(|()| None);
            }
        }
    }
}

impl Blast {
    fn take(&self) -> PyResult<sim::Blast> {
        let taken = self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        taken.ok_or_else(|| PyRuntimeError::new_err("this blast is already finished or being waited for"))
    }
}

/// How a blast went.
#[pyclass(frozen, module = "devlink3")]
pub struct BlastReport(CoreBlastReport);

impl BlastReport {
    fn data(&self) -> &CoreBlastReport {
        &self.0
    }
}

py_record!(BlastReport {
    fields: [connections, events_sent, complete],
    methods: [events_per_second],
    computed: ["elapsed": "float"],
    repr: &["connections", "events_sent", "complete", "elapsed"],
}
    /// Seconds from the start until the last socket took its last event.
    #[getter]
    fn elapsed(&self) -> f64 {
        self.0.elapsed.as_secs_f64()
    }
);

/// The simulator's counters at one moment.
#[pyclass(frozen, module = "devlink3")]
pub struct SimStats(CoreSimStats);

impl SimStats {
    fn data(&self) -> &CoreSimStats {
        &self.0
    }
}

py_record!(SimStats {
    fields: [
        connections_accepted, connections_active, connections_authenticated, connections_subscribed,
        auth_attempts, auth_failures, events_sent, events_dropped, files_read, calls_in_progress,
        http_auth_failures,
    ],
    methods: [],
    computed: ["users": "Dict[str, UserStats]"],
    repr: &["connections_active", "connections_authenticated", "auth_attempts", "auth_failures", "events_sent"],
}
    /// Per service user: authentication attempts, failures, whether locked out now.
    #[getter]
    fn users<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let users = PyDict::new(py);
        for (name, stats) in &self.0.users {
            users.set_item(name, UserStats(stats.clone()))?;
        }
        Ok(users)
    }
);

/// Authentication history of one service user of the simulator.
#[pyclass(frozen, module = "devlink3")]
pub struct UserStats(sim::UserStats);

impl UserStats {
    fn data(&self) -> &sim::UserStats {
        &self.0
    }
}

py_record!(UserStats {
    fields: [attempts, failures, locked_out],
    methods: [],
    computed: [],
    repr: &["attempts", "failures", "locked_out"],
});

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Simulator>()?;
    m.add_class::<Blast>()?;
    m.add_class::<BlastReport>()?;
    m.add_class::<SimStats>()?;
    m.add_class::<UserStats>()
}

impl crate::events::AsDocument for BlastReport {}
impl crate::events::AsDocument for SimStats {}
impl crate::events::AsDocument for UserStats {}
