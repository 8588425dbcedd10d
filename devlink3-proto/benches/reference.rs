//! devlink3's parse against a hand-written C reader, side by side in one run.
//!
//! `cargo bench -p devlink3-proto --bench reference`
//!
//! Both read the same buffer of 200,000 answered-call Detail event frames (the
//! specification's §6.7.1.3 record, corrected as spec-errata.md §2 says, 258 octets a
//! frame) from memory, five passes each, interleaved, and the medians are compared:
//!
//! * C: `benches/reference/splitter.c`, compiled here with `cc -O2`: deframes, takes the
//!   Delta3 tuple, records every section and quote-aware comma field as offsets. Zero-copy,
//!   untyped: the least any reader does.
//! * devlink3: the frames where they lie in memory (`decode_frame`, as the C splitter
//!   reads its buffer; the client's socket reads go into its `Deframer`'s buffer, which
//!   `codec`'s `pipeline` measures), `Packet::decode`, the event tuples (their text checked
//!   as UTF-8), and
//!   `Delta3Index::read`: every section and field located (quotes removed) and every
//!   number field checked, as a record on the event path is read; its fields are decoded
//!   when an accessor asks.
//! * devlink3 decoding every field too: the same, then `parse_delta3`'s typed `Detail`
//!   (numbers parsed, coded values mapped, a string per text field), for scale.
//!
//! The ratio devlink3 / C is what to watch (issue 13's target: at least 1.0). Both are timed
//! in CPU time, their passes interleaved: this machine is shared, and only the ratio within
//! one run means anything.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::{Read, detail_stream, parse_in_memory};

const EVENTS: u32 = 200_000;
const PASSES: usize = 5;

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// The C splitter, compiled, and the frames written where it reads them.
struct Splitter {
    exe: PathBuf,
    file: PathBuf,
}

impl Splitter {
    fn build(stream: &[u8]) -> Result<Self, String> {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let exe = out.join("reference-splitter");
        let file = out.join("reference-frames.bin");
        std::fs::write(&file, stream).map_err(|e| format!("{}: {e}", file.display()))?;
        let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/reference/splitter.c");
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let built = Command::new(&cc)
            .args(["-O2", "-std=c99", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&exe)
            .arg(&source)
            .output()
            .map_err(|e| format!("cannot run {cc}: {e}"))?;
        if !built.status.success() {
            return Err(format!("{cc} failed: {}", String::from_utf8_lossy(&built.stderr)));
        }
        Ok(Self { exe, file })
    }

    /// Events per second of one pass (the splitter times itself, after reading the file).
    fn rate(&self) -> Result<f64, String> {
        let run = Command::new(&self.exe).arg(&self.file).arg("1").output().map_err(|e| e.to_string())?;
        if !run.status.success() {
            return Err(format!("the splitter failed: {}", String::from_utf8_lossy(&run.stderr)));
        }
        let out = String::from_utf8_lossy(&run.stdout);
        let parts: Vec<&str> = out.split_whitespace().collect();
        match parts[..] {
            ["PASS", events, _fields, seconds] if events == EVENTS.to_string() => {
                Ok(f64::from(EVENTS) / seconds.parse::<f64>().map_err(|e| e.to_string())?)
            }
            _ => Err(format!("unexpected splitter output {out:?}")),
        }
    }
}

impl Drop for Splitter {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

/// This thread's CPU time, as the C splitter measures its own (`CLOCK_PROCESS_CPUTIME_ID`,
/// one thread): time spent descheduled on a shared machine is not the reader's.
fn cpu_time() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid timespec for the call to fill.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Events per CPU second of one pass of devlink3's pipeline.
fn devlink3_rate(stream: &[u8], read: Read) -> f64 {
    let started = cpu_time();
    assert_eq!(parse_in_memory(stream, read), EVENTS);
    f64::from(EVENTS) / (cpu_time() - started).as_secs_f64()
}

fn main() {
    // `cargo test --benches` runs bench targets with --bench too; `cargo bench` passes it.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let stream = detail_stream(EVENTS);
    println!("{} frames, {} octets", EVENTS, stream.len());
    let splitter = match Splitter::build(&stream) {
        Ok(splitter) => splitter,
        Err(e) => {
            eprintln!("reference: no C compiler run: {e}");
            std::process::exit(1);
        }
    };
    // The passes interleaved, C then devlink3 then devlink3 decoding every field, so that
    // the machine's swings reach all three alike; each ratio is of the same moment.
    let (mut c, mut ours, mut decoded, mut ratios) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..PASSES {
        let rate = splitter.rate().unwrap_or_else(|e| {
            eprintln!("reference: {e}");
            std::process::exit(1);
        });
        c.push(rate);
        ours.push(devlink3_rate(&stream, Read::Index));
        decoded.push(devlink3_rate(&stream, Read::Decode));
        ratios.push(ours[ours.len() - 1] / rate);
    }
    let (c, ours, decoded) = (median(c), median(ours), median(decoded));
    println!("C splitter (untyped, zero-copy):      {:>6.2} M events/s", c / 1e6);
    println!("devlink3 deframe + decode + index:    {:>6.2} M events/s", ours / 1e6);
    println!("ratio devlink3 / C (median of passes): {:>5.2}", median(ratios));
    println!("devlink3, every field decoded too:    {:>6.2} M events/s ({:.2} x C)", decoded / 1e6, decoded / c);
}
