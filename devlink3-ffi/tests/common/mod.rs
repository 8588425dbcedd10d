//! What the tests that run programs share (`c_programs.rs`, `windows.rs`, `dotnet.rs`):
//! a running program's output lines and commands, the simulator, and the records they
//! inject.
#![allow(dead_code)] // Each test crate uses its own part.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use devlink3_sim::{SimConfig, Simulator};

/// A Delta2 record with accented Latin, CJK and a character outside the BMP (a UTF-16
/// surrogate pair on the wire): the library must hand it on byte for byte (in UTF-8), or
/// in the ANSI code page where a Windows application asks for it.
pub const DELTA2_S: &str = "CALL: S 17.1003.1,17.1004.2,2,2,1,0,1,0,René Müller (4001),Zoë Ødegård (4002),,,,0.1,4002,\
                            0.1,4001,,,0,4002,0,,1,16,0,1,1.0,,,,,日本 𝄞,,0,,,,,,,,,,,,,,,1234";
pub const DELTA2_D: &str = "CALL: D 17.1003.1,17.1004.2,1234";
pub const CALL_LOST: &str = "<CallLost>c0a82a03,c0a82a0300000413,1,16,77</CallLost>";
pub const DETAIL: &str = "<Detail><Call>c0a82a03,42,,,,0,,,,,,0,0,0,77,0,,0</Call>\
                          <PartyA>c0a82a0300000001,1,2,1,0,0,0,0,0,8,0,,4001,101,0,,4002,,,,,4001,0,5,\"Müller, René\",\
                          </PartyA><Target_list><Target>c0a82a0300000002,0,0,8,0,,4002,101,0,4002,,,4001,0</Target>\
                          </Target_list></Detail>";

pub fn sim(config: SimConfig) -> Simulator {
    Simulator::start(config).expect("simulator starts")
}

/// A simulator that sends only what a test injects.
pub fn quiet() -> SimConfig {
    SimConfig { rate: 0.0, ..SimConfig::default() }
}

pub fn hex(bytes: impl AsRef<[u8]>) -> String {
    bytes.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// How the programs print a record: `RECORD <hex of its bytes>`.
pub fn record_line(bytes: impl AsRef<[u8]>) -> String {
    format!("RECORD {}", hex(bytes))
}

/// The comms-state lines among `lines`.
pub fn comms(lines: &[String]) -> Vec<&str> {
    lines.iter().filter(|l| l.starts_with("COMMS")).map(String::as_str).collect()
}

/// The simulator's TCP port, as text.
pub fn sim_port(sim: &Simulator) -> String {
    sim.target().rsplit(':').next().expect("host:port").to_string()
}

/// A legacy program (`legacy_agent`, `legacy_win32`) that opened its link and registered
/// for Delta2 records: OPERATIONAL, one record through, DLClose, and a clean exit.
pub fn legacy_record_then_close(mut app: Program, sim: &Simulator, wait: Duration) {
    app.expect_line("OPEN 0 ");
    app.expect_line("COMMS 0 0");
    app.expect_line("REGISTER 0 ");
    assert!(sim.wait_subscribed(1, wait), "the program subscribes");
    sim.inject_delta2(DELTA2_D);
    app.expect_line(&record_line(DELTA2_D));
    app.send("close");
    app.expect_line("CLOSED 0");
    app.send("quit");
    app.finish();
}

/// Stops the simulator's traffic and waits until the calls in progress have sent their
/// last records; returns how many events it sent in all.
pub fn quiet_down(sim: &Simulator) -> u64 {
    sim.set_rate(0.0);
    let mut sent = sim.stats().events_sent;
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = sim.stats().events_sent;
        if now == sent {
            return sent;
        }
        sent = now;
    }
}

/// Every record sent before the traffic went quiet (`sent`, from [`quiet_down`]) is among
/// `lines`; a call still in progress may have added one while the program was quitting.
pub fn assert_every_record_arrived(lines: &[String], sent: u64, sim: &Simulator, what: &str) {
    let records = lines.iter().filter(|l| l.starts_with("RECORD ")).count() as u64;
    assert!(sent > 0, "{what}: the simulator sent records");
    assert!(
        (sent..=sim.stats().events_sent).contains(&records),
        "{what}: {records} records arrived of the {sent} sent before quiet"
    );
}

/// Sets (`Some`) or removes (`None`) environment variables of `command`.
pub fn apply_env(command: &mut Command, env: &[(&str, Option<&str>)]) {
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
}

/// A running program: its output lines as they come, its stdin for commands. A line
/// `FAIL ...`, `EARLY` (a callback before DLOpen returned) or `LATE` (one after DLClose
/// returned) fails the test with everything the program printed.
pub struct Program {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
    /// How long the program gets for one expected line.
    wait: Duration,
}

impl Program {
    /// Starts `command` with piped stdin and stdout (CRLF line ends read as LF).
    pub fn spawn(mut command: Command, name: &str, wait: Duration) -> Program {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({command:?}): {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).split(b'\n') {
                let Ok(line) = line else { break };
                let line = String::from_utf8_lossy(&line).trim_end_matches('\r').to_string();
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Program { name: name.to_string(), stdin: child.stdin.take(), child, lines, seen: Vec::new(), wait }
    }

    fn check(&mut self, line: &str) {
        if line.starts_with("FAIL") || line == "EARLY" || line == "LATE" {
            self.die(&format!("reported {line:?}"));
        }
    }

    /// The next line before `deadline`, failing on the program's own failure reports.
    pub fn next_line(&mut self, deadline: Instant) -> Option<String> {
        match self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                self.check(&line);
                self.seen.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => self.die("ended early"),
        }
    }

    /// Waits for a line satisfying `want`, returning it.
    pub fn expect(&mut self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + self.wait;
        while let Some(line) = self.next_line(deadline) {
            if want(&line) {
                return line;
            }
        }
        let wait = self.wait;
        self.die(&format!("printed no {what} within {wait:?}"))
    }

    pub fn expect_line(&mut self, exact: &str) {
        self.expect(&format!("{exact:?}"), |l| l == exact);
    }

    /// Lines printed within `period`.
    pub fn lines_for(&mut self, period: Duration) -> Vec<String> {
        let deadline = Instant::now() + period;
        std::iter::from_fn(|| self.next_line(deadline)).collect()
    }

    pub fn send(&mut self, command: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{command}").and_then(|()| stdin.flush()).expect("writing a command");
    }

    /// Waits for the program to exit successfully; returns everything it printed.
    pub fn finish(mut self) -> Vec<String> {
        drop(self.stdin.take());
        let deadline = Instant::now() + self.wait;
        loop {
            match self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    self.check(&line);
                    self.seen.push(line);
                }
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => self.die("did not exit"),
            }
        }
        let status = self.child.wait().expect("waiting for the program");
        if !status.success() {
            self.die(&format!("exited with {status}"));
        }
        std::mem::take(&mut self.seen)
    }

    pub fn die(&mut self, problem: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        panic!("{} {problem}; its output:\n  {}", self.name, self.seen.join("\n  "));
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
