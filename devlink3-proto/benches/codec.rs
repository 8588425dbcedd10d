//! Codec throughput: deframing, packet + tuple decode, Delta3 parsing, and the three together.
//!
//! `cargo bench -p devlink3-proto --bench codec -- --warm-up-time 1 --measurement-time 3`
//!
//! * `deframe_64k_reads/{frames,bytes}`: a buffer of answered-call Detail event frames fed to
//!   a `Deframer` in 64 KiB reads, every frame taken out (frames/s and bytes/s).
//! * `decode_event/detail_vector`: `Packet::decode` and the tuple decode of the `delta3_detail`
//!   vector (shared/vectors/devlink3.json; `tests/wire_props.rs` checks `encode_event` builds
//!   the same bytes).
//! * `parse_delta3/answered_detail`: `parse_delta3` of the answered-call Detail, corrected as
//!   spec-errata.md §2 says, on one line: indexed, then every field decoded.
//! * `index_delta3/answered_detail`: `Delta3Index::read` of the same (the index reused): every
//!   field located and the numbers checked, none decoded.
//! * `pipeline/answered_detail`: all of it per record, from 64 KiB reads to the index.
//!
//! `tests/no_alloc.rs` proves the indexed path allocates nothing per record.

use std::hint::black_box;

mod common;

use common::{DETAIL, READ, Read, detail_stream, parse_stream};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use devlink3_proto::records::{Delta3, Delta3Index, Delta3View, parse_delta3};
use devlink3_proto::wire::{Deframer, Packet, decode_frame};

/// The `delta3_detail` vector (shared/vectors/devlink3.json), a whole frame: the answered call as
/// printed in §6.7.1.3, lost Party field and all.
const DETAIL_VECTOR_HEX: &str = "49010010300011c0a82a03000000290076000100eb3c44657461696c3e3c43616c6c3e63306138326130332c342c\
                                 2c2c2c302c2c3230302c2c3230302c3c2f43616c6c3e3c5061727479413e63306138326130333030303032\
                                 3332612c312c322c312c302c302c312c302c302c322c322c352e32332c2c302c302c353637382c2c2c2c2c\
                                 30313730373132333435362c3130303c2f5061727479413e3c5061727479423e6330613832613033303030\
                                 30303431332c302c322c312c302c302c302c302c312c382c3130362c2c343030312c302c342c2c2c2c2c32\
                                 30302c3930313730373132333435362c3130303c2f5061727479423e3c2f44657461696c3e00";

/// The same call with the lost Party field restored (spec-errata.md §2).
const EVENTS: u32 = 10_000;

fn deframe(c: &mut Criterion) {
    let stream = detail_stream(EVENTS);
    let mut group = c.benchmark_group("deframe_64k_reads");
    for (name, throughput) in
        [("frames", Throughput::Elements(u64::from(EVENTS))), ("bytes", Throughput::Bytes(stream.len() as u64))]
    {
        group.throughput(throughput);
        group.bench_function(name, |b| {
            let mut deframer = Deframer::new();
            b.iter(|| {
                let mut frames = 0u32;
                for chunk in stream.chunks(READ) {
                    deframer.feed(chunk);
                    while let Some(payload) = deframer.next_frame().unwrap() {
                        black_box(payload);
                        frames += 1;
                    }
                }
                assert_eq!(frames, EVENTS);
            });
        });
    }
    group.finish();
}

fn decode_event(c: &mut Criterion) {
    let hex = DETAIL_VECTOR_HEX.as_bytes();
    let frame: Vec<u8> =
        hex.chunks(2).map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap()).collect();
    let (payload, used) = decode_frame(&frame).unwrap().unwrap();
    assert_eq!(used, frame.len());
    let mut group = c.benchmark_group("decode_event");
    group.throughput(Throughput::Elements(1));
    group.bench_function("detail_vector", |b| {
        b.iter(|| {
            let Packet::Event(event) = Packet::decode(black_box(payload)).unwrap() else { unreachable!() };
            for tuple in event.tuples.events() {
                black_box(tuple.unwrap());
            }
        });
    });
    group.finish();
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_delta3");
    group.throughput(Throughput::Elements(1));
    group.bench_function("answered_detail", |b| {
        b.iter(|| {
            let record = parse_delta3(black_box(DETAIL)).unwrap();
            debug_assert!(matches!(record, Delta3::Detail(_)));
            // Looked at in place, not returned: moving the ~1 KiB record out costs copies the
            // pipeline does not make.
            black_box(&record);
        });
    });
    group.finish();
    let mut group = c.benchmark_group("index_delta3");
    group.throughput(Throughput::Elements(1));
    group.bench_function("answered_detail", |b| {
        let mut index = Delta3Index::new();
        b.iter(|| {
            let view = index.read(black_box(DETAIL)).unwrap();
            debug_assert!(matches!(view, Delta3View::Detail(_)));
            black_box(&view);
        });
    });
    group.finish();
}

fn pipeline(c: &mut Criterion) {
    let stream = detail_stream(EVENTS);
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(u64::from(EVENTS)));
    group.bench_function("answered_detail", |b| {
        let mut deframer = Deframer::new();
        b.iter(|| assert_eq!(parse_stream(&mut deframer, &stream, Read::Index), EVENTS));
    });
    group.finish();
}

criterion_group!(benches, deframe, decode_event, parse, pipeline);
criterion_main!(benches);
