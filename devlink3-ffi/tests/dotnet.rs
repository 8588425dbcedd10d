//! The .NET wrapper of `examples/dotnet/` (DevLink.cs and its console sample Program.cs),
//! run under mono against `libdevlink.so` and the simulator.
//!
//! `examples/dotnet/test.sh` runs these (they are `#[ignore]`d otherwise: they need mono's
//! `mcs` and `mono`). The sample is compiled once per test process with
//! `examples/dotnet/build.sh` into `target/<profile>/dotnet/`, and runs with
//! `LD_LIBRARY_PATH` at the `libdevlink.so` built with this test (in
//! `target/<profile>/deps/`, as for `c_programs.rs`), which mono's `DllImport("devlink")`
//! finds. Each test starts its own simulator in this process, drives the sample through
//! its stdin and reads its stdout: one line per event (see the top of `Program.cs`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{Program, comms, quiet, sim};
use devlink3_sim::Simulator;

/// How long the sample gets for one expected line, and the simulator for one condition.
const WAIT: Duration = Duration::from_secs(30);

/// Records per test: enough to see any reordering.
const RECORDS: usize = 50;

/// The simulator's service user (`SimConfig::default().users`), passed as USER (reserved1).
const USER: &str = "devlink3";

// ---------------------------------------------------------------------------------------
// Building and running the sample

fn ffi_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The directory holding the `libdevlink.so` built with this test: `target/<profile>/deps`
/// when cargo left the library there, else `target/<profile>`, whose copy the
/// `cargo build` of test.sh has just refreshed.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("test executable directory");
    [deps, deps.parent().expect("profile directory")]
        .into_iter()
        .find(|dir| dir.join("libdevlink.so").exists())
        .unwrap_or_else(|| panic!("libdevlink.so not found beside {} nor in its parent", exe.display()))
        .to_path_buf()
}

/// `sample.exe`, built once per test process.
fn sample() -> &'static Path {
    static SAMPLE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    SAMPLE.get_or_init(build).as_deref().unwrap_or_else(|e| panic!("{e}"))
}

fn build() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().expect("test executable path");
    let out = exe.parent().and_then(Path::parent).expect("profile directory").join("dotnet");
    let script = ffi_dir().join("../examples/dotnet/build.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg(&out)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed (it needs mono-mcs: run examples/dotnet/test.sh --install-tools):\n{}{}",
            script.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(out.join("sample.exe"))
}

/// `mono sample.exe MODE TARGET PASSWORD USER`.
fn start(mode: &str, target: &str, password: &str) -> Program {
    start_with(&[mode, target, password, USER])
}

/// `mono sample.exe ARGS...`, with nothing from the caller's `DEVLINK3_*` environment and
/// no devlink.ini (`DEVLINK3_CONFIG` empty): only what the command line says.
fn start_with(args: &[&str]) -> Program {
    let mut command = Command::new("mono");
    command.arg(sample()).args(args).env("LD_LIBRARY_PATH", lib_dir());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("DEVLINK3_") {
            command.env_remove(name);
        }
    }
    command.env("DEVLINK3_CONFIG", "");
    Program::spawn(command, "sample.exe (mono)", WAIT)
}

/// The next lines must be exactly `expected`, in order, with nothing between them but
/// `READY` and `STATE operational` lines (an extended-API link starts reporting before the
/// sample's Open has returned, and reports operational again once it has subscribed).
fn expect_exactly(app: &mut Program, expected: &[String]) {
    let mut got = Vec::with_capacity(expected.len());
    while got.len() < expected.len() {
        match app.next_line(Instant::now() + WAIT) {
            Some(line) if line == "READY" || line.starts_with("STATE operational ") => {}
            Some(line) => got.push(line),
            None => break,
        }
    }
    if got != expected {
        let at = expected.iter().zip(&got).position(|(want, line)| want != line).unwrap_or(got.len());
        app.die(&format!(
            "printed {} of {} expected lines, the first difference at {at}: expected {:?}, got {:?}",
            got.len(),
            expected.len(),
            expected.get(at),
            got.get(at)
        ));
    }
}

/// The simulator's address as a legacy application passes it: "127.0.0.1:port".
fn address(sim: &Simulator) -> String {
    sim.target().trim_start_matches("tcp://").to_string()
}

/// After the sample closed its link: the simulator sees it go, and a record injected now
/// reaches nobody (so nothing can arrive after the close).
fn wait_closed(sim: &Simulator) {
    let deadline = Instant::now() + WAIT;
    while sim.stats().connections_active > 0 {
        assert!(Instant::now() < deadline, "the simulator still sees the link {WAIT:?} after the close");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(sim.inject_delta3(&call_lost(999)), 0, "no subscribed connection after the close");
    assert_eq!(sim.inject_delta2(&delta2(999)), 0, "no subscribed connection after the close");
}

/// Records 0..RECORDS, numbered, arrive complete and in order: half of them, then (after
/// a full garbage collection, which must not free the wrapper's delegates, and a gap of
/// `gap` in the PBX's counter, reported as `gap_line`) the rest. Then a handler that throws
/// is caught at the boundary and the next record still comes; then close, with nothing
/// after it. Returns everything the sample printed.
fn records_in_order_then_close(
    mut app: Program,
    sim: &Simulator,
    inject: impl Fn(&Simulator, usize) -> usize,
    line: fn(usize) -> String,
    gap: u32,
    gap_line: &str,
) -> Vec<String> {
    let half = RECORDS / 2;
    for n in 0..half {
        assert_eq!(inject(sim, n), 1, "one subscribed connection");
    }
    expect_exactly(&mut app, &(0..half).map(line).collect::<Vec<_>>());

    app.send("gc");
    app.expect_line("GC");
    sim.skip_counter(gap);
    for n in half..RECORDS {
        inject(sim, n);
    }
    let mut expected = vec![gap_line.to_string()];
    expected.extend((half..RECORDS).map(line));
    expect_exactly(&mut app, &expected);

    app.send("throw");
    app.expect_line("ARMED");
    inject(sim, RECORDS);
    inject(sim, RECORDS + 1);
    expect_exactly(&mut app, &["CAUGHT thrown by the record handler, as asked".to_string(), line(RECORDS + 1)]);

    app.send("close");
    app.expect_line("CLOSED 0");
    wait_closed(sim);
    app.send("quit");
    let lines = app.finish();
    assert_nothing_after(&lines, "CLOSED 0");
    lines
}

/// The lines after the one starting with `marker` must be just "BYE".
fn assert_nothing_after(lines: &[String], marker: &str) {
    let at = lines.iter().position(|l| l.starts_with(marker)).unwrap_or_else(|| panic!("no {marker} in {lines:?}"));
    assert_eq!(lines[at + 1..], ["BYE"], "only BYE after {marker}");
}

/// The states of the `STATE <state> <pbx code> <reason>` lines among `lines`.
fn states(lines: &[String]) -> Vec<&str> {
    lines.iter().filter_map(|l| l.strip_prefix("STATE ")?.split(' ').next()).collect()
}

// ---------------------------------------------------------------------------------------
// Records

/// Numbered Delta2 records: S, D and A in turn, with accented Latin, CJK and a character
/// outside the BMP (the wrapper must decode the UTF-8 libdevlink.so hands over).
fn delta2(n: usize) -> String {
    let call = 1000 + n;
    match n % 3 {
        0 => format!(
            "CALL: S 17.{call}.1,17.1004.2,2,2,1,0,1,0,René Müller (4001),Zoë Ødegård (4002),,,,0.1,4002,0.1,\
             4001,,,0,4002,0,,1,16,0,1,1.0,,,,,日本 𝄞,,0,,,,,,,,,,,,,,,{n}"
        ),
        1 => format!("CALL: D 17.{call}.1,17.1004.2,{n}"),
        _ => format!(
            "CALL: A 17.1004.2,17.{call}.1,2,2,1,0,1,0,Zoë Ødegård (4002),René Müller (4001),,,,0.1,4001,0.1,\
             4002,,,0,4001,0,,1,16,0,1,1.0,,,,,,,0,,,,,,,,,,,,,,,{n}"
        ),
    }
}

fn delta2_line(n: usize) -> String {
    let kind = ["Status", "Deleted", "Swapped"][n % 3];
    format!("DELTA2 {kind} {}", delta2(n))
}

fn call_lost(n: usize) -> String {
    format!("<CallLost>c0a82a03,c0a82a03{:08x},1,16,{n}</CallLost>", 0x400 + n)
}

fn detail(n: usize) -> String {
    format!(
        "<Detail><Call>c0a82a03,{n},,,,0,,,,,,0,0,0,77,0,,0</Call>\
         <PartyA>c0a82a0300000001,1,2,1,0,0,0,0,0,8,0,,4001,101,0,,4002,,,,,4001,0,5,\"Müller, René\",</PartyA>\
         <Target_list><Target>c0a82a0300000002,0,0,8,0,,4002,101,0,4002,,,4001,0</Target></Target_list></Detail>"
    )
}

/// Numbered Delta3 records, Detail and CallLost in turn.
fn delta3(n: usize) -> String {
    if n % 2 == 0 { detail(n) } else { call_lost(n) }
}

fn delta3_line(n: usize) -> String {
    let kind = if n % 2 == 0 { "Detail" } else { "CallLost" };
    format!("DELTA3 {kind} {}", delta3(n))
}

// ---------------------------------------------------------------------------------------
// The legacy API

/// DLOpen with the user as reserved1, OPERATIONAL by callback, Delta2 records complete and
/// in order across full garbage collections and a missed-packets report, an exception in a
/// handler caught at the boundary, and DLClose with nothing after it.
#[test]
#[ignore = "needs mono: run examples/dotnet/test.sh"]
fn legacy_delta2_records_arrive_in_order() {
    let sim = sim(quiet());
    let mut app = start("legacy", &address(&sim), "devlink3");
    app.expect_line("COMMS 0 0");
    app.expect_line("REGISTERED");
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "registering subscribes");

    let inject = |sim: &Simulator, n| sim.inject_delta2(&delta2(n));
    let lines = records_in_order_then_close(app, &sim, inject, delta2_line, 5, "COMMS 3 5");
    assert_eq!(comms(&lines), ["COMMS 0 0", "COMMS 3 5"], "comms states, in order");
}

/// DLRegisterType3CallDeltas: Delta3 records by the legacy API, in order; DLClose from
/// inside a record handler returns at once and nothing follows.
#[test]
#[ignore = "needs mono: run examples/dotnet/test.sh"]
fn legacy_delta3_records_arrive_in_order_and_close_inside_a_handler() {
    let sim = sim(quiet());
    let mut app = start("legacy3", &address(&sim), "devlink3");
    app.expect_line("COMMS 0 0");
    app.expect_line("REGISTERED");
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "registering subscribes");
    for n in 0..RECORDS {
        assert_eq!(sim.inject_delta3(&delta3(n)), 1, "one subscribed connection");
    }
    expect_exactly(&mut app, &(0..RECORDS).map(delta3_line).collect::<Vec<_>>());

    app.send("close_in_callback");
    app.expect_line("ARMED");
    sim.inject_delta3(&delta3(RECORDS));
    expect_exactly(&mut app, &[delta3_line(RECORDS), "CLOSED_IN_CALLBACK 0".to_string()]);
    wait_closed(&sim);
    app.send("quit");
    let lines = app.finish();
    assert_nothing_after(&lines, "CLOSED_IN_CALLBACK 0");
}

/// A wrong password: REJECTED reaches the comms callback, once, and the link is not retried.
#[test]
#[ignore = "needs mono: run examples/dotnet/test.sh"]
fn legacy_wrong_password_is_rejected_by_callback() {
    let sim = sim(quiet());
    let mut app = start("legacy", &address(&sim), "not the password");
    app.expect_line("COMMS 2 0");
    app.expect_line("NOT_REGISTERED 2");
    app.expect_line("READY");
    app.send("close");
    app.expect_line("CLOSED 0");
    app.send("quit");
    let lines = app.finish();
    assert_eq!(comms(&lines), ["COMMS 2 0"]);
    let stats = sim.stats();
    assert_eq!((stats.auth_attempts, stats.auth_failures), (1, 1), "one login attempt");
}

/// An application that exits without disposing its link: the wrapper closes it as the
/// process exits (mono would otherwise wait forever for the library's thread).
#[test]
#[ignore = "needs mono: run examples/dotnet/test.sh"]
fn legacy_exit_without_dispose_closes_the_link() {
    let sim = sim(quiet());
    let mut app = start("legacy", &address(&sim), "devlink3");
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "registering subscribes");
    sim.inject_delta2(&delta2(0));
    app.expect_line(&delta2_line(0));
    app.send("exit");
    app.expect_line("EXIT");
    app.finish();
    wait_closed(&sim);
}

/// A DLOpen failure (no service user anywhere): Open throws, and the comms callback still
/// hears REJECTED from the library afterwards, through the delegate the wrapper kept alive.
#[test]
#[ignore = "needs mono: run examples/dotnet/test.sh"]
fn legacy_open_failure_also_reaches_the_comms_callback() {
    let sim = sim(quiet());
    let mut app = start_with(&["legacy", &address(&sim), "devlink3"]);
    let failed = app.expect("OPEN_FAILED", |l| l.starts_with("OPEN_FAILED "));
    assert!(failed.starts_with("OPEN_FAILED 1 DLOpen failed (1): ") && failed.contains("user"), "{failed}");
    app.expect_line("COMMS 2 0");
    app.expect_line("NOT_REGISTERED 2");
    app.expect_line("READY");
    app.send("close");
    app.expect_line("CLOSED -1");
    app.send("quit");
    let lines = app.finish();
    assert_eq!(comms(&lines), ["COMMS 2 0"]);
    assert_eq!(sim.stats().connections_accepted, 0, "nothing connected");
}

// ---------------------------------------------------------------------------------------
// The extended API

/// devlink3_open with link-state, Delta3 and missed callbacks: operational, Delta3 records
/// with their kinds in order, a counter gap as MISSED, and devlink3_close.
#[test]
#[ignore = "needs mono: run examples/dotnet/test.sh"]
fn extended_delta3_records_arrive_in_order() {
    let sim = sim(quiet());
    let mut app = start("delta3", &sim.target(), "devlink3");
    // Before or after READY: the link reports from its own thread while Open is returning.
    app.expect("the operational state", |l| l.starts_with("STATE operational 0x00000000 operational: Avaya"));
    assert!(sim.wait_subscribed(1, WAIT), "setting a Delta3 callback subscribes");

    let inject = |sim: &Simulator, n| sim.inject_delta3(&delta3(n));
    let lines = records_in_order_then_close(app, &sim, inject, delta3_line, 3, "MISSED 3 CounterGap");
    // Operational again once subscribed, if the link was operational before.
    let states = states(&lines);
    assert!(
        states.len() >= 2 && states[0] == "connecting" && states[1..].iter().all(|s| *s == "operational"),
        "{states:?}"
    );
}

/// A wrong password: the rejected state, with the PBX's code, by callback.
#[test]
#[ignore = "needs mono: run examples/dotnet/test.sh"]
fn extended_wrong_password_is_rejected_by_callback() {
    let sim = sim(quiet());
    let mut app = start("delta3", &sim.target(), "not the password");
    app.expect("the rejected state", |l| l.starts_with("STATE rejected 0x80000041 "));
    app.send("close");
    app.expect_line("CLOSED 0");
    app.send("quit");
    let lines = app.finish();
    assert_nothing_after(&lines, "CLOSED 0");
    assert_eq!(states(&lines), ["connecting", "rejected"]);
    let stats = sim.stats();
    assert_eq!((stats.auth_attempts, stats.auth_failures), (1, 1), "one login attempt");
}
