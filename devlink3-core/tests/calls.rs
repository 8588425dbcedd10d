//! The call tracker on hand-written record sequences: the specification's own example, and
//! the cases the simulator's traffic does not produce (resynchronisation, ageing, SCN,
//! records it cannot place).

use devlink3_core::calls::{
    CallEvent, CallEventKind, CallState, CallTracker, Direction, Disposition, ExtensionState, Tracked, TrackerConfig,
};
use devlink3_core::records::{Cause, Delta3Index};

fn feed(tracker: &mut CallTracker, now: f64, text: &str) -> Vec<Tracked> {
    let mut index = Delta3Index::new();
    let record = index.read(text).expect("record parses");
    let mut out = Vec::new();
    tracker.record(record, now, &mut out);
    out
}

fn call_events(tracked: &[Tracked]) -> Vec<&CallEvent> {
    tracked
        .iter()
        .filter_map(|t| match t {
            Tracked::Call(event) => Some(event),
            _ => None,
        })
        .collect()
}

fn kinds(tracked: &[Tracked]) -> Vec<CallEventKind> {
    call_events(tracked).iter().map(|e| e.event).collect()
}

fn extension_changes(tracked: &[Tracked]) -> Vec<(String, ExtensionState)> {
    tracked
        .iter()
        .filter_map(|t| match t {
            Tracked::Extension(change) => Some((change.extension.clone(), change.state)),
            _ => None,
        })
        .collect()
}

// The specification's §6.7.1 sequence with the errata's corrected Party lines (errata 2).
// Errata 4: the printed ringing and answered records use different CallIDs and end
// identifiers for what is meant to be one call; here the answered record keeps the ringing
// record's CallID (3), trunk end (`c0a82a0300002329`, its lost leading `c` restored, errata 3)
// and 4001's target end (`...0407`), so that they correlate as the text describes.
const DIAL_TONE: &str = "<Detail><Call>c0a82a03,1,,,,0,,,,,</Call>\
<PartyA>c0a82a03000003ea,1,7,1,3,0,0,0,1,8,106,,4001,0,0,,,,,,,4001,100</PartyA></Detail>";
const RINGING: &str = "<Detail><Call>c0a82a03,3,,,,0,,200,,200,</Call>\
<PartyA>c0a82a0300002329,1,19,1,2,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA>\
<Target_list>\
<Target>c0a82a03000003fe,0,0,8,106,,4002,0,4,,,200,901707123456,100</Target>\
<Target>c0a82a03000003ff,0,0,8,106,,4003,0,4,,,200,901707123456,100</Target>\
<Target>c0a82a0300000407,0,0,8,106,,4001,0,4,,,200,901707123456,100</Target>\
</Target_list></Detail>";
const ANSWERED: &str = "<Detail><Call>c0a82a03,3,,,,0,,200,,200,</Call>\
<PartyA>c0a82a0300002329,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA>\
<PartyB>c0a82a0300000407,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,,200,901707123456,100</PartyB></Detail>";
const HUNG_UP: &str = "<CallLost>c0a82a03,c0a82a0300000407,1,16</CallLost>";
const TRUNK_GONE: &str = "<CallLost>c0a82a03,c0a82a0300002329,0,16</CallLost>";

#[test]
fn the_specifications_sequence() {
    let mut tracker = CallTracker::new(TrackerConfig::default());

    let out = feed(&mut tracker, 100.0, DIAL_TONE);
    assert_eq!(kinds(&out), [CallEventKind::Started]);
    let dial = &call_events(&out)[0].call;
    assert_eq!((dial.direction, dial.state, dial.caller.as_str()), (Direction::Internal, CallState::Dialling, "4001"));
    assert_eq!(extension_changes(&out), [("4001".to_owned(), ExtensionState::Dialling)]);
    // 4001 puts the handset down without dialling.
    let out = feed(&mut tracker, 101.0, "<CallLost>c0a82a03,c0a82a03000003ea,1,16</CallLost>");
    assert_eq!(kinds(&out), [CallEventKind::Ended]);
    assert_eq!(call_events(&out)[0].call.summary.as_ref().unwrap().disposition, Disposition::Unknown);
    assert_eq!(extension_changes(&out), [("4001".to_owned(), ExtensionState::Idle)]);

    let out = feed(&mut tracker, 110.0, RINGING);
    assert_eq!(kinds(&out), [CallEventKind::Started, CallEventKind::Ringing]);
    let call = &call_events(&out)[1].call;
    assert_eq!(call.direction, Direction::Inbound);
    assert_eq!((call.caller.as_str(), call.called.as_str()), ("01707123456", "5678"));
    assert_eq!(call.ringing, ["4002", "4003", "4001"]);
    assert_eq!(call.state, CallState::Ringing);
    assert_eq!(call.id, "c0a82a0300002329");
    let mut rung = extension_changes(&out);
    rung.sort();
    assert_eq!(
        rung,
        [
            ("4001".to_owned(), ExtensionState::Ringing),
            ("4002".to_owned(), ExtensionState::Ringing),
            ("4003".to_owned(), ExtensionState::Ringing)
        ]
    );

    let out = feed(&mut tracker, 118.5, ANSWERED);
    assert_eq!(kinds(&out), [CallEventKind::Answered]);
    let call = &call_events(&out)[0].call;
    assert_eq!(call.answered_by.as_deref(), Some("4001"));
    assert_eq!(call.answered_at, Some(118.5));
    assert_eq!(call.state, CallState::Connected);
    assert!(call.ringing.is_empty());
    assert_eq!(call.parties.len(), 2);
    let mut lamps = extension_changes(&out);
    lamps.sort();
    assert_eq!(
        lamps,
        [
            ("4001".to_owned(), ExtensionState::Talking),
            ("4002".to_owned(), ExtensionState::Idle),
            ("4003".to_owned(), ExtensionState::Idle)
        ]
    );

    // 4001 hangs up: one end left, the call goes on until the trunk's end goes too.
    let out = feed(&mut tracker, 178.5, HUNG_UP);
    assert_eq!(kinds(&out), [CallEventKind::PartyLeft]);
    assert_eq!(call_events(&out)[0].party.as_ref().unwrap().extension.as_deref(), Some("4001"));
    let out = feed(&mut tracker, 178.6, TRUNK_GONE);
    assert_eq!(kinds(&out), [CallEventKind::Ended]);
    let ended = &call_events(&out)[0].call;
    let summary = ended.summary.as_ref().unwrap();
    assert_eq!(summary.disposition, Disposition::Answered);
    assert_eq!(summary.cleared_by.as_deref(), Some("4001"));
    assert_eq!(summary.cause, Some(Cause::Normal));
    assert!((summary.ring_seconds - 8.5).abs() < 1e-9);
    assert!((summary.talk_seconds - 60.1).abs() < 1e-9);
    assert_eq!(ended.state, CallState::Ended);
    assert_eq!(tracker.calls().count(), 0);
    assert!(tracker.extensions().iter().all(|(_, s)| *s == ExtensionState::Idle));
}

#[test]
fn the_printed_examples_are_handled_without_a_crash() {
    // As printed (errata 2-4): shifted fields, mismatched identifiers.
    let mut tracker = CallTracker::new(TrackerConfig::default());
    let printed = [
        "<Detail><Call>c0a82a03,3,,,,0,,200,,200,</Call><PartyA>0a82a0300002329,1,19,1,2,0,1,0,0,2,2,5.23,,0,0,5678,,,,,0170712\n3456,100</PartyA></Detail>",
        "<Detail><Call>c0a82a03,4,,,,0,,200,,200,</Call><PartyA>c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,0170712\n3456,100</PartyA><PartyB>c0a82a0300000413,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,200,901707\n123456,100</PartyB></Detail>",
        "<CallLost>c0a82a03,c0a82a0300000413,1,16</CallLost>",
        "<CallLost>c0a82a03,c0a82a03deadbeef,1,16</CallLost>",
    ];
    let mut all = Vec::new();
    for (i, text) in printed.iter().enumerate() {
        all.extend(feed(&mut tracker, i as f64, text));
    }
    let unplaced: Vec<&Tracked> = all.iter().filter(|t| matches!(t, Tracked::Unplaced(_))).collect();
    assert_eq!(unplaced.len(), 1, "{all:?}");
    match unplaced[0] {
        Tracked::Unplaced(u) => {
            assert!(u.reason.contains("c0a82a03deadbeef"), "{}", u.reason);
            assert!(u.record.starts_with("<CallLost>"));
        }
        _ => unreachable!(),
    }
}

#[test]
fn calls_not_re_announced_after_a_resubscription_end_unknown() {
    let mut tracker = CallTracker::new(TrackerConfig::default());
    feed(&mut tracker, 0.0, RINGING);
    feed(&mut tracker, 1.0, DIAL_TONE);
    let mut out = Vec::new();
    tracker.resubscribed(10.0, &mut out);
    assert!(out.is_empty());
    // The snapshot re-announces the ringing call only.
    let out = feed(&mut tracker, 10.2, RINGING);
    assert!(kinds(&out).is_empty(), "an unchanged call reports nothing: {out:?}");
    let mut out = Vec::new();
    tracker.tick(14.0, &mut out);
    assert!(out.is_empty());
    tracker.tick(15.5, &mut out);
    let ended = call_events(&out);
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].call.id, "c0a82a03000003ea");
    assert!(ended[0].call.uncertain);
    assert_eq!(ended[0].call.summary.as_ref().unwrap().disposition, Disposition::Unknown);
    assert_eq!(tracker.calls().count(), 1);
}

#[test]
fn a_counter_gap_marks_calls_in_progress_uncertain() {
    let mut tracker = CallTracker::new(TrackerConfig::default());
    feed(&mut tracker, 0.0, RINGING);
    let mut out = Vec::new();
    tracker.missed(1.0, &mut out);
    let out = feed(&mut tracker, 2.0, ANSWERED);
    assert!(call_events(&out)[0].call.uncertain);
    // A call that starts after the gap is not.
    let out = feed(&mut tracker, 3.0, DIAL_TONE);
    assert!(!call_events(&out)[0].call.uncertain);
}

#[test]
fn calls_that_never_end_are_aged_out() {
    let config = TrackerConfig { max_idle: std::time::Duration::from_secs(60), ..TrackerConfig::default() };
    let mut tracker = CallTracker::new(config);
    feed(&mut tracker, 0.0, DIAL_TONE);
    let mut out = Vec::new();
    tracker.tick(59.0, &mut out);
    assert!(out.is_empty());
    tracker.tick(61.0, &mut out);
    assert_eq!(kinds(&out), [CallEventKind::Ended]);
    assert_eq!(tracker.calls().count(), 0);
}

#[test]
fn the_call_limit_bounds_memory() {
    let config = TrackerConfig { max_calls: 10, ..TrackerConfig::default() };
    let mut tracker = CallTracker::new(config);
    for i in 0..100u32 {
        let text = format!(
            "<Detail><Call>c0a82a03,{i},,,,0,,,,,</Call><PartyA>c0a82a03{i:08x},1,7,1,3,0,0,0,1,8,106,,4001,0,0,,,,,,,4001,100</PartyA></Detail>"
        );
        feed(&mut tracker, f64::from(i), &text);
    }
    assert_eq!(tracker.calls().count(), 10);
}

#[test]
fn scn_views_of_one_call_are_one_call_and_link_lost_does_not_end_it() {
    let mut tracker = CallTracker::new(TrackerConfig::default());
    // Node c0a82a03 sees its phone 4001 call a user on node c0a82a1f; the far node reports
    // the same ends under its own CallID.
    let here = "<Detail><Call>c0a82a03,7,,,,0,,,,,</Call>\
<PartyA>c0a82a0300000501,1,2,1,0,0,0,0,1,8,106,,4001,101,0,,5001,,,,,4001,100</PartyA>\
<PartyB>c0a82a1f00000601,0,2,1,0,1,0,0,1,8,106,,5001,101,0,,,,,,,4001,100</PartyB></Detail>";
    let there = "<Detail><Call>c0a82a1f,42,,,,0,,,,,</Call>\
<PartyA>c0a82a0300000501,1,2,1,0,1,0,0,1,8,106,,4001,101,0,,5001,,,,,4001,100</PartyA>\
<PartyB>c0a82a1f00000601,0,2,1,0,0,0,0,1,8,106,,5001,101,0,,,,,,,4001,100</PartyB></Detail>";
    let out = feed(&mut tracker, 0.0, here);
    assert_eq!(kinds(&out), [CallEventKind::Started, CallEventKind::Answered]);
    let out = feed(&mut tracker, 0.1, there);
    assert!(!kinds(&out).contains(&CallEventKind::Started), "{out:?}");
    assert_eq!(tracker.calls().count(), 1);
    let out = feed(&mut tracker, 5.0, "<LinkLost>c0a82a1f,c0a82a0300000501,0,16,5,1.7</LinkLost>");
    assert!(out.is_empty(), "{out:?}");
    feed(&mut tracker, 5.1, "<CallLost>c0a82a03,c0a82a0300000501,1,16,51</CallLost>");
    let out = feed(&mut tracker, 5.2, "<CallLost>c0a82a1f,c0a82a1f00000601,0,16,52</CallLost>");
    assert_eq!(kinds(&out), [CallEventKind::Ended]);
    assert_eq!(tracker.calls().count(), 0);
}

#[test]
fn a_reused_call_id_starts_a_new_call() {
    let mut tracker = CallTracker::new(TrackerConfig::default());
    feed(&mut tracker, 0.0, DIAL_TONE);
    // The PBX reuses CallID 1 for a new call; the old one's CallLost never came.
    let out = feed(
        &mut tracker,
        50.0,
        "<Detail><Call>c0a82a03,1,,,,0,,,,,</Call><PartyA>c0a82a0300000999,1,7,1,3,0,0,0,1,8,106,,4005,0,0,,,,,,,4005,100</PartyA></Detail>",
    );
    assert_eq!(kinds(&out), [CallEventKind::Ended, CallEventKind::Started]);
    assert_eq!(tracker.calls().count(), 1);
}

fn detail(call_id: u32, a: &str, b: Option<&str>, targets: &[&str]) -> String {
    let mut text = format!("<Detail><Call>c0a82a03,{call_id},,,,0,,,,,</Call><PartyA>{a}</PartyA>");
    if let Some(b) = b {
        text.push_str(&format!("<PartyB>{b}</PartyB>"));
    }
    if !targets.is_empty() {
        text.push_str("<Target_list>");
        for t in targets {
            text.push_str(&format!("<Target>{t}</Target>"));
        }
        text.push_str("</Target_list>");
    }
    text + "</Detail>"
}

/// A phone end: end id, direction, state 2 (connected) with audio, the extension.
fn phone(end: &str, incoming: u8, ext: &str) -> String {
    format!("c0a82a03{end},{incoming},2,1,0,0,0,0,1,8,106,,{ext},101,0,,,,,,,{ext},100")
}

#[test]
fn a_consult_call_joined_to_the_call_it_served_ends() {
    let mut tracker = CallTracker::new(TrackerConfig::default());
    let trunk = "c0a82a0300000100,1,2,1,0,0,1,0,0,2,2,5.1,,0,0,5678,,,,,,01632960123,100";
    feed(&mut tracker, 0.0, &detail(5, trunk, Some(&phone("00000101", 0, "4001")), &[]));
    // 4001 consults 4002 in a call of its own...
    feed(&mut tracker, 10.0, &detail(7, &phone("00000103", 1, "4001"), Some(&phone("00000104", 0, "4002")), &[]));
    assert_eq!(tracker.calls().count(), 2);
    // ...and completes the transfer: 4001's ends go, the trunk call now has 4002's end.
    feed(&mut tracker, 20.0, "<CallLost>c0a82a03,c0a82a0300000101,1,126</CallLost>");
    feed(&mut tracker, 20.0, "<CallLost>c0a82a03,c0a82a0300000103,1,126</CallLost>");
    let out = feed(&mut tracker, 20.1, &detail(5, trunk, Some(&phone("00000104", 0, "4002")), &[]));
    let ended: Vec<&CallEvent> = call_events(&out).into_iter().filter(|e| e.event == CallEventKind::Ended).collect();
    assert_eq!(ended.len(), 1, "the consult call is over: {out:?}");
    assert_eq!(ended[0].call.id, "c0a82a0300000103");
    assert_eq!(tracker.calls().count(), 1);
    // 4002's CallLost belongs to the trunk call now.
    let out = feed(&mut tracker, 30.0, "<CallLost>c0a82a03,c0a82a0300000104,1,16</CallLost>");
    assert_eq!(kinds(&out), [CallEventKind::PartyLeft]);
}

#[test]
fn a_person_answering_after_voicemail_is_the_answer() {
    let mut tracker = CallTracker::new(TrackerConfig::default());
    let trunk = "c0a82a0300000200,1,2,1,0,0,1,0,0,2,2,5.2,,0,0,5678,,,,,,01632960123,100";
    let attendant = "c0a82a0300000201,0,2,1,0,0,0,0,0,12,0,VM,,102,0,,,,,,,,100";
    let out = feed(&mut tracker, 0.0, &detail(9, trunk, Some(attendant), &[]));
    assert_eq!(call_events(&out).last().unwrap().call.state, CallState::Voicemail);
    feed(&mut tracker, 8.0, "<CallLost>c0a82a03,c0a82a0300000201,0,126</CallLost>");
    let out = feed(&mut tracker, 10.0, &detail(9, trunk, Some(&phone("00000202", 0, "4003")), &[]));
    assert!(kinds(&out).contains(&CallEventKind::Answered), "{out:?}");
    feed(&mut tracker, 40.0, "<CallLost>c0a82a03,c0a82a0300000202,1,16</CallLost>");
    let out = feed(&mut tracker, 40.0, "<CallLost>c0a82a03,c0a82a0300000200,0,16</CallLost>");
    let call = &call_events(&out)[0].call;
    assert_eq!(call.answered_by.as_deref(), Some("4003"));
    assert_eq!(call.summary.as_ref().unwrap().disposition, Disposition::Answered);
}

#[test]
fn an_outside_number_rung_is_no_extension() {
    let mut tracker = CallTracker::new(TrackerConfig::default());
    let target = "c0a82a0300000301,0,1,5,5,abc,,2,0,07700900123,,,4001,0";
    let out = feed(&mut tracker, 0.0, &detail(11, &phone("00000300", 1, "4001"), None, &[target]));
    assert_eq!(call_events(&out).last().unwrap().call.ringing, ["07700900123"]);
    assert!(extension_changes(&out).iter().all(|(ext, _)| ext == "4001"), "{out:?}");
    assert!(tracker.extensions().iter().all(|(ext, _)| ext == "4001"));
}

#[test]
fn ends_gone_while_the_link_was_down_go_at_the_resync() {
    let mut tracker = CallTracker::new(TrackerConfig::default());
    feed(&mut tracker, 0.0, &detail(13, &phone("00000400", 1, "4001"), Some(&phone("00000401", 0, "4002")), &[]));
    let mut out = Vec::new();
    tracker.resubscribed(100.0, &mut out);
    // Re-announced with 4002's end gone (its CallLost was sent while the link was down)...
    let out = feed(&mut tracker, 100.1, &detail(13, &phone("00000400", 1, "4001"), None, &[]));
    assert!(call_events(&out).iter().all(|e| e.event != CallEventKind::Ended));
    // ...so 4001's CallLost ends the call at once, not after max_idle.
    let out = feed(&mut tracker, 110.0, "<CallLost>c0a82a03,c0a82a0300000400,1,16</CallLost>");
    assert_eq!(kinds(&out), [CallEventKind::Ended]);
}
