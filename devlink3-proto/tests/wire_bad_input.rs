//! Malformed input: each case returns the right typed `DecodeError` (and its message names the
//! problem), or the documented liberal reading, and never panics. Encode errors leave the
//! output buffer as it was.

use std::net::Ipv4Addr;

use devlink3_proto::wire::frame::{MAX_FRAME_LEN, MAX_PAYLOAD_LEN, decode_header};
use devlink3_proto::wire::packet::{encode_event, kind};
use devlink3_proto::wire::tuple::{MAX_TUPLE_DATA, tag};
use devlink3_proto::wire::{
    AuthRequest, AuthResult, DecodeError, Deframer, EncodeError, Event, EventRequest, EventResponse, EventTuple,
    Packet, RawTuple, ReadFileRequest, ReadFileResponse, ResultCode, TestRequest, TestResponse, Text, TupleTable,
    TupleWriter, decode_frame, encode_frame,
};

/// Asserts `err` is what `expected` says and that its message contains every `words`.
#[track_caller]
fn assert_error(err: DecodeError, expected: DecodeError, words: &[&str]) {
    assert_eq!(err, expected);
    let message = err.to_string();
    for word in words {
        assert!(message.contains(word), "{message:?} should mention {word:?}");
    }
}

fn be(n: u32) -> [u8; 4] {
    n.to_be_bytes()
}

/// A payload from pieces.
fn payload(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn event_with_table(table: &[u8]) -> Vec<u8> {
    payload(&[&be(kind::EVENT), &[192, 168, 42, 3], &be(7), table])
}

fn tuple(tag: u32, data: &[u8]) -> Vec<u8> {
    payload(&[&be(tag), &(data.len() as u16).to_be_bytes(), data])
}

/// The first tuple of a one-tuple event, decoded.
fn decode_event_tuple(tag: u32, data: &[u8]) -> Result<EventTuple<'static>, DecodeError> {
    let table: &'static [u8] = Vec::leak(tuple(tag, data));
    let mut events = TupleTable::new(table).events();
    let first = events.next().expect("one tuple");
    assert!(events.next().is_none());
    first
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().chain([0]).flat_map(u16::to_be_bytes).collect()
}

// ---------------------------------------------------------------------------------------------
// Framing
// ---------------------------------------------------------------------------------------------

#[test]
fn truncated_frames_wait_for_the_rest() {
    for len in [0usize, 1, 17, 0x7FFC, 0x7FFD, 0x9000] {
        let body: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut frame = Vec::new();
        encode_frame(&body, &mut frame);
        let cuts: Vec<usize> =
            if frame.len() < 64 { (0..frame.len()).collect() } else { vec![0, 1, 2, 3, 4, 5, frame.len() - 1] };
        for cut in cuts {
            assert_eq!(decode_frame(&frame[..cut]), Ok(None), "{len}-octet payload cut at {cut}");
            let mut deframer = Deframer::new();
            deframer.feed(&frame[..cut]);
            assert_eq!(deframer.next_frame(), Ok(None), "{len}-octet payload cut at {cut}");
            assert_eq!(deframer.next_frame(), Ok(None), "asking again changes nothing");
            assert_eq!(deframer.buffered(), cut);
            deframer.feed(&frame[cut..]);
            assert_eq!(deframer.next_frame(), Ok(Some(body.as_slice())), "{len}-octet payload completed");
            assert_eq!(deframer.next_frame(), Ok(None));
            assert_eq!(deframer.buffered(), 0);
        }
    }
}

#[test]
fn wrong_discriminator() {
    for first in [0x00u8, 0x48, 0x4A, 0xC9, 0xFF] {
        let bytes = [first, 0x00, 0x03];
        let expected = DecodeError::BadDiscriminator(first);
        let words = ["discriminator", "0x49"];
        assert_error(decode_frame(&bytes).unwrap_err(), expected.clone(), &words);
        assert_error(decode_frame(&bytes[..1]).unwrap_err(), expected.clone(), &words);
        let mut deframer = Deframer::new();
        deframer.feed(&bytes);
        assert_error(deframer.next_frame().unwrap_err(), expected.clone(), &words);
        assert_eq!(deframer.next_frame(), Err(expected), "the stream stays broken");
    }
    assert!(DecodeError::BadDiscriminator(0x48).to_string().contains("0x48"));
    // After a good frame, a bad one: the good one still comes out first.
    let mut deframer = Deframer::new();
    deframer.feed(&[0x49, 0x00, 0x04, 0xAB, 0x50, 0x00, 0x03]);
    assert_eq!(deframer.next_frame(), Ok(Some(&[0xAB][..])));
    assert_eq!(deframer.next_frame(), Err(DecodeError::BadDiscriminator(0x50)));
}

#[test]
fn frame_length_shorter_than_its_header() {
    // 2-octet form: lengths 0, 1 and 2 are shorter than the 3-octet header.
    for len in 0..3u8 {
        let bytes = [0x49, 0x00, len];
        let expected = DecodeError::FrameTooShort { frame_len: len.into(), header_len: 3 };
        assert_error(decode_frame(&bytes).unwrap_err(), expected.clone(), &["shorter", "3-octet header"]);
        let mut deframer = Deframer::new();
        deframer.feed(&bytes);
        assert_eq!(deframer.next_frame(), Err(expected));
    }
    // 3-octet form: lengths 0..=3 are shorter than the 4-octet header.
    for len in 0..4u8 {
        let bytes = [0x49, 0x80, 0x00, len];
        let expected = DecodeError::FrameTooShort { frame_len: len.into(), header_len: 4 };
        assert_error(decode_frame(&bytes).unwrap_err(), expected.clone(), &["shorter", "4-octet header"]);
        let mut deframer = Deframer::new();
        deframer.feed(&bytes);
        assert_eq!(deframer.next_frame(), Err(expected));
    }
    // Exactly the header: an empty payload, in both forms.
    assert_eq!(decode_frame(&[0x49, 0x00, 0x03]), Ok(Some((&[][..], 3))));
    assert_eq!(decode_frame(&[0x49, 0x80, 0x00, 0x04]), Ok(Some((&[][..], 4))));
}

#[test]
fn bad_three_octet_length() {
    for (b2, b3) in [(0x80u8, 0x00u8), (0xFF, 0xFF), (0x81, 0x10)] {
        let bytes = [0x49, 0x81, b2, b3];
        let expected = DecodeError::BadLongLength([0x81, b2, b3]);
        assert_error(decode_frame(&bytes).unwrap_err(), expected.clone(), &["3-octet frame length", "bit 7"]);
        // Not reported before the whole header is there.
        assert_eq!(decode_frame(&bytes[..3]), Ok(None));
        let mut deframer = Deframer::new();
        deframer.feed(&bytes[..3]);
        assert_eq!(deframer.next_frame(), Ok(None));
        deframer.feed(&bytes[3..]);
        assert_eq!(deframer.next_frame(), Err(expected));
    }
}

#[test]
fn frame_longer_than_the_deframer_max() {
    let max = 64;
    // At the limit: accepted.
    let mut deframer = Deframer::with_max_frame_len(max);
    let mut frame = Vec::new();
    encode_frame(&[7; 61], &mut frame);
    assert_eq!(frame.len(), max);
    deframer.feed(&frame);
    assert_eq!(deframer.next_frame(), Ok(Some(&[7u8; 61][..])));
    // One over: rejected from the header alone, before its payload is buffered.
    deframer.feed(&[0x49, 0x00, 65]);
    let expected = DecodeError::FrameTooLong { frame_len: 65, max };
    assert_error(deframer.next_frame().unwrap_err(), expected, &["65", "64", "exceeds"]);
    // The long form too.
    let mut deframer = Deframer::with_max_frame_len(0x9000);
    deframer.feed(&[0x49, 0x81, 0x10, 0x01]);
    assert_eq!(deframer.next_frame(), Err(DecodeError::FrameTooLong { frame_len: 0x9001, max: 0x9000 }));
}

#[test]
fn absurd_frame_lengths_need_more_octets_not_memory() {
    // The largest lengths both forms can say: "need more", not an error and not a panic.
    assert_eq!(decode_frame(&[0x49, 0x7F, 0xFF]), Ok(None));
    assert_eq!(decode_frame(&[0x49, 0xFF, 0x7F, 0xFF]), Ok(None));
    assert_eq!(
        decode_header(&[0x49, 0xFF, 0x7F, 0xFF]).unwrap().map(|h| (h.header_len, h.frame_len)),
        Some((4, MAX_FRAME_LEN))
    );
    let mut deframer = Deframer::new();
    deframer.feed(&[0x49, 0xFF, 0x7F, 0xFF, 1, 2, 3]);
    assert_eq!(deframer.next_frame(), Ok(None));
    assert_eq!(deframer.buffered(), 7);
}

// ---------------------------------------------------------------------------------------------
// Packets cut short
// ---------------------------------------------------------------------------------------------

/// One packet of every kind, every field non-empty.
fn samples() -> Vec<Vec<u8>> {
    let mut event_tuples = Vec::new();
    TupleWriter::new(&mut event_tuples)
        .delta3("<CallLost>c0a82a03,c0a82a0300000413,1,16</CallLost>")
        .unwrap()
        .siptrack("START,a,b,TRUNK,IN,c")
        .unwrap()
        .cmextn_state(1, 2, 0, "Extn865001")
        .unwrap();
    let packets = [
        Packet::TestRequest(TestRequest { request_id: 1, payload: b"ping" }),
        Packet::TestResponse(TestResponse { request_id: 1, result: ResultCode::Success, payload: b"ping" }),
        Packet::AuthRequest(AuthRequest { request_id: 2, username: "devlink", application_name: Some("Acme 8.0") }),
        Packet::AuthSha1Challenge { request_id: 2, challenge: &[0x5A; 16] },
        Packet::AuthPlainChallenge { request_id: 2 },
        Packet::AuthSha1Response { request_id: 2, response: &[0xA5; 20] },
        Packet::AuthPlainResponse { request_id: 2, response: &[0x61; 32] },
        Packet::AuthResult(AuthResult {
            request_id: 2,
            result: ResultCode::Success,
            pbx_type_and_version: Some("Avaya IP500v2 10.0.2345.67894"),
            devlink_variant: Some("Standard 1.0"),
        }),
        Packet::EventRequest(EventRequest { request_id: 3, flags: "-SCN -CMExtn" }),
        Packet::EventResponse(EventResponse {
            request_id: 3,
            result: ResultCode::PartialSuccess,
            accepted_flags: "-SCN",
        }),
        Packet::Event(Event {
            pbx_ip: Ipv4Addr::new(192, 168, 42, 3),
            counter: 9,
            tuples: TupleTable::new(&event_tuples),
        }),
        Packet::ReadFileRequest(ReadFileRequest { request_id: 4, filename: "nasystem/user_list" }),
        Packet::ReadFileResponse(ReadFileResponse { request_id: 4, result: ResultCode::Success, contents: b"a,1\r\n" }),
    ];
    packets
        .iter()
        .map(|p| {
            let mut frame = Vec::new();
            p.encode(&mut frame).unwrap();
            let (payload, _) = decode_frame(&frame).unwrap().unwrap();
            payload.to_vec()
        })
        .collect()
}

/// Every packet cut at every offset: a typed error naming the short field, or (where the packet
/// ends in a "rest of the payload" field) the shorter packet; never a panic.
#[test]
fn every_packet_cut_at_every_offset() {
    for whole in samples() {
        let full = Packet::decode(&whole).unwrap();
        for cut in 0..whole.len() {
            let part = &whole[..cut];
            let got = Packet::decode(part);
            let context = format!("{full:?} cut at {cut}");
            if cut < 4 {
                assert_eq!(got, Err(DecodeError::Truncated { what: "packet type", needed: 4, available: cut }));
                continue;
            }
            if cut < 8 {
                let what = if matches!(full, Packet::Event(_)) { "originating PBX address" } else { "request id" };
                assert_eq!(got, Err(DecodeError::Truncated { what, needed: 4, available: cut - 4 }), "{context}");
                continue;
            }
            match got {
                Err(DecodeError::Truncated { what, needed, available }) => {
                    assert!(needed > available, "{context}");
                    assert!(available < whole.len(), "{context}");
                    let message = DecodeError::Truncated { what, needed, available }.to_string();
                    assert!(message.contains(what) && message.contains("needs"), "{message}");
                }
                Err(DecodeError::MissingNul { what }) => {
                    // Only where a C string runs to its NUL: the user name and the event flags.
                    assert!(matches!(what, "user name" | "event flags"), "{context}: {what}");
                }
                Err(DecodeError::TupleOverrun { tag, len, available }) => {
                    assert!(len > available, "{context}: 0x{tag:08X}");
                }
                Ok(short) => {
                    // The liberal readings: a response that ends after its result, a tuple
                    // table that ends between tuples, contents that are simply shorter.
                    assert_eq!(short.packet_type(), full.packet_type(), "{context}");
                    assert_ne!(short, full, "{context}");
                    match (short, full) {
                        (Packet::TestResponse(s), Packet::TestResponse(_)) => {
                            assert_eq!((cut, s.payload), (12, &[][..]), "{context}")
                        }
                        (Packet::EventResponse(s), Packet::EventResponse(_)) => {
                            assert_eq!((cut, s.accepted_flags), (12, ""), "{context}")
                        }
                        (Packet::AuthRequest(s), Packet::AuthRequest(_)) => {
                            assert_eq!(s.application_name, None, "{context}")
                        }
                        (Packet::AuthResult(s), Packet::AuthResult(_)) => {
                            assert_eq!(s.devlink_variant, None, "{context}")
                        }
                        (Packet::Event(s), Packet::Event(_)) => {
                            // The table is decoded lazily: its cut shows when iterated.
                            let _ = s.tuples.events().count();
                        }
                        (Packet::ReadFileResponse(s), Packet::ReadFileResponse(_)) => {
                            assert_eq!(s.contents.len(), cut - 12, "{context}")
                        }
                        (s, _) => panic!("{context}: unexpected shorter reading {s:?}"),
                    }
                }
                Err(other) => panic!("{context}: unexpected {other:?}"),
            }
        }
    }
}

/// Fixed-layout packets report exactly which field is short.
#[test]
fn truncated_fields_are_named() {
    let test_request = payload(&[&be(kind::TEST_REQUEST), &be(1), &be(4), b"pi"]);
    assert_error(
        Packet::decode(&test_request).unwrap_err(),
        DecodeError::Truncated { what: "test payload", needed: 4, available: 2 },
        &["test payload", "needs 4", "only 2"],
    );
    let test_response = payload(&[&be(kind::TEST_RESPONSE), &be(1), &be(0), &[0, 0]]);
    assert_eq!(
        Packet::decode(&test_response),
        Err(DecodeError::Truncated { what: "test payload length", needed: 4, available: 2 })
    );
    let challenge = payload(&[&be(kind::AUTH_RESPONSE), &be(1), &be(2), &be(16), &[0; 15]]);
    assert_eq!(
        Packet::decode(&challenge),
        Err(DecodeError::Truncated { what: "challenge", needed: 16, available: 15 })
    );
    let response = payload(&[&be(kind::AUTH_REQUEST), &be(1), &be(0x50), &[0, 0, 0]]);
    assert_eq!(
        Packet::decode(&response),
        Err(DecodeError::Truncated { what: "challenge response length", needed: 4, available: 3 })
    );
    let file = payload(&[&be(kind::READ_FILE_REQUEST), &be(1), &[0, 19], b"nasystem/user_list"]);
    assert_eq!(Packet::decode(&file), Err(DecodeError::Truncated { what: "file name", needed: 19, available: 18 }));
    let flags = payload(&[&be(kind::EVENT_REQUEST), &be(1), &[0]]);
    assert_eq!(Packet::decode(&flags), Err(DecodeError::Truncated { what: "flags length", needed: 2, available: 1 }));
    let accepted = payload(&[&be(kind::EVENT_RESPONSE), &be(1), &be(0), &[0]]);
    assert_eq!(
        Packet::decode(&accepted),
        Err(DecodeError::Truncated { what: "accepted flags length", needed: 2, available: 1 })
    );
    let event = payload(&[&be(kind::EVENT), &[192, 168, 42, 3], &[0, 0]]);
    assert_eq!(Packet::decode(&event), Err(DecodeError::Truncated { what: "event counter", needed: 4, available: 2 }));
}

#[test]
fn absurd_field_lengths() {
    let cases: [(Vec<u8>, DecodeError); 7] = [
        (
            payload(&[&be(kind::TEST_REQUEST), &be(1), &be(0xFFFF_FFFF), b"abc"]),
            DecodeError::Truncated { what: "test payload", needed: 0xFFFF_FFFF, available: 3 },
        ),
        (
            payload(&[&be(kind::TEST_RESPONSE), &be(1), &be(0), &be(0xFFFF_FFFF)]),
            DecodeError::Truncated { what: "test payload", needed: 0xFFFF_FFFF, available: 0 },
        ),
        (
            payload(&[&be(kind::AUTH_RESPONSE), &be(1), &be(2), &be(0xFFFF_FFFF), &[0; 16]]),
            DecodeError::Truncated { what: "challenge", needed: 0xFFFF_FFFF, available: 16 },
        ),
        (
            payload(&[&be(kind::AUTH_REQUEST), &be(1), &be(0x51), &be(0x8000_0000), &[0; 32]]),
            DecodeError::Truncated { what: "challenge response", needed: 0x8000_0000, available: 32 },
        ),
        (
            payload(&[&be(kind::READ_FILE_REQUEST), &be(1), &[0xFF, 0xFF], b"x\0"]),
            DecodeError::Truncated { what: "file name", needed: 0xFFFF, available: 2 },
        ),
        (
            payload(&[&be(kind::EVENT_RESPONSE), &be(1), &be(0), &[0xFF, 0xFF], b"-SCN\0"]),
            DecodeError::Truncated { what: "accepted flags", needed: 0xFFFF, available: 5 },
        ),
        (
            event_with_table(&payload(&[&be(tag::CALL_DELTA3), &[0xFF, 0xFF], b"<x>\0"])),
            DecodeError::TupleOverrun { tag: tag::CALL_DELTA3, len: 0xFFFF, available: 4 },
        ),
    ];
    for (bytes, expected) in cases {
        let got = match Packet::decode(&bytes) {
            Ok(Packet::Event(e)) => e.tuples.events().next().unwrap().unwrap_err(),
            Ok(other) => panic!("{other:?} decoded; expected {expected:?}"),
            Err(e) => e,
        };
        assert_eq!(got, expected);
        let number = match &got {
            DecodeError::Truncated { needed, .. } => needed.to_string(),
            DecodeError::TupleOverrun { len, .. } => len.to_string(),
            other => unreachable!("{other:?}"),
        };
        assert!(got.to_string().contains(&number), "{got} should say {number}");
    }
    // The event request's length field is ignored (the flags run to their NUL, §errata 6), so
    // an absurd one is harmless.
    let flags = payload(&[&be(kind::EVENT_REQUEST), &be(1), &[0xFF, 0xFF], b"-SCN\0"]);
    assert_eq!(Packet::decode(&flags), Ok(Packet::EventRequest(EventRequest { request_id: 1, flags: "-SCN" })));
}

// ---------------------------------------------------------------------------------------------
// Tuples
// ---------------------------------------------------------------------------------------------

#[test]
fn tuple_length_past_the_end() {
    let table = payload(&[&tuple(tag::CALL_DELTA3, b"<a>\0"), &be(tag::SIP_TRACK), &[0, 100], &[0; 10]]);
    let bytes = event_with_table(&table);
    let Ok(Packet::Event(event)) = Packet::decode(&bytes) else { panic!("an event") };
    let mut events = event.tuples.events();
    assert_eq!(events.next(), Some(Ok(EventTuple::CallDelta3("<a>"))));
    assert_error(
        events.next().unwrap().unwrap_err(),
        DecodeError::TupleOverrun { tag: tag::SIP_TRACK, len: 100, available: 10 },
        &["0x00760003", "100", "10 remain"],
    );
    assert_eq!(events.next(), None, "iteration stops after an error");
    // A tag or length cut short.
    let mut raw = TupleTable::new(&[0, 0x76, 0]).iter();
    assert_eq!(raw.next(), Some(Err(DecodeError::Truncated { what: "tuple tag", needed: 4, available: 3 })));
    assert_eq!(raw.next(), None);
    let mut raw = TupleTable::new(&[0, 0x76, 0, 1, 0]).iter();
    assert_eq!(raw.next(), Some(Err(DecodeError::Truncated { what: "tuple length", needed: 2, available: 1 })));
    // In an authentication request, the overrun is the packet's error.
    let auth =
        payload(&[&be(kind::AUTH_REQUEST), &be(1), &be(1), b"user\0", &be(tag::APPLICATION_NAME), &[0, 9], b"app\0"]);
    assert_eq!(
        Packet::decode(&auth),
        Err(DecodeError::TupleOverrun { tag: tag::APPLICATION_NAME, len: 9, available: 4 })
    );
}

#[test]
fn invalid_utf8() {
    assert_error(
        decode_event_tuple(tag::CALL_DELTA3, b"<Detail>\xC3(</Detail>\0").unwrap_err(),
        DecodeError::InvalidUtf8 { what: "CallDelta3 text", offset: 8 },
        &["CallDelta3 text", "invalid UTF-8", "octet 8"],
    );
    assert_eq!(
        decode_event_tuple(tag::CALL_DELTA3, b"\xFF\0"),
        Err(DecodeError::InvalidUtf8 { what: "CallDelta3 text", offset: 0 })
    );
    // A Delta2 tuple read as UTF-8 (`-TEXT`).
    assert_eq!(
        decode_event_tuple(tag::CALL_DELTA2, b"CALL: \xED\xA0\x80\0"),
        Err(DecodeError::InvalidUtf8 { what: "CallDelta2 text", offset: 6 })
    );
    let user = payload(&[&be(kind::AUTH_REQUEST), &be(1), &be(1), b"us\xE9r\0"]);
    assert_error(
        Packet::decode(&user).unwrap_err(),
        DecodeError::InvalidUtf8 { what: "user name", offset: 2 },
        &["user name", "UTF-8"],
    );
    let app = payload(&[&be(kind::AUTH_REQUEST), &be(1), &be(1), b"user\0", &tuple(tag::APPLICATION_NAME, b"\x80\0")]);
    assert_eq!(Packet::decode(&app), Err(DecodeError::InvalidUtf8 { what: "application name", offset: 0 }));
    let flags = payload(&[&be(kind::EVENT_REQUEST), &be(1), &[0, 6], b"-SC\xFFN\0"]);
    assert_error(
        Packet::decode(&flags).unwrap_err(),
        DecodeError::InvalidUtf8 { what: "event flags", offset: 3 },
        &["event flags", "UTF-8", "octet 3"],
    );
    let accepted = payload(&[&be(kind::EVENT_RESPONSE), &be(1), &be(0), &[0, 3], b"\xC0\x80\0"]);
    assert_eq!(Packet::decode(&accepted), Err(DecodeError::InvalidUtf8 { what: "accepted flags", offset: 0 }));
    let file = payload(&[&be(kind::READ_FILE_REQUEST), &be(1), &[0, 3], b"a\xFE\0"]);
    assert_eq!(Packet::decode(&file), Err(DecodeError::InvalidUtf8 { what: "file name", offset: 1 }));
    let result = payload(&[&be(kind::AUTH_RESPONSE), &be(1), &be(0), &tuple(tag::PBX_TYPE_AND_VERSION, b"IP\xF5\0")]);
    assert_eq!(Packet::decode(&result), Err(DecodeError::InvalidUtf8 { what: "PBX type", offset: 2 }));
}

#[test]
fn invalid_utf16() {
    let odd = payload(&[&utf16("START"), &[0]]);
    for t in [tag::SIP_TRACK, tag::CM_EXTN] {
        let what = if t == tag::SIP_TRACK { "SIPTrack text" } else { "CMExtn text" };
        assert_error(
            decode_event_tuple(t, &odd).unwrap_err(),
            DecodeError::InvalidUtf16 { what, reason: "odd number of octets" },
            &[what, "invalid UTF-16", "odd number of octets"],
        );
        // An unpaired high surrogate, a lone low surrogate, a high one at the very end.
        for bad in
            [&[0xD8, 0x00, 0x00, 0x41, 0, 0][..], &[0x00, 0x41, 0xDC, 0x00, 0, 0], &[0x00, 0x41, 0xDB, 0xFF, 0, 0]]
        {
            assert_error(
                decode_event_tuple(t, bad).unwrap_err(),
                DecodeError::InvalidUtf16 { what, reason: "unpaired surrogate" },
                &[what, "unpaired surrogate"],
            );
        }
        // A proper pair is fine.
        let pair = decode_event_tuple(t, &utf16("A\u{1F4DE}")).unwrap();
        assert!(matches!(pair, EventTuple::SipTrack(x) | EventTuple::CmExtn(x) if x.to_str() == "A\u{1F4DE}"));
    }
    assert_eq!(
        decode_event_tuple(tag::CALL_DELTA2, &[0x00, 0x43, 0xD8, 0x00, 0, 0]),
        Err(DecodeError::InvalidUtf16 { what: "CallDelta2 text", reason: "unpaired surrogate" })
    );
    assert_eq!(
        decode_event_tuple(tag::CALL_DELTA2, &[0x00, 0x43, 0x00]),
        Err(DecodeError::InvalidUtf16 { what: "CallDelta2 text", reason: "odd number of octets" })
    );
    // The extended CMExtn form validates its extension.
    let state = payload(&[&be(1), &be(2), &be(0), &[0xDC, 0x00, 0, 0]]);
    assert_eq!(
        decode_event_tuple(tag::CM_EXTN, &state),
        Err(DecodeError::InvalidUtf16 { what: "CMExtn extension", reason: "unpaired surrogate" })
    );
    let state = payload(&[&be(1), &be(2), &be(0), &[0x00, 0x41, 0x00]]);
    assert_eq!(
        decode_event_tuple(tag::CM_EXTN, &state),
        Err(DecodeError::InvalidUtf16 { what: "CMExtn extension", reason: "odd number of octets" })
    );
    assert_eq!(
        Text::utf16(&[0xD8, 0x3D, 0, 0], "x"),
        Err(DecodeError::InvalidUtf16 { what: "x", reason: "unpaired surrogate" })
    );
}

#[test]
fn missing_nul() {
    // UTF-8 tuples.
    for data in [&b""[..], b"<CallLost>", b"\0<CallLost>"] {
        assert_error(
            decode_event_tuple(tag::CALL_DELTA3, data).unwrap_err(),
            DecodeError::MissingNul { what: "CallDelta3 text" },
            &["CallDelta3 text", "not NUL-terminated"],
        );
    }
    assert_eq!(
        decode_event_tuple(tag::CALL_DELTA2, b"CALL: S"),
        Err(DecodeError::MissingNul { what: "CallDelta2 text" })
    );
    // UTF-16 tuples: empty, no terminator, or a U+0000 that is not the last unit. (Half a
    // terminator makes the length odd, which is reported first: see `invalid_utf16`.)
    for data in [&[][..], &[0x00, 0x41], &[0x00, 0x00, 0x00, 0x41]] {
        assert_error(
            decode_event_tuple(tag::SIP_TRACK, data).unwrap_err(),
            DecodeError::MissingNul { what: "SIPTrack text" },
            &["SIPTrack text", "NUL"],
        );
    }
    assert_eq!(decode_event_tuple(tag::CM_EXTN, &[0x00, 0x41]), Err(DecodeError::MissingNul { what: "CMExtn text" }));
    assert_eq!(
        decode_event_tuple(tag::CALL_DELTA2, &[0x00, 0x43, 0x00, 0x41]),
        Err(DecodeError::MissingNul { what: "CallDelta2 text" })
    );
    let state = payload(&[&be(1), &be(2), &be(0), &[0x00, 0x41]]);
    assert_eq!(decode_event_tuple(tag::CM_EXTN, &state), Err(DecodeError::MissingNul { what: "CMExtn extension" }));
    // C strings in packets.
    let user = payload(&[&be(kind::AUTH_REQUEST), &be(1), &be(1), b"devlink"]);
    assert_error(Packet::decode(&user).unwrap_err(), DecodeError::MissingNul { what: "user name" }, &["user name"]);
    let flags = payload(&[&be(kind::EVENT_REQUEST), &be(1), &[0, 4], b"-SCN"]);
    assert_eq!(Packet::decode(&flags), Err(DecodeError::MissingNul { what: "event flags" }));
    let file = payload(&[&be(kind::READ_FILE_REQUEST), &be(1), &[0, 4], b"abcd"]);
    assert_eq!(Packet::decode(&file), Err(DecodeError::MissingNul { what: "file name" }));
    let file = payload(&[&be(kind::READ_FILE_REQUEST), &be(1), &[0, 0]]);
    assert_eq!(Packet::decode(&file), Err(DecodeError::MissingNul { what: "file name" }), "a zero length has no NUL");
    let accepted = payload(&[&be(kind::EVENT_RESPONSE), &be(1), &be(0), &[0, 4], b"-SCN"]);
    assert_eq!(Packet::decode(&accepted), Err(DecodeError::MissingNul { what: "accepted flags" }));
    let app = payload(&[&be(kind::AUTH_REQUEST), &be(1), &be(1), b"u\0", &tuple(tag::APPLICATION_NAME, b"app")]);
    assert_eq!(Packet::decode(&app), Err(DecodeError::MissingNul { what: "application name" }));
    let variant = payload(&[&be(kind::AUTH_RESPONSE), &be(1), &be(0), &tuple(tag::DEVLINK_VARIANT, b"")]);
    assert_eq!(Packet::decode(&variant), Err(DecodeError::MissingNul { what: "DevLink variant" }));
}

#[test]
fn unknown_packet_type() {
    for t in [0u32, 0x1234_5678, 0x802A_0002, 0x0030_0002, 0x9030_0011, 0xFFFF_FFFF] {
        let bytes = payload(&[&be(t), &be(1), &be(0)]);
        let hex = format!("0x{t:08X}");
        assert_error(
            Packet::decode(&bytes).unwrap_err(),
            DecodeError::UnknownPacketType(t),
            &["unknown packet type", &hex],
        );
        // The type alone is enough to reject it.
        assert_eq!(Packet::decode(&be(t)), Err(DecodeError::UnknownPacketType(t)));
    }
}

#[test]
fn unknown_auth_subtype() {
    for value in [0u32, 2, 3, 0x4F, 0x52, 0xFFFF_FFFF] {
        let bytes = payload(&[&be(kind::AUTH_REQUEST), &be(1), &be(value), &[0; 24]]);
        assert_error(
            Packet::decode(&bytes).unwrap_err(),
            DecodeError::UnknownSubtype { packet: "authenticate request", value },
            &["authenticate request", "unknown sub-type", &format!("{value}"), &format!("0x{value:08X}")],
        );
    }
    // An Authenticate *response* with an unknown value is a result code, kept as `Other`.
    let bytes = payload(&[&be(kind::AUTH_RESPONSE), &be(1), &be(0x8000_0099)]);
    assert_eq!(
        Packet::decode(&bytes),
        Ok(Packet::AuthResult(AuthResult {
            request_id: 1,
            result: ResultCode::Other(0x8000_0099),
            pbx_type_and_version: None,
            devlink_variant: None
        }))
    );
}

#[test]
fn unknown_tuple_tags_are_not_errors() {
    let table = payload(&[
        &tuple(0x0076_0005, b"future"),
        &tuple(tag::CALL_DELTA3, b"<a>\0"),
        &tuple(0xFFFF_FFFF, b""),
        &tuple(tag::APPLICATION_NAME, b"x\0"),
    ]);
    let bytes = event_with_table(&table);
    let Ok(Packet::Event(event)) = Packet::decode(&bytes) else { panic!("an event") };
    let got: Vec<_> = event.tuples.events().collect::<Result<_, _>>().unwrap();
    assert_eq!(
        got,
        [
            EventTuple::Unknown { tag: 0x0076_0005, data: b"future" },
            EventTuple::CallDelta3("<a>"),
            EventTuple::Unknown { tag: 0xFFFF_FFFF, data: b"" },
            EventTuple::Unknown { tag: tag::APPLICATION_NAME, data: b"x\0" },
        ]
    );
    assert_eq!(got[0].tag(), 0x0076_0005);
    assert_eq!(
        EventTuple::decode(RawTuple { tag: 0x1234_5678, data: &[0xFF] }),
        Ok(EventTuple::Unknown { tag: 0x1234_5678, data: &[0xFF] })
    );
    // In an authentication result, unknown tuples are skipped.
    let result = payload(&[
        &be(kind::AUTH_RESPONSE),
        &be(1),
        &be(0),
        &tuple(0x007D_0099, b"\xFF\xFF"),
        &tuple(tag::DEVLINK_VARIANT, b"Standard 1.0\0"),
    ]);
    let Ok(Packet::AuthResult(r)) = Packet::decode(&result) else { panic!("an auth result") };
    assert_eq!((r.pbx_type_and_version, r.devlink_variant), (None, Some("Standard 1.0")));
}

#[test]
fn delta2_and_cmextn_form_detection_edges() {
    // A lone NUL is empty UTF-8; two NULs are empty UTF-16.
    assert_eq!(decode_event_tuple(tag::CALL_DELTA2, &[0]), Ok(EventTuple::CallDelta2(Text::Utf8(""))));
    assert_eq!(decode_event_tuple(tag::CALL_DELTA2, &[0, 0]), Ok(EventTuple::CallDelta2(Text::Utf16Be(&[]))));
    // The extended CMExtn form with an empty extension is 14 octets.
    let state = payload(&[&be(1), &be(2), &be(0), &[0, 0]]);
    assert_eq!(
        decode_event_tuple(tag::CM_EXTN, &state),
        Ok(EventTuple::CmExtnState { v: 1, p1: 2, p2: 0, extension: Text::Utf16Be(&[]) })
    );
    // 12 octets are too few for it: they are read as plain UTF-16 text (U+0000 U+0000 U+0000
    // U+0002 U+0000 and the terminator), not as numbers.
    let short = payload(&[&be(0), &be(2), &be(0)]);
    assert_eq!(decode_event_tuple(tag::CM_EXTN, &short), Ok(EventTuple::CmExtn(Text::Utf16Be(&short[..10]))));
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

#[test]
fn oversized_tuple_is_refused_and_nothing_appended() {
    let prefix = b"keep".to_vec();
    let max_text = "x".repeat(MAX_TUPLE_DATA - 1); // + NUL = 65535: the largest that fits
    let too_long = "x".repeat(MAX_TUPLE_DATA);

    let mut out = prefix.clone();
    TupleWriter::new(&mut out).delta3(&max_text).unwrap();
    assert_eq!(out.len(), prefix.len() + 6 + MAX_TUPLE_DATA);
    assert_eq!(out[prefix.len() + 4..prefix.len() + 6], [0xFF, 0xFF]);

    type Write<'s> = Box<dyn Fn(&mut TupleWriter<'_>) -> Result<(), EncodeError> + 's>;
    let cases: [(&str, Write<'_>, usize); 6] = [
        ("delta3", Box::new(|w: &mut TupleWriter<'_>| w.delta3(&too_long).map(drop)), MAX_TUPLE_DATA + 1),
        ("delta2 utf8", Box::new(|w: &mut TupleWriter<'_>| w.delta2(&too_long, true).map(drop)), MAX_TUPLE_DATA + 1),
        ("delta2 utf16", Box::new(|w: &mut TupleWriter<'_>| w.delta2(&too_long[..32767], false).map(drop)), 65536),
        ("siptrack", Box::new(|w: &mut TupleWriter<'_>| w.siptrack(&too_long[..40000]).map(drop)), 80002),
        (
            "cmextn_state",
            Box::new(|w: &mut TupleWriter<'_>| w.cmextn_state(1, 2, 0, &too_long[..32762]).map(drop)),
            65538,
        ),
        ("raw", Box::new(|w: &mut TupleWriter<'_>| w.raw(0x1234_5678, &[0; 70000]).map(drop)), 70000),
    ];
    for (name, write, len) in &cases {
        let mut out = prefix.clone();
        let mut w = TupleWriter::new(&mut out);
        w.siptrack("ok").unwrap();
        let err = write(&mut w).unwrap_err();
        assert_eq!(err, EncodeError::TooLong { what: "tuple data", len: *len, max: MAX_TUPLE_DATA }, "{name}");
        assert!(err.to_string().contains("tuple data") && err.to_string().contains("65535"), "{err}");
        let mut expected = prefix.clone();
        TupleWriter::new(&mut expected).siptrack("ok").unwrap();
        assert_eq!(out, expected, "{name}: the refused tuple left octets behind");
    }

    // Through encode_event: the whole frame is abandoned.
    let mut out = prefix.clone();
    let err = encode_event(Ipv4Addr::LOCALHOST, 1, &mut out, |w| {
        w.delta3("<CallLost>a,b,1,16</CallLost>")?;
        w.delta3(&too_long)?;
        Ok(())
    })
    .unwrap_err();
    assert!(matches!(err, EncodeError::TooLong { what: "tuple data", .. }));
    assert_eq!(out, prefix);
}

#[test]
fn oversized_payload_is_refused_and_nothing_appended() {
    let prefix = vec![0x49, 0, 3];
    let contents = vec![0u8; MAX_PAYLOAD_LEN - 11];
    let mut out = prefix.clone();
    let err =
        Packet::ReadFileResponse(ReadFileResponse { request_id: 1, result: ResultCode::Success, contents: &contents })
            .encode(&mut out)
            .unwrap_err();
    assert_eq!(err, EncodeError::TooLong { what: "packet payload", len: MAX_PAYLOAD_LEN + 1, max: MAX_PAYLOAD_LEN });
    assert_eq!(out, prefix);
    // One octet less fits, in the longest frame there is.
    Packet::ReadFileResponse(ReadFileResponse { request_id: 1, result: ResultCode::Success, contents: &contents[1..] })
        .encode(&mut out)
        .unwrap();
    assert_eq!(out.len(), prefix.len() + MAX_FRAME_LEN);
    assert_eq!(out[3..7], [0x49, 0xFF, 0x7F, 0xFF]);
}

/// `Packet::encode` documents "On error nothing is appended". A field that is too long for its
/// length field must not leave the frame's first octets in the buffer.
///
/// Fails while `Packet::encode` returns with `?` from inside its `match`: the `FrameBuilder`
/// has already written the header placeholder, packet type and request id, and only
/// `finish()` (too-long payload) and `encode_event` (via `abandon()`) truncate on error.
#[test]
fn packet_encode_error_appends_nothing() {
    let prefix = b"keep".to_vec();
    let long = "x".repeat(70_000);
    let packets = [
        ("event flags", Packet::EventRequest(EventRequest { request_id: 1, flags: &long })),
        (
            "accepted flags",
            Packet::EventResponse(EventResponse { request_id: 1, result: ResultCode::Success, accepted_flags: &long }),
        ),
        ("file name", Packet::ReadFileRequest(ReadFileRequest { request_id: 1, filename: &long })),
        (
            "tuple data",
            Packet::AuthRequest(AuthRequest { request_id: 1, username: "u", application_name: Some(&long) }),
        ),
        (
            "tuple data",
            Packet::AuthResult(AuthResult {
                request_id: 1,
                result: ResultCode::Success,
                pbx_type_and_version: Some(&long),
                devlink_variant: None,
            }),
        ),
    ];
    let mut leaks = Vec::new();
    for (what, packet) in packets {
        let mut out = prefix.clone();
        let err = packet.encode(&mut out).unwrap_err();
        assert!(matches!(err, EncodeError::TooLong { what: w, .. } if w == what), "{err:?}");
        if out != prefix {
            leaks.push(format!("{what}: {} octets left behind", out.len() - prefix.len()));
        }
    }
    assert!(leaks.is_empty(), "Packet::encode appended a partial frame on error: {leaks:?}");
}

#[test]
fn values_the_wire_cannot_carry_back_are_refused_and_append_nothing() {
    use devlink3_proto::wire::{AuthRequest, AuthResult, EncodeError, EventRequest};

    let mut out = vec![0xEE];
    let nul_user = Packet::AuthRequest(AuthRequest { request_id: 1, username: "a\0b", application_name: None });
    let err = nul_user.encode(&mut out).unwrap_err();
    assert!(matches!(err, EncodeError::Invalid { what: "user name", .. }), "{err}");
    assert!(err.to_string().contains("NUL"), "{err}");
    let nul_flags = Packet::EventRequest(EventRequest { request_id: 1, flags: "-CD2\0-SCN" });
    assert!(nul_flags.encode(&mut out).is_err());
    for challenge_code in [1, 2] {
        let result = Packet::AuthResult(AuthResult {
            request_id: 1,
            result: ResultCode::from_raw(challenge_code),
            pbx_type_and_version: None,
            devlink_variant: None,
        });
        let err = result.encode(&mut out).unwrap_err();
        assert!(err.to_string().contains("challenges"), "{err}");
    }
    let err = encode_event([10, 0, 0, 1].into(), 1, &mut out, |t| t.cmextn_state(0x1_0000, 0, 0, "x").map(|_| ()))
        .unwrap_err();
    assert!(err.to_string().contains("CMExtn v"), "{err}");
    assert_eq!(out, [0xEE], "nothing appended by any refused encode");
}
