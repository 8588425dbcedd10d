//! Rust `log` records, forwarded to Python's `logging` under the `devlink3` logger.
//!
//! Records are mostly logged on runtime threads, which must never wait for the GIL
//! (design.md, "Threads"). So the logger only queues them, never blocking, and one
//! forwarding thread hands them to Python. If the queue overflows, the records are counted
//! and the count is logged instead. The level filter follows the `devlink3` logger's
//! effective level, read at import and again whenever a link or simulator is created.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};

use log::{Level, LevelFilter, Log, Metadata};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// Records waiting for the forwarding thread.
const QUEUE: usize = 4096;

struct Bridge {
    queue: SyncSender<Record>,
    dropped: AtomicU64,
}

struct Record {
    level: Level,
    target: String,
    message: String,
}

static BRIDGE: OnceLock<Bridge> = OnceLock::new();

/// Set at interpreter exit (see `devlink3/__init__.py`): Python is going away, forward nothing more.
static STOPPED: AtomicBool = AtomicBool::new(false);

impl Log for Bridge {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level() && !STOPPED.load(Ordering::Relaxed)
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        // A dependency may log a secret (the WebSocket upgrade's Authorization header).
        let message = devlink3_core::redact::redact(&record.args().to_string()).into_owned();
        let record = Record { level: record.level(), target: record.target().to_owned(), message };
        if let Err(TrySendError::Full(_)) = self.queue.try_send(record) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn flush(&self) {}
}

/// The forwarding thread's loop.
fn forward(records: Receiver<Record>) {
    for record in records {
        if STOPPED.load(Ordering::Relaxed) {
            continue;
        }
        // A record that cannot be delivered has nowhere else to go.
        let _ = Python::try_attach(|py| -> PyResult<()> {
            let dropped = BRIDGE.get().map_or(0, |bridge| bridge.dropped.swap(0, Ordering::Relaxed));
            if dropped > 0 {
                let message = format!("{dropped} log records dropped: they came faster than Python took them");
                emit(py, Level::Warn, "devlink3", &message)?;
            }
            emit(py, record.level, &logger_name(&record.target), &record.message)
        });
    }
}

fn emit(py: Python<'_>, level: Level, logger: &str, message: &str) -> PyResult<()> {
    let logger = py.import("logging")?.call_method1("getLogger", (logger,))?;
    logger.call_method1("log", (python_level(level), message))?;
    Ok(())
}

/// `devlink3_core::client::session` → `devlink3.client.session`, `devlink3_sim::server` →
/// `devlink3.sim.server`; records of other crates (`rustls::...`) go under `devlink3` too,
/// so that one logger configures them all.
fn logger_name(target: &str) -> String {
    let path = [("devlink3_core", ""), ("devlink3_proto", ""), ("devlink3_sim", "::sim"), ("_devlink3", "")]
        .iter()
        .find_map(|(own, under)| target.strip_prefix(own).map(|rest| format!("{under}{rest}")))
        .unwrap_or_else(|| format!("::{target}"));
    format!("devlink3{}", path.replace("::", "."))
}

fn python_level(level: Level) -> u32 {
    match level {
        Level::Error => 40,
        Level::Warn => 30,
        Level::Info => 20,
        Level::Debug => 10,
        Level::Trace => 5,
    }
}

/// Lets through what the `devlink3` logger would handle, so that filtered-out records are
/// not even formatted.
pub(crate) fn sync_level(py: Python<'_>) {
    let level = py
        .import("logging")
        .and_then(|logging| logging.call_method1("getLogger", ("devlink3",)))
        .and_then(|logger| logger.call_method0("getEffectiveLevel"))
        .and_then(|level| level.extract::<u32>())
        .unwrap_or(30);
    log::set_max_level(match level {
        0..=5 => LevelFilter::Trace,
        6..=10 => LevelFilter::Debug,
        11..=20 => LevelFilter::Info,
        21..=30 => LevelFilter::Warn,
        31..=40 => LevelFilter::Error,
        _ => LevelFilter::Off,
    });
}

/// Stops forwarding, for good: called at interpreter exit, before Python goes away.
#[pyfunction]
fn _stop_logging() {
    STOPPED.store(true, Ordering::Relaxed);
}

/// Re-reads the `devlink3` logger's level (after changing it while links are open).
#[pyfunction]
fn _sync_log_level(py: Python<'_>) {
    sync_level(py);
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let (queue, records) = mpsc::sync_channel(QUEUE);
    // Python initialises the module once per process; the check only keeps this honest.
    if BRIDGE.set(Bridge { queue, dropped: AtomicU64::new(0) }).is_ok() {
        std::thread::Builder::new()
            .name("devlink3-log".into())
            .spawn(move || forward(records))
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start the log thread: {e}")))?;
        if let Some(bridge) = BRIDGE.get() {
            // Fails only if this library's copy of `log` already has a logger: it keeps it.
            let _ = log::set_logger(bridge);
        }
    }
    sync_level(m.py());
    m.add_function(wrap_pyfunction!(_stop_logging, m)?)?;
    m.add_function(wrap_pyfunction!(_sync_log_level, m)?)
}
