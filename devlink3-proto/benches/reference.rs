//! devlink3's parse against a hand-written C reader, side by side in one run.
//!
//! `cargo bench -p devlink3-proto --bench reference`
//!
//! Both read the same buffer of 200,000 answered-call Detail event frames (the
//! specification's §6.7.1.3 record, corrected as spec-errata.md §2 says, 258 octets a
//! frame) from memory, three passes each, and the medians are compared:
//!
//! * C: `benches/reference/splitter.c`, compiled here with `cc -O2`: deframes, takes the
//!   Delta3 tuple, records every section and quote-aware comma field as offsets. Zero-copy,
//!   untyped: the least any reader does.
//! * devlink3: `Deframer` in 64 KiB reads, `Packet::decode`, the event tuples, and
//!   `Delta3Index::read`: every section and field located (quotes removed) and every
//!   number field checked, as a record on the event path is read; its fields are decoded
//!   when an accessor asks.
//! * devlink3 decoding every field too: the same, then `parse_delta3`'s typed `Detail`
//!   (numbers parsed, coded values mapped, a string per text field), for scale.
//!
//! The ratio devlink3 / C is what to watch (issue 13's target: at least 1.0). This machine
//! is shared: only the ratio within one run means anything.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use common::{Read, detail_stream, parse_stream};
use devlink3_proto::wire::Deframer;

const EVENTS: u32 = 200_000;
const PASSES: usize = 3;

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// Events per second of the C splitter, one rate per pass.
fn c_rates(stream: &[u8]) -> Result<Vec<f64>, String> {
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
    let run = Command::new(&exe).arg(&file).arg(PASSES.to_string()).output().map_err(|e| e.to_string())?;
    if !run.status.success() {
        return Err(format!("the splitter failed: {}", String::from_utf8_lossy(&run.stderr)));
    }
    let _ = std::fs::remove_file(&file);
    String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|line| {
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts[..] {
                ["PASS", events, _fields, seconds] if events == EVENTS.to_string() => {
                    Ok(f64::from(EVENTS) / seconds.parse::<f64>().map_err(|e| e.to_string())?)
                }
                _ => Err(format!("unexpected splitter output {line:?}")),
            }
        })
        .collect()
}

/// Events per second of devlink3's pipeline, one rate per pass.
fn devlink3_rates(stream: &[u8], read: Read) -> Vec<f64> {
    (0..PASSES)
        .map(|_| {
            let started = Instant::now();
            assert_eq!(parse_stream(&mut Deframer::new(), stream, read), EVENTS);
            f64::from(EVENTS) / started.elapsed().as_secs_f64()
        })
        .collect()
}

fn main() {
    // `cargo test --benches` runs bench targets with --bench too; `cargo bench` passes it.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let stream = detail_stream(EVENTS);
    println!("{} frames, {} octets", EVENTS, stream.len());
    let c = match c_rates(&stream) {
        Ok(rates) => median(rates),
        Err(e) => {
            eprintln!("reference: no C compiler run: {e}");
            std::process::exit(1);
        }
    };
    let ours = median(devlink3_rates(&stream, Read::Index));
    let decoded = median(devlink3_rates(&stream, Read::Decode));
    println!("C splitter (untyped, zero-copy):      {:>6.2} M events/s", c / 1e6);
    println!("devlink3 deframe + decode + index:    {:>6.2} M events/s", ours / 1e6);
    println!("ratio devlink3 / C:                   {:>6.2}", ours / c);
    println!("devlink3, every field decoded too:    {:>6.2} M events/s ({:.2} x C)", decoded / 1e6, decoded / c);
}
