//! The `devlink3` binary, run as a user would run it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use devlink3_core::client::{Client, ClientConfig, Event, LinkState};
use serde_json::Value;

fn devlink3() -> Command {
    Command::new(env!("CARGO_BIN_EXE_devlink3"))
}

#[test]
fn tail_sim_prints_valid_json_lines() {
    let output = devlink3()
        .args(["tail", "--sim", "--rate", "50", "--seed", "3", "--count", "40", "--flags", "_SIPTrack _CMExtn"])
        .output()
        .expect("devlink3 runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "exit {:?}: {stderr}", output.status);
    assert!(stderr.contains("operational"), "{stderr}");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    let events: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert_eq!(events.len(), 40, "{stdout}");
    let mut kinds = std::collections::BTreeSet::new();
    for e in &events {
        kinds.insert(e["type"].as_str().expect("every event has a type").to_string());
        assert!(e["counter"].as_u64().is_some() && e["pbx_ip"].as_str().is_some(), "{e}");
        assert!(!e.to_string().contains("\"raw\""), "raw text only with --raw: {e}");
    }
    assert!(kinds.contains("delta3"), "{kinds:?}");
    let detail = events.iter().find(|e| e["record"]["kind"] == "detail").expect("a Detail record");
    assert!(detail["record"]["party_a"]["end_id"].as_str().unwrap().starts_with("c0a82a03"), "{detail}");
}

#[test]
fn tail_sim_over_websocket() {
    let output = devlink3().args(["tail", "--sim", "--ws", "--rate", "50", "--count", "5"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("ws://127.0.0.1:"), "{stderr}");
    let lines = String::from_utf8(output.stdout).unwrap();
    assert_eq!(lines.lines().filter(|l| serde_json::from_str::<Value>(l).is_ok()).count(), 5, "{lines}");
}

#[test]
fn tail_raw_includes_the_pbx_text() {
    let output = devlink3().args(["tail", "--sim", "--rate", "50", "--count", "3", "--raw"]).output().unwrap();
    assert!(output.status.success());
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let e: Value = serde_json::from_str(line).unwrap();
        assert!(e["record"]["raw"].as_str().unwrap().starts_with('<'), "{e}");
    }
}

#[test]
fn users_sim_json() {
    let output = devlink3().args(["users", "--sim", "--json"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let users: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(users.as_array().is_some_and(|u| !u.is_empty()), "{users}");
}

#[test]
fn wrong_target_fails_with_a_clear_message() {
    let output =
        devlink3().args(["tail", "255.255.255.255", "--user", "u", "--password-env", "PATH"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no discovery"));
}

#[test]
fn standalone_simulator_serves_other_programs() {
    let mut sim =
        devlink3().args(["sim", "--listen", "127.0.0.1:0", "--rate", "20"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut first = String::new();
    BufReader::new(sim.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let target = first.split_whitespace().find(|w| w.starts_with("tcp://")).expect("target printed").to_string();
    let client = Client::connect(ClientConfig::new(target, "devlink3", "devlink3")).unwrap();
    let mut operational = false;
    for _ in 0..100 {
        match client.next_event(Some(Duration::from_millis(100))).unwrap() {
            Some(Event::LinkState(LinkState::Operational(_))) => operational = true,
            Some(Event::Delta3 { .. }) if operational => break,
            _ => {}
        }
    }
    sim.kill().unwrap();
    let _ = sim.wait();
    assert!(operational);
}

#[test]
fn bench_reports_its_figures() {
    let output = devlink3().args(["bench", "--events", "20000"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    for figure in ["throughput:", "events/s", "peak RSS:", "idle CPU:", "20000 sent"] {
        assert!(stdout.contains(figure), "{figure} missing in {stdout}");
    }
}

#[test]
fn sim_verbose_logs_each_connection_and_why_it_said_no() {
    let mut sim = devlink3()
        .args(["sim", "-v", "--listen", "127.0.0.1:0", "--rate", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(sim.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let target = first.split_whitespace().find(|w| w.starts_with("tcp://")).expect("target printed").to_string();
    let good = Client::connect(ClientConfig::new(target.clone(), "devlink3", "devlink3")).unwrap();
    good.subscribe(Some("-SCN _Bogus")).unwrap();
    let bad = Client::connect(ClientConfig::new(target, "devlink3", "not the password")).unwrap();
    for client in [&good, &bad] {
        for _ in 0..50 {
            match client.next_event(Some(Duration::from_millis(100))) {
                Ok(Some(Event::LinkState(LinkState::Operational(_) | LinkState::Rejected { .. }))) | Err(_) => break,
                _ => {}
            }
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    drop((good, bad));
    sim.kill().unwrap();
    let output = sim.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    for needle in [
        "connection from 127.0.0.1",
        "authenticating as \"devlink3\"",
        "SUCCESS",
        "AUTHENTICATION_FAILED",
        "requested events \"-SCN _Bogus\"",
    ] {
        assert!(log.contains(needle), "{needle:?} missing in the log:\n{log}");
    }
    assert!(!log.contains("not the password"), "{log}");
}

#[test]
fn calls_sim_prints_call_documents() {
    let output =
        devlink3().args(["calls", "--sim", "--rate", "40", "--seed", "5", "--duration", "10"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let events: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let kinds: std::collections::BTreeSet<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    for kind in ["started", "ringing", "answered", "ended", "extension"] {
        assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
    }
    let keys = [
        "id",
        "node",
        "call_id",
        "direction",
        "caller",
        "called",
        "state",
        "ringing",
        "answered_by",
        "parties",
        "started_at",
        "answered_at",
        "ended_at",
    ];
    for event in events.iter().filter(|e| e["event"] != "extension") {
        for key in keys {
            assert!(event["call"].get(key).is_some(), "{key} missing: {event}");
        }
    }
    let ended = events.iter().find(|e| e["event"] == "ended").unwrap();
    for key in ["disposition", "ring_seconds", "talk_seconds", "hold_seconds", "cleared_by", "cause"] {
        assert!(ended["call"]["summary"].get(key).is_some(), "{key} missing: {ended}");
    }
    let lamp = events.iter().find(|e| e["event"] == "extension").unwrap();
    assert!(lamp["extension"].is_string() && lamp["state"].is_string() && lamp["previous"].is_string(), "{lamp}");
}

#[test]
fn sim_writes_the_truth_of_each_call() {
    let dir = std::env::temp_dir().join(format!("devlink3-truth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("truth.jsonl");
    let mut sim = devlink3()
        .args(["sim", "--listen", "127.0.0.1:0", "--rate", "40", "--truth"])
        .arg(&file)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut lines = Vec::new();
    while lines.len() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        lines = std::fs::read_to_string(&file).unwrap_or_default().lines().map(str::to_owned).collect();
    }
    sim.kill().unwrap();
    let _ = sim.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(lines.len() >= 3, "{lines:?}");
    let truth: Value = serde_json::from_str(&lines[0]).unwrap();
    for key in ["id", "direction", "caller", "called", "answered_by", "disposition", "ring_seconds", "talk_seconds"] {
        assert!(truth.get(key).is_some(), "{key} missing: {truth}");
    }
}

#[test]
fn watch_draws_a_board() {
    let output = devlink3().args(["watch", "--sim", "--rate", "40", "--duration", "3"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let board = String::from_utf8(output.stdout).unwrap();
    assert!(board.contains("calls in progress") && board.contains("EXTENSIONS"), "{board}");
    assert!(!board.contains("\x1b["), "no escapes when stdout is not a terminal");
}

/// `devlink3 relay` into a real NATS server, stopped by SIGTERM (flushing), read back with
/// `devlink3 tail --nats`: the same documents `tail` prints from a PBX.
#[test]
fn relay_into_nats_and_tail_from_it() {
    let nats = devlink3_relay::testing::Nats::start();
    let mut sim =
        devlink3().args(["sim", "--listen", "127.0.0.1:0", "--rate", "30"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut first = String::new();
    BufReader::new(sim.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let target = first.split_whitespace().find(|w| w.starts_with("tcp://")).unwrap().to_string();
    let relay = devlink3()
        .args(["relay", "--pbx", &format!("hq={target}"), "--user", "devlink3", "--password-env", "RELAY_PW"])
        .args(["--nats", &nats.url()])
        .env("RELAY_PW", "devlink3")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    // SIGTERM: flush, close the links, exit 0.
    let status = Command::new("kill").args(["-TERM", &relay.id().to_string()]).status().unwrap();
    assert!(status.success());
    let output = relay.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("site hq: operational") && log.contains("stopping: publishing what is buffered"), "{log}");
    let _ = sim.kill();
    let _ = sim.wait();

    let tail = devlink3()
        .args(["tail", "--nats", &nats.url(), "--site", "hq", "--from-start", "--count", "20", "--duration", "10"])
        .output()
        .unwrap();
    assert!(tail.status.success(), "{}", String::from_utf8_lossy(&tail.stderr));
    let lines: Vec<Value> =
        String::from_utf8(tail.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 20);
    assert_eq!(lines[0]["type"], "link_state");
    assert!(lines.iter().any(|l| l["type"] == "delta3" && l["record"]["kind"] == "detail"), "{lines:?}");

    let refused = devlink3().args(["relay", "--pbx", "hq", "--nats", &nats.url(), "--user", "u"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("expected NAME=TARGET"));
}
