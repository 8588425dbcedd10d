//! `devlink3 relay`: one DevLink3 link per IP Office, every event into NATS JetStream.
//!
//! IP Office takes at most three DevLink3 connections (per SCN with multi-node flags), each
//! costing licences. The relay holds one link per site and publishes every event's
//! document (what `devlink3 tail` prints) to a JetStream stream, for any number of
//! consumers, replayable:
//!
//! * `devlink3.<site>.record.<kind>`: `detail`, `call_lost`, `link_lost`, `attempt_reject`,
//!   `delta2`, `siptrack`, `cmextn`, `unparsed`;
//! * `devlink3.<site>.link`: link states, missed notices, the relay's own notices;
//! * `devlink3.<site>.call.<event>`: the call model's events (`started`... `ended`,
//!   `extension`, `unplaced`).
//!
//! Per site, a thread takes the link's events into a bounded buffer ([`buffer`]); a task
//! publishes the buffer in order with JetStream acknowledgements ([`publish`]). Each
//! message carries a `Nats-Msg-Id` unique to its event (this run, the site, a sequence), so
//! a publish retried after a broker fault is stored once. While the broker is away events
//! wait in the buffer; past its size the oldest are dropped and a missed notice says how
//! many. The links do not notice the broker at all.

mod buffer;
pub mod config;
pub mod follow;
mod http;
mod metrics;
mod publish;
#[doc(hidden)]
pub mod testing;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use devlink3_core::Client;
use devlink3_core::calls::{CallTracker, TrackerConfig, unix_now};
use tokio::sync::watch;

pub use config::{LinkOptions, RelayConfig, SiteConfig};
pub use metrics::Metrics;

use buffer::{Outgoing, SiteBuffer};
use metrics::SiteMetrics;

/// One site's link, buffer and counters.
pub(crate) struct Site {
    pub name: String,
    pub client: Client,
    pub buffer: SiteBuffer,
    pub metrics: SiteMetrics,
}

/// A running relay. [`Relay::shutdown`] flushes and closes it.
pub struct Relay {
    runtime: tokio::runtime::Runtime,
    sites: Vec<Arc<Site>>,
    pumps: Vec<JoinHandle<()>>,
    publishers: Vec<tokio::task::JoinHandle<()>>,
    stop_pumps: Arc<std::sync::atomic::AtomicBool>,
    stop_publishing: watch::Sender<bool>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay").field("sites", &self.sites.iter().map(|s| &s.name).collect::<Vec<_>>()).finish()
    }
}

/// The servers of a NATS URL list: `nats://a:4222,nats://b:4222` (a cluster).
pub(crate) fn servers(url: &str) -> Vec<String> {
    url.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Unique to this run of the relay: the first part of every message id.
fn run_id() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{:x}", std::process::id())
}

impl Relay {
    /// Connects to the broker (creating the stream when absent), opens every site's link
    /// and starts relaying. Fails, naming the problem, when the configuration is unusable or
    /// the broker cannot be reached at all at start.
    pub fn start(config: RelayConfig) -> Result<Relay, String> {
        config.validate()?;
        let runtime = devlink3_core::runtime::named("devlink3-relay", 1)
            .map_err(|e| format!("cannot start the relay's runtime: {e}"))?;
        let metrics = Arc::new(Metrics::default());
        let (js, stream) = runtime.block_on(publish::connect(&config, &metrics))?;

        let run = run_id();
        let mut sites = Vec::new();
        for site in &config.sites {
            // Where the previous run left off, to report what no relay heard.
            let resume = runtime.block_on(publish::last_record(&stream, &site.name));
            let client = Client::connect(site.client.clone()).map_err(|e| format!("site {:?}: {e}", site.name))?;
            let site = Arc::new(Site {
                name: site.name.clone(),
                client,
                buffer: SiteBuffer::new(config.buffer, &run, &site.name, resume),
                metrics: SiteMetrics::default(),
            });
            sites.push(site);
        }
        metrics.set_sites(sites.iter().map(|s| (s.name.clone(), s.metrics.clone())).collect());

        let stop_pumps = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (stop_publishing, stopped) = watch::channel(false);
        let mut pumps = Vec::new();
        let mut publishers = Vec::new();
        for site in &sites {
            let pump_site = Arc::clone(site);
            let stop = Arc::clone(&stop_pumps);
            let pump = std::thread::Builder::new()
                .name(format!("devlink3-relay-{}", site.name))
                .spawn(move || pump(&pump_site, &stop))
                .map_err(|e| format!("cannot start a thread: {e}"))?;
            pumps.push(pump);
            publishers.push(runtime.spawn(publish::run(js.clone(), Arc::clone(site), stopped.clone())));
        }
        if let Some(address) = config.metrics {
            let listener = runtime
                .block_on(tokio::net::TcpListener::bind(address))
                .map_err(|e| format!("cannot serve metrics on {address}: {e}"))?;
            runtime.spawn(http::serve(listener, Arc::clone(&metrics), stopped));
        }
        Ok(Relay { runtime, sites, pumps, publishers, stop_pumps, stop_publishing, metrics })
    }

    /// The relay's counters, as `/metrics` serves them.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Whether every site's link was refused for good (wrong credentials, licences, the
    /// PBX's connection limit): nothing is left to relay.
    pub fn all_refused(&self) -> bool {
        self.sites.iter().all(|s| s.metrics.refused.load(Ordering::Relaxed))
    }

    /// Stops taking events, publishes what is buffered (waiting up to `flush` for the
    /// broker), then closes the links. Returns how many buffered events could not be
    /// published in time.
    pub fn shutdown(self, flush: Duration) -> u64 {
        self.stop_pumps.store(true, Ordering::Release);
        for pump in self.pumps {
            let _ = pump.join();
        }
        let deadline = Instant::now() + flush;
        while Instant::now() < deadline && self.sites.iter().any(|s| !s.buffer.is_empty()) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.stop_publishing.send(true);
        for publisher in self.publishers {
            let _ = self.runtime.block_on(publisher);
        }
        let mut left = 0;
        for site in &self.sites {
            left += site.buffer.len() as u64;
            site.client.close();
            log::info!("site {}: link closed", site.name);
        }
        self.runtime.shutdown_timeout(Duration::from_secs(1));
        left
    }
}

/// A site's thread: the link's events (and what they mean for its calls) into the buffer.
fn pump(site: &Site, stop: &std::sync::atomic::AtomicBool) {
    let mut events = Vec::with_capacity(512);
    let mut tracked = Vec::new();
    let mut tracker = CallTracker::new(TrackerConfig::default());
    while !stop.load(Ordering::Acquire) {
        match site.client.next_events(&mut events, 512, Some(Duration::from_millis(100))) {
            Ok(_) => {}
            Err(_) => return, // closed
        }
        let now = unix_now();
        let mut batch = Vec::with_capacity(events.len() * 2);
        for event in events.drain(..) {
            site.metrics.observe(&site.name, &event);
            tracker.event(&event, now, &mut tracked);
            batch.push(Outgoing::event(&site.name, &event));
            batch.extend(tracked.drain(..).map(|t| Outgoing::call(&site.name, &t)));
        }
        tracker.tick(now, &mut tracked);
        batch.extend(tracked.drain(..).map(|t| Outgoing::call(&site.name, &t)));
        if !batch.is_empty() {
            site.metrics.received.fetch_add(batch.len() as u64, Ordering::Relaxed);
            site.buffer.push(batch);
        }
    }
}
