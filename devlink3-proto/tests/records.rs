//! Record parsing and writing: Delta3, Delta2, SIPTrack, CMExtn.
//!
//! Field mapping is tested on the corrected lines of `spec-errata.md` §2; the examples printed in
//! the protocol description (§6.7.1) are only required to parse, since they lost a field per
//! Party line and wrap values at the page width.

use std::borrow::Cow;

use devlink3_proto::records::*;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// The four printed examples of §6.7.1, verbatim (line breaks and indentation included).

const PRINTED_DIAL_TONE: &str = r#"<Detail>
  <Call>
    c0a82a03,1,,,,0,,,,
  </Call>
  <PartyA>

c0a82a03000003ea,1,7,1,3,0,0,0,1,8,106,,4001,0,0,,,,,4001,100
  </PartyA>
</Detail>"#;

const PRINTED_RINGING: &str = r#"<Detail>
  <Call>
    c0a82a03,3,,,,0,,200,,200,
  </Call>
  <PartyA>
0a82a0300002329,1,19,1,2,0,1,0,0,2,2,5.23,,0,0,5678,,,,,0170712
3456,100
  </PartyA>
  <Target_list>
    <Target>
c0a82a03000003fe,0,0,8,106,,4002,0,4,,,200,901707123456,100
    </Target>
    <Target>
c0a82a03000003ff,0,0,8,106,,4003,0,4,,,200,901707123456,100
    </Target>
    <Target>
c0a82a0300000407,0,0,8,106,,4001,0,4,,,200,901707123456,100
    </Target>
  </Target_list>
</Detail>"#;

const PRINTED_ANSWERED: &str = r#"<Detail>
  <Call>
    c0a82a03,4,,,,0,,200,,200,
  </Call>
  <PartyA>

c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,0170712
3456,100
  </PartyA>
  <PartyB>

c0a82a0300000413,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,200,901707
123456,100
  </PartyB>
</Detail>"#;

const PRINTED_HUNG_UP: &str = r#"<CallLost>

c0a82a03,c0a82a0300000413,1,16

</CallLost>"#;

// The corrected lines of spec-errata.md §2.
const DIAL_TONE_CALL: &str = "c0a82a03,1,,,,0,,,,,";
const DIAL_TONE_A: &str = "c0a82a03000003ea,1,7,1,3,0,0,0,1,8,106,,4001,0,0,,,,,,,4001,100";
const RINGING_A: &str = "0a82a0300002329,1,19,1,2,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100";
const ANSWERED_A: &str = "c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100";
const ANSWERED_B: &str = "c0a82a0300000413,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,,200,901707123456,100";

/// The answered call in the writer's canonical form: every field of every section.
const CANONICAL_ANSWERED: &str = "<Detail>\
<Call>c0a82a03,4,,,,0,,200,,200,,0,0,0,0,0,,0</Call>\
<PartyA>c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100,0,,</PartyA>\
<PartyB>c0a82a0300000413,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,,200,901707123456,100,0,,</PartyB>\
</Detail>";

fn detail(text: &str) -> Detail<'_> {
    match parse_delta3(text) {
        Ok(Delta3::Detail(d)) => *d,
        other => panic!("expected a Detail from {text:?}, got {other:?}"),
    }
}

fn detail_of(call: &str, a: &str, b: Option<&str>) -> String {
    let b = b.map(|b| format!("<PartyB>{b}</PartyB>")).unwrap_or_default();
    format!("<Detail><Call>{call}</Call><PartyA>{a}</PartyA>{b}</Detail>")
}

/// The Detail of [`detail_of`], owned (so tests can build and inspect it in one expression).
fn built(call: &str, a: &str, b: Option<&str>) -> Detail<'static> {
    detail(&detail_of(call, a, b)).into_owned()
}

fn cow(s: &str) -> Cow<'static, str> {
    Cow::Owned(s.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Printed examples

#[test]
fn printed_examples_parse_as_printed() {
    for text in [PRINTED_DIAL_TONE, PRINTED_RINGING, PRINTED_ANSWERED, PRINTED_HUNG_UP] {
        let record = parse_delta3(text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(record.raw(), text);
    }
    // The fields before the lost one are where the table puts them.
    let d = detail(PRINTED_DIAL_TONE);
    assert_eq!(d.call.node, "c0a82a03");
    assert_eq!(d.call.call_id, 1);
    assert_eq!(d.party_a.end_id, "c0a82a03000003ea");
    assert_eq!(d.party_a.state, PartyState::Dialling);
    assert_eq!(d.party_a.tone, Tone::DialTone);
    assert_eq!(d.party_b, None);
    assert!(d.targets.is_empty());

    let d = detail(PRINTED_ANSWERED);
    assert_eq!(d.call.call_id, 4);
    assert_eq!(d.call.original_huntgroup, "200");
    assert_eq!(d.call.target_huntgroup, "200");
    assert_eq!(d.party_b.as_ref().unwrap().identity, "4001");
}

#[test]
fn printed_call_lost() {
    let Delta3::CallLost(lost) = parse_delta3(PRINTED_HUNG_UP).unwrap() else {
        panic!("not a CallLost");
    };
    assert_eq!(lost.node, "c0a82a03");
    assert_eq!(lost.end_id, "c0a82a0300000413");
    assert!(lost.cleared_inbound);
    assert_eq!(lost.cause, Cause::Normal);
    assert_eq!(lost.cause.raw(), 16);
    assert_eq!(lost.timestamp, 0);
    assert_eq!(lost.raw, PRINTED_HUNG_UP);
}

#[test]
fn printed_target_list() {
    let d = detail(PRINTED_RINGING);
    assert_eq!(d.call.call_id, 3);
    assert_eq!(d.party_a.end_id, "0a82a0300002329", "15 characters, kept");
    assert_eq!(d.party_a.state, PartyState::Ringback);
    assert_eq!(d.targets.len(), 3);
    let ids: Vec<_> = d.targets.iter().map(|t| &*t.identity).collect();
    assert_eq!(ids, ["4002", "4003", "4001"]);
    let t = &d.targets[2];
    assert_eq!(
        *t,
        Target {
            end_id: cow("c0a82a0300000407"),
            remote: false,
            public_line: false,
            equipment: EquipmentClass::TdmPhone,
            equipment_type: 106,
            description: cow(""),
            identity: cow("4001"),
            called_type: CalledType::Unspecified,
            called_reason: 4,
            target_number: cow(""),
            target_subaddress: cow(""),
            purpose: cow("200"),
            cli: cow("901707123456"),
            cli_presentation: CliPresentation::Unspecified,
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Field mapping on the corrected lines

#[test]
fn answered_call_mapping() {
    let text = detail_of("c0a82a03,4,,,,0,,200,,200,", ANSWERED_A, Some(ANSWERED_B));
    let d = detail(&text);
    assert_eq!(
        d.party_a,
        Party {
            end_id: cow("c0a82a030000232a"),
            incoming: true,
            state: PartyState::Connected,
            audio_path: true,
            tone: Tone::NoTone,
            remote: false,
            public_line: true,
            flags: PartyFlags::default(),
            emergency_location: 0,
            equipment: EquipmentClass::IsdnTrunk,
            equipment_type: 2,
            description: cow("5.23"),
            identity: cow(""),
            called_type: CalledType::Unspecified,
            called_reason: 0,
            did: cow("5678"),
            cli: cow("01707123456"),
            cli_presentation: CliPresentation::Unspecified,
            ..Party::default()
        }
    );
    assert_eq!(d.party_a.cli_presentation.raw(), 100);
    assert_eq!(
        d.party_b,
        Some(Party {
            end_id: cow("c0a82a0300000413"),
            incoming: false,
            state: PartyState::Connected,
            audio_path: true,
            emergency_location: 1,
            equipment: EquipmentClass::TdmPhone,
            equipment_type: 106,
            identity: cow("4001"),
            called_reason: 4,
            purpose: cow("200"),
            cli: cow("901707123456"),
            cli_presentation: CliPresentation::Unspecified,
            ..Party::default()
        })
    );
    // Fields past the end of the line take their defaults.
    assert_eq!(d.party_a.calling_name_type, CallingNameType::Default);
    assert_eq!(d.party_a.calling_name, "");
    assert_eq!(d.party_a.related_end_id, "");
    assert_eq!(d.call.queueing, QueueState::NotQueueing);
    assert_eq!(d.call.ivr_transferred_out, "");
}

#[test]
fn dial_tone_mapping() {
    let text = detail_of(DIAL_TONE_CALL, DIAL_TONE_A, None);
    let d = detail(&text);
    assert_eq!(d.call.node, "c0a82a03");
    assert_eq!(d.call.call_id, 1);
    assert_eq!(d.call.transfer_cause, 0);
    let a = &d.party_a;
    assert_eq!(a.end_id, "c0a82a03000003ea");
    assert!(a.incoming, "the handset made the call");
    assert_eq!(a.state, PartyState::Dialling);
    assert!(a.audio_path);
    assert_eq!(a.tone, Tone::DialTone);
    assert_eq!(a.emergency_location, 1);
    assert_eq!(a.equipment, EquipmentClass::TdmPhone);
    assert_eq!(a.equipment_type, 106);
    assert_eq!(a.identity, "4001");
    assert_eq!(a.cli, "4001");
    assert_eq!(a.purpose, "");
    assert_eq!(a.cli_presentation, CliPresentation::Unspecified);
}

#[test]
fn ringing_end_id_of_wrong_length_is_kept() {
    let text = detail_of("c0a82a03,3,,,,0,,200,,200,", RINGING_A, None);
    let a = detail(&text).party_a;
    assert_eq!(a.end_id, "0a82a0300002329");
    assert_eq!(a.end_id.len(), 15);
    assert_eq!(a.state, PartyState::Ringback);
    assert_eq!(a.tone, Tone::Ringback);
    assert_eq!(a.did, "5678");
    assert_eq!(a.cli, "01707123456");
}

#[test]
fn shared_vector_text_parses() {
    // shared/vectors/devlink3.json "delta3_detail": the printed answered example on one line.
    let text = "<Detail><Call>c0a82a03,4,,,,0,,200,,200,</Call><PartyA>c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,01707123456,100</PartyA><PartyB>c0a82a0300000413,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,200,901707123456,100</PartyB></Detail>";
    let d = detail(text);
    assert_eq!(d.party_a.end_id, "c0a82a030000232a");
    assert!(d.party_b.is_some());
}

// ---------------------------------------------------------------------------------------------
// Parsing rules

#[test]
fn quoted_calling_name_with_comma() {
    let a = "c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,0,1,\"Smith, John\",c0a82a0300000413";
    let d = built("c0a82a03,4,,,,0,,,,,,0,0,1,50,0,\"Menu, main\",12", a, None);
    assert_eq!(d.party_a.calling_name, "Smith, John");
    assert_eq!(d.party_a.calling_name_type, CallingNameType::DirectoryMatch);
    assert_eq!(d.party_a.cli_presentation, CliPresentation::Allowed);
    assert_eq!(d.party_a.related_end_id, "c0a82a0300000413");
    assert_eq!(d.call.queueing, QueueState::Queueing);
    assert_eq!(d.call.timestamp, 50);
    assert_eq!(d.call.ivr_transferred_out, "Menu, main");
    assert_eq!(d.call.ivr_time, 12);
}

#[test]
fn missing_and_extra_trailing_fields() {
    // Only the first two fields of each section; then every section with extra fields.
    let short = built("c0a82a03,7", "c0a82a03000003ea,1", None);
    assert_eq!(short.call.call_id, 7);
    assert_eq!(short.call.account_code, "");
    assert_eq!(short.party_a.state, PartyState::Idle);
    assert_eq!(short.party_a.equipment, EquipmentClass::default());
    assert!(short.party_a.incoming);

    let call = "c0a82a03,4,,,,0,,200,,200,,0,0,0,0,0,,0,future,99";
    let a = format!("{ANSWERED_A},0,,,next release,7");
    let long = built(call, &a, None);
    let plain = built("c0a82a03,4,,,,0,,200,,200,", ANSWERED_A, None);
    assert_eq!(long.call, plain.call);
    assert_eq!(long.party_a, plain.party_a);

    let lost = parse_delta3("<CallLost>n,e,0,126,5,extra</CallLost>").unwrap();
    let Delta3::CallLost(lost) = lost else { panic!() };
    assert_eq!(lost.cause, Cause::Transfer);
    assert_eq!(lost.timestamp, 5);
}

#[test]
fn whitespace_nul_and_unknown_sections() {
    let text = "\r\n  <Detail>\r\n\t<Call> c0a82a03,4 </Call>\r\n<Future>x,y</Future>\r\n\
                <PartyA>\t\r\n c0a82a030000232a,1,2 \r\n</PartyA>\n</Detail>\r\n\0\0";
    let d = detail(text);
    assert_eq!(d.call.node, "c0a82a03");
    assert_eq!(d.call.call_id, 4);
    assert_eq!(d.party_a.end_id, "c0a82a030000232a");
    assert_eq!(d.party_a.state, PartyState::Connected);
    assert_eq!(d.raw, text.trim_end_matches('\0'), "raw keeps all but the NULs");
}

#[test]
fn link_lost_and_attempt_reject() {
    let Delta3::LinkLost(link) =
        parse_delta3("<LinkLost>c0a82a03,c0a82a0300000413,0,126,12345,5.23</LinkLost>").unwrap()
    else {
        panic!("not a LinkLost");
    };
    assert_eq!(link.node, "c0a82a03");
    assert_eq!(link.end_id, "c0a82a0300000413");
    assert!(!link.cleared_inbound);
    assert_eq!(link.cause, Cause::Transfer);
    assert_eq!(link.timestamp, 12345);
    assert_eq!(link.link_ref, "5.23");

    let Delta3::AttemptReject(reject) =
        parse_delta3("<AttemptReject>c0a82a03,c0a82a03000003fe,4002,dnd,777</AttemptReject>").unwrap()
    else {
        panic!("not an AttemptReject");
    };
    assert_eq!(reject.node, "c0a82a03");
    assert_eq!(reject.end_id, "c0a82a03000003fe");
    assert_eq!(reject.user, "4002");
    assert_eq!(reject.qualifier, "dnd");
    assert_eq!(reject.timestamp, 777);
}

#[test]
fn party_flags_and_codes() {
    let a = "e,0,25,0,6,1,1,55,9,30,163,,,139,0";
    let p = built("n,1", a, None).party_a;
    assert_eq!(p.state, PartyState::Preserved);
    assert!(!p.audio_path);
    assert_eq!(p.tone, Tone::Busy);
    assert!(p.remote && p.public_line);
    assert!(p.flags.contains(PartyFlags::PRIVACY | PartyFlags::AUTO_ANSWERED));
    assert!(p.flags.contains(PartyFlags::AUTO_RECORDED | PartyFlags::CONSENT_ANSWERED));
    assert!(p.flags.contains(PartyFlags::CONSENT_REFUSED));
    assert_eq!(p.flags.bits(), 55);
    assert_eq!(
        format!("{:?}", p.flags),
        "PartyFlags(PRIVACY | AUTO_ANSWERED | AUTO_RECORDED | CONSENT_ANSWERED | CONSENT_REFUSED)"
    );
    assert_eq!(p.emergency_location, 9);
    assert_eq!(p.equipment, EquipmentClass::ConferenceMeetMe);
    assert_eq!(p.called_type, CalledType::AccsGroup);
    assert_eq!(p.called_type.to_string(), "ACCSGroup");
    let unknown = built("n,1", "e,0,99,0,0,0,0,0,0,31", None).party_a;
    assert_eq!(unknown.state, PartyState::Other(99));
    assert_eq!(unknown.equipment, EquipmentClass::Other(31));
}

// ---------------------------------------------------------------------------------------------
// Writer

#[test]
fn writer_produces_canonical_text() {
    let text = detail_of("c0a82a03,4,,,,0,,200,,200,", ANSWERED_A, Some(ANSWERED_B));
    let record = parse_delta3(&text).unwrap();
    assert_eq!(record.to_string(), CANONICAL_ANSWERED);
    // Canonical text survives parse and write unchanged, and parses to the same values.
    let canonical = parse_delta3(CANONICAL_ANSWERED).unwrap();
    assert_eq!(canonical.to_string(), CANONICAL_ANSWERED);
    let (Delta3::Detail(a), Delta3::Detail(b)) = (&record, &canonical) else { panic!() };
    assert_eq!((&a.call, &a.party_a, &a.party_b), (&b.call, &b.party_a, &b.party_b));

    for text in [
        "<CallLost>c0a82a03,c0a82a0300000413,1,16,0</CallLost>",
        "<LinkLost>c0a82a03,c0a82a0300000413,0,126,12,5.23</LinkLost>",
        "<AttemptReject>c0a82a03,c0a82a03000003fe,4002,dnd,7</AttemptReject>",
    ] {
        assert_eq!(parse_delta3(text).unwrap().to_string(), text);
    }
}

#[test]
fn writer_quotes_names_and_awkward_values() {
    let d = Detail {
        call: Call {
            node: cow("c0a82a03"),
            call_id: 9,
            tag: cow("a,b"),
            ivr_transferred_out: cow("Menu, main"),
            ..Call::default()
        },
        party_a: Party {
            end_id: cow(" padded "),
            calling_name: cow("Smith, John"),
            related_end_id: cow("ends in space "),
            ..Party::default()
        },
        targets: vec![Target::default(); 3],
        ..Detail::default()
    }
    .with_canonical_raw();
    let text = d.raw.to_string();
    assert!(text.contains(r#""a,b""#), "{text}");
    assert!(text.contains(r#","Menu, main","#), "{text}");
    assert!(text.contains(r#"<PartyA>" padded ","#), "{text}");
    assert!(text.contains(r#","Smith, John","ends in space "</PartyA>"#), "{text}");
    assert!(text.contains("<Target_list><Target>,0,0,0,0,,,0,0,,,,,0</Target>"));
    assert_eq!(parse_delta3(&text).unwrap(), Delta3::from(d));
}

#[test]
fn into_owned_is_equal_and_independent() {
    let owned: Vec<Delta3<'static>> = {
        let texts = [
            PRINTED_RINGING.to_owned(),
            CANONICAL_ANSWERED.to_owned(),
            PRINTED_HUNG_UP.to_owned(),
            "<LinkLost>a,b,1,2,3,4</LinkLost>".to_owned(),
            "<AttemptReject>a,b,c,d,5</AttemptReject>".to_owned(),
        ];
        texts
            .iter()
            .map(|t| {
                let borrowed = parse_delta3(t).unwrap();
                let owned = borrowed.clone().into_owned();
                assert_eq!(owned, borrowed);
                owned
            })
            .collect()
    };
    // The texts are gone; the owned records can cross threads.
    let handle = std::thread::spawn(move || owned.len());
    assert_eq!(handle.join().unwrap(), 5);
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn each_error_is_produced_and_named() {
    let cases: &[(&str, RecordError, &str)] = &[
        ("  \n\0", RecordError::Empty, "empty"),
        ("<Summary>x</Summary>", RecordError::UnknownKind { kind: "Summary".into() }, "Summary"),
        ("hello", RecordError::UnknownKind { kind: "hello".into() }, "unknown record kind"),
        ("<Detail", RecordError::MalformedTag { tag: "<Detail".into() }, "<Detail"),
        (
            "<Detail><Call>n,1</Call><PartyA>e,1</PartyA>",
            RecordError::MissingClosingTag { tag: "Detail".into() },
            "</Detail>",
        ),
        (
            "<Detail><Call>n,1<PartyA>e,1</PartyA></Detail>",
            RecordError::MissingClosingTag { tag: "Call".into() },
            "</Call>",
        ),
        ("<Detail><PartyA>e,1</PartyA></Detail>", RecordError::MissingSection { section: "Call" }, "<Call>"),
        ("<Detail><Call>n,1</Call></Detail>", RecordError::MissingSection { section: "PartyA" }, "<PartyA>"),
        (
            "<Detail><Call>n,1x</Call><PartyA>e</PartyA></Detail>",
            RecordError::InvalidNumber { section: "Call", field: "CallID", value: "1x".into() },
            "Call field \"CallID\"",
        ),
        (
            "<Detail><Call>n</Call><PartyA>e,1,2,1,0,0,1,0,0,two</PartyA></Detail>",
            RecordError::InvalidNumber { section: "PartyA", field: "Equipment classification", value: "two".into() },
            "PartyA field \"Equipment classification\" is not a number: \"two\"",
        ),
        (
            "<CallLost>n,e,1,99999999999</CallLost>",
            RecordError::InvalidNumber { section: "CallLost", field: "Cause", value: "99999999999".into() },
            "CallLost field \"Cause\"",
        ),
        (
            "<Detail><Call>n</Call><PartyA>e,1,2,1,0,0,1,0,0,2,2,,,0,0,,,,,,,,0,1,\"Smith, John</PartyA></Detail>",
            RecordError::UnterminatedQuote { section: "PartyA", field: "Calling party name" },
            "unterminated quote",
        ),
    ];
    for (text, error, words) in cases {
        let got = parse_delta3(text).expect_err(text);
        assert_eq!(&got, error, "{text}");
        let shown = got.to_string();
        assert!(shown.contains(words), "{shown:?} should contain {words:?}");
    }
    let too_few = parse_siptrack("START,a,b").unwrap_err();
    assert_eq!(too_few, RecordError::TooFewFields { record: "SIPTrack", expected: 6, found: 3 });
    assert!(too_few.to_string().contains("SIPTrack"));
    let _: &dyn std::error::Error = &too_few;
}

// ---------------------------------------------------------------------------------------------
// Delta2

#[test]
fn delta2_vector_status_record() {
    let text = "CALL: S 1.2.0,1.3.1,1,2,0,Extn4001,T9001,,,été,4001,,0,,,";
    let r = parse_delta2(text).unwrap();
    assert_eq!(r.kind(), Delta2Kind::Status);
    assert_eq!(r.raw(), text);
    assert_eq!(r.raw().as_bytes(), text.as_bytes());
    assert_eq!(r.to_string(), text);
    assert_eq!(r.a_call_id(), "1.2.0");
    assert_eq!(r.b_call_id(), "1.3.1");
    assert_eq!(r.a_state(), Ok(Delta2State::Ringing));
    assert_eq!(r.b_state(), Ok(Delta2State::Connected));
    assert_eq!(r.a_connected(), Ok(false));
    assert_eq!(r.field(10), "été");
    assert_eq!(r.field(0), "");
    assert_eq!(r.field(16), "");
    assert_eq!(r.field(50), "", "missing fields read as empty");
    assert_eq!(r.call_id(), Ok(0));
    assert_eq!(r.cause(), Ok(Cause::Unknown));
    assert_eq!(r.fields().count(), 16);
    // The vector does not follow the documented order: field 6 is not a number.
    let err = r.a_is_music().unwrap_err();
    assert!(err.to_string().contains("A is music"), "{err}");
    let owned = r.clone().into_owned();
    assert_eq!(owned, r);
}

#[test]
fn delta2_full_status_record() {
    let mut fields: Vec<String> = (1..=50).map(|n| format!("f{n}")).collect();
    for (n, v) in [(3, "2"), (4, "12"), (5, "1"), (8, "0"), (24, "3"), (25, "126"), (50, "4711")] {
        fields[n - 1] = v.into();
    }
    fields[10] = "Extn4002;Extn4003".into();
    let built = Delta2::build(Delta2Kind::Status, &fields);
    assert!(built.raw().starts_with("CALL: S f1,f2,2,12,1,"));
    let r = parse_delta2(built.raw()).unwrap();
    assert_eq!(r, built);
    assert_eq!(r.a_state(), Ok(Delta2State::Connected));
    assert_eq!(r.b_state(), Ok(Delta2State::Held));
    assert_eq!(r.a_connected(), Ok(true));
    assert_eq!(r.b_is_music(), Ok(false));
    assert_eq!(r.a_name(), "f9");
    assert_eq!(r.b_targets().collect::<Vec<_>>(), ["Extn4002", "Extn4003"]);
    assert_eq!(r.ring_attempt_count(), Ok(3));
    assert_eq!(r.cause(), Ok(Cause::Transfer));
    assert_eq!(r.target_user(), "f33");
    assert_eq!(r.call_id(), Ok(4711));
    assert_eq!(r.field(50), "4711");
}

#[test]
fn delta2_deleted_and_swapped() {
    let d = parse_delta2("CALL: D 1.2.0,1.3.1,42\0").unwrap();
    assert_eq!(d.kind(), Delta2Kind::Deleted);
    assert_eq!(d.a_call_id(), "1.2.0");
    assert_eq!(d.b_call_id(), "1.3.1");
    assert_eq!(d.call_id(), Ok(42));
    assert_eq!(d.raw(), "CALL: D 1.2.0,1.3.1,42\0", "raw is byte-exact");
    assert_eq!(d.body(), "1.2.0,1.3.1,42");
    assert_eq!(d.a_state(), Ok(Delta2State::Idle), "no S fields on a D record");
    assert_eq!(d.a_name(), "");

    let a = parse_delta2("CALL:A 1.2.0,1.3.1,43").unwrap();
    assert_eq!(a.kind(), Delta2Kind::EndsSwapped);
    assert_eq!(a.call_id(), Ok(43));
    assert_eq!(Delta2::ends_swapped("1.2.0", "1.3.1", 43).raw(), "CALL: A 1.2.0,1.3.1,43");
    assert_eq!(Delta2::deleted("x", "", 1).raw(), "CALL: D x,,1");

    let s = parse_delta2("CALL:S 1.2.0").unwrap();
    assert_eq!(s.kind(), Delta2Kind::Status);
    assert_eq!(s.a_call_id(), "1.2.0");

    assert_eq!(parse_delta2(""), Err(RecordError::Empty));
    assert!(matches!(parse_delta2("CALL: X 1,2,3"), Err(RecordError::UnknownKind { .. })));
    assert!(matches!(parse_delta2("CDR: S 1"), Err(RecordError::UnknownKind { .. })));
}

// ---------------------------------------------------------------------------------------------
// SIPTrack and CMExtn

#[test]
fn siptrack_example() {
    let text = "START,c0a82a1f000003eb,17.1003.1,TRUNK,IN,0f5757c5c504c74197be9699697eab8d";
    let t = parse_siptrack(text).unwrap();
    assert_eq!(t.event, SipEvent::Start);
    assert_eq!(t.epid, "c0a82a1f000003eb");
    assert_eq!(t.end_id, "17.1003.1");
    assert_eq!(t.sip_type, SipType::Trunk);
    assert_eq!(t.direction, SipDirection::In);
    assert_eq!(t.sip_call_id, "0f5757c5c504c74197be9699697eab8d");
    assert_eq!(t.raw, text);
    assert_eq!(t.to_string(), text);
    assert_eq!(t.clone().into_owned(), t);

    let other = parse_siptrack("PAUSE,e,1.2.3,GATEWAY,BOTH,id@host,extra\0").unwrap();
    assert_eq!(other.event, SipEvent::Other("PAUSE".into()));
    assert_eq!(other.sip_type, SipType::Other("GATEWAY".into()));
    assert_eq!(other.direction, SipDirection::Other("BOTH".into()));
    assert_eq!(other.sip_call_id, "id@host");
    assert_eq!(other.to_string(), "PAUSE,e,1.2.3,GATEWAY,BOTH,id@host");
    let end = parse_siptrack("END,e,1.2.3,PHONE,OUT,x").unwrap();
    assert_eq!((end.event, end.sip_type, end.direction), (SipEvent::End, SipType::Phone, SipDirection::Out));
}

#[test]
fn cmextn_plain() {
    let c = parse_cmextn("Extn4001: CALL LOST (CMCauseForceIdle)\0");
    assert_eq!(c.extension, "Extn4001");
    assert_eq!(c.message, "CALL LOST (CMCauseForceIdle)");
    assert_eq!(c.raw, "Extn4001: CALL LOST (CMCauseForceIdle)");
    assert_eq!(c.cause(), Some(Cause::ForceIdle));
    assert_eq!(c.to_string(), "Extn4001: CALL LOST (CMCauseForceIdle)");
    assert_eq!(c.clone().into_owned(), c);

    let bare = parse_cmextn("no colon here");
    assert_eq!(bare.extension, "");
    assert_eq!(bare.message, "no colon here");
    assert_eq!(bare.cause(), None);
    assert_eq!(bare.to_string(), "no colon here");
    let prose = parse_cmextn("link state: down");
    assert_eq!(prose.extension, "", "a phrase before the colon is not an extension");
}

#[test]
fn cmextn_extended_state() {
    let e = CmExtnState::new(1, 2, 0, "Extn865001");
    assert_eq!(e.state_change(), Some((ExtnState::Dialling, ExtnState::Idle)));
    assert_eq!(e.to_string(), "v=1 State, new=Dialling old=Idle,0,0,Extn865001");
    assert_eq!(e.clone().into_owned(), e);
    let unknown = CmExtnState::new(1, 5, 2, "Extn1\0");
    assert_eq!(unknown.extension, "Extn1");
    assert_eq!(unknown.to_string(), "v=1 State, new=5 old=Dialling,0,0,Extn1");
    let other = CmExtnState::new(3, 7, 8, "Extn2");
    assert_eq!(other.state_change(), None);
    assert_eq!(other.to_string(), "v=3,7,8,Extn2");
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Strings for generated fields: commas, quotes, spaces and non-ASCII included. Excluded: `<`
/// (could close a section early) and the sequence `",` (would end a quoted field early); the
/// protocol has no escaping for either.
fn field_text() -> impl Strategy<Value = String> {
    let chars = prop::sample::select(vec!['a', 'Z', '0', '9', '.', ',', '"', ' ', '>', 'é', '*']);
    prop::collection::vec(chars, 0..8).prop_map(|chars| chars.into_iter().collect::<String>().replace("\",", "\"_,"))
}

fn texts(n: usize) -> impl Strategy<Value = Vec<Cow<'static, str>>> {
    prop::collection::vec(field_text().prop_map(Cow::Owned), n)
}

fn numbers(n: usize) -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(any::<u32>(), n)
}

fn call() -> impl Strategy<Value = Call<'static>> {
    (texts(10), numbers(8)).prop_map(|(s, n)| {
        let mut s = s.into_iter();
        let mut next = || s.next().unwrap();
        Call {
            node: next(),
            call_id: n[0],
            account_code: next(),
            authorization_code: next(),
            tag: next(),
            transfer_cause: n[1],
            owner_huntgroup: next(),
            original_huntgroup: next(),
            original_user: next(),
            target_huntgroup: next(),
            target_user: next(),
            voicemail_leaving: n[2],
            voicemail_length: n[3],
            queueing: n[4].into(),
            timestamp: n[5],
            huntgroup_overflow: n[6],
            ivr_transferred_out: next(),
            ivr_time: n[7],
        }
    })
}

fn party() -> impl Strategy<Value = Party<'static>> {
    (texts(12), numbers(14)).prop_map(|(s, n)| {
        let mut s = s.into_iter();
        let mut next = || s.next().unwrap();
        Party {
            end_id: next(),
            incoming: n[0] % 2 == 1,
            state: n[1].into(),
            audio_path: n[2] % 2 == 1,
            tone: n[3].into(),
            remote: n[4] % 2 == 1,
            public_line: n[5] % 2 == 1,
            flags: n[6].into(),
            emergency_location: n[7],
            equipment: n[8].into(),
            equipment_type: n[9],
            description: next(),
            identity: next(),
            called_type: n[10].into(),
            called_reason: n[11],
            did: next(),
            dialled: next(),
            on_behalf: next(),
            target_number: next(),
            target_subaddress: next(),
            purpose: next(),
            cli: next(),
            cli_presentation: n[12].into(),
            calling_name_type: n[13].into(),
            calling_name: next(),
            related_end_id: next(),
        }
    })
}

fn target() -> impl Strategy<Value = Target<'static>> {
    (texts(7), numbers(7)).prop_map(|(s, n)| {
        let mut s = s.into_iter();
        let mut next = || s.next().unwrap();
        Target {
            end_id: next(),
            remote: n[0] % 2 == 1,
            public_line: n[1] % 2 == 1,
            equipment: n[2].into(),
            equipment_type: n[3],
            description: next(),
            identity: next(),
            called_type: n[4].into(),
            called_reason: n[5],
            target_number: next(),
            target_subaddress: next(),
            purpose: next(),
            cli: next(),
            cli_presentation: n[6].into(),
        }
    })
}

fn delta3() -> impl Strategy<Value = Delta3<'static>> {
    let detail = (call(), party(), prop::option::of(party()), prop::collection::vec(target(), 0..4)).prop_map(
        |(call, party_a, party_b, targets)| {
            Delta3::from(Detail { call, party_a, party_b, targets, raw: Cow::Borrowed("") })
        },
    );
    let lost = (texts(3), numbers(3)).prop_map(|(s, n)| {
        Delta3::from(CallLost {
            node: s[0].clone(),
            end_id: s[1].clone(),
            cleared_inbound: n[0] % 2 == 1,
            cause: n[1].into(),
            timestamp: n[2],
            raw: Cow::Borrowed(""),
        })
    });
    let link = (texts(3), numbers(3)).prop_map(|(s, n)| {
        Delta3::from(LinkLost {
            node: s[0].clone(),
            end_id: s[1].clone(),
            cleared_inbound: n[0] % 2 == 1,
            cause: n[1].into(),
            timestamp: n[2],
            link_ref: s[2].clone(),
            raw: Cow::Borrowed(""),
        })
    });
    let reject = (texts(4), any::<u32>()).prop_map(|(s, timestamp)| {
        Delta3::from(AttemptReject {
            node: s[0].clone(),
            end_id: s[1].clone(),
            user: s[2].clone(),
            qualifier: s[3].clone(),
            timestamp,
            raw: Cow::Borrowed(""),
        })
    });
    prop_oneof![4 => detail, 1 => lost, 1 => link, 1 => reject].prop_map(Delta3::with_canonical_raw)
}

/// Calls every parser; the property is only that none of them panics.
fn parse_everything(text: &str) {
    if let Ok(record) = parse_delta3(text) {
        let _ = record.to_string();
        let _ = record.into_owned();
    }
    comma_separated_is_the_fields(text);
    if let Ok(record) = parse_delta2(text) {
        let _ = (record.a_state(), record.cause(), record.call_id(), record.field(50));
    }
    let _ = parse_siptrack(text).map(|t| t.to_string());
    let _ = parse_cmextn(text).cause();
}

/// Where a Detail's section says its fields are its text split at commas, they are: the
/// Node binding splits that text in JS instead of reading the spans. Returns how many
/// sections said so.
fn comma_separated_is_the_fields(text: &str) -> usize {
    /// JS also reads every number field as bare digits, at most nine (no overflow).
    fn check<S>(view: SectionView<'_, S>, fields: &[Field]) -> usize {
        let Some(split) = view.comma_separated() else { return 0 };
        let parts: Vec<&str> = split.split(',').collect();
        assert!(parts.len() <= fields.len(), "more fields than the section has in {split:?}");
        for (i, field) in fields.iter().enumerate() {
            let part = parts.get(i).copied().unwrap_or("");
            assert_eq!(view.field(i), part, "field {i} of {split:?}");
            if !matches!(field.kind, FieldKind::Text | FieldKind::Quoted | FieldKind::Word { .. }) {
                assert!(part.len() <= 9 && part.bytes().all(|b| b.is_ascii_digit()), "number {part:?} in {split:?}");
            }
        }
        1
    }
    let mut index = Delta3Index::new();
    let Ok(Delta3View::Detail(detail)) = index.read(text) else { return 0 };
    let mut said =
        check(detail.call(), <Call as Described>::FIELDS) + check(detail.party_a(), <Party as Described>::FIELDS);
    said += detail.party_b().map_or(0, |b| check(b, <Party as Described>::FIELDS));
    said + detail.targets().map(|t| check(t, <Target as Described>::FIELDS)).sum::<usize>()
}

#[test]
fn comma_separated_sections() {
    // As the PBX writes them: every section is its text split at commas.
    assert_eq!(comma_separated_is_the_fields(CANONICAL_ANSWERED), 3);
    let mut index = Delta3Index::new();
    let Ok(Delta3View::Detail(detail)) = index.read(CANONICAL_ANSWERED) else { panic!("a Detail") };
    assert_eq!(detail.party_b().and_then(|b| b.comma_separated()), Some(ANSWERED_B.to_owned() + ",0,,").as_deref());
    // Whitespace around a section's text is not part of it.
    assert_eq!(comma_separated_is_the_fields(PRINTED_DIAL_TONE), 2);
    // A quoted field, a number with spaces, one field too many: the spans are needed.
    let quoted = detail_of(DIAL_TONE_CALL, &format!("{DIAL_TONE_A},0,\"Smith, J\""), None);
    assert_eq!(comma_separated_is_the_fields(&quoted), 1, "the Call only");
    let spaced = detail_of("c0a82a03, 1,,,,0,,,,,", DIAL_TONE_A, None);
    assert_eq!(comma_separated_is_the_fields(&spaced), 1, "the PartyA only");
    let extra = detail_of(&format!("{DIAL_TONE_CALL}{}", ",0".repeat(20)), DIAL_TONE_A, None);
    assert_eq!(comma_separated_is_the_fields(&extra), 1, "the PartyA only");
    let view = index.read(&extra).map(|v| match v {
        Delta3View::Detail(d) => d.call().comma_separated().is_none(),
        _ => false,
    });
    assert_eq!(view, Ok(true));
}

proptest! {
    #[test]
    fn round_trip(record in delta3()) {
        let text = record.to_string();
        comma_separated_is_the_fields(&text);
        prop_assert_eq!(record.raw(), text.as_str());
        let parsed = parse_delta3(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        prop_assert_eq!(&parsed, &record);
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn random_text_never_panics(text in any::<String>()) {
        parse_everything(&text);
    }

    #[test]
    fn tag_soup_never_panics(
        text in r#"(<(/?(Detail|Call|PartyA|PartyB|Target_list|Target|CallLost|LinkLost|AttemptReject))>|[0-9a-z,"/ \n<>]{0,6}|CALL: [SDA] )*"#,
    ) {
        parse_everything(&text);
    }

    #[test]
    fn mutated_records_never_panic(
        base in prop::sample::select(vec![
            PRINTED_RINGING, PRINTED_ANSWERED, PRINTED_HUNG_UP, CANONICAL_ANSWERED,
            "<LinkLost>a,b,1,2,3,\"4\"</LinkLost>",
            "CALL: S 1.2.0,1.3.1,1,2,0,Extn4001,T9001,,,été,4001,,0,,,",
            "START,c0a82a1f000003eb,17.1003.1,TRUNK,IN,0f57",
        ]),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, any::<char>()), 1..8),
    ) {
        let mut chars: Vec<char> = base.chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len() + 1);
            match op {
                0 => chars.insert(i, c),
                1 if i < chars.len() => { chars.remove(i); }
                _ if i < chars.len() => chars[i] = c,
                _ => chars.push(c),
            }
        }
        parse_everything(&chars.into_iter().collect::<String>());
    }
}

/// A text past 4 GiB would wrap the index's 32-bit offsets: it is refused, not misread.
/// The text is a reservation of untouched zero pages, so the test costs no memory.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[test]
fn text_beyond_four_gib_is_refused() {
    let len = u32::MAX as usize + 1;
    // SAFETY: an anonymous private mapping with no address hint; checked for failure below.
    let pages = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if pages == libc::MAP_FAILED {
        // Address space limited (ulimit -v, a sanitizer): nothing to test here.
        eprintln!("skipped: could not reserve 4 GiB of address space");
        return;
    }
    // SAFETY: the mapping is `len` readable zero bytes, valid UTF-8, alive until `munmap`.
    let text = unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(pages as *const u8, len)) };
    assert_eq!(parse_delta3(text).unwrap_err(), RecordError::TooLong { len });
    assert_eq!(Delta3Index::new().read(text).unwrap_err(), RecordError::TooLong { len });
    // SAFETY: unmapping exactly what was mapped; `text` is not used after.
    assert_eq!(unsafe { libc::munmap(pages, len) }, 0);
}
