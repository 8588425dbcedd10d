//! What the benchmarks share: the record they measure, its event frames, and the pipeline
//! from socket-sized reads to typed records.

use std::hint::black_box;
use std::net::Ipv4Addr;

use devlink3_proto::records::{Delta3Index, parse_delta3};
use devlink3_proto::wire::packet::encode_event;
use devlink3_proto::wire::{Deframer, EventTuple, Packet, decode_frame};

/// The specification's answered call (§6.7.1.3) with the lost Party field restored
/// (spec-errata.md §2).
pub const DETAIL: &str = "<Detail><Call>c0a82a03,4,,,,0,,200,,200,</Call><PartyA>c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,\
                          5.23,,0,0,5678,,,,,,01707123456,100</PartyA><PartyB>c0a82a0300000413,0,2,1,0,0,0,0,1,8,106,,\
                          4001,0,4,,,,,,200,901707123456,100</PartyB></Detail>";

/// Octets per socket read, as the client reads.
pub const READ: usize = 64 * 1024;

/// `events` Event frames of [`DETAIL`], back to back.
pub fn detail_stream(events: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for counter in 0..events {
        encode_event(Ipv4Addr::new(192, 168, 42, 3), counter, &mut out, |w| w.delta3(DETAIL).map(drop)).unwrap();
    }
    out
}

/// How [`parse_stream`] reads each record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // each bench uses its own
pub enum Read {
    /// `Delta3Index::read`: every section and field located, the numbers checked (the
    /// reused index allocates nothing); fields are decoded when an accessor asks.
    Index,
    /// `parse_delta3`: the same, then every field decoded into the typed `Detail`.
    Decode,
}

/// Reads one Event packet's Delta3 records as `read` says; returns how many.
#[inline]
fn read_records(payload: &[u8], index: &mut Delta3Index, read: Read) -> u32 {
    let Packet::Event(event) = Packet::decode(payload).unwrap() else { unreachable!() };
    let mut records = 0;
    for tuple in event.tuples.events() {
        let EventTuple::CallDelta3(text) = tuple.unwrap() else { unreachable!() };
        match read {
            Read::Index => drop(black_box(index.read(text).unwrap())),
            Read::Decode => drop(black_box(parse_delta3(text).unwrap())),
        }
        records += 1;
    }
    records
}

/// Deframes `stream` in [`READ`]-sized reads, as a socket delivers them (each copied into
/// the deframer's buffer), decodes every Event packet and reads its Delta3 records as
/// `read` says; returns how many.
#[allow(dead_code)] // the codec bench's
pub fn parse_stream(deframer: &mut Deframer, stream: &[u8], read: Read) -> u32 {
    let mut records = 0;
    let mut index = Delta3Index::new();
    for chunk in stream.chunks(READ) {
        deframer.feed(chunk);
        while let Some(payload) = deframer.next_frame().unwrap() {
            records += read_records(payload, &mut index, read);
        }
    }
    records
}

/// The same over `stream` where it lies in memory, frame after frame (`decode_frame`), as
/// the C splitter reads its buffer: no copy.
#[allow(dead_code)] // the reference bench's
pub fn parse_in_memory(stream: &[u8], read: Read) -> u32 {
    let mut records = 0;
    let mut index = Delta3Index::new();
    let mut rest = stream;
    while let Some((payload, used)) = decode_frame(rest).unwrap() {
        records += read_records(payload, &mut index, read);
        rest = &rest[used..];
    }
    records
}
