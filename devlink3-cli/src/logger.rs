//! Log lines on stderr: `RUST_LOG=error|warn|info|debug|trace` (or `-v` for the
//! simulator's connection log). Every line passes through the core's redaction first: a
//! dependency may log a secret (the WebSocket upgrade's Authorization header at trace).

use std::io::Write;

use log::{LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let message = record.args().to_string();
            let line = devlink3_core::redact::redact(&message);
            let _ = writeln!(std::io::stderr().lock(), "{} {}: {line}", record.level(), record.target());
        }
    }

    fn flush(&self) {}
}

/// Installs the logger at `RUST_LOG`'s level, or at least `floor`.
pub fn init(floor: LevelFilter) -> Result<(), String> {
    let level = match std::env::var("RUST_LOG") {
        Ok(value) => value
            .trim()
            .parse::<LevelFilter>()
            .map_err(|_| format!("RUST_LOG={value:?}: expected off, error, warn, info, debug or trace"))?,
        Err(_) => LevelFilter::Off,
    };
    log::set_logger(&Stderr).map_err(|e| format!("cannot install the logger: {e}"))?;
    log::set_max_level(level.max(floor));
    Ok(())
}
