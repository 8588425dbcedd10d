//! The call tracker against the simulator's truth: every call the traffic model plays, the
//! tracker must see as the model played it.

use std::collections::{BTreeMap, HashMap};

use devlink3_core::calls::{CallEvent, CallEventKind, CallTracker, Disposition, Tracked, TrackerConfig};
use devlink3_core::records::{Delta3Index, Delta3View};
use devlink3_sim::SimRecord;
use devlink3_sim::traffic::{CallTruth, Traffic, TrafficConfig};

/// One tick of the model's clock: records carry times in tenths of a second.
const TICK: f64 = 0.1;

fn record_time(record: Delta3View<'_>) -> f64 {
    let tenths = match record {
        Delta3View::Detail(d) => d.call().timestamp(),
        Delta3View::CallLost(l) => l.timestamp(),
        Delta3View::LinkLost(l) => l.timestamp(),
        Delta3View::AttemptReject(r) => r.timestamp(),
    };
    f64::from(tenths) / 10.0
}

struct Run {
    truths: Vec<CallTruth>,
    ended: HashMap<String, CallEvent>,
    kinds: BTreeMap<&'static str, usize>,
    unplaced: usize,
    calls_left: usize,
}

/// Plays `calls` calls, one every `gap` tenths (so that many overlap), through the tracker.
fn play(seed: u64, calls: u64, gap: u64) -> Run {
    let mut traffic = Traffic::new(TrafficConfig { seed, ..TrafficConfig::default() });
    traffic.record_truths(true);
    let mut tracker = CallTracker::new(TrackerConfig::default());
    let mut records = Vec::new();
    let mut out = Vec::new();
    let mut run = Run { truths: Vec::new(), ended: HashMap::new(), kinds: BTreeMap::new(), unplaced: 0, calls_left: 0 };
    let mut index = Delta3Index::new();
    let mut feed = |records: &mut Vec<SimRecord>, tracker: &mut CallTracker, run: &mut Run| {
        for record in records.drain(..) {
            let SimRecord::Delta3 { text, .. } = record else { continue };
            let parsed = index.read(&text).expect("the simulator's records parse");
            tracker.record(parsed, record_time(parsed), &mut out);
            for tracked in out.drain(..) {
                *run.kinds.entry(tracked.name()).or_default() += 1;
                match tracked {
                    Tracked::Call(event) if event.event == CallEventKind::Ended => {
                        let previous = run.ended.insert(event.call.id.clone(), event);
                        assert!(previous.is_none(), "a call ended twice");
                    }
                    Tracked::Unplaced(u) => {
                        eprintln!("unplaced: {}", u.reason);
                        run.unplaced += 1;
                    }
                    _ => {}
                }
            }
        }
    };
    for i in 0..calls {
        traffic.start_call(i * gap);
        traffic.advance(i * gap + gap - 1, &mut records);
        feed(&mut records, &mut tracker, &mut run);
    }
    traffic.advance(calls * gap + 1_000_000, &mut records);
    feed(&mut records, &mut tracker, &mut run);
    run.truths = traffic.take_truths();
    run.calls_left = tracker.calls().count();
    run
}

#[test]
fn the_tracker_agrees_with_the_simulators_truth_on_10000_calls() {
    let run = play(0x00c0_ffee, 10_000, 30);
    assert_eq!(run.truths.len(), 10_000, "every call played ended");
    assert_eq!(run.unplaced, 0, "every record placed");
    assert_eq!(run.calls_left, 0, "no call left behind");
    assert_eq!(run.ended.len(), 10_000, "every call ended once");

    let mut by_scenario: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_disposition: BTreeMap<String, usize> = BTreeMap::new();
    let mut mismatches = Vec::new();
    for truth in &run.truths {
        *by_scenario.entry(truth.scenario).or_default() += 1;
        *by_disposition.entry(format!("{:?}", truth.disposition)).or_default() += 1;
        let Some(event) = run.ended.get(&truth.id) else {
            mismatches.push(format!("{}: never ended", truth.id));
            continue;
        };
        let call = &event.call;
        let summary = call.summary.as_ref().expect("ended carries a summary");
        let mut check = |what: &str, ok: bool, got: String, want: String| {
            if !ok {
                mismatches.push(format!("{} ({}) {what}: tracker {got}, truth {want}", truth.id, truth.scenario));
            }
        };
        let near = |a: f64, b: f64| (a - b).abs() <= TICK + 1e-9;
        check(
            "direction",
            call.direction == truth.direction,
            format!("{:?}", call.direction),
            format!("{:?}", truth.direction),
        );
        check("caller", call.caller == truth.caller, call.caller.clone(), truth.caller.clone());
        check("called", call.called == truth.called, call.called.clone(), truth.called.clone());
        check(
            "answered_by",
            call.answered_by == truth.answered_by,
            format!("{:?}", call.answered_by),
            format!("{:?}", truth.answered_by),
        );
        check(
            "disposition",
            summary.disposition == truth.disposition,
            format!("{:?}", summary.disposition),
            format!("{:?}", truth.disposition),
        );
        check(
            "started_at",
            near(call.started_at, truth.started_at),
            call.started_at.to_string(),
            truth.started_at.to_string(),
        );
        check(
            "answered_at",
            match (call.answered_at, truth.answered_at) {
                (Some(a), Some(b)) => near(a, b),
                (None, None) => true,
                _ => false,
            },
            format!("{:?}", call.answered_at),
            format!("{:?}", truth.answered_at),
        );
        check(
            "ended_at",
            call.ended_at.is_some_and(|e| near(e, truth.ended_at)),
            format!("{:?}", call.ended_at),
            truth.ended_at.to_string(),
        );
        check(
            "ring_seconds",
            near(summary.ring_seconds, truth.ring_seconds),
            summary.ring_seconds.to_string(),
            truth.ring_seconds.to_string(),
        );
        check(
            "talk_seconds",
            near(summary.talk_seconds, truth.talk_seconds),
            summary.talk_seconds.to_string(),
            truth.talk_seconds.to_string(),
        );
        check(
            "hold_seconds",
            near(summary.hold_seconds, truth.hold_seconds),
            summary.hold_seconds.to_string(),
            truth.hold_seconds.to_string(),
        );
        check("uncertain", !call.uncertain, "uncertain".into(), "certain".into());
    }
    eprintln!("scenarios: {by_scenario:?}");
    eprintln!("dispositions: {by_disposition:?}");
    eprintln!("events: {:?}", run.kinds);
    assert!(
        mismatches.is_empty(),
        "{} of 10000 calls disagree, e.g.:\n{}",
        mismatches.len(),
        mismatches.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );

    // Every scenario and every disposition the model has was exercised, and every kind of
    // call event was emitted.
    assert_eq!(by_scenario.len(), 9, "{by_scenario:?}");
    for disposition in
        [Disposition::Answered, Disposition::Abandoned, Disposition::Voicemail, Disposition::Busy, Disposition::Failed]
    {
        assert!(by_disposition.contains_key(&format!("{disposition:?}")), "{disposition:?} never played");
    }
    for kind in [
        "started",
        "ringing",
        "answered",
        "held",
        "retrieved",
        "transferred",
        "conferenced",
        "queued",
        "party_joined",
        "party_left",
        "ended",
        "extension",
    ] {
        assert!(run.kinds.contains_key(kind), "no {kind} event: {:?}", run.kinds);
    }
}

/// The same over a live link: the simulator on loopback at 30 calls a second, a client's
/// [`CallStream`](devlink3_core::calls::CallStream) on wall-clock time. Every call that both
/// saw end agrees on who and how; times within half a second (the simulator moves its calls
/// every 100 ms, and delivery adds a little).
#[test]
fn a_live_link_tracks_the_simulators_calls() {
    use devlink3_core::calls::CallStream;
    use devlink3_core::{Client, ClientConfig};
    use devlink3_sim::{SimConfig, Simulator};
    use std::time::{Duration, Instant};

    let sim = Simulator::start(SimConfig { rate: 30.0, seed: 42, ..SimConfig::default() }).expect("simulator starts");
    let client = Client::connect(ClientConfig::new(sim.target(), "devlink3", "devlink3")).expect("connects");
    let mut stream = CallStream::new(&client, TrackerConfig::default());
    let mut ended: HashMap<String, CallEvent> = HashMap::new();
    let mut unplaced = 0;
    let until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < until {
        match stream.next(Some(Duration::from_millis(200))).expect("link stays up") {
            Some(Tracked::Call(event)) if event.event == CallEventKind::Ended => {
                ended.insert(event.call.id.clone(), event);
            }
            Some(Tracked::Unplaced(_)) => unplaced += 1,
            _ => {}
        }
    }
    client.close();
    let truths = sim.take_truths();
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for truth in &truths {
        let Some(event) = ended.get(&truth.id) else { continue };
        compared += 1;
        let call = &event.call;
        let summary = call.summary.as_ref().unwrap();
        let near = |a: f64, b: f64| (a - b).abs() <= 0.5;
        if call.direction != truth.direction
            || call.caller != truth.caller
            || call.called != truth.called
            || call.answered_by != truth.answered_by
            || summary.disposition != truth.disposition
            || !near(call.started_at, truth.started_at)
            || !call.ended_at.is_some_and(|e| near(e, truth.ended_at))
            || !near(summary.ring_seconds, truth.ring_seconds)
            || !near(summary.talk_seconds, truth.talk_seconds)
            || !near(summary.hold_seconds, truth.hold_seconds)
        {
            mismatches.push(format!("{call:?}\n  vs {truth:?}"));
        }
    }
    eprintln!("live: {} calls ended, {} truths, {compared} compared", ended.len(), truths.len());
    assert_eq!(unplaced, 0);
    assert!(compared >= 10, "too few calls ended to compare: {compared}");
    assert!(mismatches.is_empty(), "{} disagree:\n{}", mismatches.len(), mismatches.join("\n"));
}

const SCRIPT: &str = r#"{"calls": [
  {"at": 1, "from": "01632960123", "to": "200", "steps": [
    {"after": 4, "action": "answer", "extension": "4001"},
    {"after": 20, "action": "transfer", "extension": "4002"},
    {"after": 3, "action": "answer"},
    {"after": 30, "action": "hangup"}]},
  {"at": 2, "from": "4005", "to": "4006", "steps": [{"after": 2, "action": "busy"}, {"action": "hangup"}]},
  {"at": 3, "from": "4007", "to": "07700900123", "steps": [{"action": "fail"}]},
  {"at": 4, "from": "4008", "to": "4009", "steps": [
    {"after": 3, "action": "answer"}, {"after": 5, "action": "park"},
    {"after": 10, "action": "unpark", "extension": "4010"}, {"after": 5, "action": "hangup"}]},
  {"at": 5, "from": "01632960999", "to": "4011", "steps": [{"after": 15, "action": "voicemail"}]},
  {"at": 6, "from": "4012", "to": "4013", "steps": [
    {"after": 2, "action": "answer"}, {"after": 2, "action": "hold"}, {"after": 7, "action": "retrieve"},
    {"after": 2, "action": "conference"}]},
  {"at": 7, "from": "01632960555", "to": "201", "steps": [{"after": 9, "action": "hangup"}]}
]}"#;

/// A user's script plays as written, the tracker sees it as the truth says, and the truth
/// is what the script said.
#[test]
fn a_scripted_call_flow_plays_as_written() {
    let calls = devlink3_sim::parse_script(SCRIPT).expect("the script parses");
    let mut traffic = Traffic::new(TrafficConfig::default());
    traffic.record_truths(true);
    traffic.add_script(&calls).expect("the script is valid");
    let mut records = Vec::new();
    traffic.advance(10_000, &mut records);
    let mut tracker = CallTracker::new(TrackerConfig::default());
    let (mut index, mut out) = (Delta3Index::new(), Vec::new());
    for record in records {
        let SimRecord::Delta3 { text, .. } = record else { continue };
        let parsed = index.read(&text).unwrap();
        tracker.record(parsed, record_time(parsed), &mut out);
    }
    let truths = traffic.take_truths();
    assert_eq!(truths.len(), 7);
    let summary: Vec<(String, String, String, Option<String>, Disposition)> = {
        let mut t: Vec<&CallTruth> = truths.iter().collect();
        t.sort_by(|a, b| a.started_at.total_cmp(&b.started_at));
        t.iter()
            .map(|t| {
                (t.caller.clone(), t.called.clone(), format!("{:?}", t.direction), t.answered_by.clone(), t.disposition)
            })
            .collect()
    };
    assert_eq!(
        summary,
        [
            ("01632960123".into(), "200".into(), "Inbound".into(), Some("4001".into()), Disposition::Answered),
            ("4005".into(), "4006".into(), "Internal".into(), None, Disposition::Busy),
            ("4007".into(), "07700900123".into(), "Outbound".into(), None, Disposition::Failed),
            ("4008".into(), "4009".into(), "Internal".into(), Some("4009".into()), Disposition::Answered),
            ("01632960999".into(), "4011".into(), "Inbound".into(), None, Disposition::Voicemail),
            ("4012".into(), "4013".into(), "Internal".into(), Some("4013".into()), Disposition::Answered),
            ("01632960555".into(), "201".into(), "Inbound".into(), None, Disposition::Abandoned),
        ]
    );
    let ended: HashMap<String, &CallEvent> = out
        .iter()
        .filter_map(|t| match t {
            Tracked::Call(e) if e.event == CallEventKind::Ended => Some((e.call.id.clone(), e)),
            _ => None,
        })
        .collect();
    for truth in &truths {
        let call = &ended[&truth.id].call;
        let summary = call.summary.as_ref().unwrap();
        assert_eq!((call.direction, &call.caller, &call.called), (truth.direction, &truth.caller, &truth.called));
        assert_eq!((&call.answered_by, summary.disposition), (&truth.answered_by, truth.disposition));
        assert!((summary.talk_seconds - truth.talk_seconds).abs() <= TICK + 1e-9, "{call:?} {truth:?}");
        assert!((summary.hold_seconds - truth.hold_seconds).abs() <= TICK + 1e-9, "{call:?} {truth:?}");
    }
    let names: Vec<&str> = out.iter().map(Tracked::name).collect();
    for kind in ["transferred", "held", "retrieved", "conferenced", "queued", "party_joined"] {
        assert!(names.contains(&kind), "no {kind} in {names:?}");
    }
    // The transfer happened where the script said: 4001 answered, 4002 took it over.
    let first = &ended[&truths.iter().find(|t| t.called == "200").unwrap().id].call;
    assert_eq!(first.answered_by.as_deref(), Some("4001"));
    // Presented at 1.5 s (half a second after it arrived), answered 4 s after that.
    assert!((first.summary.as_ref().unwrap().ring_seconds - 4.0).abs() < 1e-9, "{first:?}");
}

#[test]
fn a_wrong_script_is_refused_naming_the_call_and_step() {
    let cases = [
        (
            r#"[{"from": "4001", "to": "4002", "steps": [{"action": "hold"}]}]"#,
            "script call 1 (4001 to 4002): step 1 (Hold): not possible",
        ),
        (r#"[{"from": "4001", "to": "200"}]"#, "an extension calling a hunt group is not modelled"),
        (r#"[{"from": "x", "to": "4002"}]"#, "\"from\" \"x\" is neither an extension nor an outside number"),
        (
            r#"[{"from": "0163", "to": "200", "steps": [{"action": "answer", "extension": "4009"}]}]"#,
            "4009 does not ring: 4001, 4002, 4003, 4004 do",
        ),
        (
            r#"[{"from": "4001", "to": "4002", "steps": [{"action": "answer"}, {"action": "transfer"}]}]"#,
            "say which extension to transfer to",
        ),
        (
            r#"[{"from": "4001", "to": "4002", "steps": [{"after": -1, "action": "answer"}]}]"#,
            "after -1 is not between 0 and 86400 seconds",
        ),
        (
            r#"[{"from": "4001", "to": "4002", "steps": [{"action": "hangup"}, {"action": "answer"}]}]"#,
            "step 2 (Answer): the call has already ended",
        ),
    ];
    for (script, want) in cases {
        let calls = devlink3_sim::parse_script(script).expect("parses");
        let err = Traffic::new(TrafficConfig::default()).add_script(&calls).unwrap_err();
        assert!(err.contains(want), "{script}: {err}");
    }
    for (bad, want) in [
        ("{", "the call script is not valid: EOF"),
        (r#"[{"from": "4001", "to": "4002", "steps": [{"action": "dance"}]}]"#, "unknown variant `dance`"),
        (r#"[{"from": "4001", "to": "4002", "when": 3}]"#, "unknown field `when`"),
        (r#"42"#, "expected a list of calls"),
    ] {
        let err = devlink3_sim::parse_script(bad).unwrap_err();
        assert!(err.contains(want), "{bad}: {err}");
    }
}
