//! What the simulator has seen and done, for tests to assert on.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// A snapshot of the simulator's counters ([`Simulator::stats`](super::Simulator::stats)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimStats {
    /// TCP connections accepted since start, on either listener.
    pub connections_accepted: u64,
    /// Connections open now (authenticated or not).
    pub connections_active: usize,
    /// Connections open now that have authenticated (at most `max_connections`).
    pub connections_authenticated: usize,
    /// Connections open now that have asked for events (their event request was accepted):
    /// the ones an injected record reaches.
    pub connections_subscribed: usize,
    /// Completed authentication exchanges (challenge answered), whatever their result.
    pub auth_attempts: u64,
    /// Attempts answered AUTHENTICATION_FAILED: unknown user, wrong password or locked out.
    pub auth_failures: u64,
    /// Per configured service user. Attempts with unknown user names count only in the totals.
    pub users: BTreeMap<String, UserStats>,
    /// Events written for all connections (snapshot, stream, injected and blasted).
    pub events_sent: u64,
    /// Events a lagging connection never got: the counter gaps its client should report.
    pub events_dropped: u64,
    /// WebSocket upgrades refused for wrong HTTP credentials.
    pub http_auth_failures: u64,
    /// Successful ReadFile requests.
    pub files_read: u64,
    /// Calls the traffic model has in progress.
    pub calls_in_progress: usize,
}

/// Authentication history of one service user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserStats {
    pub attempts: u64,
    pub failures: u64,
    /// Locked out now: even the right password fails.
    pub locked_out: bool,
}

/// The event and file counters connections bump as they go.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    connections_accepted: AtomicU64,
    events_sent: AtomicU64,
    events_dropped: AtomicU64,
    files_read: AtomicU64,
    subscribed: AtomicUsize,
}

impl Counters {
    pub(crate) fn connection_accepted(&self) {
        self.connections_accepted.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn events_sent(&self, n: u64) {
        self.events_sent.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn events_dropped(&self, n: u64) {
        self.events_dropped.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn subscribed(&self, now: bool) {
        if now {
            self.subscribed.fetch_add(1, Ordering::Relaxed);
        } else {
            self.subscribed.fetch_sub(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn file_read(&self) {
        self.files_read.fetch_add(1, Ordering::Relaxed);
    }

    /// Copies the counters into `stats`.
    pub(crate) fn fill(&self, stats: &mut SimStats) {
        stats.connections_accepted = self.connections_accepted.load(Ordering::Relaxed);
        stats.events_sent = self.events_sent.load(Ordering::Relaxed);
        stats.events_dropped = self.events_dropped.load(Ordering::Relaxed);
        stats.files_read = self.files_read.load(Ordering::Relaxed);
        stats.connections_subscribed = self.subscribed.load(Ordering::Relaxed);
    }
}
