//! Where the library's log lines go: the one thing an administrator can read when a legacy
//! application "does nothing".
//!
//! One sink at a time, per process: the last file `log_file` named (appended to, shared by
//! every link of the process; a later `DLOpen` without `log_file` keeps it), or else stderr (on Windows also `OutputDebugString`, which
//! DebugView shows for GUI applications that have no console). `log_level` filters it:
//! `info` by default with a file, `warn` without. Every line passes through the core's
//! redaction, names the process, and carries a UTC time:
//! `2026-12-03T10:15:00.123Z [4242] WARN DLOpen(pbxh 0): no service user name: ...`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};
use std::time::{SystemTime, UNIX_EPOCH};

use log::{LevelFilter, Log, Metadata, Record};

/// The log sink as the configuration describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LogSettings {
    pub file: Option<PathBuf>,
    pub level: Option<LevelFilter>,
}

impl LogSettings {
    fn level(&self) -> LevelFilter {
        self.level.unwrap_or(if self.file.is_some() { LevelFilter::Info } else { LevelFilter::Warn })
    }
}

/// Parses `log_level`.
pub(crate) fn parse_level(value: &str) -> Result<LevelFilter, String> {
    value
        .trim()
        .parse::<LevelFilter>()
        .map_err(|_| format!("{value:?}: expected off, error, warn, info, debug or trace"))
}

struct Sink {
    settings: LogSettings,
    /// The open `settings.file`.
    file: Option<File>,
}

struct Logger {
    sink: Mutex<Sink>,
}

static LOGGER: Logger =
    Logger { sink: Mutex::new(Sink { settings: LogSettings { file: None, level: None }, file: None }) };

/// Installs the logger once per process, at the default level until [`configure`].
pub(crate) fn init() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Fails only if this library's own logger is already set: then it is ours.
        if log::set_logger(&LOGGER).is_ok() {
            log::set_max_level(LogSettings::default().level());
        }
    });
}

/// Sends log lines to the sink `settings` describes, from now on. A log file that cannot be
/// opened leaves the previous sink in place and is reported there: a missing log must not
/// stop the link.
pub(crate) fn configure(settings: &LogSettings) {
    init();
    let mut sink = LOGGER.sink.lock().unwrap_or_else(|e| e.into_inner());
    // One log per process: a DLOpen without log_file keeps the file another one chose.
    let kept;
    let settings = match (&settings.file, &sink.settings.file) {
        (None, Some(file)) => {
            kept = LogSettings { file: Some(file.clone()), level: settings.level.or(sink.settings.level) };
            &kept
        }
        _ => settings,
    };
    if sink.settings == *settings {
        return;
    }
    let file = match &settings.file {
        Some(path) => match open(path) {
            Ok(file) => Some(file),
            Err(e) => {
                drop(sink);
                log::warn!(
                    "log_file {}: cannot open it for appending ({e}); logging stays where it was",
                    path.display()
                );
                return;
            }
        },
        None => None,
    };
    *sink = Sink { settings: settings.clone(), file };
    log::set_max_level(settings.level());
}

fn open(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new().create(true).append(true).open(path)
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let message = record.args().to_string();
        let line = format!(
            "{} [{}] {} {}\n",
            utc_now(),
            std::process::id(),
            record.level(),
            devlink3_core::redact::redact(&message)
        );
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        match sink.file.as_mut() {
            // One write per line: lines of several processes appending stay whole.
            Some(file) => {
                let _ = file.write_all(line.as_bytes());
            }
            None => {
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
                debug_output(&line);
            }
        }
    }

    fn flush(&self) {
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = sink.file.as_mut() {
            let _ = file.flush();
        }
    }
}

/// `OutputDebugStringW`: what DebugView and debuggers show for a process without a console.
#[cfg(windows)]
fn debug_output(line: &str) {
    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn OutputDebugStringW(text: *const u16);
    }
    let wide: Vec<u16> = format!("devlink: {line}").encode_utf16().chain([0]).collect();
    // SAFETY: a NUL-terminated UTF-16 string that lives across the call.
    unsafe { OutputDebugStringW(wide.as_ptr()) }
}

#[cfg(not(windows))]
fn debug_output(_line: &str) {}

/// Now as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn utc_now() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    format_utc(now.as_secs(), now.subsec_millis())
}

fn format_utc(secs: u64, millis: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3_600, rem % 3_600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times() {
        assert_eq!(format_utc(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_utc(951_782_400, 7), "2000-02-29T00:00:00.007Z");
        assert_eq!(format_utc(1_796_294_096, 999), "2026-12-03T10:34:56.999Z");
    }

    #[test]
    fn levels() {
        assert_eq!(parse_level(" INFO ").unwrap(), LevelFilter::Info);
        assert!(parse_level("loud").unwrap_err().contains("expected off, error"));
        assert_eq!(LogSettings::default().level(), LevelFilter::Warn);
        let file = LogSettings { file: Some("x.log".into()), level: None };
        assert_eq!(file.level(), LevelFilter::Info);
    }
}
