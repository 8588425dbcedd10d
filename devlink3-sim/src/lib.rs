//! An embedded IP Office simulator: the PBX side of DevLink3 over real TCP and TLS sockets.
//!
//! Every test, the CLI's `--sim` mode and users' own test suites talk to it. It behaves like
//! an IP Office where the specification says how one behaves: passive until the client
//! speaks, SHA1 (or, over TLS, PLAIN) authentication with per-user lockout that survives
//! reconnects, at most three authenticated connections, event requests with partial
//! acceptance of flags, a Delta3 snapshot of the calls in progress, per-connection event
//! counters with gaps when a client falls behind, and `nasystem/user_list` through ReadFile.
//! Fault knobs break things on purpose so that clients can be tested against them.
//!
//! ```
//! use devlink3_sim::{SimConfig, Simulator};
//!
//! let sim = Simulator::start(SimConfig::default())?;
//! println!("connect to {} as devlink3/devlink3", sim.target());
//! sim.inject_delta3("<CallLost>c0a82a03,c0a82a0300000413,1,16</CallLost>");
//! sim.stop();
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Everything runs on the simulator's own runtime (one thread, `devlink3-sim`: an IP Office
//! is another machine, so it never shares the client's thread); the methods of
//! [`Simulator`] return at once, except [`Simulator::stop`] (and drop), which waits until
//! every connection is closed.
//!
//! Inside: `server` is the per-connection protocol and `connection` moves its octets;
//! `feed` runs the [`traffic`] model and broadcasts its records; `subscription` reads the
//! event-request flags; `accounts` keeps users and lockouts; `control` reaches every
//! connection for the fault knobs; `blast` is the benchmark load; `tls` the certificate.

mod accounts;
mod blast;
mod config;
mod connection;
mod control;
mod feed;
mod runtime;
mod script;
mod server;
mod stats;
mod subscription;
mod tls;
pub mod traffic;
mod websocket;

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::watch;

use devlink3_proto::files::write_user_list;
use devlink3_proto::wire::EncodeError;

use accounts::{Accounts, SessionLimit};
use blast::BlastJob;
use control::{Control, ControlPlane, TaskTracker};
use feed::Feed;
use stats::Counters;
use tls::SimTls;
use traffic::{Traffic, TrafficConfig};

/// The specification's answered ISDN call (§6.7.1.3), with the field the printed copy lost
/// restored (spec-errata.md §2): the record benchmarks blast and tests inject.
pub const ANSWERED_CALL_DETAIL: &str = "<Detail><Call>c0a82a03,4,,,,0,,200,,200,</Call>\
<PartyA>c0a82a030000232a,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA>\
<PartyB>c0a82a0300000413,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,,200,901707123456,100</PartyB></Detail>";

pub use blast::{Blast, BlastReport};
pub use config::{SimConfig, default_users_list};
pub use devlink3_core::transport::SendPolicy;
pub use script::{ScriptAction, ScriptStep, ScriptedCall, parse_script};
pub use server::READ_FILE_NOT_FOUND;
pub use stats::{SimStats, UserStats};
pub use traffic::{CallTruth, SimRecord};
pub use websocket::{REALM, SimHttpAuth, SimWebSocket};

/// A running simulated IP Office. Dropping it stops it, like [`Simulator::stop`].
pub struct Simulator {
    shared: Arc<Shared>,
    tcp_addr: Option<SocketAddr>,
    tls_addr: Option<SocketAddr>,
    ws_addr: Option<SocketAddr>,
    wss_addr: Option<SocketAddr>,
    tls: Option<SimTls>,
    shutdown: watch::Sender<bool>,
    tasks: TaskTracker,
}

/// What the simulator's tasks share.
pub(crate) struct Shared {
    pub config: SimConfig,
    /// `nasystem/user_list` as served.
    pub user_list: Vec<u8>,
    pub accounts: Accounts,
    pub sessions: Arc<SessionLimit>,
    pub feed: Arc<Feed>,
    pub control: Arc<ControlPlane>,
    pub stats: Counters,
    retry_later: AtomicBool,
    pub websocket: Arc<websocket::WsEndpoint>,
}

impl Shared {
    pub(crate) fn retry_later(&self) -> bool {
        self.retry_later.load(Ordering::Relaxed)
    }
}

impl Simulator {
    /// Binds the configured listeners and starts serving on the simulator's runtime.
    /// Returns at once; fails if an address cannot be bound or the configuration is unusable.
    pub fn start(config: SimConfig) -> io::Result<Simulator> {
        config.validate()?;
        let tls = (config.tls.is_some() || config.wss.is_some())
            .then(|| tls::generate(config.client_ca_file.as_deref()))
            .transpose()?;
        let tcp_listener = config.tcp.map(bind).transpose()?;
        let tls_listener = config.tls.map(bind).transpose()?;
        let ws_listener = config.ws.map(bind).transpose()?;
        let wss_listener = config.wss.map(bind).transpose()?;
        let tcp_addr = tcp_listener.as_ref().map(|(_, addr)| *addr);
        let tls_addr = tls_listener.as_ref().map(|(_, addr)| *addr);
        let ws_addr = ws_listener.as_ref().map(|(_, addr)| *addr);
        let wss_addr = wss_listener.as_ref().map(|(_, addr)| *addr);

        let mut traffic = Traffic::new(TrafficConfig {
            seed: config.seed,
            node_id: config.node_id(),
            extensions: config.users_list.iter().map(|user| user.extension().to_owned()).collect(),
            ..TrafficConfig::default()
        });
        traffic.add_script(&config.script).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let shared = Arc::new(Shared {
            user_list: write_user_list(&config.users_list),
            accounts: Accounts::new(&config.users, config.lockout_after, config.lockout_for),
            sessions: SessionLimit::new(config.max_connections),
            feed: Arc::new(Feed::new(traffic, config.rate)),
            control: Arc::default(),
            stats: Counters::default(),
            retry_later: AtomicBool::new(false),
            websocket: Arc::default(),
            config,
        });

        // Registering the listeners with the runtime's reactor needs its context.
        let _runtime = runtime::handle().enter();
        let mut listeners = Vec::new();
        let acceptor = tls.as_ref().map(|tls| tls.acceptor.clone());
        let websocket = Some(Arc::clone(&shared.websocket));
        for (bound, acceptor, websocket) in [
            (tcp_listener, None, None),
            (tls_listener, acceptor.clone(), None),
            (ws_listener, None, websocket.clone()),
            (wss_listener, acceptor, websocket),
        ] {
            if let Some((listener, _)) = bound {
                listeners.push((tokio::net::TcpListener::from_std(listener)?, acceptor, websocket));
            }
        }

        let (shutdown, _) = watch::channel(false);
        let tasks = TaskTracker::default();
        for (listener, acceptor, websocket) in listeners {
            let accepting = connection::accept_loop(
                listener,
                acceptor,
                websocket,
                Arc::clone(&shared),
                tasks.clone(),
                shutdown.subscribe(),
            );
            tasks.spawn(accepting);
        }
        tasks.spawn(feed::run_traffic(Arc::clone(&shared.feed), shared.config.seed, shutdown.subscribe()));
        let simulator = Simulator { shared, tcp_addr, tls_addr, ws_addr, wss_addr, tls, shutdown, tasks };
        let targets: Vec<String> =
            [simulator.tcp_target(), simulator.tls_target(), simulator.ws_target(), simulator.wss_target()]
                .into_iter()
                .flatten()
                .collect();
        log::info!("simulator: listening on {}", targets.join(" and "));
        Ok(simulator)
    }

    /// The cleartext listener's address, if there is one.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp_addr
    }

    /// The TLS listener's address, if there is one.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// Where a client connects: `tcp://127.0.0.1:PORT`, or else the TLS, ws or wss target.
    pub fn target(&self) -> String {
        [self.tcp_target(), self.tls_target(), self.ws_target(), self.wss_target()]
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_default()
    }

    /// `ws://127.0.0.1:PORT/path` when there is a WebSocket listener.
    pub fn ws_target(&self) -> Option<String> {
        self.ws_addr.map(|addr| url("ws", addr) + &self.shared.config.websocket.path)
    }

    /// `wss://127.0.0.1:PORT/path` when there is a WebSocket-over-TLS listener.
    pub fn wss_target(&self) -> Option<String> {
        self.wss_addr.map(|addr| url("wss", addr) + &self.shared.config.websocket.path)
    }

    /// `tls://127.0.0.1:PORT` when there is a TLS listener.
    pub fn tls_target(&self) -> Option<String> {
        self.tls_addr.map(|addr| url("tls", addr))
    }

    fn tcp_target(&self) -> Option<String> {
        self.tcp_addr.map(|addr| url("tcp", addr))
    }

    /// The TLS listener's self-signed certificate (for `localhost` and `127.0.0.1`), PEM.
    pub fn certificate_pem(&self) -> Option<String> {
        self.tls.as_ref().map(|tls| tls.certificate_pem.clone())
    }

    /// The TLS listener's certificate, DER.
    pub fn certificate_der(&self) -> Option<Vec<u8>> {
        self.tls.as_ref().map(|tls| tls.certificate_der.clone())
    }

    /// SHA-256 of the certificate's DER, lowercase hex without colons: a client's pin.
    pub fn fingerprint_sha256(&self) -> Option<String> {
        self.tls.as_ref().map(|tls| tls.fingerprint_sha256.clone())
    }

    /// What each call the simulator played and has ended really was (direction, caller,
    /// called, who answered, disposition, ring/talk/hold time; times in Unix seconds), since
    /// the last call: the truth to test a call model against. The latest 100,000 are kept.
    pub fn take_truths(&self) -> Vec<traffic::CallTruth> {
        self.shared.feed.take_truths()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> SimStats {
        let shared = &self.shared;
        let (auth_attempts, auth_failures, users) = shared.accounts.stats(Instant::now());
        let mut stats = SimStats {
            connections_active: shared.control.live(),
            connections_authenticated: shared.sessions.active(),
            auth_attempts,
            auth_failures,
            users,
            calls_in_progress: shared.feed.calls_in_progress(),
            http_auth_failures: shared.websocket.http_auth_failures.load(Ordering::Relaxed),
            ..SimStats::default()
        };
        shared.stats.fill(&mut stats);
        stats
    }

    /// Waits until at least `count` connections have asked for events, so that records
    /// injected from now on reach them; false after `timeout`. Clients ask on demand (when
    /// a consumer of records appears), so a test that injects records waits for this first.
    pub fn wait_subscribed(&self, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.stats().connections_subscribed >= count {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    // Fault knobs: each takes effect at once on every live connection.

    /// Closes every connection abruptly, without a reply or TLS close_notify. Clients
    /// should reconnect.
    pub fn drop_connections(&self) {
        self.shared.control.send_all(|| Control::Drop);
    }

    /// Writes octets that are not a DevLink3 frame to every connection, between two frames,
    /// and carries on as if nothing happened: the client has to notice the broken stream
    /// and reconnect by itself.
    pub fn send_garbage(&self) {
        self.shared.control.send_all(|| Control::Garbage);
    }

    /// Makes the next event's counter on every connection jump by `n`, as if `n` events
    /// had been lost: clients should report `n` missed.
    pub fn skip_counter(&self, n: u32) {
        self.shared.control.send_all(|| Control::SkipCounter(n));
    }

    /// Every connection stops reading, answering and sending for `duration` (keepalives go
    /// unanswered; events published meanwhile wait in the feed, or are lost if it overflows).
    pub fn stall(&self, duration: Duration) {
        self.shared.control.send_all(|| Control::Stall(duration));
    }

    /// Changes the traffic model's call rate (calls started per second; 0 = none).
    /// A negative or non-finite rate is ignored.
    pub fn set_rate(&self, calls_per_sec: f64) {
        if calls_per_sec.is_finite() && calls_per_sec >= 0.0 {
            self.shared.feed.set_rate(calls_per_sec);
        } else {
            log::warn!("simulator: ignoring call rate {calls_per_sec}");
        }
    }

    /// While on, authentication is answered RETRY_LATER (after the credentials are checked).
    pub fn retry_later(&self, on: bool) {
        self.shared.retry_later.store(on, Ordering::Relaxed);
    }

    // Injection: exact records for tests, sent to every subscribed connection that asked
    // for their kind, in order with the generated traffic.

    /// Sends `record` to every subscribed connection whose event request selects it;
    /// returns the number of subscribed connections. Fails, sending nothing, if the record
    /// is too long for a tuple (64 KiB, UTF-16 for all but Delta3).
    pub fn inject(&self, record: SimRecord) -> Result<usize, EncodeError> {
        subscription::check_encodable(&record)?;
        Ok(self.shared.feed.publish(vec![record]))
    }

    /// Injects a Delta3 record (`<Detail>...`, `<CallLost>...`), as for a connected call so
    /// that `-CONN` connections get it too. Returns the number of subscribed connections; a
    /// record too long to send is logged and dropped (see [`Simulator::inject`]).
    pub fn inject_delta3(&self, text: &str) -> usize {
        self.inject_or_log(SimRecord::Delta3 { text: text.to_owned(), connected: true })
    }

    /// Injects a Delta2 record (`CALL: ...`) for `-CD2` connections.
    pub fn inject_delta2(&self, text: &str) -> usize {
        self.inject_or_log(SimRecord::Delta2(text.to_owned()))
    }

    /// Injects a SIPTrack event for `_SIPTrack` connections.
    pub fn inject_siptrack(&self, text: &str) -> usize {
        self.inject_or_log(SimRecord::SipTrack(text.to_owned()))
    }

    /// Injects a plain CMExtn event for `_CMExtn` connections.
    pub fn inject_cmextn(&self, text: &str) -> usize {
        self.inject_or_log(SimRecord::CmExtn(text.to_owned()))
    }

    /// Injects an extension-state CMExtn event (`v`, `p1`, `p2`, extension).
    pub fn inject_cmextn_state(&self, v: u32, p1: u32, p2: u32, extension: &str) -> usize {
        self.inject_or_log(SimRecord::CmExtnState { v, p1, p2, extension: extension.to_owned() })
    }

    fn inject_or_log(&self, record: SimRecord) -> usize {
        self.inject(record).unwrap_or_else(|error| {
            log::warn!("simulator: record not injected: {error}");
            0
        })
    }

    /// The benchmark's load: sends `record` (a Delta3 record; Delta2 to `-CD2` connections)
    /// `events` times to every subscribed connection, as fast as each socket takes it, with
    /// consecutive counters. Returns at once; [`Blast::wait`] for the report.
    pub fn blast(&self, events: u64, record: &str) -> Blast {
        let (blast, tickets) = Blast::new(BlastJob { events, record: record.to_owned() });
        self.shared.control.send_all(|| Control::Blast(tickets.ticket()));
        blast
    }

    /// Stops: closes the listeners and every connection, and returns once all of them are
    /// gone. Dropping the simulator does the same.
    pub fn stop(self) {}

    fn shut_down(&self) {
        self.shutdown.send_replace(true);
        self.shared.control.close();
        // Waiting on a runtime thread must let the runtime run the tasks being waited for.
        match Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| self.tasks.wait_idle())
            }
            _ => self.tasks.wait_idle(),
        }
        log::info!("simulator: stopped");
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shut_down();
    }
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("tcp_addr", &self.tcp_addr)
            .field("tls_addr", &self.tls_addr)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

/// Binds a listener ready for the runtime; returns it with its actual address.
fn bind(addr: SocketAddr) -> io::Result<(std::net::TcpListener, SocketAddr)> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// A URL a client can connect to: an unspecified listen address becomes loopback.
fn url(scheme: &str, addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("{scheme}://{}", SocketAddr::new(ip, addr.port()))
}

/// Longer than any simulator runs: caps the durations callers pass (a stall, a lockout) so
/// that adding them to now cannot overflow.
pub(crate) const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Locks a mutex, ignoring poisoning: simulator state stays usable after a panic elsewhere.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
