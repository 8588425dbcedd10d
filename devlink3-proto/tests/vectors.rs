//! Every entry of shared/vectors/devlink3.json, decoded and re-encoded byte for byte.
//!
//! The vectors were built from the protocol description, not from this code, so they hold
//! both the client and the simulator to the specification rather than to each other.

use std::path::PathBuf;

use devlink3_proto::auth;
use devlink3_proto::wire::{Deframer, EventTuple, Packet, ResultCode, Text, decode_frame, encode_frame};
use serde_json::Value;

fn vectors() -> Value {
    // CI checks shared/ out beside the repository; DEVLINK3_VECTORS overrides.
    let path = std::env::var_os("DEVLINK3_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/devlink3.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("test vectors missing at {} ({e}): check out shared/ beside the repository", path.display())
    });
    serde_json::from_str(&text).expect("devlink3.json is valid JSON")
}

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit")).collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn u32_of(v: &Value, key: &str) -> u32 {
    let n = v[key].as_u64().unwrap_or_else(|| panic!("{key} missing in {v}"));
    u32::try_from(n).unwrap()
}

/// Vector type codes are written `0x002A0001`.
fn type_of(v: &Value) -> u32 {
    u32::from_str_radix(str_of(v, "type").trim_start_matches("0x"), 16).unwrap()
}

/// Results are a number or `"0x80000041 AUTHENTICATION_FAILED"` / `"9 PARTIAL_SUCCESS"`.
fn check_result(expect: &Value, got: ResultCode) {
    match &expect["result"] {
        Value::Number(n) => assert_eq!(u64::from(got.raw()), n.as_u64().unwrap()),
        Value::String(s) => assert_eq!(got.described().to_string(), *s),
        other => panic!("unexpected result form {other}"),
    }
}

/// Decodes a whole-frame hex string, checks it re-encodes to the same octets, and hands
/// the packet to `check`.
fn with_frame(hex_frame: &str, check: impl FnOnce(&Packet<'_>)) {
    let bytes = hex(hex_frame);
    let (payload, used) = decode_frame(&bytes).unwrap().expect("one whole frame");
    assert_eq!(used, bytes.len(), "vector is exactly one frame");
    let packet = Packet::decode(payload).unwrap_or_else(|e| panic!("decode {hex_frame}: {e}"));
    check(&packet);
    let mut again = Vec::new();
    packet.encode(&mut again).unwrap();
    assert_eq!(to_hex(&again), hex_frame, "re-encoded {packet:?}");
}

#[test]
fn framing_edges() {
    let v = vectors();
    let cases = v["framing"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for case in cases {
        let payload = vec![hex(str_of(case, "payload_byte"))[0]; case["payload_len"].as_u64().unwrap() as usize];
        let mut frame = Vec::new();
        encode_frame(&payload, &mut frame);
        let header = hex(str_of(case, "header_hex"));
        assert_eq!(&frame[..header.len()], header.as_slice(), "header for {} octets", payload.len());
        assert_eq!(frame.len() as u64, case["frame_len"].as_u64().unwrap());
        let (decoded, used) = decode_frame(&frame).unwrap().unwrap();
        assert_eq!((decoded, used), (payload.as_slice(), frame.len()));
        // The same frame fed one octet at a time comes out once, whole.
        let mut deframer = Deframer::new();
        let mut seen = 0;
        for b in &frame {
            deframer.feed(std::slice::from_ref(b));
            while let Some(p) = deframer.next_frame().unwrap() {
                assert_eq!(p, payload.as_slice());
                seen += 1;
            }
        }
        assert_eq!(seen, 1);
    }
}

#[test]
fn packets() {
    let v = vectors();
    let cases = v["packets"].as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let expect = &case["expect"];
        with_frame(str_of(case, "hex"), |packet| {
            assert_eq!(packet.packet_type(), type_of(expect), "{}", case["name"]);
            match *packet {
                Packet::TestRequest(p) => {
                    assert_eq!(p.request_id, u32_of(expect, "request_id"));
                    assert_eq!(p.payload, str_of(expect, "payload").as_bytes());
                }
                Packet::TestResponse(p) => {
                    assert_eq!(p.request_id, u32_of(expect, "request_id"));
                    check_result(expect, p.result);
                    if let Some(payload) = expect["payload"].as_str() {
                        assert_eq!(p.payload, payload.as_bytes());
                    }
                }
                Packet::AuthRequest(p) => {
                    assert_eq!(p.request_id, u32_of(expect, "request_id"));
                    assert_eq!(u32_of(expect, "kind"), 1);
                    assert_eq!(p.username, str_of(expect, "username"));
                    let tuple = &expect["tuples"][0];
                    assert_eq!(str_of(tuple, "tag"), "0x007E0001");
                    assert_eq!(p.application_name, Some(str_of(tuple, "application_name")));
                }
                Packet::AuthSha1Challenge { request_id, challenge } => {
                    assert_eq!(request_id, u32_of(expect, "request_id"));
                    assert_eq!(u32_of(expect, "kind"), 2);
                    assert_eq!(to_hex(challenge), str_of(expect, "challenge"));
                }
                Packet::AuthPlainChallenge { request_id } => {
                    assert_eq!(request_id, u32_of(expect, "request_id"));
                    assert_eq!(u32_of(expect, "kind"), 1);
                }
                Packet::AuthResult(p) => {
                    assert_eq!(p.request_id, u32_of(expect, "request_id"));
                    check_result(expect, p.result);
                    assert_eq!(p.pbx_type_and_version, expect["pbx_type_and_version"].as_str());
                    assert_eq!(p.devlink_variant, expect["devlink_variant"].as_str());
                }
                Packet::EventRequest(p) => {
                    assert_eq!(p.request_id, u32_of(expect, "request_id"));
                    assert_eq!(p.flags, str_of(expect, "flags"));
                }
                Packet::EventResponse(p) => {
                    assert_eq!(p.request_id, u32_of(expect, "request_id"));
                    check_result(expect, p.result);
                    assert_eq!(p.accepted_flags, str_of(expect, "accepted_flags"));
                }
                Packet::ReadFileRequest(p) => {
                    assert_eq!(p.request_id, u32_of(expect, "request_id"));
                    assert_eq!(p.filename, str_of(expect, "filename"));
                }
                Packet::ReadFileResponse(p) => {
                    use sha1::Digest;
                    assert_eq!(p.request_id, u32_of(expect, "request_id"));
                    check_result(expect, p.result);
                    assert_eq!(p.contents.len() as u64, expect["contents_len"].as_u64().unwrap());
                    assert_eq!(to_hex(&sha1::Sha1::digest(p.contents)), str_of(expect, "contents_sha1"));
                }
                ref other => panic!("unexpected packet {other:?} for {}", case["name"]),
            }
        });
    }
}

#[test]
fn sha1_challenge_responses() {
    let v = vectors();
    let cases = v["sha1_challenge"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let challenge = hex(str_of(case, "challenge"));
        let password = str_of(case, "password");
        assert_eq!(to_hex(&auth::sha1_input(&challenge, password)), str_of(case, "hash_input"), "{password:?}");
        let response = auth::sha1_response(&challenge, password);
        assert_eq!(to_hex(&response), str_of(case, "response"), "{password:?}");
        let mut frame = Vec::new();
        Packet::AuthSha1Response { request_id: 1, response: &response }.encode(&mut frame).unwrap();
        assert_eq!(to_hex(&frame), str_of(case, "response_packet"));
        with_frame(str_of(case, "response_packet"), |p| {
            assert!(matches!(p, Packet::AuthSha1Response { response: r, .. } if *r == response));
        });
    }
}

#[test]
fn plain_challenge_responses() {
    let v = vectors();
    let cases = v["plain_challenge"].as_array().unwrap();
    assert!(cases.len() >= 2);
    for case in cases {
        let response = auth::plain_response(str_of(case, "password"));
        let mut frame = Vec::new();
        Packet::AuthPlainResponse { request_id: 1, response: &response }.encode(&mut frame).unwrap();
        assert_eq!(to_hex(&frame), str_of(case, "response_packet"));
    }
}

#[test]
fn events() {
    let v = vectors();
    let cases = v["events"].as_array().unwrap();
    assert!(cases.len() >= 7);
    for case in cases {
        let expect = &case["expect"];
        with_frame(str_of(case, "hex"), |packet| {
            let Packet::Event(event) = packet else { panic!("{} is not an event", case["name"]) };
            assert_eq!(event.pbx_ip.to_string(), str_of(expect, "pbx_ip"));
            assert_eq!(event.counter, u32_of(expect, "counter"));
            let tuples: Vec<EventTuple<'_>> = event.tuples.events().collect::<Result<_, _>>().unwrap();
            let wanted = expect["tuples"].as_array().unwrap();
            assert_eq!(tuples.len(), wanted.len(), "{}", case["name"]);
            for (got, want) in tuples.iter().zip(wanted) {
                assert_eq!(format!("0x{:08X}", got.tag()), str_of(want, "tag"));
                let text = match *got {
                    EventTuple::CallDelta3(s) => s.to_string(),
                    EventTuple::CallDelta2(t) | EventTuple::SipTrack(t) | EventTuple::CmExtn(t) => {
                        assert!(t.is_utf16(), "vector tuples are UTF-16");
                        t.to_string()
                    }
                    EventTuple::CmExtnState { v, p1, p2, extension } => {
                        assert_eq!((v, p1, p2), (u32_of(want, "v"), u32_of(want, "p1"), u32_of(want, "p2")));
                        extension.to_string()
                    }
                    ref other => panic!("unexpected tuple {other:?}"),
                };
                assert_eq!(text, str_of(want, "text"));
            }
        });
    }
}

#[test]
fn delta2_double_tag_layout_as_printed() {
    // §6.5.1.2 prints CallDelta2 with 0x00760001 before 0x00760002; accept it.
    let mut payload = vec![0x10, 0x30, 0x00, 0x11, 192, 168, 42, 3, 0, 0, 0, 1];
    payload.extend_from_slice(&[0x00, 0x76, 0x00, 0x01, 0x00, 0x76, 0x00, 0x02, 0x00, 0x0A]);
    payload.extend(hex("00430041004c004c0000"));
    let Packet::Event(event) = Packet::decode(&payload).unwrap() else { panic!() };
    let tuples: Vec<_> = event.tuples.events().collect::<Result<_, _>>().unwrap();
    assert_eq!(tuples, [EventTuple::CallDelta2(Text::Utf16Be(&hex("00430041004c004c")))]);
    assert_eq!(tuples[0].tag(), 0x0076_0002);
}
