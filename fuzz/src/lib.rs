//! Checks shared by the fuzz targets. Each one panics only on a real defect: a panic inside
//! the codec, or a broken invariant (deframing depends on how the stream was split, a decoded
//! packet does not survive re-encoding, an encode error leaves octets behind).

use devlink3_proto::records::parse_delta3;
use devlink3_proto::wire::{
    DecodeError, Deframer, EncodeError, EventTuple, Packet, Text, TupleTable, TupleWriter, decode_frame,
};

/// Decodes one frame payload and checks everything reachable from it.
pub fn check_packet(payload: &[u8]) {
    let Ok(packet) = Packet::decode(payload) else {
        return;
    };
    let _ = format!("{packet:?}");
    if let Packet::Event(event) = packet {
        check_tuples(event.tuples);
    }
    // decode → encode → decode gives the same packet (the decoder is liberal about trailing
    // octets and the Delta2 double tag, so the bytes may differ; the values may not).
    let mut out = vec![0xEE];
    match packet.encode(&mut out) {
        Ok(()) => {
            let (again, used) =
                decode_frame(&out[1..]).expect("encoded frame decodes").expect("encoded frame is whole");
            assert_eq!(used, out.len() - 1, "encode appended exactly one frame");
            assert_eq!(Packet::decode(again).expect("re-encoded packet decodes"), packet);
        }
        Err(EncodeError::TooLong { .. }) => assert_eq!(out, [0xEE], "failed encode appended octets"),
        Err(e) => panic!("unexpected encode error {e}"),
    }
}

/// Decodes every tuple of an event table, converts the texts, and re-encodes the tuples with
/// `TupleWriter`: they must decode to the same values.
pub fn check_tuples(table: TupleTable<'_>) {
    let mut events = Vec::new();
    let mut bad_text = false;
    let mut iter = table.events();
    while let Some(item) = iter.next() {
        match item {
            Ok(tuple) => {
                touch(&tuple);
                events.push(tuple);
            }
            // Framing errors end the table...
            Err(e @ (DecodeError::Truncated { .. } | DecodeError::TupleOverrun { .. })) => {
                let _ = e.to_string();
                assert!(iter.next().is_none(), "tuple iteration continued after {e}");
                return;
            }
            // ...a bad text only its own tuple.
            Err(e) => {
                let _ = e.to_string();
                bad_text = true;
            }
        }
    }
    if bad_text {
        return;
    }
    let mut buf = Vec::new();
    let mut w = TupleWriter::new(&mut buf);
    for tuple in &events {
        let written = match *tuple {
            EventTuple::CallDelta3(s) => w.delta3(s),
            EventTuple::CallDelta2(Text::Utf8(s)) => w.delta2(s, true),
            EventTuple::CallDelta2(t) => w.delta2(&t.to_str(), false),
            EventTuple::SipTrack(t) => w.siptrack(&t.to_str()),
            EventTuple::CmExtn(t) => w.cmextn(&t.to_str()),
            EventTuple::CmExtnState { v, p1, p2, extension } => w.cmextn_state(v, p1, p2, &extension.to_str()),
            EventTuple::Unknown { tag, data } => w.raw(tag, data),
        };
        written.expect("a decoded tuple fits its length field");
    }
    let again: Vec<_> = TupleTable::new(&buf).events().collect::<Result<_, _>>().expect("re-encoded tuples decode");
    assert_eq!(again, events, "tuples changed through TupleWriter");
}

fn touch(tuple: &EventTuple<'_>) {
    let text = match *tuple {
        EventTuple::CallDelta2(t) | EventTuple::SipTrack(t) | EventTuple::CmExtn(t) => t,
        EventTuple::CmExtnState { extension, .. } => extension,
        EventTuple::CallDelta3(s) => {
            check_delta3(s);
            return;
        }
        _ => return,
    };
    let s = text.to_str();
    let mut pushed = String::new();
    text.push_to(&mut pushed);
    assert_eq!(pushed, s);
    assert_eq!(text.to_string(), s);
    assert!(!s.contains(char::REPLACEMENT_CHARACTER) || text_has_replacement(text));
}

/// Validated UTF-16 converts losslessly, so U+FFFD can only come from the text itself.
fn text_has_replacement(text: Text<'_>) -> bool {
    match text {
        Text::Utf8(s) => s.contains(char::REPLACEMENT_CHARACTER),
        Text::Utf16Be(b) => b.chunks_exact(2).any(|c| c == [0xFF, 0xFD]),
    }
}

/// Parses a Delta3 text; a record that parses is formatted, made owned and parsed again.
pub fn check_delta3(text: &str) {
    let Ok(record) = parse_delta3(text) else {
        return;
    };
    let _ = record.raw();
    let canonical = record.to_string();
    let owned = record.into_owned();
    let _ = format!("{owned:?}");
    let _ = parse_delta3(&canonical);
}

/// Tiny deterministic generator for the split sizes.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Feeds `stream` to a `Deframer` in pieces drawn from `seed` and checks it yields exactly
/// what a `decode_frame` loop over the whole stream yields: the same payloads, then the same
/// error (or none, with the unfinished tail still buffered).
pub fn check_deframer(seed: u64, stream: &[u8]) {
    let mut expected = Vec::new();
    let mut pos = 0;
    let expected_end = loop {
        match decode_frame(&stream[pos..]) {
            Ok(Some((payload, used))) => {
                assert!(used > 0 && used >= payload.len());
                expected.push(payload);
                pos += used;
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };

    let mut rng = SplitMix(seed);
    let mut deframer = Deframer::new();
    let mut offset = 0;
    let mut got = 0;
    let mut error = None;
    'feed: while offset < stream.len() {
        let left = stream.len() - offset;
        let r = rng.next();
        let n = match r % 4 {
            0 => 1,
            1 => 1 + (r >> 8) as usize % 16,
            2 => 1 + (r >> 8) as usize % 4096,
            _ => left,
        }
        .min(left);
        let chunk = &stream[offset..offset + n];
        if r & 0x10 != 0 {
            let spare = deframer.spare(n);
            assert!(spare.len() >= n);
            spare[..n].copy_from_slice(chunk);
            deframer.commit(n);
        } else {
            deframer.feed(chunk);
        }
        offset += n;
        loop {
            match deframer.next_frame() {
                Ok(Some(payload)) => {
                    assert!(got < expected.len(), "deframer produced an extra frame");
                    assert_eq!(payload, expected[got], "frame {got} differs");
                    got += 1;
                    check_packet(payload);
                }
                Ok(None) => break,
                Err(e) => {
                    // A broken stream stays broken.
                    assert_eq!(deframer.next_frame(), Err(e.clone()));
                    error = Some(e);
                    break 'feed;
                }
            }
        }
    }
    assert_eq!(got, expected.len(), "deframer lost frames");
    assert_eq!(error, expected_end, "deframer and decode_frame disagree on the error");
    if error.is_none() {
        assert_eq!(deframer.buffered(), stream.len() - pos, "unfinished tail not buffered");
    }
}
