//! The relay's counters, in Prometheus text form (`/metrics`) and as a health verdict
//! (`/healthz`).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use devlink3_core::client::{Event, LinkState};

/// One site's counters, shared by its thread, its publisher and the HTTP server.
#[derive(Clone, Default)]
pub(crate) struct SiteMetrics(Arc<SiteCounters>);

#[derive(Default)]
pub(crate) struct SiteCounters {
    pub received: AtomicU64,
    pub published: AtomicU64,
    /// Missed: reported by the link (counter gaps, slow consumer) and dropped by the relay.
    pub missed: AtomicU64,
    pub depth: AtomicU64,
    pub latency_micros: AtomicU64,
    pub refused: AtomicBool,
    /// The link state's name (`operational`...).
    pub state: Mutex<String>,
    /// The link state as said (`no response: ... LIMITS_EXCEEDED ...; retrying in 30s`).
    pub detail: Mutex<String>,
}

impl std::ops::Deref for SiteMetrics {
    type Target = SiteCounters;

    fn deref(&self) -> &SiteCounters {
        &self.0
    }
}

impl SiteMetrics {
    /// Counts what the link reports and logs its state changes.
    pub fn observe(&self, site: &str, event: &Event) {
        match event {
            Event::LinkState(state) => {
                *self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = state.name().to_owned();
                *self.detail.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = state.to_string();
                match state {
                    LinkState::Rejected { .. } => {
                        self.refused.store(true, Ordering::Relaxed);
                        log::error!("site {site}: the PBX refused the link, which has stopped: {state}");
                    }
                    LinkState::NoResponse { .. } => log::warn!("site {site}: {state}"),
                    _ => log::info!("site {site}: {state}"),
                }
            }
            Event::Missed { count, reason } => {
                self.missed.fetch_add(*count, Ordering::Relaxed);
                log::warn!("site {site}: {count} events missed ({reason})");
            }
            _ => {}
        }
    }
}

/// Every counter of the relay.
#[derive(Default)]
pub struct Metrics {
    pub(crate) broker_connected: AtomicBool,
    sites: Mutex<Vec<(String, SiteMetrics)>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

impl Metrics {
    pub(crate) fn set_sites(&self, sites: Vec<(String, SiteMetrics)>) {
        *self.sites.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = sites;
    }

    /// Events published (acknowledged by the broker) for `site`.
    pub fn published(&self, site: &str) -> u64 {
        self.with_site(site, |m| m.published.load(Ordering::Relaxed))
    }

    /// Events missed for `site` (reported by its link, or dropped by the relay).
    pub fn missed(&self, site: &str) -> u64 {
        self.with_site(site, |m| m.missed.load(Ordering::Relaxed))
    }

    /// The link state of `site` (`operational`, `rejected`...).
    pub fn link_state(&self, site: &str) -> String {
        self.with_site(site, |m| m.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone())
    }

    fn with_site<T: Default>(&self, site: &str, read: impl FnOnce(&SiteMetrics) -> T) -> T {
        let sites = self.sites.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        sites.iter().find(|(name, _)| name == site).map(|(_, m)| read(m)).unwrap_or_default()
    }

    /// Prometheus text exposition format.
    pub fn render(&self) -> String {
        let sites = self.sites.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, value: &dyn Fn(&SiteMetrics) -> String| {
            let _ = writeln!(out, "# HELP devlink3_relay_{name} {help}\n# TYPE devlink3_relay_{name} {kind}");
            for (site, m) in sites.iter() {
                let _ = writeln!(out, "devlink3_relay_{name}{{site=\"{site}\"}} {}", value(m));
            }
        };
        family("events_received_total", "counter", "Events taken from the site's link.", &|m| {
            m.received.load(Ordering::Relaxed).to_string()
        });
        family("events_published_total", "counter", "Events the broker acknowledged.", &|m| {
            m.published.load(Ordering::Relaxed).to_string()
        });
        family(
            "events_missed_total",
            "counter",
            "Events missed: counter gaps, slow consumer, buffer overflow.",
            &|m| m.missed.load(Ordering::Relaxed).to_string(),
        );
        family("buffer_depth", "gauge", "Events waiting for the broker.", &|m| {
            m.depth.load(Ordering::Relaxed).to_string()
        });
        family("link_up", "gauge", "1 while the site's link is operational.", &|m| {
            u8::from(*m.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner) == "operational").to_string()
        });
        family("link_refused", "gauge", "1 once the PBX refused the link for good.", &|m| {
            u8::from(m.refused.load(Ordering::Relaxed)).to_string()
        });
        family("publish_latency_seconds_sum", "counter", "From receipt to acknowledgement, summed.", &|m| {
            format!("{:.6}", m.latency_micros.load(Ordering::Relaxed) as f64 / 1e6)
        });
        family("publish_latency_seconds_count", "counter", "Acknowledged events timed.", &|m| {
            m.published.load(Ordering::Relaxed).to_string()
        });
        drop(sites);
        let _ = writeln!(
            out,
            "# HELP devlink3_relay_broker_connected 1 while the relay is connected to NATS.\n\
             # TYPE devlink3_relay_broker_connected gauge\ndevlink3_relay_broker_connected {}",
            u8::from(self.broker_connected.load(Ordering::Relaxed))
        );
        out
    }

    /// `Ok` when the broker is connected and every link is operational; else what is not.
    pub fn health(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if !self.broker_connected.load(Ordering::Relaxed) {
            problems.push("broker: disconnected".to_owned());
        }
        for (site, m) in self.sites.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
            let state = m.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            let detail = m.detail.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            if state != "operational" {
                problems.push(format!("site {site}: {}", if detail.is_empty() { "connecting" } else { &detail }));
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
    }
}
