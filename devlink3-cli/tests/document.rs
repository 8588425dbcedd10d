//! The event document and its published JSON Schema (`schema/devlink3-event.schema.json`):
//! the file is what `devlink3 schema` prints, every kind of event's document validates
//! against it, and so does every line `devlink3 tail` prints.
//!
//! Regenerate the file after changing a record type:
//!   DEVLINK3_BLESS=1 cargo test -p devlink3-cli --test document

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use devlink3_core::client::{Client, ClientConfig, Event, flags};
use devlink3_core::document::{document, schema};
use devlink3_sim::{SimConfig, Simulator};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(10);

fn schema_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema/devlink3-event.schema.json")
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("the schema is a valid JSON Schema")
}

fn check(validator: &jsonschema::Validator, document: &Value) {
    let errors: Vec<String> =
        validator.iter_errors(document).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{document}\ndoes not match the schema:\n  {}", errors.join("\n  "));
}

#[test]
fn the_published_schema_is_current() {
    let mut printed = Command::new(env!("CARGO_BIN_EXE_devlink3")).arg("schema").output().expect("devlink3 runs");
    assert!(printed.status.success());
    let fresh = String::from_utf8(std::mem::take(&mut printed.stdout)).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&fresh).unwrap(), schema(), "devlink3 schema prints document::schema()");
    if std::env::var_os("DEVLINK3_BLESS").is_some() {
        std::fs::write(schema_file(), &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(schema_file()).unwrap_or_default();
    assert!(
        committed == fresh,
        "schema/devlink3-event.schema.json is stale: DEVLINK3_BLESS=1 cargo test -p devlink3-cli --test document"
    );
}

/// Pulls events until `want` has seen enough, returning every document on the way.
fn collect(client: &Client, mut done: impl FnMut(&Event) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    let mut documents = Vec::new();
    while Instant::now() < deadline {
        if let Some(event) = client.next_event(Some(Duration::from_millis(100))).unwrap() {
            documents.push(document(&event, true));
            documents.push(document(&event, false));
            if done(&event) {
                return documents;
            }
        }
    }
    panic!("not every expected event came within {WAIT:?}; got {documents:#?}");
}

fn link(sim: &Simulator, flags: &str) -> Client {
    let mut config = ClientConfig::new(sim.target(), "devlink3", "devlink3");
    config.flags = flags.to_string();
    let client = Client::connect(config).unwrap();
    client.subscribe(None).unwrap();
    assert!(sim.wait_subscribed(1, WAIT), "the link subscribes");
    client
}

#[test]
fn every_kind_of_event_matches_the_schema() {
    let validator = validator();
    let sim = Simulator::start(SimConfig { rate: 0.0, ..SimConfig::default() }).unwrap();

    // Delta3 (each record kind), SIPTrack, CMExtn (plain and state), unparsed, missed.
    let client = link(&sim, "_SIPTrack _CMExtn");
    sim.inject_delta3(devlink3_sim::ANSWERED_CALL_DETAIL);
    sim.inject_delta3(
        "<Detail><Call>c0a82a03,42,,,,0,,,,,,0,0,0,77,0,,0</Call>\
         <PartyA>c0a82a0300000001,1,2,1,0,0,0,33,0,8,0,,4001,101,0,,4002,,,,,4001,0,5,\"Müller, René\",</PartyA>\
         <Target_list><Target>c0a82a0300000002,0,0,8,0,,4002,101,0,4002,,,4001,0</Target></Target_list></Detail>",
    );
    sim.inject_delta3("<CallLost>c0a82a03,c0a82a0300000413,1,16,77</CallLost>");
    sim.inject_delta3("<LinkLost>c0a82a03,c0a82a0300000413,1,16,77,9</LinkLost>");
    sim.inject_delta3("<AttemptReject>c0a82a03,c0a82a0300000413,4001,2,77</AttemptReject>");
    sim.inject_delta3("<Nonsense>what</Nonsense>");
    sim.inject_siptrack("START,c0a82a1f000003eb,17.1003.1,TRUNK,IN,0f5757c5c504c74197be9699697eab8d");
    sim.inject_cmextn("Extn4001: CALL LOST (CMCauseForceIdle)");
    sim.inject_cmextn_state(1, 2, 0, "Extn865001");
    let mut seen = std::collections::BTreeSet::new();
    let mut documents = collect(&client, |event| {
        seen.insert(match event {
            Event::Delta3 { .. } => format!("delta3 {}", document(event, false)["record"]["kind"]),
            other => document(other, false)["type"].as_str().unwrap_or_default().to_string(),
        });
        // link_state, delta3 detail/call_lost/link_lost/attempt_reject, unparsed,
        // sip_track, cm_extn, cm_extn_state.
        seen.len() == 9
    });
    // Once those arrived: a gap in the counter before the next event.
    sim.skip_counter(3);
    sim.inject_delta3("<CallLost>c0a82a03,c0a82a0300000414,0,16,78</CallLost>");
    documents.extend(collect(&client, |event| matches!(event, Event::Missed { count: 3, .. })));
    for document in &documents {
        check(&validator, document);
    }
    // Both Details (the second with a Target_list) parsed as Details, not as unparsed.
    let details = documents.iter().filter(|d| d["record"]["kind"] == "detail").count();
    assert_eq!(details, 4, "two Details, each with and without raw");
    client.close();
    drop(sim);

    // Delta2, and the link states of a link the PBX refuses.
    let sim = Simulator::start(SimConfig { rate: 0.0, ..SimConfig::default() }).unwrap();
    let client = link(&sim, flags::CD2);
    sim.inject_delta2("CALL: S 17.1003.1,17.1004.2,2,2,1,0,1,0,René (4001),Zoë (4002),,,,0.1,4002,0.1,4001,,,0,4002,0,,1,16,0,1,1.0,,,,,,,0,,,,,,,,,,,,,,,1234");
    sim.inject_delta2("CALL: D 17.1003.1,17.1004.2,1234");
    let documents =
        collect(&client, |event| matches!(event, Event::Delta2 { record, .. } if record.raw().starts_with("CALL: D")));
    for document in &documents {
        check(&validator, document);
    }
    let refused = Client::connect(ClientConfig::new(sim.target(), "devlink3", "wrong")).unwrap();
    let documents = collect(&refused, |event| matches!(event, Event::LinkState(state) if state.name() == "rejected"));
    for document in &documents {
        check(&validator, document);
    }
    client.close();
    refused.close();
    check(&validator, &document(&Event::LinkState(devlink3_core::LinkState::Closed), false));
}

#[test]
fn every_line_devlink3_tail_prints_matches_the_schema() {
    let validator = validator();
    for raw in [false, true] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_devlink3"));
        command.args(["tail", "--sim", "--rate", "50", "--seed", "7", "--count", "60", "--flags", "_SIPTrack _CMExtn"]);
        if raw {
            command.arg("--raw");
        }
        let output = command.output().expect("devlink3 runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let stdout = String::from_utf8(output.stdout).unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        assert!(lines.len() >= 60, "{stdout}");
        for line in &lines {
            let document: Value = serde_json::from_str(line).expect("a JSON line");
            assert!(raw || !line.contains("\"raw\":"), "raw text with --raw only: {line}");
            check(&validator, &document);
        }
        let delta3 = lines.iter().filter(|l| l.contains("\"type\":\"delta3\"")).count();
        let with_raw = lines.iter().filter(|l| l.contains("\"type\":\"delta3\"") && l.contains("\"raw\":")).count();
        assert!(delta3 > 0 && with_raw == if raw { delta3 } else { 0 }, "{with_raw} of {delta3} Delta3 lines with raw");
    }
}

#[test]
fn the_schema_refuses_what_is_not_a_document() {
    let validator = validator();
    let detail_without_parties = serde_json::json!({
        "type": "delta3", "pbx_ip": "192.168.42.3", "counter": 1, "record": {"kind": "detail"}
    });
    let unknown_state_name = serde_json::json!({"type": "link_state", "state": "sleeping"});
    let counter_as_text = serde_json::json!({
        "type": "missed", "count": "many", "reason": "counter_gap"
    });
    for bad in [serde_json::json!({"type": "delta3"}), detail_without_parties, unknown_state_name, counter_as_text] {
        assert!(!validator.is_valid(&bad), "{bad} should not match");
    }
}
