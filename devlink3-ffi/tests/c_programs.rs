//! The C programs of `tests/c/` and `examples/c/`, compiled and run against the simulator.
//!
//! How the C side is built: `cargo test` compiles this crate's library target once with
//! all its crate types, so `libdevlink.so` (the cdylib) sits next to this test binary in
//! `target/<profile>/deps/`, as fresh as the code under test. Each program is compiled
//! with `cc -std=c99 -Wall -Wextra -Werror -pedantic` against `include/` and linked to that
//! library (with an rpath, and `LD_LIBRARY_PATH` when they run, which cargo would
//! otherwise point at `target/<profile>`); the test programs are compiled once more as
//! C++ with `g++`. The binaries go to `target/<profile>/c-tests/`. One test runs a set
//! of them under valgrind (about 16 s).
//!
//! Each test starts its own simulator in this process and passes its address to the
//! program on the command line. The programs report on stdout, one line per event, and
//! take commands on stdin (see `tests/c/harness.h`).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::{
    CALL_LOST, DELTA2_D, DELTA2_S, DETAIL, Program, apply_env, assert_every_record_arrived, comms, hex,
    legacy_record_then_close, quiet, quiet_down, record_line, sim, sim_port,
};
use devlink3_core::files::write_user_list;
use devlink3_sim::{SimConfig, default_users_list};

/// How long a program gets for one expected line.
const WAIT: Duration = Duration::from_secs(20);

/// Not a record kind the parser knows: legacy applications get it all the same.
const DELTA2_ODD: &str = "CALL: X ÿ odd";

// ---------------------------------------------------------------------------------------
// Building the C programs

fn ffi_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The directory holding the `libdevlink` built with this test (see the module docs).
/// Not `target/<profile>` itself: only `cargo build` refreshes the copy there.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("test executable directory").to_path_buf();
    if !deps.join(shared_lib_name()).exists() {
        panic!("{} not found next to {} (is crate-type cdylib still set?)", shared_lib_name(), exe.display());
    }
    deps
}

fn shared_lib_name() -> &'static str {
    if cfg!(target_os = "macos") { "libdevlink.dylib" } else { "libdevlink.so" }
}

fn out_dir() -> PathBuf {
    let dir = lib_dir().parent().expect("profile directory").join("c-tests");
    std::fs::create_dir_all(&dir).expect("creating the C test output directory");
    dir
}

fn run_compiler(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Compiles `source` as C99 into an executable named `name`, linked to libdevlink.
fn compile_c(source: &Path, name: &str) -> Result<PathBuf, String> {
    let lib = lib_dir();
    let exe = out_dir().join(name);
    run_compiler(
        Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
            .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g", "-O0"])
            .arg("-I")
            .arg(ffi_dir().join("../include"))
            .arg("-I")
            .arg(ffi_dir().join("tests/c"))
            .arg("-o")
            .arg(&exe)
            .arg(source)
            .arg("-L")
            .arg(&lib)
            .arg("-ldevlink")
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .arg("-lpthread"),
    )?;
    Ok(exe)
}

/// Compiles `source` as C++ (to an object file: the point is that it compiles).
fn compile_cpp(source: &Path, name: &str) -> Result<(), String> {
    run_compiler(
        Command::new(std::env::var("CXX").unwrap_or_else(|_| "g++".into()))
            .args(["-x", "c++", "-std=c++11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c"])
            .arg("-I")
            .arg(ffi_dir().join("../include"))
            .arg("-I")
            .arg(ffi_dir().join("tests/c"))
            .arg("-o")
            .arg(out_dir().join(format!("{name}.cpp.o")))
            .arg(source),
    )
}

/// The executable of `tests/c/<name>.c`, compiled once per test process (and checked
/// to compile as C++ too).
fn program(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, Result<PathBuf, String>>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    let result = built.entry(name.to_string()).or_insert_with(|| {
        let source = ffi_dir().join("tests/c").join(format!("{name}.c"));
        compile_cpp(&source, name)?;
        compile_c(&source, name)
    });
    result.clone().unwrap_or_else(|e| panic!("{e}"))
}

fn example(name: &str) -> PathBuf {
    compile_c(&ffi_dir().join("../examples/c").join(format!("{name}.c")), &format!("example_{name}"))
        .unwrap_or_else(|e| panic!("{e}"))
}

// ---------------------------------------------------------------------------------------
// Running them

fn start(exe: &Path, args: &[&str]) -> Program {
    launch(exe, args, None, &[])
}

/// Starts `exe`, under `wrapper` (e.g. valgrind) when given.
fn start_with(exe: &Path, args: &[&str], wrapper: Option<&[&str]>) -> Program {
    launch(exe, args, wrapper, &[])
}

/// Starts `exe` with environment variables set (`Some`) or removed (`None`).
fn start_env(exe: &Path, args: &[&str], env: &[(&str, Option<&str>)]) -> Program {
    launch(exe, args, None, env)
}

fn launch(exe: &Path, args: &[&str], wrapper: Option<&[&str]>, env: &[(&str, Option<&str>)]) -> Program {
    let mut command = match wrapper {
        Some([tool, tool_args @ ..]) => {
            let mut c = Command::new(tool);
            c.args(tool_args).arg(exe);
            c
        }
        _ => Command::new(exe),
    };
    command
        .args(args)
        .env("DEVLINK3_USER", "devlink3")
        // No devlink.ini: a stray one beside the library must not change the tests.
        .env("DEVLINK3_CONFIG", "")
        // cargo points these at target/<profile> too, whose uplifted copy of the
        // library is only refreshed by `cargo build`: load the one built with the test.
        .env("LD_LIBRARY_PATH", lib_dir())
        .env("DYLD_LIBRARY_PATH", lib_dir());
    apply_env(&mut command, env);
    Program::spawn(command, &exe.file_name().unwrap().to_string_lossy(), WAIT)
}

// ---------------------------------------------------------------------------------------
// The legacy API

#[test]
fn header_pins_the_original_prototypes() {
    let mut app = start(&program("header_pin"), &[]);
    app.expect_line("OK");
    app.finish();
}

#[test]
fn legacy_delta2_flow() {
    let sim = sim(quiet());
    let mut app = start(&program("legacy_agent"), &[&sim.target(), "devlink3", "2"]);
    app.expect_line("COMMS 0 0");
    app.expect_line("REGISTER 0 ");
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    for text in [DELTA2_S, DELTA2_D, DELTA2_ODD] {
        assert_eq!(sim.inject_delta2(text), 1, "one subscribed connection");
        app.expect_line(&record_line(text));
    }
    // A gap in the PBX's counter: the next event reports how many were missed.
    sim.skip_counter(5);
    sim.inject_delta2(DELTA2_D);
    app.expect_line("COMMS 3 5");
    app.expect_line(&record_line(DELTA2_D));
    app.send("close");
    app.expect_line("CLOSED 0");
    app.send("quit");
    let lines = app.finish();
    assert_eq!(comms(&lines), ["COMMS 0 0", "COMMS 3 5"], "comms states, in order");
}

#[test]
fn legacy_delta3_flow() {
    let sim = sim(quiet());
    let mut app = start(&program("legacy_agent"), &[&sim.target(), "devlink3", "3", "events=delta3; app=legacy test"]);
    app.expect_line("COMMS 0 0");
    app.expect_line("REGISTER 0 ");
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    for text in [CALL_LOST, DETAIL] {
        assert_eq!(sim.inject_delta3(text), 1);
        app.expect_line(&record_line(text));
    }
    // A Delta2 link is not what this is: nothing else arrives.
    sim.inject_delta2(DELTA2_D);
    let extra = app.lines_for(Duration::from_millis(300));
    assert!(extra.is_empty(), "{extra:?}");
    app.send("quit");
    app.finish();
}

#[test]
fn legacy_reconnect_reads_noresponse_then_operational() {
    let sim = sim(quiet());
    let mut app = start(&program("legacy_agent"), &[&sim.target(), "devlink3", "2"]);
    app.expect_line("READY");
    sim.drop_connections();
    app.expect_line("COMMS 1 0");
    app.expect_line("COMMS 0 0");
    // The registration survived the reconnect, without a new DLOpen.
    assert_eq!(sim.inject_delta2(DELTA2_S), 1);
    app.expect_line(&record_line(DELTA2_S));
    app.send("quit");
    let lines = app.finish();
    assert_eq!(comms(&lines), ["COMMS 0 0", "COMMS 1 0", "COMMS 0 0"]);
}

#[test]
fn legacy_unreachable_pbx_reads_noresponse_once() {
    // A port nobody listens on: every attempt fails at once, the library keeps retrying.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let target = format!("127.0.0.1:{port}");
    let mut app = start(&program("legacy_agent"), &[&target, "devlink3", "2"]);
    app.expect_line("COMMS 1 0");
    app.expect_line("REGISTER 0 ");
    let later = app.lines_for(Duration::from_secs(3));
    assert!(comms(&later).is_empty(), "NORESPONSE is reported once per outage: {later:?}");
    app.send("quit");
    app.finish();
}

#[test]
fn legacy_wrong_password_is_rejected_and_not_retried() {
    let sim = sim(quiet());
    let mut app = start(&program("legacy_agent"), &[&sim.target(), "not the password", "2"]);
    app.expect_line("COMMS 2 0");
    let register = app.expect("a REGISTER line", |l| l.starts_with("REGISTER"));
    assert!(register.starts_with("REGISTER 1 ") && register.contains("AUTHENTICATION_FAILED"), "{register}");
    // Several reconnect delays later, still one attempt: retrying would lock the user out.
    std::thread::sleep(Duration::from_secs(2));
    let stats = sim.stats();
    assert_eq!((stats.auth_attempts, stats.auth_failures), (1, 1));
    app.send("quit");
    let lines = app.finish();
    assert_eq!(comms(&lines), ["COMMS 2 0"]);
}

#[test]
fn legacy_licence_refusal_is_licencenotfound() {
    let sim = sim(SimConfig { licence_missing: true, ..quiet() });
    let mut app = start(&program("legacy_agent"), &[&sim.target(), "devlink3", "2"]);
    app.expect_line("COMMS 2 0");
    let register = app.expect("a REGISTER line", |l| l.starts_with("REGISTER"));
    assert!(register.starts_with("REGISTER 2 ") && register.contains("LICENCE_MISSING"), "{register}");
    app.send("quit");
    app.finish();
}

#[test]
fn legacy_tls_with_a_pinned_certificate() {
    let sim = sim(SimConfig { tls: Some("127.0.0.1:0".parse().unwrap()), ..quiet() });
    let target = sim.tls_target().expect("a TLS listener");
    let pin = format!("tls_pin={}", sim.fingerprint_sha256().expect("a certificate"));
    let mut app = start(&program("legacy_agent"), &[&target, "devlink3", "2", &pin]);
    app.expect_line("COMMS 0 0");
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    sim.inject_delta2(DELTA2_S);
    app.expect_line(&record_line(DELTA2_S));
    app.send("quit");
    app.finish();

    // Another certificate's pin: rejected (final, not retried), and no password sent.
    let wrong = format!("tls_pin={}", "00".repeat(32));
    let mut app = start(&program("legacy_agent"), &[&target, "devlink3", "2", &wrong]);
    app.expect_line("COMMS 2 0");
    app.expect("the reason", |l| l.starts_with("REGISTER 1 ") && l.contains("does not match the pinned"));
    app.send("quit");
    app.finish();
    assert_eq!(sim.stats().auth_attempts, 1, "only the first program logged in");
}

#[test]
fn legacy_over_websocket_with_digest_and_options() {
    use devlink3_sim::{SendPolicy, SimWebSocket};
    let websocket = SimWebSocket {
        path: "/devlink3".into(),
        protocol: Some("devlink3".into()),
        send: SendPolicy::Split(5),
        ..SimWebSocket::default()
    };
    let sim = sim(SimConfig { tcp: None, ws: Some("127.0.0.1:0".parse().unwrap()), websocket, ..quiet() });
    let target = sim.ws_target().expect("a ws listener");
    let options = "ws_auth=digest; ws_protocol=devlink3; ws_header=X-Site: lab";
    let mut app = start(&program("legacy_agent"), &[&target, "devlink3", "2", options]);
    app.expect_line("COMMS 0 0");
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    for text in [DELTA2_S, DELTA2_ODD] {
        sim.inject_delta2(text);
        app.expect_line(&record_line(text));
    }
    app.send("quit");
    app.finish();
}

#[test]
fn legacy_close_inside_a_callback() {
    let sim = sim(quiet());
    let mut app = start(&program("legacy_close_in_callback"), &[&sim.target()]);
    app.expect_line("OK");
    app.finish();
}

#[test]
fn legacy_close_waits_for_the_running_callback() {
    let sim = sim(quiet());
    let mut app = start(&program("legacy_agent"), &[&sim.target(), "devlink3", "2"]);
    app.expect_line("READY");
    app.send("slow 2");
    app.expect_line("SLOW 2");
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    // Records keep arriving while DLClose runs; none may be delivered after it returns
    // (the program reports "LATE" if one is).
    let _blast = sim.blast(2000, DELTA2_S);
    for _ in 0..5 {
        app.expect("a record", |l| l.starts_with("RECORD"));
    }
    app.send("close");
    app.expect_line("CLOSED 0");
    app.send("quit");
    app.finish();
}

#[test]
fn legacy_many_links_at_once() {
    const LINKS: usize = 5;
    let sim = sim(SimConfig { max_connections: LINKS, ..quiet() });
    let mut app = start(&program("legacy_multi"), &[&sim.target(), &LINKS.to_string()]);
    app.expect_line("READY");
    assert!(sim.wait_subscribed(LINKS, WAIT), "the program subscribes");
    assert_eq!(sim.inject_delta2(DELTA2_S), LINKS);
    let mut got: Vec<String> = (0..LINKS).map(|_| app.expect("a record", |l| l.starts_with("RECORD"))).collect();
    got.sort();
    let want: Vec<String> = (100..100 + LINKS).map(|pbxh| format!("RECORD {pbxh} {}", hex(DELTA2_S))).collect();
    assert_eq!(got, want);
    app.send("quit");
    app.finish();
}

#[test]
fn legacy_open_close_200_cycles() {
    let sim = sim(SimConfig { max_connections: 1000, ..quiet() });
    let mut app = start(&program("legacy_cycles"), &[&sim.target(), "200"]);
    let summary = app.expect("the summary", |l| l.starts_with("CYCLES"));
    eprintln!("{summary}");
    app.expect_line("OK");
    app.finish();
    assert_eq!(sim.stats().connections_authenticated, 0, "every connection was closed");
}

/// A folder of its own for a test's files, emptied.
fn scratch(name: &str) -> PathBuf {
    let dir = out_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("the log {}: {e}", path.display()))
}

/// An application that ignores DLOpen's result and waits for its comms callback hears
/// REJECTED (after DLOpen returned), and the log says why.
#[test]
fn legacy_open_failures_reach_the_comms_callback_and_the_log() {
    let sim = sim(quiet());
    let target = sim.target();
    let dir = scratch("open-failures");
    type Env<'a> = &'a [(&'a str, Option<&'a str>)];
    let cases: [(&str, &str, &str, Env, &str); 5] = [
        (
            "no-user",
            &target,
            "",
            &[("DEVLINK3_USER", None)],
            "no service user name: pass it as reserved1, set the DEVLINK3_USER",
        ),
        ("bad-address", "ftp://ipo", "", &[], "pbx_address: \"ftp://ipo\": unknown scheme \"ftp\""),
        ("bad-port", "127.0.0.1:99999", "", &[], "bad port \"99999\""),
        ("bad-option", &target, "colour=blue", &[], "reserved2: colour: unknown key"),
        (
            "bad-variable",
            &target,
            "",
            &[("DEVLINK3_TRANSPORT", Some("carrier pigeon"))],
            "environment variable DEVLINK3_TRANSPORT: transport: \"carrier pigeon\": expected tcp, tls, ws or wss",
        ),
    ];
    for (case, address, reserved2, env, reason) in cases {
        let log = dir.join(format!("{case}.log"));
        let mut env = env.to_vec();
        let log_text = log.to_string_lossy().into_owned();
        env.push(("DEVLINK3_LOG_FILE", Some(&log_text)));
        let mut args = vec![address, "devlink3", "2"];
        if !reserved2.is_empty() {
            args.push(reserved2);
        }
        let mut app = start_env(&program("legacy_agent"), &args, &env);
        let open = app.expect("the OPEN line", |l| l.starts_with("OPEN"));
        assert!(open.starts_with("OPEN 1 DLOpen(pbxh 1): ") && open.contains(reason), "{case}: {open}");
        app.expect_line("COMMS 2 0");
        app.expect_line("READY");
        app.send("close");
        app.expect_line("CLOSED 1");
        app.send("quit");
        let lines = app.finish();
        assert_eq!(comms(&lines), ["COMMS 2 0"], "{case}: REJECTED once");
        let log = read_log(&log);
        assert!(log.contains(" WARN DLOpen(pbxh 1): ") && log.contains(reason), "{case}: the log says why:\n{log}");
    }
    assert_eq!(sim.stats().auth_attempts, 0, "no failed DLOpen reached the PBX");
}

/// An application that retries DLOpen at once after a failure: the failed open's REJECTED
/// is not delivered to the new link of the same pbxh.
#[test]
fn legacy_reopen_after_a_failure_gets_no_stale_rejection() {
    let sim = sim(quiet());
    let mut app = start(&program("legacy_reopen"), &[&sim.target(), "devlink3"]);
    app.expect_line("OK");
    let lines = app.finish();
    assert_eq!(comms(&lines), ["COMMS 0 0"], "{lines:?}");
    assert!(lines.contains(&"CLOSED 0".to_string()), "{lines:?}");
}

/// An unchanged application: the address without a port, no user. devlink.ini (UTF-8 with
/// a BOM, CRLF lines) beside libdevlink.so supplies both and the log file.
#[test]
fn legacy_devlink_ini_beside_the_library_configures_an_unchanged_app() {
    let sim = sim(quiet());
    let port = sim_port(&sim);
    let dir = scratch("ini-beside");
    std::fs::copy(lib_dir().join(shared_lib_name()), dir.join(shared_lib_name())).unwrap();
    let ini = format!(
        "\u{feff}; written by Notepad\r\n[devlink]\r\nuser = devlink3\r\nport = {port}\r\n\
         log_file = logs\\devlink.log\r\nlog_level = info\r\n"
    );
    let ini = ini.replace("logs\\devlink.log", "logs/devlink.log");
    std::fs::write(dir.join("devlink.ini"), ini).unwrap();
    let libdir = dir.to_string_lossy().into_owned();
    let env = [
        ("DEVLINK3_USER", None),
        ("DEVLINK3_CONFIG", None),
        ("LD_LIBRARY_PATH", Some(libdir.as_str())),
        ("DYLD_LIBRARY_PATH", Some(libdir.as_str())),
    ];
    let app = start_env(&program("legacy_agent"), &["127.0.0.1", "devlink3", "2"], &env);
    legacy_record_then_close(app, &sim, WAIT);
    let log = read_log(&dir.join("logs/devlink.log"));
    let ini_path = dir.join("devlink.ini");
    let opened = format!(
        "INFO DLOpen(pbxh 1): connecting to tcp://127.0.0.1:{port} as \"devlink3\" (settings from {})",
        ini_path.display()
    );
    assert!(log.contains(&opened), "{opened:?} in the log:\n{log}");
    assert!(log.contains("INFO devlink3: operational"), "the link's states are logged:\n{log}");
}

/// A bad devlink.ini: DLOpen fails naming the file, the line and the key; REJECTED.
#[test]
fn legacy_bad_devlink_ini_is_named_line_by_line() {
    let dir = scratch("ini-bad");
    let ini = dir.join("devlink.ini");
    std::fs::write(&ini, "[devlink]\nuser = devlink3\ntls_pin = not a pin\nlog_file = devlink.log\nspeed = fast\n")
        .unwrap();
    let ini_text = ini.to_string_lossy().into_owned();
    let env = [("DEVLINK3_CONFIG", Some(ini_text.as_str()))];
    let mut app = start_env(&program("legacy_agent"), &["127.0.0.1:1", "pw", "2"], &env);
    let open = app.expect("the OPEN line", |l| l.starts_with("OPEN"));
    let line3 = format!("{} line 3: tls_pin: ", ini.display());
    let line5 = format!("{} line 5: speed: unknown key", ini.display());
    assert!(open.starts_with("OPEN 1 ") && open.contains(&line3) && open.contains(&line5), "{open}");
    app.expect_line("COMMS 2 0");
    app.send("quit");
    app.finish();
    // log_file came before the bad key, and still took effect: the reason is in it.
    let log = read_log(&dir.join("devlink.log"));
    assert!(log.contains(&line3) && log.contains(&line5), "{log}");
}

#[test]
fn every_null_argument() {
    let sim = sim(quiet());
    let mut app = start(&program("null_arguments"), &[&sim.target()]);
    app.expect_line("OK");
    app.finish();
}

// ---------------------------------------------------------------------------------------
// The extended API

/// Injects one of each record kind a Delta3 link with `_SIPTrack _CMExtn` gets, and
/// checks what the program printed of them.
fn extended_api_flow(mode: &str) {
    let sim = sim(quiet());
    let mut app = start(&program("api_agent"), &[&sim.target(), mode, "_SIPTrack _CMExtn"]);
    // In push mode the state callback may run before the program prints READY: either order.
    let (mut ready, mut operational) = (false, false);
    while !(ready && operational) {
        let line = app.expect("READY and the operational state", |l| {
            l == "READY" || l.starts_with("STATE 1 0 operational: Avaya")
        });
        if line == "READY" {
            ready = true;
        } else {
            operational = true;
        }
    }

    // Operational comes before the event request is answered: inject once subscribed.
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    assert_eq!(sim.inject_delta3(DETAIL), 1);
    app.expect_line(&format!("DETAIL 42 Müller, René 0 1 {}", hex(DETAIL)));
    sim.inject_delta3(CALL_LOST);
    app.expect_line(&format!("CALLLOST c0a82a0300000413 16 {}", hex(CALL_LOST)));
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    sim.inject_siptrack("START,c0a82a1f000003eb,17.1003.1,TRUNK,IN,0f5757c5c504c74197be9699697eab8d");
    app.expect_line("SIPTRACK START 17.1003.1 0f5757c5c504c74197be9699697eab8d");
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    sim.inject_cmextn("Extn4001: CALL LOST (CMCauseForceIdle)");
    app.expect_line(&format!("CMEXTN 0 Extn4001 0 0 0 {}", hex("Extn4001: CALL LOST (CMCauseForceIdle)")));
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    sim.inject_cmextn_state(1, 2, 0, "Extn865001");
    app.expect_line(&format!("CMEXTN 1 Extn865001 1 2 0 {}", hex("v=1 State, new=Dialling old=Idle,0,0,Extn865001")));
    sim.skip_counter(3);
    sim.inject_delta3(CALL_LOST);
    app.expect_line("MISSED 3 0");

    app.send("read nasystem/user_list");
    app.expect_line(&format!(
        "FILE {}",
        write_user_list(&default_users_list()).iter().map(|b| format!("{b:02x}")).collect::<String>()
    ));
    app.send("read no/such/file");
    app.expect("a read failure", |l| l.starts_with("FILEERROR DEVLINK3_STATUS_REFUSED"));
    app.send("quit");
    let lines = app.finish();
    let drops: Vec<&String> = lines.iter().filter(|l| l.starts_with("DROP")).collect();
    let expected: &[&str] = if mode == "push" { &["DROP first"] } else { &[] };
    assert_eq!(drops, expected, "the callback set is released once, at close");
}

/// Callbacks replaced while records flow: the old set's drop runs once, before the call
/// returns (no callback of it was running); the new set takes the records; its drop runs
/// once at close, after its last callback.
#[test]
fn extended_api_callbacks_replaced_and_dropped_once() {
    let sim = sim(quiet());
    let mut app = start(&program("api_agent"), &[&sim.target(), "push"]);
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    sim.inject_delta3(CALL_LOST);
    app.expect_line(&format!("CALLLOST c0a82a0300000413 16 {}", hex(CALL_LOST)));
    app.send("replace");
    app.expect_line("DROP first");
    app.expect_line("REPLACED");
    sim.inject_delta3(CALL_LOST);
    app.expect_line(&format!("CALLLOST c0a82a0300000413 16 {}", hex(CALL_LOST)));
    app.send("quit");
    let lines = app.finish();
    let drops: Vec<&str> = lines.iter().filter(|l| l.starts_with("DROP")).map(String::as_str).collect();
    assert_eq!(drops, ["DROP first", "DROP second"]);
    let second = lines.iter().position(|l| l == "DROP second").unwrap();
    assert_eq!(lines[second + 1..], ["BYE"], "nothing after the last set was released");
}

#[test]
fn extended_api_pull() {
    extended_api_flow("pull");
}

#[test]
fn extended_api_push() {
    extended_api_flow("push");
}

#[test]
fn extended_api_delta2_and_reconnect() {
    let sim = sim(quiet());
    let mut app = start(&program("api_agent"), &[&sim.target(), "push", "-CD2"]);
    app.expect("the operational state", |l| l.starts_with("STATE 1 "));
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    sim.inject_delta2(DELTA2_S);
    app.expect_line(&format!("DELTA2 S {}", hex(DELTA2_S)));
    sim.drop_connections();
    app.expect("no response", |l| l.starts_with("STATE 2 0 no response"));
    app.expect("the operational state again", |l| l.starts_with("STATE 1 "));
    app.send("quit");
    app.finish();
}

#[test]
fn extended_api_wrong_password_carries_the_pbx_code() {
    // api_agent logs in as devlink3/devlink3: give that user another password.
    let sim = sim(SimConfig { users: vec![("devlink3".into(), "something else".into())], ..quiet() });
    let mut app = start(&program("api_agent"), &[&sim.target(), "pull"]);
    let rejected = format!("STATE 3 {} rejected", 0x8000_0041u32); // AUTHENTICATION_FAILED
    app.expect("the rejection", |l| l.starts_with(&rejected));
    app.send("quit");
    app.finish();
    assert_eq!(sim.stats().auth_attempts, 1);
}

// ---------------------------------------------------------------------------------------
// The examples

#[test]
fn example_legacy_app_prints_delta2_records() {
    let sim = sim(quiet());
    let target = sim.target();
    let address = target.trim_start_matches("tcp://");
    let mut app = start(&example("legacy_app"), &[address, "devlink3"]);
    app.expect_line("Connected OK");
    app.expect_line("Printing call records; press ENTER to stop");
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    sim.inject_delta2(DELTA2_S);
    app.expect_line(DELTA2_S);
    app.send("");
    app.finish();
}

#[test]
fn example_events_prints_calls_and_users() {
    let sim = sim(quiet());
    let mut app = start(&example("events"), &[&sim.target(), "devlink3", "devlink3", "3"]);
    app.expect("the user count", |l| l == format!("the PBX has {} users", default_users_list().len()));
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    sim.inject_delta3(CALL_LOST);
    app.expect_line("call end c0a82a0300000413 gone, cause 16");
    app.finish();
}

// ---------------------------------------------------------------------------------------
// The extended API from Rust, where a C program could not arrange the timing

/// `devlink3_close` from another thread wakes a thread blocked in `devlink3_next_event`
/// on the same link, which then returns CLOSED (and the link's memory lives until then).
#[test]
fn close_wakes_a_blocked_puller() {
    use devlink::api::*;
    use devlink::devlink3_status;
    use devlink::view::devlink3_event;
    use std::ptr;

    let sim = sim(quiet());
    let target = std::ffi::CString::new(sim.target()).unwrap();
    let mut config = ptr::null_mut();
    let mut link = ptr::null_mut();
    // SAFETY: valid C strings and out-pointers; every object is released once.
    unsafe {
        assert_eq!(
            devlink3_config_new(target.as_ptr(), c"devlink3".as_ptr(), c"devlink3".as_ptr(), &mut config),
            devlink3_status::Ok
        );
        assert_eq!(devlink3_open(config, &mut link), devlink3_status::Ok);
        devlink3_config_free(config);
    }
    struct Link(*mut devlink3_link);
    // SAFETY: the API is callable from any thread.
    unsafe impl Send for Link {}
    let shared = Link(link);
    let puller = std::thread::spawn(move || {
        let shared = shared;
        let mut seen = Vec::new();
        loop {
            let mut event: *mut devlink3_event = ptr::null_mut();
            // SAFETY: the link is open when this call starts (it is closed only while we wait).
            let status = unsafe { devlink3_next_event(shared.0, -1, &mut event) };
            if status != devlink3_status::Ok {
                return (status, seen);
            }
            // SAFETY: a live event from devlink3_next_event.
            unsafe {
                seen.push((*event).kind as u32);
                devlink3_event_free(event);
            }
        }
    });
    // Let the link come up and the puller drain the states and block again.
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: closed once; the puller is blocked inside the library.
    unsafe { devlink3_close(link) };
    let (status, seen) = puller.join().unwrap();
    assert_eq!(status, devlink3_status::Closed);
    assert!(seen.len() >= 2, "connecting and operational states: {seen:?}");
}

// ---------------------------------------------------------------------------------------
// Memory errors

/// Runs C programs under valgrind's memcheck: invalid reads or writes, uses of
/// uninitialised memory and definite leaks fail the test (the library's process-wide
/// runtime and its threads are "still reachable" by design and not counted). About 16 s.
#[test]
fn c_programs_under_valgrind() {
    let valgrind: &[&str] = &[
        "valgrind",
        "--quiet",
        "--error-exitcode=99",
        "--leak-check=full",
        "--errors-for-leak-kinds=definite",
        "--show-leak-kinds=definite",
    ];
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("skipped: valgrind is not installed");
        return;
    }
    let started = Instant::now();

    let sim = sim(quiet());
    let mut app = start_with(&program("null_arguments"), &[&sim.target()], Some(valgrind));
    app.expect_line("OK");
    app.finish();

    let mut app = start_with(&program("legacy_close_in_callback"), &[&sim.target()], Some(valgrind));
    app.expect_line("OK");
    app.finish();

    let mut app = start_with(&program("legacy_agent"), &[&sim.target(), "devlink3", "2"], Some(valgrind));
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    sim.inject_delta2(DELTA2_S);
    app.expect_line(&record_line(DELTA2_S));
    sim.drop_connections();
    app.expect_line("COMMS 0 0");
    app.send("close");
    app.expect_line("CLOSED 0");
    app.send("quit");
    app.finish();

    let mut app = start_with(&program("api_agent"), &[&sim.target(), "pull", "_SIPTrack"], Some(valgrind));
    app.expect("the operational state", |l| l.starts_with("STATE 1 "));
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    sim.inject_delta3(DETAIL);
    app.expect("the Detail", |l| l.starts_with("DETAIL 42 "));
    app.send("read nasystem/user_list");
    app.expect("the file", |l| l.starts_with("FILE "));
    app.send("quit");
    app.finish();

    let mut app = start_with(&program("api_agent"), &[&sim.target(), "push", "-CD2"], Some(valgrind));
    app.expect("the operational state", |l| l.starts_with("STATE 1 "));
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    sim.inject_delta2(DELTA2_S);
    app.expect("the Delta2 record", |l| l.starts_with("DELTA2 S "));
    app.send("quit");
    app.finish();

    let mut app = start_with(&program("legacy_cycles"), &[&sim.target(), "20"], Some(valgrind));
    app.expect_line("OK");
    app.finish();

    eprintln!("valgrind runs took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------
// Building as users do

#[test]
fn makefile_builds_the_examples() {
    let out = out_dir().join("make");
    std::fs::create_dir_all(&out).unwrap();
    run_compiler(
        Command::new("make")
            .arg("-s")
            .arg("-B")
            .arg("-C")
            .arg(ffi_dir().join("../examples/c"))
            .arg(format!("LIBDIR={}", lib_dir().display()))
            .arg(format!("OUT={}", out.display())),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.join("legacy_app").exists() && out.join("events").exists());
}

/// `install.sh` lays out a prefix whose `devlink3.pc` builds an application.
#[test]
fn install_sh_and_pkg_config() {
    if Command::new("pkg-config").arg("--version").output().is_err() {
        eprintln!("skipped: pkg-config is not installed");
        return;
    }
    let prefix = out_dir().join("prefix");
    let _ = std::fs::remove_dir_all(&prefix);
    run_compiler(Command::new(ffi_dir().join("install.sh")).arg(&prefix).env("DEVLINK3_LIB_DIR", lib_dir()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(prefix.join("include/devlink.h").exists() && prefix.join("lib/libdevlink.a").exists());
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "devlink3"])
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .output()
        .expect("running pkg-config");
    assert!(flags.status.success(), "{}", String::from_utf8_lossy(&flags.stderr));
    let flags = String::from_utf8(flags.stdout).unwrap();
    let exe = out_dir().join("events_pkg_config");
    run_compiler(
        Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
            .arg("-o")
            .arg(&exe)
            .arg(ffi_dir().join("../examples/c/events.c"))
            .args(flags.split_whitespace())
            .arg(format!("-Wl,-rpath,{}", prefix.join("lib").display())),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let sim = sim(quiet());
    // Seconds to run, counted by time(): "1" can mean a few milliseconds on a second's edge,
    // less than a loaded machine takes to connect.
    let mut app = start(&exe, &[&sim.target(), "devlink3", "devlink3", "3"]);
    app.expect_line(&format!("devlink3 {}", env!("CARGO_PKG_VERSION")));
    app.expect("the operational state", |l| l.starts_with("link: operational"));
    app.finish();
}

#[test]
fn legacy_records_sent_before_registration_are_not_lost() {
    // Calls in progress (the snapshot a Delta3 link gets first) and records flowing by the
    // time the application registers, well after OPERATIONAL, as the guide's example does.
    for (kind, options) in [("2-later", ""), ("3-later", "")] {
        let sim = sim(SimConfig { rate: 50.0, ..quiet() });
        let mut app = start(&program("legacy_agent"), &[&sim.target(), "devlink3", kind, options]);
        app.expect_line("COMMS 0 0");
        app.expect_line("READY");
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(sim.stats().connections_subscribed, 0, "{kind}: no event request before registration");
        app.send("register");
        app.expect_line("REGISTER 0 ");
        assert!(sim.wait_subscribed(1, WAIT), "registering subscribes");
        std::thread::sleep(Duration::from_millis(300));
        let sent = quiet_down(&sim);
        app.send("quit");
        let lines = app.finish();
        assert_every_record_arrived(&lines, sent, &sim, &format!("{kind} {options:?}"));
        assert!(!lines.iter().any(|l| l.starts_with("COMMS 3")), "{kind}: nothing missed");
    }
}

// The specification's call (errata-corrected, with consistent identifiers): rings 4001,
// answered by 4001, 4001 hangs up, then the trunk end goes.
const CALL_RINGING: &str = "<Detail><Call>c0a82a03,3,,,,0,,200,,200,</Call>\
<PartyA>c0a82a0300002329,1,19,1,2,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA>\
<Target_list><Target>c0a82a0300000407,0,0,8,106,,4001,0,4,,,200,901707123456,100</Target></Target_list></Detail>";
const CALL_ANSWERED: &str = "<Detail><Call>c0a82a03,3,,,,0,,200,,200,</Call>\
<PartyA>c0a82a0300002329,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA>\
<PartyB>c0a82a0300000407,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,,200,901707123456,100</PartyB></Detail>";
const CALL_SEQUENCE: [&str; 4] = [
    CALL_RINGING,
    CALL_ANSWERED,
    "<CallLost>c0a82a03,c0a82a0300000407,1,16</CallLost>",
    "<CallLost>c0a82a03,c0a82a0300002329,0,16</CallLost>",
];

/// The call model in C: the same events pulled and pushed, and an unplaceable record
/// reported rather than dropped.
fn extended_api_calls(mode: &str) {
    let sim = sim(quiet());
    let mut app = start(&program("calls_agent"), &[&sim.target(), mode]);
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    for text in CALL_SEQUENCE {
        sim.inject_delta3(text);
    }
    sim.inject_delta3("<CallLost>c0a82a03,c0a82a03deadbeef,1,16</CallLost>");
    sim.inject_delta3(CALL_RINGING);
    // Kinds: 0 started, 1 ringing, 2 answered, 9 party_left, 10 ended. Direction 0
    // inbound; states 1 ringing, 3 connected, 7 ended. Extension states 0 idle, 1 ringing,
    // 4 talking.
    app.expect_line("CALL 0 c0a82a0300002329 0 1 01707123456 5678 - 4001");
    app.expect_line("CALL 1 c0a82a0300002329 0 1 01707123456 5678 - 4001");
    app.expect_line("EXT 4001 1 0");
    app.expect_line("CALL 2 c0a82a0300002329 0 3 01707123456 5678 4001 -");
    app.expect_line("EXT 4001 4 1");
    app.expect_line("CALL 9 c0a82a0300002329 0 3 01707123456 5678 4001 -");
    app.expect_line("EXT 4001 0 4");
    app.expect_line("CALL 10 c0a82a0300002329 0 7 01707123456 5678 4001 -");
    app.expect("the summary", |l| l.starts_with("ENDED c0a82a0300002329 0 4001 16 "));
    app.expect("the unplaced record", |l| l.starts_with("UNPLACED CallLost for end c0a82a03deadbeef"));
    // The same call rings again: a busy-lamp lookup sees 4001 ringing (1), 4009 idle (0).
    app.expect_line("EXT 4001 1 0");
    app.send("lamp 4001");
    app.expect_line("LAMP 4001 1");
    app.send("lamp 4009");
    app.expect_line("LAMP 4009 0");
    app.send("quit");
    let lines = app.finish();
    if mode == "push" {
        assert_eq!(lines.iter().filter(|l| *l == "DROP").count(), 1, "{lines:?}");
    }
}

#[test]
fn extended_api_calls_pull() {
    extended_api_calls("pull");
}

#[test]
fn extended_api_calls_push() {
    extended_api_calls("push");
}

/// A program built against the header from before `devlink3_callbacks.call` passes the
/// smaller struct size: accepted, and the bytes beyond it are not read.
#[test]
fn extended_api_callbacks_from_an_older_header_are_accepted() {
    let sim = sim(quiet());
    let mut app = start(&program("calls_agent"), &[&sim.target(), "push-old-header"]);
    app.expect_line("OLD");
    app.expect_line("READY");
    std::thread::sleep(Duration::from_millis(300));
    sim.inject_delta3(CALL_RINGING);
    let lines = app.lines_for(Duration::from_millis(500));
    assert!(lines.iter().all(|l| !l.starts_with("CALL")), "no call events without `call`: {lines:?}");
    app.send("quit");
    let lines = app.finish();
    assert_eq!(lines.iter().filter(|l| *l == "DROP").count(), 1, "{lines:?}");
}
