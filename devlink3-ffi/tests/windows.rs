//! The Windows builds of the library, run under wine against the simulator.
//!
//! `devlink3-ffi/windows/test.sh` runs these (they are `#[ignore]`d otherwise): it builds
//! the DLLs and import libraries with `windows/build.sh` and passes their directory in
//! `DEVLINK3_WINDOWS_DIR`. Here each program is compiled with MinGW-w64 and started under
//! wine; the simulator runs in this (Linux) process and the programs reach it over
//! 127.0.0.1. When the DLLs, MinGW-w64 or wine are missing the tests fail: they only
//! run when asked for.
//!
//! * `legacy_2005.exe` (32-bit): `windows/tests/legacy_win32.c`, a 2005-style DevLink
//!   application linked with the import library `libdevlink.dll.a`;
//! * `legacy_dynamic.exe` (32-bit): the same source with `-DDEVLINK_DYNAMIC`, which
//!   finds the functions with `LoadLibrary`/`GetProcAddress` as VB6, Delphi and .NET do;
//! * `api_agent.exe` (64-bit): `tests/c/api_agent.c`, the extended API (as in
//!   `c_programs.rs`), linked with the 64-bit import library;
//! * `legacy_2005.exe` once more, 64-bit, for the legacy API of the 64-bit DLL.
//!
//! Wine 8 (Debian 12) lacks `bcryptprimitives.dll`, whose `ProcessPrng` Rust's standard
//! library imports; a test-only stand-in (`windows/tests/bcryptprimitives.c`) is built
//! beside the programs. The wine prefix is `DEVLINK3_WINDOWS_DIR/wineprefix` unless
//! `WINEPREFIX` is set.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{
    CALL_LOST, DELTA2_D, DELTA2_S, DETAIL, Program, apply_env, assert_every_record_arrived, comms, hex,
    legacy_record_then_close, quiet, quiet_down, record_line, sim, sim_port,
};
use devlink3_core::files::write_user_list;
use devlink3_sim::{SimConfig, Simulator, default_users_list};

/// How long a program gets for one expected line (wine starts slowly).
const WAIT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------
// Building the programs

fn ffi_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What the tests run: the programs, beside their DLLs, and the wine prefix.
struct Setup {
    x86: PathBuf,
    x64: PathBuf,
    wineprefix: PathBuf,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Result<Setup, String>> = OnceLock::new();
    SETUP.get_or_init(build).as_ref().unwrap_or_else(|e| panic!("{e}"))
}

fn run(command: &mut Command) -> Result<(), String> {
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

fn build() -> Result<Setup, String> {
    let dir = PathBuf::from(std::env::var_os("DEVLINK3_WINDOWS_DIR").ok_or(
        "DEVLINK3_WINDOWS_DIR is not set: run devlink3-ffi/windows/test.sh, which builds the DLLs and sets it",
    )?);
    let setup = Setup {
        x86: dir.join("tests/x86"),
        x64: dir.join("tests/x64"),
        wineprefix: std::env::var_os("WINEPREFIX").map_or_else(|| dir.join("wineprefix"), PathBuf::from),
    };
    let windows = ffi_dir().join("windows/tests");
    for (arch, out, gcc) in [("x86", &setup.x86, "i686-w64-mingw32-gcc"), ("x64", &setup.x64, "x86_64-w64-mingw32-gcc")]
    {
        let lib = dir.join(arch);
        std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
        std::fs::copy(lib.join("devlink.dll"), out.join("devlink.dll"))
            .map_err(|e| format!("{}: {e} (run windows/build.sh)", lib.join("devlink.dll").display()))?;
        // Test only: see the module docs.
        run(Command::new(gcc)
            .args(["-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-Wl,--kill-at", "-o"])
            .arg(out.join("bcryptprimitives.dll"))
            .arg(windows.join("bcryptprimitives.c"))
            .arg("-ladvapi32"))?;
        // Against the headers and import libraries as build.sh ships them.
        let compile = |source: &Path, exe: &str, cflags: &[&str], libs: &[&str]| {
            run(Command::new(gcc)
                .args(["-std=gnu99", "-Wall", "-Wextra", "-Werror", "-O1"])
                .arg("-I")
                .arg(dir.join("include"))
                .arg("-I")
                .arg(ffi_dir().join("tests/c"))
                .args(cflags)
                .arg("-o")
                .arg(out.join(exe))
                .arg(source)
                .arg("-L")
                .arg(&lib)
                .args(libs))
        };
        compile(&windows.join("legacy_win32.c"), "legacy_2005.exe", &[], &["-ldevlink"])?;
        compile(&windows.join("legacy_wide_returns.c"), "legacy_wide_returns.exe", &[], &[])?;
        if arch == "x86" {
            compile(&windows.join("legacy_win32.c"), "legacy_dynamic.exe", &["-DDEVLINK_DYNAMIC"], &["-lversion"])?;
        } else {
            // winpthreads linked in statically: no libwinpthread-1.dll to carry along.
            compile(
                &ffi_dir().join("tests/c/api_agent.c"),
                "api_agent.exe",
                &["-static"],
                &["-ldevlink", "-lpthread"],
            )?;
        }
    }
    // Create the prefix once, before tests start programs in it in parallel.
    run(wine(&setup.wineprefix).args(["cmd", "/c", "exit"]))?;
    Ok(setup)
}

fn wine(prefix: &Path) -> Command {
    let mut command = Command::new("wine");
    command.env("WINEPREFIX", prefix).env("WINEDEBUG", "-all");
    command
}

// ---------------------------------------------------------------------------------------
// Running them

/// Starts `exe` under wine, in its own folder, with DEVLINK3_USER set and no devlink.ini
/// unless `env` says otherwise.
fn start(exe: &Path, args: &[&str]) -> Program {
    start_env(exe, args, &[])
}

fn start_env(exe: &Path, args: &[&str], env: &[(&str, Option<&str>)]) -> Program {
    let mut command = wine(&setup().wineprefix);
    command
        .arg(exe)
        .args(args)
        .current_dir(exe.parent().expect("program directory"))
        .env("DEVLINK3_USER", "devlink3")
        .env("DEVLINK3_CONFIG", "");
    apply_env(&mut command, env);
    Program::spawn(command, &exe.file_name().unwrap().to_string_lossy(), WAIT)
}

/// The simulator's address as a legacy application passes it: "127.0.0.1:port".
fn address(sim: &Simulator) -> String {
    sim.target().trim_start_matches("tcp://").to_string()
}

/// `text` in Windows-1252 as WideCharToMultiByte makes it without best fit: Latin-1
/// letters keep their code, everything else the code page lacks becomes one '?'. (The
/// test texts avoid U+0080..U+009F and the other characters of 0x80..0x9F.)
fn windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match u32::from(c) {
            code @ (0..=0x7f | 0xa0..=0xff) => code as u8,
            _ => b'?',
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The legacy API, 32-bit

/// Records in the ANSI code page, DLClose inside a callback, and nothing after it.
fn legacy_flow(exe: &Path) {
    let sim = sim(quiet());
    let mut app = start(exe, &[&address(&sim), "devlink3"]);
    app.expect_line("ACP 1252");
    app.expect_line("COMMS 0 0");
    app.expect_line("REGISTER 0 ");
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    assert_eq!(sim.inject_delta2(DELTA2_S), 1, "one subscribed connection");
    let ansi = windows_1252(DELTA2_S);
    assert!(ansi.windows(4).any(|w| w == b"Ren\xe9"), "é is 0xE9 in Windows-1252");
    app.expect_line(&record_line(&ansi));
    sim.inject_delta2(DELTA2_D);
    app.expect_line(&record_line(DELTA2_D));

    // The next record's callback closes the link from inside: it returns at once, and no
    // callback follows (the program reports LATE if one does).
    app.send("close_in_callback");
    app.expect_line("ARMED");
    sim.inject_delta2(DELTA2_D);
    app.expect_line(&record_line(DELTA2_D));
    app.expect_line("CLOSED_IN_CALLBACK 0");
    sim.inject_delta2(DELTA2_D);
    let after = app.lines_for(Duration::from_millis(500));
    assert!(after.is_empty(), "nothing after DLClose: {after:?}");
    app.send("quit");
    let lines = app.finish();
    assert_eq!(comms(&lines), ["COMMS 0 0"]);
}

/// `text=utf8` in reserved2: the PBX's text as UTF-8; DLClose from the main thread.
fn legacy_utf8_option(exe: &Path) {
    let sim = sim(quiet());
    let mut app = start(exe, &[&address(&sim), "devlink3", "text=utf8"]);
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "the program subscribes");
    sim.inject_delta2(DELTA2_S);
    app.expect_line(&record_line(DELTA2_S));
    app.send("close");
    app.expect_line("CLOSED 0");
    app.send("quit");
    app.finish();
}

/// A wrong password: REJECTED, registration refused, and exactly one login attempt.
fn legacy_wrong_password(exe: &Path) {
    let sim = sim(quiet());
    let mut app = start(exe, &[&address(&sim), "not the password"]);
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
#[ignore = "needs the Windows DLLs, MinGW-w64 and wine: run devlink3-ffi/windows/test.sh"]
fn legacy_2005_app_linked_with_the_import_library() {
    let exe = setup().x86.join("legacy_2005.exe");
    legacy_flow(&exe);
    legacy_utf8_option(&exe);
    legacy_wrong_password(&exe);
    legacy_late_registration(&exe);
}

/// Records flowing before the application registers (300 ms after OPERATIONAL): the link
/// asks for them only at registration, so every record the PBX sends reaches the callback.
fn legacy_late_registration(exe: &Path) {
    let sim = sim(SimConfig { rate: 50.0, ..quiet() });
    let mut app = start(exe, &[&address(&sim), "devlink3", "", "300"]);
    app.expect_line("COMMS 0 0");
    app.expect_line("REGISTER 0 ");
    app.expect_line("READY");
    assert!(sim.wait_subscribed(1, WAIT), "registering subscribes");
    std::thread::sleep(Duration::from_millis(300));
    let sent = quiet_down(&sim);
    app.send("quit");
    let lines = app.finish();
    assert_every_record_arrived(&lines, sent, &sim, &exe.display().to_string());
}

#[test]
#[ignore = "needs the Windows DLLs, MinGW-w64 and wine: run devlink3-ffi/windows/test.sh"]
fn legacy_app_with_loadlibrary_and_getprocaddress() {
    // The version resource, read as installers and Explorer do.
    let exe = setup().x86.join("legacy_dynamic.exe");
    let sim = sim(quiet());
    let mut app = start(&exe, &[&address(&sim), "devlink3"]);
    app.expect_line("PRODUCT devlink3");
    app.expect_line(&format!("VERSION {}", env!("CARGO_PKG_VERSION")));
    app.expect_line("READY");
    app.send("quit");
    app.finish();

    legacy_flow(&exe);
    legacy_utf8_option(&exe);
    legacy_wrong_password(&exe);
    legacy_late_registration(&exe);
}

#[test]
#[ignore = "needs the Windows DLLs, MinGW-w64 and wine: run devlink3-ffi/windows/test.sh"]
fn legacy_app_64_bit() {
    let exe = setup().x64.join("legacy_2005.exe");
    legacy_flow(&exe);
    legacy_wrong_password(&exe);
}

/// Every export called through pointers typed `long long WINAPI (...)`, as .NET programs
/// declaring C# `long` call them: the 64-bit value read from EDX:EAX (RAX) is the LONG.
fn wide_returns(exe: &Path) {
    let sim = sim(quiet());
    let mut app = start(exe, &[&address(&sim), "devlink3"]);
    for (call, value) in [
        ("open", 0),
        ("open_again", 1),
        ("open_bad_option", 1),
        ("open_null_cb", 1),
        ("register_unknown_pbxh", 1),
        ("register_type2", 0),
        ("register_type3_on_delta2", 1),
        ("register_call_log", 0),
        ("close", 0),
        ("close_again", 1),
        ("close_failed_open", 1),
    ] {
        app.expect_line(&format!("RET {call} {value}"));
    }
    app.expect_line("DONE");
    app.finish();
}

#[test]
#[ignore = "needs the Windows DLLs, MinGW-w64 and wine: run devlink3-ffi/windows/test.sh"]
fn legacy_returns_read_as_64_bit_integers() {
    wide_returns(&setup().x86.join("legacy_wide_returns.exe"));
    wide_returns(&setup().x64.join("legacy_wide_returns.exe"));
}

/// No user name anywhere: DLOpen fails, and an application that only watches its comms
/// callback hears REJECTED after DLOpen returned.
#[test]
#[ignore = "needs the Windows DLLs, MinGW-w64 and wine: run devlink3-ffi/windows/test.sh"]
fn legacy_without_a_user_is_rejected_by_callback() {
    let sim = sim(quiet());
    let mut app =
        start_env(&setup().x86.join("legacy_dynamic.exe"), &[&address(&sim), "devlink3"], &[("DEVLINK3_USER", None)]);
    let open = app.expect("the OPEN line", |l| l.starts_with("OPEN"));
    assert!(open.starts_with("OPEN 1 DLOpen(pbxh 0): no service user name"), "{open}");
    app.expect_line("COMMS 2 0");
    app.expect_line("READY");
    app.send("quit");
    let lines = app.finish();
    assert_eq!(comms(&lines), ["COMMS 2 0"]);
    assert_eq!(sim.stats().connections_accepted, 0, "nothing reached the PBX");
}

/// A password typed into a Windows program is in its ANSI code page (wine hands the
/// program its arguments in Windows-1252): DLOpen reads it so, and the login succeeds.
#[test]
#[ignore = "needs the Windows DLLs, MinGW-w64 and wine: run devlink3-ffi/windows/test.sh"]
fn legacy_password_in_the_ansi_code_page() {
    let sim = sim(SimConfig { users: vec![("devlink3".into(), "pässwörd".into())], ..quiet() });
    let mut app = start(&setup().x86.join("legacy_dynamic.exe"), &[&address(&sim), "pässwörd"]);
    app.expect_line("ACP 1252");
    app.expect_line("OPEN 0 ");
    app.expect_line("COMMS 0 0");
    app.expect_line("REGISTER 0 ");
    app.send("quit");
    app.finish();
    let stats = sim.stats();
    assert_eq!((stats.auth_attempts, stats.auth_failures), (1, 0));
}

/// An unchanged EXE (address without port, no user): devlink.ini beside devlink.dll,
/// found from the DLL's own module handle, supplies the user, the port and a log file. The
/// DLL is in a folder of its own (found through PATH), apart from the EXE and from the
/// working directory, so that neither of those can be what the library looked in.
#[test]
#[ignore = "needs the Windows DLLs, MinGW-w64 and wine: run devlink3-ffi/windows/test.sh"]
fn legacy_devlink_ini_beside_the_dll() {
    let sim = sim(quiet());
    let port = sim_port(&sim);
    let root = setup().x86.with_file_name("x86-ini");
    let _ = std::fs::remove_dir_all(&root);
    let (lib, app, cwd) = (root.join("lib"), root.join("app"), root.join("cwd"));
    for dir in [&lib, &app, &cwd] {
        std::fs::create_dir_all(dir).unwrap();
    }
    for file in ["devlink.dll", "bcryptprimitives.dll"] {
        std::fs::copy(setup().x86.join(file), lib.join(file)).unwrap();
    }
    std::fs::copy(setup().x86.join("legacy_dynamic.exe"), app.join("legacy_dynamic.exe")).unwrap();
    let ini = format!(
        "\u{feff}; saved by Notepad\r\n[devlink]\r\nuser = devlink3\r\nport = {port}\r\nlog_file = logs\\devlink.log\r\n"
    );
    std::fs::write(lib.join("devlink.ini"), ini).unwrap();
    // A decoy where a wrong lookup would look: it names a user the simulator refuses.
    for dir in [&app, &cwd] {
        std::fs::write(dir.join("devlink.ini"), "[devlink]\r\nuser = decoy\r\n").unwrap();
    }
    let lib_path = format!("Z:{}", lib.display()).replace('/', "\\");
    let mut command = wine(&setup().wineprefix);
    command
        .arg(app.join("legacy_dynamic.exe"))
        .args(["127.0.0.1", "devlink3"])
        .current_dir(&cwd)
        .env("WINEPATH", &lib_path)
        .env_remove("DEVLINK3_USER")
        .env_remove("DEVLINK3_CONFIG");
    let app = Program::spawn(command, "legacy_dynamic.exe", WAIT);
    legacy_record_then_close(app, &sim, WAIT);
    let log = std::fs::read_to_string(lib.join("logs/devlink.log")).expect("the log file beside the DLL");
    assert!(
        log.contains(&format!(
            "INFO DLOpen(pbxh 0): connecting to tcp://127.0.0.1:{port} as \"devlink3\" (settings from "
        )) && log.contains("x86-ini\\lib\\devlink.ini)"),
        "{log}"
    );
}

// ---------------------------------------------------------------------------------------
// The extended API, 64-bit

/// As `extended_api_flow` in `c_programs.rs`: every record kind with its fields, a missed
/// count, ReadFile, and a clean close. Strings stay UTF-8 on Windows.
fn extended_api_flow(mode: &str) {
    let exe = setup().x64.join("api_agent.exe");
    let sim = sim(quiet());
    let mut app = start(&exe, &[&sim.target(), mode, "_SIPTrack _CMExtn"]);
    app.expect_line("READY");
    app.expect("the operational state", |l| l.starts_with("STATE 1 0 operational: Avaya"));

    assert_eq!(sim.inject_delta3(DETAIL), 1);
    app.expect_line(&format!("DETAIL 42 Müller, René 0 1 {}", hex(DETAIL)));
    sim.inject_delta3(CALL_LOST);
    app.expect_line(&format!("CALLLOST c0a82a0300000413 16 {}", hex(CALL_LOST)));
    sim.inject_siptrack("START,c0a82a1f000003eb,17.1003.1,TRUNK,IN,0f5757c5c504c74197be9699697eab8d");
    app.expect_line("SIPTRACK START 17.1003.1 0f5757c5c504c74197be9699697eab8d");
    sim.skip_counter(3);
    sim.inject_delta3(CALL_LOST);
    app.expect_line("MISSED 3 0");

    app.send("read nasystem/user_list");
    app.expect_line(&format!("FILE {}", hex(write_user_list(&default_users_list()))));
    app.send("read no/such/file");
    app.expect("a read failure", |l| l.starts_with("FILEERROR DEVLINK3_STATUS_REFUSED"));
    app.send("quit");
    app.finish();
    // The program closed its link on the way out.
    let deadline = Instant::now() + Duration::from_secs(5);
    while sim.stats().connections_active > 0 {
        assert!(Instant::now() < deadline, "the link was not closed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "needs the Windows DLLs, MinGW-w64 and wine: run devlink3-ffi/windows/test.sh"]
fn extended_api_64_bit() {
    extended_api_flow("pull");
    extended_api_flow("push");
}
