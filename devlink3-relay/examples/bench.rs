//! The relay's throughput with acknowledgements, and its memory.
//!
//!   cargo run --release -p devlink3-relay --example bench [-- EVENTS_PER_SITE]
//!
//! Starts a NATS server with JetStream (Debian's nats-server) and, for one site then ten,
//! simulated IP Offices that blast EVENTS answered-call records in all (default 100,000) as
//! fast as their sockets take them, far faster than any IP Office sends; the relay
//! publishes what it takes, each message acknowledged by JetStream (file storage). Reports
//! messages published per second, all sites together, from the blast's start until the
//! last acknowledgement. The links' queues are made big enough for the whole blast (at the
//! default 4,096 they overflow at this rate, and report it as missed). Peak RSS is this
//! process's (relay, links and simulators together, and the blast waiting in the queues
//! and the relay's buffer: an upper bound).

use std::time::{Duration, Instant};

use devlink3_core::ClientConfig;
use devlink3_relay::testing::Nats;
use devlink3_relay::{Relay, RelayConfig, SiteConfig};
use devlink3_sim::{ANSWERED_CALL_DETAIL, SimConfig, Simulator};

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn run(sites: usize, events: u64) {
    let nats = Nats::start();
    let sims: Vec<Simulator> = (0..sites).map(|_| Simulator::start(SimConfig::default()).unwrap()).collect();
    let mut config = RelayConfig::new(nats.url());
    config.buffer = 1_000_000;
    config.sites = sims
        .iter()
        .enumerate()
        .map(|(i, sim)| {
            let mut client = ClientConfig::new(sim.target(), "devlink3", "devlink3");
            // Room for the whole blast: measure the relay, not the link's queue.
            client.queue_capacity = 1 << 20;
            SiteConfig { name: format!("site{i}"), client }
        })
        .collect();
    let relay = Relay::start(config).unwrap();
    for sim in &sims {
        assert!(sim.wait_subscribed(1, Duration::from_secs(10)));
    }
    // Link states and the like are published first; count from here.
    std::thread::sleep(Duration::from_millis(500));
    let before: u64 = (0..sites).map(|i| relay.metrics().published(&format!("site{i}"))).sum();
    let started = Instant::now();
    let blasts: Vec<_> = sims.iter().map(|sim| sim.blast(events, ANSWERED_CALL_DETAIL)).collect();
    // Until every blast is sent and the relay has published everything it took: no
    // change in the published count for a second.
    let published = || -> u64 { (0..sites).map(|i| relay.metrics().published(&format!("site{i}"))).sum() };
    for blast in blasts {
        let _ = blast.wait();
    }
    let (mut last, mut last_change) = (published(), Instant::now());
    while last_change.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(5));
        let now = published();
        if now != last {
            (last, last_change) = (now, Instant::now());
        }
    }
    let elapsed = last_change.duration_since(started);
    let records = last - before;
    let missed: u64 = (0..sites).map(|i| relay.metrics().missed(&format!("site{i}"))).sum();
    relay.shutdown(Duration::from_secs(30));
    let total = sites as u64 * events;
    println!(
        "{sites:>2} site(s): {total} records blasted; {records} messages published with acks in {:.2} s: {:.0} events/s; \
         missed (reported) {missed}; peak RSS {:.1} MiB",
        elapsed.as_secs_f64(),
        records as f64 / elapsed.as_secs_f64(),
        peak_rss_mib()
    );
}

fn main() {
    let events: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    // Each configuration in a process of its own, so that its peak RSS is its own.
    if let Some(sites) = std::env::var("BENCH_SITES").ok().and_then(|s| s.parse::<usize>().ok()) {
        run(sites, events / sites as u64);
        return;
    }
    let me = std::env::current_exe().expect("the bench's own path");
    for sites in [1, 10] {
        let status = std::process::Command::new(&me)
            .arg(events.to_string())
            .env("BENCH_SITES", sites.to_string())
            .status()
            .expect("the bench runs");
        assert!(status.success());
    }
}
