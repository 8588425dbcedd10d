//! Events into a C callback through the extended API, and into a Rust handler through the
//! core, side by side in one run.
//!
//! `cargo bench -p devlink3-ffi --features mimalloc --bench callback [-- --events N --queue N]`
//! (the allocator of the shipped library)
//!
//! The simulator (in this process) blasts N answered-call Detail events over loopback; each
//! consumer reads two fields of every record (the call id and party A's number) and counts
//! it. Reported per consumer: events/s from the first event to the last, and how many the
//! queue of the given capacity (the library's default, 4096) had to drop ("missed").
//! This machine is shared: compare the rates within one run, not across runs.

use std::ffi::{CString, c_void};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use devlink::api::{
    devlink3_callbacks, devlink3_close, devlink3_config_free, devlink3_config_new, devlink3_config_set_queue_capacity,
    devlink3_open, devlink3_set_callbacks,
};
use devlink::devlink3_status;
use devlink::view::{devlink3_delta3, devlink3_missed};
use devlink3_core::client::{Client, ClientConfig, Event};
use devlink3_core::records::Delta3View;
use devlink3_sim::{ANSWERED_CALL_DETAIL, SimConfig, Simulator};

#[derive(Default)]
struct Counts {
    received: AtomicU64,
    missed: AtomicU64,
    /// Sum of the fields read, so that reading them is not optimised away.
    checksum: AtomicU64,
}

impl Counts {
    fn done(&self) -> u64 {
        self.received.load(Ordering::Relaxed) + self.missed.load(Ordering::Relaxed)
    }
}

unsafe extern "C" fn on_delta3(user_data: *mut c_void, record: *const devlink3_delta3) {
    // SAFETY: user_data is the Counts this bench registered; record is valid for the call.
    let (counts, record) = unsafe { (&*user_data.cast::<Counts>(), &*record) };
    if let Some(detail) = unsafe { record.detail.as_ref() } {
        let cli = detail.party_a.cli;
        counts.checksum.fetch_add(u64::from(detail.call.call_id) + cli.len as u64, Ordering::Relaxed);
    }
    counts.received.fetch_add(1, Ordering::Relaxed);
}

unsafe extern "C" fn on_missed(user_data: *mut c_void, missed: *const devlink3_missed) {
    // SAFETY: as above.
    let (counts, missed) = unsafe { (&*user_data.cast::<Counts>(), &*missed) };
    counts.missed.fetch_add(missed.count, Ordering::Relaxed);
}

/// Blasts `events` and waits until `counts` accounts for them; events/s from the start.
fn measure(sim: &Simulator, events: u64, counts: &Counts) -> f64 {
    let start = Instant::now();
    let blast = sim.blast(events, ANSWERED_CALL_DETAIL);
    let deadline = start + Duration::from_secs(300);
    while counts.done() < events {
        assert!(Instant::now() < deadline, "only {} of {events} events arrived", counts.done());
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = start.elapsed().as_secs_f64();
    drop(blast);
    counts.received.load(Ordering::Relaxed) as f64 / elapsed
}

fn c_callback(events: u64, queue: usize) -> (f64, u64) {
    let sim = Simulator::start(SimConfig { rate: 0.0, ..SimConfig::default() }).unwrap();
    let counts = Box::new(Counts::default());
    let target = CString::new(sim.target()).unwrap();
    let mut config = std::ptr::null_mut();
    let mut link = std::ptr::null_mut();
    // SAFETY: the extended API as documented in devlink3.h, with valid pointers throughout.
    unsafe {
        assert_eq!(
            devlink3_config_new(target.as_ptr(), c"devlink3".as_ptr(), c"devlink3".as_ptr(), &mut config),
            devlink3_status::Ok
        );
        assert_eq!(devlink3_config_set_queue_capacity(config, queue), devlink3_status::Ok);
        assert_eq!(devlink3_open(config, &mut link), devlink3_status::Ok);
        devlink3_config_free(config);
        let mut callbacks: devlink3_callbacks = std::mem::zeroed();
        callbacks.struct_size = std::mem::size_of::<devlink3_callbacks>();
        callbacks.user_data = (&*counts as *const Counts).cast_mut().cast();
        callbacks.delta3 = Some(on_delta3);
        callbacks.missed = Some(on_missed);
        assert_eq!(devlink3_set_callbacks(link, &callbacks), devlink3_status::Ok);
    }
    assert!(sim.wait_subscribed(1, Duration::from_secs(10)), "the link subscribes");
    let rate = measure(&sim, events, &counts);
    // SAFETY: opened above, closed once; no callback runs after this returns.
    unsafe { devlink3_close(link) };
    (rate, counts.missed.load(Ordering::Relaxed))
}

fn rust_handler(events: u64, queue: usize) -> (f64, u64) {
    let sim = Simulator::start(SimConfig { rate: 0.0, ..SimConfig::default() }).unwrap();
    let mut config = ClientConfig::new(sim.target(), "devlink3", "devlink3");
    config.queue_capacity = queue;
    let client = Client::connect(config).unwrap();
    let counts = Arc::new(Counts::default());
    let (c, m) = (counts.clone(), counts.clone());
    client
        .set_handlers(move |h| {
            h.delta3 = Some(Box::new(move |event| {
                if let Event::Delta3 { record, .. } = event {
                    if let Delta3View::Detail(detail) = record.get() {
                        let read = u64::from(detail.call().call_id()) + detail.party_a().cli().len() as u64;
                        c.checksum.fetch_add(read, Ordering::Relaxed);
                    }
                }
                c.received.fetch_add(1, Ordering::Relaxed);
            }));
            h.missed = Some(Box::new(move |event| {
                if let Event::Missed { count, .. } = event {
                    m.missed.fetch_add(*count, Ordering::Relaxed);
                }
            }));
        })
        .unwrap();
    assert!(sim.wait_subscribed(1, Duration::from_secs(10)), "the link subscribes");
    let rate = measure(&sim, events, &counts);
    client.close();
    (rate, counts.missed.load(Ordering::Relaxed))
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    // `cargo test --benches` runs bench targets without --bench; `cargo bench` passes it.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let events = arg("--events", 1_000_000);
    let queue = arg("--queue", 4096) as usize;
    println!("{events} answered-call Details over loopback, queue of {queue}, medians of 3");
    for (name, run) in [
        ("C callback (extended API)", c_callback as fn(u64, usize) -> (f64, u64)),
        ("Rust handler (core)", rust_handler),
    ] {
        let mut runs: Vec<(f64, u64)> = (0..3).map(|_| run(events, queue)).collect();
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let missed: Vec<u64> = runs.iter().map(|r| r.1).collect();
        println!("{name:<28} {:>6.2} M events/s, missed per run {missed:?}", runs[1].0 / 1e6);
    }
}
