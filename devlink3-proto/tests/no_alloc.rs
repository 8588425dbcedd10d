//! The borrowed read path allocates nothing per record: nothing in
//! `Deframer::next_frame`, `Packet::decode` or the event's tuples, and nothing in
//! `Delta3Index::read` of the answered-call Detail (the index reused) or in reading its
//! fields through the view.
//!
//! A counting global allocator counts the allocations made on this test's thread while the
//! records flow; after a warm-up pass (which sizes the deframer's buffer and the index)
//! the count must be zero.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::net::Ipv4Addr;

use devlink3_proto::records::{Delta3Index, Delta3View};
use devlink3_proto::wire::packet::encode_event;
use devlink3_proto::wire::{Deframer, EventTuple, Packet};

struct CountingAllocator;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn note_allocation() {
    let counting = COUNTING.try_with(Cell::get).unwrap_or(false);
    if counting {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: forwards every call to the system allocator unchanged; counting touches only
// const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Allocations made on this thread while `f` runs.
fn allocations_in<T>(f: impl FnOnce() -> T) -> (T, u64) {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    (out, ALLOCATIONS.with(Cell::get))
}

/// The answered ISDN call (§6.7.1.3) with the Party field the printed example lost restored
/// (spec-errata.md §2), as the IP Office sends it: one line.
const DETAIL: &str = "<Detail><Call>c0a82a03,4,,,,0,,200,,200,</Call><PartyA>c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,5.23,,\
                      0,0,5678,,,,,,01707123456,100</PartyA><PartyB>c0a82a0300000413,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,\
                      ,,,200,901707123456,100</PartyB></Detail>";
const CALL_LOST: &str = "<CallLost>c0a82a03,c0a82a0300000413,1,16</CallLost>";

/// Frames of Detail events, every tenth with a CallLost tuple too.
fn stream(events: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for counter in 0..events {
        encode_event(Ipv4Addr::new(192, 168, 42, 3), counter, &mut out, |w| {
            w.delta3(DETAIL)?;
            if counter % 10 == 0 {
                w.delta3(CALL_LOST)?;
            }
            Ok(())
        })
        .unwrap();
    }
    out
}

/// Reads `stream` in 64 KiB pieces (as a socket would, through `spare`/`commit` or `feed`)
/// and reads every record's fields through its view; returns the records seen.
fn consume(deframer: &mut Deframer, index: &mut Delta3Index, stream: &[u8], use_spare: bool) -> usize {
    let mut records = 0;
    for chunk in stream.chunks(64 * 1024) {
        if use_spare {
            deframer.spare(chunk.len())[..chunk.len()].copy_from_slice(chunk);
            deframer.commit(chunk.len());
        } else {
            deframer.feed(chunk);
        }
        while let Some(payload) = deframer.next_frame().unwrap() {
            let Packet::Event(event) = Packet::decode(payload).unwrap() else { panic!("not an event") };
            for tuple in event.tuples.events() {
                let EventTuple::CallDelta3(text) = tuple.unwrap() else { panic!("not a Delta3 tuple") };
                match index.read(text).unwrap() {
                    Delta3View::Detail(detail) => {
                        let b = detail.party_b().expect("answered: PartyB");
                        assert!(detail.party_a().cli() == "01707123456" && b.identity() == "4001");
                        assert!(b.cli() == "901707123456" && detail.call().call_id() == 4);
                        assert_eq!(detail.targets().len(), 0);
                        black_box(&detail);
                    }
                    Delta3View::CallLost(lost) => {
                        assert!(lost.end_id() == "c0a82a0300000413" && lost.cause().raw() == 16);
                        black_box(&lost);
                    }
                    _ => panic!("unexpected record"),
                }
                records += 1;
            }
        }
    }
    assert_eq!(deframer.buffered(), 0);
    records
}

#[test]
fn the_counter_counts() {
    let (_, n) = allocations_in(|| black_box(Vec::<u8>::with_capacity(16)));
    assert_eq!(n, 1);
    let (_, n) = allocations_in(|| black_box(String::from("x") + "y"));
    assert!(n >= 1);
}

#[test]
fn detail_records_read_without_allocating() {
    let events = 2_000;
    let records = (events + events / 10) as usize;
    let stream = stream(events);
    for use_spare in [true, false] {
        let (mut deframer, mut index) = (Deframer::new(), Delta3Index::new());
        // Warm-up: the deframer sizes its buffer for 64 KiB reads, the index its spans.
        assert_eq!(consume(&mut deframer, &mut index, &stream, use_spare), records);
        for _ in 0..3 {
            let (seen, allocations) = allocations_in(|| consume(&mut deframer, &mut index, &stream, use_spare));
            assert_eq!(seen, records);
            assert_eq!(
                allocations, 0,
                "{allocations} allocations for {records} records (spare/commit: {use_spare}); the borrowed path allocates nothing"
            );
        }
    }
}

#[test]
fn one_frame_at_a_time_does_not_allocate() {
    // Frame by frame, as a slow link delivers them: nothing is moved or grown after warm-up.
    let stream = stream(50);
    let (mut deframer, mut index) = (Deframer::new(), Delta3Index::new());
    consume(&mut deframer, &mut index, &stream, false);
    let (records, allocations) = allocations_in(|| {
        let mut records = 0;
        let mut rest = stream.as_slice();
        while !rest.is_empty() {
            let n = rest.len().min(97);
            deframer.feed(&rest[..n]);
            rest = &rest[n..];
            while let Some(payload) = deframer.next_frame().unwrap() {
                let Packet::Event(event) = Packet::decode(payload).unwrap() else { panic!("not an event") };
                for tuple in event.tuples.events() {
                    let EventTuple::CallDelta3(text) = tuple.unwrap() else { panic!("not Delta3") };
                    black_box(index.read(text).unwrap());
                    records += 1;
                }
            }
        }
        records
    });
    assert!(records > 0);
    assert_eq!(allocations, 0, "nothing for {records} records");
}
