//! Property tests of the wire codecs: every packet and every tuple kind survives
//! encode → decode, the deframer yields the same frames however the stream is split, frame
//! headers agree with their decoder for every length, and no input makes a decoder panic.
//!
//! Case counts are kept small enough for a 2-core CI running debug builds; raise them locally
//! with `PROPTEST_CASES=...` (the per-property counts below are then overridden).

use std::net::Ipv4Addr;

use devlink3_proto::wire::frame::{
    MAX_FRAME_LEN, MAX_PAYLOAD_LEN, MAX_SHORT_FRAME_LEN, decode_header, header_bytes, header_len,
};
use devlink3_proto::wire::packet::{encode_event, kind};
use devlink3_proto::wire::tuple::tag;
use devlink3_proto::wire::{
    AuthRequest, AuthResult, DecodeError, Deframer, Event, EventRequest, EventResponse, EventTuple, FrameHeader,
    Packet, ReadFileRequest, ReadFileResponse, ResultCode, TestRequest, TestResponse, Text, TupleTable, TupleWriter,
    decode_frame, encode_frame,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::Config;

/// A config with `cases` cases (unless `PROPTEST_CASES` says otherwise) that writes no
/// regression files into the source tree; failures print their minimal input instead.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    Config { cases, failure_persistence: None, ..Config::default() }
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Any text without NUL (the C strings of the protocol cannot carry one).
fn text() -> impl Strategy<Value = String> {
    "[^\\x00]{0,24}"
}

/// Bytes of a length drawn from `len`, filled cheaply from a seed (proptest's per-element
/// strategies are too slow for the 100 KiB payloads of big ReadFile frames in debug builds).
fn bulk_bytes(len: impl Strategy<Value = usize>) -> impl Strategy<Value = Vec<u8>> {
    (len, any::<u64>()).prop_map(|(len, seed)| {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    })
}

/// Result codes as the decoder builds them: every documented one, and undocumented values
/// (`Other(raw)`), including the high-bit error range.
fn result_code() -> impl Strategy<Value = ResultCode> {
    prop_oneof![
        prop::sample::select(vec![
            0u32,
            9,
            0x8000_0001,
            0x8000_0002,
            0x8000_0003,
            0x8000_0021,
            0x8000_0022,
            0x8000_0023,
            0x8000_0041,
            0x8000_0042,
            0x8000_0043,
            0x8000_0044,
        ]),
        any::<u32>(),
        0x8000_0000u32..0x8000_0100,
    ]
    .prop_map(ResultCode::from_raw)
}

/// An Authenticate response value that is a result, not a challenge (1 and 2 are the PLAIN
/// and SHA1 challenges on the wire, so an `AuthResult` cannot carry them).
fn auth_result_code() -> impl Strategy<Value = ResultCode> {
    result_code().prop_filter("1 and 2 are challenges", |c| !matches!(c.raw(), 1 | 2))
}

/// One event tuple, as the simulator would write it.
#[derive(Debug, Clone)]
enum OwnedTuple {
    Delta3(String),
    /// Delta2 as UTF-16BE. Real records start `CALL:`; the decoder tells UTF-16 from UTF-8 by
    /// the first octet, so the first character is below U+0100 (see `Text::detect`).
    Delta2Utf16(String),
    /// Delta2 as UTF-8 (`-TEXT`).
    Delta2Utf8(String),
    SipTrack(String),
    CmExtn(String),
    /// `v` is a small number on the wire: the decoder recognises the extended form by the two
    /// zero octets that start it, so `v` stays below 0x10000.
    CmExtnState {
        v: u32,
        p1: u32,
        p2: u32,
        extension: String,
    },
    Raw {
        tag: u32,
        data: Vec<u8>,
    },
}

fn owned_tuple() -> impl Strategy<Value = OwnedTuple> {
    prop_oneof![
        text().prop_map(OwnedTuple::Delta3),
        "([\\x01-\\xFF][^\\x00]{0,24})?".prop_map(OwnedTuple::Delta2Utf16),
        text().prop_map(OwnedTuple::Delta2Utf8),
        text().prop_map(OwnedTuple::SipTrack),
        text().prop_map(OwnedTuple::CmExtn),
        (0u32..=0xFFFF, any::<u32>(), any::<u32>(), text())
            .prop_map(|(v, p1, p2, extension)| OwnedTuple::CmExtnState { v, p1, p2, extension }),
        (
            any::<u32>().prop_filter("not an event tag", |t| !(tag::CALL_DELTA3..=tag::CM_EXTN).contains(t)),
            vec(any::<u8>(), 0..40)
        )
            .prop_map(|(tag, data)| OwnedTuple::Raw { tag, data }),
    ]
}

impl OwnedTuple {
    fn write(&self, w: &mut TupleWriter<'_>) {
        match self {
            OwnedTuple::Delta3(s) => w.delta3(s),
            OwnedTuple::Delta2Utf16(s) => w.delta2(s, false),
            OwnedTuple::Delta2Utf8(s) => w.delta2(s, true),
            OwnedTuple::SipTrack(s) => w.siptrack(s),
            OwnedTuple::CmExtn(s) => w.cmextn(s),
            OwnedTuple::CmExtnState { v, p1, p2, extension } => w.cmextn_state(*v, *p1, *p2, extension),
            OwnedTuple::Raw { tag, data } => w.raw(*tag, data),
        }
        .expect("small tuples encode");
    }

    /// Checks a decoded tuple is this one.
    fn check(&self, got: &EventTuple<'_>) {
        let utf16 = |t: &Text<'_>, want: &str| {
            assert!(t.is_utf16(), "{t:?} should be UTF-16");
            assert_eq!(t.to_str(), want);
            let expect: Vec<u8> = want.encode_utf16().flat_map(u16::to_be_bytes).collect();
            assert_eq!(*t, Text::Utf16Be(&expect));
        };
        match (self, got) {
            (OwnedTuple::Delta3(want), EventTuple::CallDelta3(s)) => assert_eq!(s, want),
            (OwnedTuple::Delta2Utf16(want), EventTuple::CallDelta2(t)) => utf16(t, want),
            (OwnedTuple::Delta2Utf8(want), EventTuple::CallDelta2(t)) => {
                assert_eq!(*t, Text::Utf8(want));
                assert_eq!(t.to_str(), *want);
            }
            (OwnedTuple::SipTrack(want), EventTuple::SipTrack(t)) => utf16(t, want),
            (OwnedTuple::CmExtn(want), EventTuple::CmExtn(t)) => utf16(t, want),
            (
                OwnedTuple::CmExtnState { v, p1, p2, extension },
                EventTuple::CmExtnState { v: gv, p1: gp1, p2: gp2, extension: ge },
            ) => {
                assert_eq!((v, p1, p2), (gv, gp1, gp2));
                utf16(ge, extension);
            }
            (OwnedTuple::Raw { tag, data }, EventTuple::Unknown { tag: gt, data: gd }) => {
                assert_eq!((tag, data.as_slice()), (gt, *gd));
            }
            (want, got) => panic!("wrote {want:?}, decoded {got:?}"),
        }
    }

    fn tag(&self) -> u32 {
        match self {
            OwnedTuple::Delta3(_) => tag::CALL_DELTA3,
            OwnedTuple::Delta2Utf16(_) | OwnedTuple::Delta2Utf8(_) => tag::CALL_DELTA2,
            OwnedTuple::SipTrack(_) => tag::SIP_TRACK,
            OwnedTuple::CmExtn(_) | OwnedTuple::CmExtnState { .. } => tag::CM_EXTN,
            OwnedTuple::Raw { tag, .. } => *tag,
        }
    }
}

fn tuple_table(tuples: &[OwnedTuple]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut w = TupleWriter::new(&mut bytes);
    for t in tuples {
        t.write(&mut w);
    }
    bytes
}

/// The owned inputs of one packet of each kind.
#[derive(Debug, Clone)]
enum OwnedPacket {
    TestRequest { request_id: u32, payload: Vec<u8> },
    TestResponse { request_id: u32, result: ResultCode, payload: Vec<u8> },
    AuthRequest { request_id: u32, username: String, application_name: Option<String> },
    AuthSha1Challenge { request_id: u32, challenge: Vec<u8> },
    AuthPlainChallenge { request_id: u32 },
    AuthSha1Response { request_id: u32, response: Vec<u8> },
    AuthPlainResponse { request_id: u32, response: Vec<u8> },
    AuthResult { request_id: u32, result: ResultCode, pbx: Option<String>, variant: Option<String> },
    EventRequest { request_id: u32, flags: String },
    EventResponse { request_id: u32, result: ResultCode, accepted_flags: String },
    Event { pbx_ip: u32, counter: u32, tuples: Vec<OwnedTuple>, table: Vec<u8> },
    ReadFileRequest { request_id: u32, filename: String },
    ReadFileResponse { request_id: u32, result: ResultCode, contents: Vec<u8> },
}

impl OwnedPacket {
    fn packet(&self) -> Packet<'_> {
        match self {
            OwnedPacket::TestRequest { request_id, payload } => {
                Packet::TestRequest(TestRequest { request_id: *request_id, payload })
            }
            OwnedPacket::TestResponse { request_id, result, payload } => {
                Packet::TestResponse(TestResponse { request_id: *request_id, result: *result, payload })
            }
            OwnedPacket::AuthRequest { request_id, username, application_name } => Packet::AuthRequest(AuthRequest {
                request_id: *request_id,
                username,
                application_name: application_name.as_deref(),
            }),
            OwnedPacket::AuthSha1Challenge { request_id, challenge } => {
                Packet::AuthSha1Challenge { request_id: *request_id, challenge }
            }
            OwnedPacket::AuthPlainChallenge { request_id } => Packet::AuthPlainChallenge { request_id: *request_id },
            OwnedPacket::AuthSha1Response { request_id, response } => {
                Packet::AuthSha1Response { request_id: *request_id, response }
            }
            OwnedPacket::AuthPlainResponse { request_id, response } => {
                Packet::AuthPlainResponse { request_id: *request_id, response }
            }
            OwnedPacket::AuthResult { request_id, result, pbx, variant } => Packet::AuthResult(AuthResult {
                request_id: *request_id,
                result: *result,
                pbx_type_and_version: pbx.as_deref(),
                devlink_variant: variant.as_deref(),
            }),
            OwnedPacket::EventRequest { request_id, flags } => {
                Packet::EventRequest(EventRequest { request_id: *request_id, flags })
            }
            OwnedPacket::EventResponse { request_id, result, accepted_flags } => {
                Packet::EventResponse(EventResponse { request_id: *request_id, result: *result, accepted_flags })
            }
            OwnedPacket::Event { pbx_ip, counter, table, .. } => Packet::Event(Event {
                pbx_ip: Ipv4Addr::from(*pbx_ip),
                counter: *counter,
                tuples: TupleTable::new(table),
            }),
            OwnedPacket::ReadFileRequest { request_id, filename } => {
                Packet::ReadFileRequest(ReadFileRequest { request_id: *request_id, filename })
            }
            OwnedPacket::ReadFileResponse { request_id, result, contents } => {
                Packet::ReadFileResponse(ReadFileResponse { request_id: *request_id, result: *result, contents })
            }
        }
    }
}

fn owned_packet() -> impl Strategy<Value = OwnedPacket> {
    let id = any::<u32>;
    prop_oneof![
        (id(), vec(any::<u8>(), 0..=64))
            .prop_map(|(request_id, payload)| OwnedPacket::TestRequest { request_id, payload }),
        // The specification's maximum test payload, and past it (the codec does not police it).
        (id(), bulk_bytes(990usize..1100))
            .prop_map(|(request_id, payload)| OwnedPacket::TestRequest { request_id, payload }),
        (id(), result_code(), vec(any::<u8>(), 0..=64))
            .prop_map(|(request_id, result, payload)| OwnedPacket::TestResponse { request_id, result, payload }),
        (id(), text(), prop::option::of(text())).prop_map(|(request_id, username, application_name)| {
            OwnedPacket::AuthRequest { request_id, username, application_name }
        }),
        (id(), vec(any::<u8>(), 0..=32))
            .prop_map(|(request_id, challenge)| OwnedPacket::AuthSha1Challenge { request_id, challenge }),
        id().prop_map(|request_id| OwnedPacket::AuthPlainChallenge { request_id }),
        (id(), vec(any::<u8>(), 0..=32))
            .prop_map(|(request_id, response)| OwnedPacket::AuthSha1Response { request_id, response }),
        (id(), vec(any::<u8>(), 0..=40))
            .prop_map(|(request_id, response)| OwnedPacket::AuthPlainResponse { request_id, response }),
        (id(), auth_result_code(), prop::option::of(text()), prop::option::of(text())).prop_map(
            |(request_id, result, pbx, variant)| OwnedPacket::AuthResult { request_id, result, pbx, variant }
        ),
        (id(), text()).prop_map(|(request_id, flags)| OwnedPacket::EventRequest { request_id, flags }),
        (id(), result_code(), text()).prop_map(|(request_id, result, accepted_flags)| {
            OwnedPacket::EventResponse { request_id, result, accepted_flags }
        }),
        (any::<u32>(), any::<u32>(), vec(owned_tuple(), 0..4)).prop_map(|(pbx_ip, counter, tuples)| {
            let table = tuple_table(&tuples);
            OwnedPacket::Event { pbx_ip, counter, tuples, table }
        }),
        (id(), text()).prop_map(|(request_id, filename)| OwnedPacket::ReadFileRequest { request_id, filename }),
        (id(), result_code(), vec(any::<u8>(), 0..=64)).prop_map(|(request_id, result, contents)| {
            OwnedPacket::ReadFileResponse { request_id, result, contents }
        }),
    ]
}

/// ReadFile responses whose frames straddle the 2-/3-octet header boundary (payload 0x7FFC is
/// the largest short frame; the payload is 12 octets of header fields plus the contents) or
/// are well into the 3-octet form.
fn big_read_file() -> impl Strategy<Value = OwnedPacket> {
    let contents = prop_oneof![
        bulk_bytes(0x7FE0usize..=0x8010),
        bulk_bytes(0x8010usize..=0x2_0000),
        bulk_bytes(Just(MAX_SHORT_FRAME_LEN - 3 - 12)),
        bulk_bytes(Just(MAX_SHORT_FRAME_LEN - 3 - 12 + 1)),
    ];
    (any::<u32>(), result_code(), contents).prop_map(|(request_id, result, contents)| OwnedPacket::ReadFileResponse {
        request_id,
        result,
        contents,
    })
}

/// Encodes after `prefix` (so the frame does not start at 0), checks exactly one frame was
/// appended and the prefix kept, and returns the frame's payload decoded.
fn round_trip(owned: &OwnedPacket, prefix: &[u8]) {
    let packet = owned.packet();
    let mut out = prefix.to_vec();
    packet.encode(&mut out).unwrap_or_else(|e| panic!("encode {packet:?}: {e}"));
    assert_eq!(&out[..prefix.len()], prefix, "encode touched what was already in the buffer");
    let frame = &out[prefix.len()..];
    let (payload, used) = decode_frame(frame).unwrap().expect("a whole frame");
    assert_eq!(used, frame.len(), "encode appended exactly one frame");
    assert_eq!(frame.len(), payload.len() + header_len(payload.len()));
    assert_eq!(payload[..4], packet.packet_type().to_be_bytes());
    let decoded = Packet::decode(payload).unwrap_or_else(|e| panic!("decode {packet:?}: {e}"));
    assert_eq!(decoded, packet);
    assert_eq!(decoded.packet_type(), packet.packet_type());

    // The same packet through the deframer.
    let mut deframer = Deframer::new();
    deframer.feed(frame);
    assert_eq!(deframer.next_frame().unwrap(), Some(payload));
    assert_eq!(deframer.next_frame().unwrap(), None);

    if let (OwnedPacket::Event { tuples, .. }, Packet::Event(event)) = (owned, decoded) {
        let got: Vec<_> = event.tuples.events().collect::<Result<_, _>>().expect("tuples decode");
        assert_eq!(got.len(), tuples.len());
        for (want, got) in tuples.iter().zip(&got) {
            want.check(got);
            assert_eq!(got.tag(), want.tag());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Packets and tuples
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn every_packet_round_trips(owned in owned_packet(), prefix in vec(any::<u8>(), 0..8)) {
        round_trip(&owned, &prefix);
    }

    /// Tuples in an Event built by `encode_event` (the simulator's path) come back through
    /// `Event` and `TupleTable::events()`, in order.
    #[test]
    fn every_tuple_kind_round_trips_through_encode_event(
        tuples in vec(owned_tuple(), 0..6),
        pbx_ip in any::<u32>(),
        counter in any::<u32>(),
    ) {
        let mut out = Vec::new();
        encode_event(Ipv4Addr::from(pbx_ip), counter, &mut out, |w| {
            for t in &tuples {
                t.write(w);
            }
            Ok(())
        })
        .unwrap();
        let (payload, used) = decode_frame(&out).unwrap().unwrap();
        prop_assert_eq!(used, out.len());
        let Packet::Event(event) = Packet::decode(payload).unwrap() else { panic!("not an event") };
        prop_assert_eq!(event.pbx_ip, Ipv4Addr::from(pbx_ip));
        prop_assert_eq!(event.counter, counter);
        let table = tuple_table(&tuples);
        prop_assert_eq!(event.tuples.as_bytes(), table.as_slice());
        let raw: Vec<_> = event.tuples.iter().collect::<Result<_, _>>().unwrap();
        let decoded: Vec<_> = event.tuples.events().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(decoded.len(), tuples.len());
        for ((want, got), raw) in tuples.iter().zip(&decoded).zip(&raw) {
            want.check(got);
            prop_assert_eq!(raw.tag, want.tag());
            prop_assert_eq!(EventTuple::decode(*raw).unwrap(), *got);
        }
    }

    /// A CallDelta2 tuple in the specification's printed double-tag layout decodes like the
    /// single-tag one.
    #[test]
    fn delta2_double_tag_layout(record in "([\\x01-\\xFF][^\\x00]{0,24})?", utf8 in any::<bool>()) {
        let mut single = Vec::new();
        TupleWriter::new(&mut single).delta2(&record, utf8).unwrap();
        let mut double = tag::CALL_DELTA3.to_be_bytes().to_vec();
        double.extend_from_slice(&single);
        let a: Vec<_> = TupleTable::new(&single).events().collect::<Result<_, _>>().unwrap();
        let b: Vec<_> = TupleTable::new(&double).events().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(&a, &b);
        let owned = if utf8 { OwnedTuple::Delta2Utf8(record) } else { OwnedTuple::Delta2Utf16(record) };
        owned.check(&b[0]);
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn big_read_file_responses_round_trip(owned in big_read_file()) {
        round_trip(&owned, b"\x49");
    }
}

// ---------------------------------------------------------------------------------------------
// Deframer
// ---------------------------------------------------------------------------------------------

/// How the test stream reaches the deframer.
#[derive(Debug, Clone)]
enum Feeding {
    /// One octet per `feed`.
    OneByte,
    /// The whole stream in one `feed`: many frames per read.
    Everything,
    /// `feed` calls of the given sizes, cycled.
    Chunks(Vec<usize>),
    /// Received straight into `spare`, `commit`ting the given sizes, cycled; `spare` is asked
    /// for `ask` octets (at least the chunk), as a socket read would.
    SpareCommit { sizes: Vec<usize>, ask: usize },
}

fn feeding() -> impl Strategy<Value = Feeding> {
    prop_oneof![
        1 => Just(Feeding::OneByte),
        1 => Just(Feeding::Everything),
        3 => vec(1usize..300, 1..8).prop_map(Feeding::Chunks),
        1 => vec(1usize..70_000, 1..4).prop_map(Feeding::Chunks),
        3 => (vec(1usize..3000, 1..8), 0usize..70_000).prop_map(|(sizes, ask)| Feeding::SpareCommit { sizes, ask }),
    ]
}

/// Payloads: mostly event-sized, sometimes empty, sometimes around or beyond the 0x7FFF
/// boundary of the 2-octet header.
fn payloads() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let payload = prop_oneof![
        8 => vec(any::<u8>(), 0..200),
        1 => Just(Vec::new()),
        1 => bulk_bytes(0x7FF8usize..0x8008),
        1 => bulk_bytes(0x8008usize..0x1_2000),
    ];
    vec(payload, 0..12)
}

/// Feeds `stream` as `how` says and returns the payloads the deframer yields along the way.
fn deframe(stream: &[u8], how: &Feeding) -> Vec<Vec<u8>> {
    let mut deframer = Deframer::new();
    let mut out = Vec::new();
    let mut drain = |d: &mut Deframer| {
        while let Some(p) = d.next_frame().expect("valid stream") {
            out.push(p.to_vec());
        }
    };
    match how {
        Feeding::OneByte => {
            for b in stream {
                deframer.feed(std::slice::from_ref(b));
                drain(&mut deframer);
            }
        }
        Feeding::Everything => {
            deframer.feed(stream);
            drain(&mut deframer);
        }
        Feeding::Chunks(sizes) => {
            let mut rest = stream;
            for &n in sizes.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (chunk, tail) = rest.split_at(n.min(rest.len()));
                deframer.feed(chunk);
                rest = tail;
                drain(&mut deframer);
            }
        }
        Feeding::SpareCommit { sizes, ask } => {
            let mut rest = stream;
            for &n in sizes.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let n = n.min(rest.len());
                let spare = deframer.spare((*ask).max(n));
                assert!(spare.len() >= (*ask).max(n), "spare gave less than asked");
                spare[..n].copy_from_slice(&rest[..n]);
                deframer.commit(n);
                rest = &rest[n..];
                drain(&mut deframer);
            }
        }
    }
    assert_eq!(deframer.buffered(), 0, "octets left over after the last frame");
    out
}

proptest! {
    #![proptest_config(config(96))]

    /// However the stream of concatenated frames is cut, the deframer yields exactly the
    /// payloads, in order.
    #[test]
    fn deframer_yields_the_payloads_in_order(payloads in payloads(), how in feeding()) {
        let mut stream = Vec::new();
        for p in &payloads {
            encode_frame(p, &mut stream);
        }
        let got = deframe(&stream, &how);
        prop_assert_eq!(got.len(), payloads.len());
        for (i, (g, p)) in got.iter().zip(&payloads).enumerate() {
            prop_assert!(g == p, "payload {} differs ({} vs {} octets)", i, g.len(), p.len());
        }
    }

    /// Whatever a complete stream holds, a prefix of it yields a prefix of its frames, and the
    /// deframer and `decode_frame` agree frame by frame.
    #[test]
    fn deframer_agrees_with_decode_frame(payloads in vec(vec(any::<u8>(), 0..100), 1..10), cut in any::<prop::sample::Index>()) {
        let mut stream = Vec::new();
        for p in &payloads {
            encode_frame(p, &mut stream);
        }
        let cut = cut.index(stream.len() + 1);
        let mut deframer = Deframer::new();
        deframer.feed(&stream[..cut]);
        let mut pos = 0;
        loop {
            let one_shot = decode_frame(&stream[pos..cut]).unwrap();
            let incremental = deframer.next_frame().unwrap();
            prop_assert_eq!(one_shot.map(|(p, _)| p), incremental);
            match one_shot {
                Some((_, used)) => pos += used,
                None => break,
            }
        }
        prop_assert_eq!(deframer.buffered(), cut - pos);
    }
}

// ---------------------------------------------------------------------------------------------
// Frame headers
// ---------------------------------------------------------------------------------------------

fn check_header(payload_len: usize) {
    let (bytes, n) = header_bytes(payload_len);
    assert_eq!(n, header_len(payload_len));
    assert_eq!(n, if payload_len + 3 <= MAX_SHORT_FRAME_LEN { 3 } else { 4 }, "payload {payload_len}");
    let header = decode_header(&bytes[..n]).unwrap().expect("a whole header");
    assert_eq!(header, FrameHeader { header_len: n, frame_len: payload_len + n }, "payload {payload_len}");
    assert_eq!(header.payload_len(), payload_len);
    // One octet short of the header is "need more", not an error or a wrong length.
    assert_eq!(decode_header(&bytes[..n - 1]).unwrap(), None);
}

/// Every payload length the protocol can frame: the header the encoder writes decodes to the
/// same length (about 4 million cases; cheap, since no payload is built).
#[test]
fn frame_header_agrees_for_every_length() {
    for len in 0..=MAX_PAYLOAD_LEN {
        check_header(len);
    }
    assert_eq!(MAX_PAYLOAD_LEN + 4, MAX_FRAME_LEN);
    assert_eq!(header_bytes(MAX_PAYLOAD_LEN).0, [0x49, 0xFF, 0x7F, 0xFF]);
    assert_eq!(header_bytes(0x7FFC), ([0x49, 0x7F, 0xFF, 0], 3));
    assert_eq!(header_bytes(0x7FFD), ([0x49, 0x81, 0x00, 0x01], 4));
}

/// Whole frames, payload included, for every length around the 0x7FFF boundary.
#[test]
fn frames_around_the_short_form_limit() {
    let big = vec![0xA5u8; 0x8100];
    for len in 0x7F00..=0x8100 {
        let payload = &big[..len];
        let mut frame = vec![0x49];
        encode_frame(payload, &mut frame);
        let frame = &frame[1..];
        assert_eq!(frame.len(), len + header_len(len));
        let (p, used) = decode_frame(frame).unwrap().unwrap();
        assert_eq!((p.len(), used), (len, frame.len()));
        assert_eq!(decode_frame(&frame[..frame.len() - 1]).unwrap(), None);
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Sampled lengths over the whole range, with the payload.
    #[test]
    fn frames_of_sampled_lengths(len in prop_oneof![0usize..0x100, 0x7F00usize..0x8100, 0usize..=MAX_PAYLOAD_LEN], fill in any::<u8>()) {
        let payload = vec![fill; len];
        let mut frame = Vec::new();
        encode_frame(&payload, &mut frame);
        let (p, used) = decode_frame(&frame).unwrap().unwrap();
        prop_assert_eq!(used, frame.len());
        prop_assert!(p == payload.as_slice());
    }
}

proptest! {
    #![proptest_config(config(2048))]

    #[test]
    fn frame_header_samples(len in 0usize..=MAX_PAYLOAD_LEN) {
        check_header(len);
    }

    /// Any 4 octets starting 0x49 decode to a header, an error or "need more" without
    /// panicking; a decoded header re-encodes (canonically) to the same length.
    #[test]
    fn any_header_octets(b in any::<[u8; 3]>()) {
        let bytes = [0x49, b[0], b[1], b[2]];
        if let Ok(Some(h)) = decode_header(&bytes) {
            prop_assert!(h.frame_len >= h.header_len);
            let (again, n) = header_bytes(h.payload_len());
            let canonical = decode_header(&again[..n]).unwrap().unwrap();
            prop_assert_eq!(canonical.payload_len(), h.payload_len());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// No input makes a decoder panic
// ---------------------------------------------------------------------------------------------

/// Payloads that start with a real packet type (and often a plausible sub-type), so the fuzz
/// gets past the first switch, then arbitrary octets.
fn hostile_payload() -> impl Strategy<Value = Vec<u8>> {
    let packet_type = prop_oneof![
        prop::sample::select(vec![
            kind::TEST_REQUEST,
            kind::TEST_RESPONSE,
            kind::AUTH_REQUEST,
            kind::AUTH_RESPONSE,
            kind::EVENT_REQUEST,
            kind::EVENT_RESPONSE,
            kind::EVENT,
            kind::READ_FILE_REQUEST,
            kind::READ_FILE_RESPONSE,
        ]),
        any::<u32>(),
    ];
    let body = prop_oneof![
        vec(any::<u8>(), 0..64),
        // request id, a small sub-type/result, then junk.
        (
            any::<u32>(),
            prop_oneof![Just(0u32), Just(1), Just(2), Just(0x50), Just(0x51), any::<u32>()],
            vec(any::<u8>(), 0..64)
        )
            .prop_map(|(a, b, rest)| [a.to_be_bytes().as_slice(), &b.to_be_bytes(), &rest].concat()),
        // pbx, counter, then a table of plausible tuples with arbitrary lengths and data.
        (any::<u64>(), vec((tag::CALL_DELTA3..=tag::CM_EXTN + 1, any::<u16>(), vec(any::<u8>(), 0..24)), 0..4))
            .prop_map(|(head, tuples)| {
                let mut out = head.to_be_bytes().to_vec();
                for (t, len, data) in tuples {
                    out.extend_from_slice(&t.to_be_bytes());
                    out.extend_from_slice(&(len % 32).to_be_bytes());
                    out.extend_from_slice(&data);
                }
                out
            }),
    ];
    (packet_type, body).prop_map(|(t, body)| [t.to_be_bytes().as_slice(), &body].concat())
}

/// Everything a consumer might do with a decoded packet.
fn use_packet(payload: &[u8]) {
    match Packet::decode(payload) {
        Ok(packet) => {
            let _ = format!("{packet:?}");
            if let Packet::Event(event) = packet {
                // A tuple whose text is bad is reported and skipped; a table whose framing is
                // bad (a cut tag or length, an overrun) ends the iteration.
                let mut broken = false;
                for tuple in event.tuples.events() {
                    assert!(!broken, "iteration continued after a framing error");
                    match tuple {
                        Ok(
                            EventTuple::CallDelta2(t)
                            | EventTuple::SipTrack(t)
                            | EventTuple::CmExtn(t)
                            | EventTuple::CmExtnState { extension: t, .. },
                        ) => {
                            let _ = t.to_str();
                        }
                        Ok(_) => {}
                        Err(e) => {
                            let _ = e.to_string();
                            broken = matches!(e, DecodeError::Truncated { .. } | DecodeError::TupleOverrun { .. });
                        }
                    }
                }
            }
            // Whatever decoded can be encoded again (small inputs cannot hit a length limit).
            let mut out = Vec::new();
            packet.encode(&mut out).unwrap();
            let (again, _) = decode_frame(&out).unwrap().unwrap();
            assert_eq!(Packet::decode(again).unwrap(), packet);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

proptest! {
    #![proptest_config(config(2048))]

    #[test]
    fn packet_decode_never_panics(payload in hostile_payload()) {
        use_packet(&payload);
    }

    #[test]
    fn packet_decode_of_random_octets_never_panics(payload in vec(any::<u8>(), 0..48)) {
        use_packet(&payload);
    }

    #[test]
    fn tuple_decode_never_panics(table in vec(any::<u8>(), 0..64)) {
        for tuple in TupleTable::new(&table) {
            match tuple {
                Ok(raw) => { let _ = EventTuple::decode(raw).map(|t| format!("{t:?}")); }
                Err(e) => { let _ = e.to_string(); }
            }
        }
        let _ = TupleTable::new(&table).find_utf8(tag::APPLICATION_NAME, "application name");
        let _ = Text::detect(&table, "text").map(|t| t.to_string());
    }

    /// Random octets fed in random pieces: errors, frames or "need more", never a panic; the
    /// deframer matches `decode_frame` on the whole input.
    #[test]
    fn deframer_never_panics(stream in vec(any::<u8>(), 0..96), cuts in vec(1usize..16, 1..6)) {
        let mut deframer = Deframer::new();
        let mut rest = stream.as_slice();
        let mut frames = Vec::new();
        let mut error = None;
        'feed: for &n in cuts.iter().cycle() {
            if rest.is_empty() { break; }
            let (chunk, tail) = rest.split_at(n.min(rest.len()));
            deframer.feed(chunk);
            rest = tail;
            loop {
                match deframer.next_frame() {
                    Ok(Some(p)) => { use_packet(p); frames.push(p.to_vec()) }
                    Ok(None) => break,
                    Err(e) => { error = Some(e); break 'feed; }
                }
            }
        }
        let mut pos = 0;
        let expected_error = loop {
            match decode_frame(&stream[pos..]) {
                Ok(Some((p, used))) => {
                    prop_assert!(!frames.is_empty() && frames.remove(0) == p);
                    pos += used;
                }
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        prop_assert!(frames.is_empty());
        prop_assert_eq!(error, expected_error);
    }
}

/// The answered-call Detail vector (`delta3_detail` in shared/vectors/devlink3.json, whose
/// text keeps the printed examples' lost field) is exactly what `encode_event` writes for it;
/// the benchmark builds its input this way.
#[test]
fn encode_event_reproduces_the_detail_vector() {
    const TEXT: &str = "<Detail><Call>c0a82a03,4,,,,0,,200,,200,</Call><PartyA>c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,\
                        5.23,,0,0,5678,,,,,01707123456,100</PartyA><PartyB>c0a82a0300000413,0,2,1,0,0,0,0,1,8,106,,\
                        4001,0,4,,,,,200,901707123456,100</PartyB></Detail>";
    const HEX: &str = "49010010300011c0a82a03000000290076000100eb3c44657461696c3e3c43616c6c3e63306138326130332c342c2c2c\
                       2c302c2c3230302c2c3230302c3c2f43616c6c3e3c5061727479413e633061383261303330303030323332612c312c32\
                       2c312c302c302c312c302c302c322c322c352e32332c2c302c302c353637382c2c2c2c2c30313730373132333435362c\
                       3130303c2f5061727479413e3c5061727479423e633061383261303330303030303431332c302c322c312c302c302c30\
                       2c302c312c382c3130362c2c343030312c302c342c2c2c2c2c3230302c3930313730373132333435362c3130303c2f50\
                       61727479423e3c2f44657461696c3e00";
    let mut out = Vec::new();
    encode_event(Ipv4Addr::new(192, 168, 42, 3), 41, &mut out, |w| w.delta3(TEXT).map(drop)).unwrap();
    let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, HEX);
}
