//! `Simulator`: the core's embedded IP Office, for users' own tests.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Error, Result, Task};
use napi_derive::napi;

use devlink3_core::files::UserEntry;
use devlink3_sim::{self as sim, Blast, SimConfig, SimHttpAuth};

/// A simulated IP Office; every option has a default.
#[napi(object)]
#[derive(Default)]
pub struct SimulatorOptions {
    /// Cleartext listener, `host:port`. Default `127.0.0.1:0` (any free port).
    pub tcp: Option<String>,
    /// TLS listener with a fresh self-signed certificate, e.g. `127.0.0.1:0`. Default none.
    pub tls: Option<String>,
    /// WebSocket listener (`ws://`), e.g. `127.0.0.1:0`. Default none.
    pub ws: Option<String>,
    /// WebSocket path served. Default `/`.
    pub ws_path: Option<String>,
    /// HTTP login on the WebSocket upgrade: `'none'`, `'basic'` or `'digest'` (default).
    pub ws_auth: Option<String>,
    /// Service users allowed in. Default `devlink3` / `devlink3`.
    pub users: Option<Vec<ServiceUser>>,
    /// Failed logins of a user before it is locked out (0 = never). Default 3.
    pub lockout_after: Option<u32>,
    /// Default 60000.
    pub lockout_for_ms: Option<u32>,
    /// Authenticated connections at once; one more gets LIMITS_EXCEEDED. Default 3.
    pub max_connections: Option<u32>,
    /// Offer PLAIN authentication (on TLS links) instead of SHA1.
    pub plain_auth: Option<bool>,
    /// Mutual TLS: TLS clients must present a certificate signed by a CA of this PEM file.
    pub client_ca_file: Option<String>,
    /// Fault: offer PLAIN on cleartext links too (clients must refuse).
    pub plain_on_cleartext: Option<bool>,
    /// Answer every login with LICENCE_MISSING.
    pub licence_missing: Option<bool>,
    /// Default `Avaya IP500v2 12.2.0.0 build 1`.
    pub pbx_type: Option<String>,
    /// Default `Standard 1.0`.
    pub variant: Option<String>,
    /// The PBX address in every event (and its Delta3 node id). Default `192.168.42.3`.
    pub pbx_ip: Option<String>,
    /// Calls started per second by the traffic model. Default 0: only injected records.
    pub rate: Option<f64>,
    /// Seed of the traffic model: same seed, same calls. Default 1.
    pub seed: Option<u32>,
    /// `nasystem/user_list`, one array of fields (name, extension, full name...) per user.
    pub users_list: Option<Vec<Vec<String>>>,
    /// Calls to play as written, a JSON call script (`JSON.stringify([{ at, from, to,
    /// steps: [{ after, action, extension }] }])`; see the README).
    pub script: Option<String>,
}

/// A service user of the simulator.
#[napi(object)]
pub struct ServiceUser {
    pub user: String,
    pub password: String,
}

/// The simulator's counters.
#[napi(object)]
pub struct SimulatorStats {
    pub connections_accepted: f64,
    pub connections_active: u32,
    pub connections_authenticated: u32,
    /// Connections that asked for events: the ones an injected record reaches. Links ask
    /// when a record listener or an iterator appears (or on `link.subscribe()`).
    pub connections_subscribed: u32,
    /// Completed authentication exchanges, whatever their result.
    pub auth_attempts: f64,
    pub auth_failures: f64,
    /// Per configured service user.
    pub users: HashMap<String, ServiceUserStats>,
    pub events_sent: f64,
    /// Events a lagging connection never got (its client sees a counter gap).
    pub events_dropped: f64,
    pub files_read: f64,
    pub calls_in_progress: u32,
    /// WebSocket upgrades refused for wrong HTTP credentials.
    pub http_auth_failures: f64,
}

#[napi(object)]
pub struct ServiceUserStats {
    pub attempts: f64,
    pub failures: f64,
    /// Even the right password fails while locked out.
    pub locked_out: bool,
}

/// How a blast went.
#[napi(object)]
pub struct BlastReport {
    /// Subscribed connections that took part.
    pub connections: u32,
    /// Events written, all connections together.
    pub events_sent: f64,
    /// Whether every connection was sent every event.
    pub complete: bool,
    pub elapsed_ms: f64,
    pub events_per_second: f64,
}

/// What one simulated call really was (`Simulator.takeTruths()`).
#[napi(object)]
pub struct CallTruth {
    pub id: String,
    pub call_id: u32,
    /// The scenario played: `internal`, `incoming_trunk`, `transfer`, `park`...
    pub scenario: String,
    /// `inbound`, `outbound` or `internal`.
    pub direction: String,
    pub caller: String,
    pub called: String,
    pub answered_by: Option<String>,
    /// `answered`, `abandoned`, `voicemail`, `busy`, `failed`.
    pub disposition: String,
    pub started_at: f64,
    pub answered_at: Option<f64>,
    pub ended_at: f64,
    pub ring_seconds: f64,
    pub talk_seconds: f64,
    pub hold_seconds: f64,
}

impl From<sim::CallTruth> for CallTruth {
    fn from(t: sim::CallTruth) -> Self {
        let name = |value: serde_json::Value| value.as_str().unwrap_or_default().to_owned();
        CallTruth {
            direction: name(serde_json::to_value(t.direction).unwrap_or_default()),
            disposition: name(serde_json::to_value(t.disposition).unwrap_or_default()),
            id: t.id,
            call_id: t.call_id,
            scenario: t.scenario.to_owned(),
            caller: t.caller,
            called: t.called,
            answered_by: t.answered_by,
            started_at: t.started_at,
            answered_at: t.answered_at,
            ended_at: t.ended_at,
            ring_seconds: t.ring_seconds,
            talk_seconds: t.talk_seconds,
            hold_seconds: t.hold_seconds,
        }
    }
}

/// A simulated IP Office on loopback, for tests and demos.
#[napi]
pub struct Simulator {
    config: SimConfig,
    running: Option<sim::Simulator>,
}

#[napi]
impl Simulator {
    #[napi(constructor)]
    pub fn new(options: Option<SimulatorOptions>) -> Result<Self> {
        Ok(Simulator { config: sim_config(options.unwrap_or_default())?, running: None })
    }

    /// Binds the listeners and starts serving (at once: binding does not wait).
    #[napi]
    pub fn start(&mut self) -> Result<()> {
        if self.running.is_none() {
            let started = sim::Simulator::start(self.config.clone()).map_err(|e| Error::from_reason(e.to_string()))?;
            self.running = Some(started);
        }
        Ok(())
    }

    /// Closes the listeners and every connection; resolves once all are gone.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn stop(&mut self) -> AsyncTask<Stop> {
        AsyncTask::new(Stop(self.running.take()))
    }

    /// Where a client connects: `tcp://127.0.0.1:PORT` (or the TLS target without TCP).
    #[napi(getter)]
    pub fn target(&self) -> Result<String> {
        self.with(|sim| sim.target())
    }

    /// `tls://127.0.0.1:PORT` when there is a TLS listener.
    #[napi(getter)]
    pub fn tls_target(&self) -> Result<Option<String>> {
        self.with(|sim| sim.tls_target())
    }

    /// `ws://127.0.0.1:PORT/path` when there is a WebSocket listener.
    #[napi(getter)]
    pub fn ws_target(&self) -> Result<Option<String>> {
        self.with(|sim| sim.ws_target())
    }

    /// SHA-256 of the TLS certificate: the `tls.pinSha256` a client needs.
    #[napi(getter)]
    pub fn fingerprint_sha256(&self) -> Result<Option<String>> {
        self.with(|sim| sim.fingerprint_sha256())
    }

    /// The TLS certificate, PEM.
    #[napi(getter)]
    pub fn certificate_pem(&self) -> Result<Option<String>> {
        self.with(|sim| sim.certificate_pem())
    }

    /// What each call the simulator played and has ended since the last call really was:
    /// the truth to test a call model against (`id` is the call's `id` in `call` events;
    /// times in Unix seconds).
    #[napi]
    pub fn take_truths(&self) -> Result<Vec<CallTruth>> {
        let truths = self.with(sim::Simulator::take_truths)?;
        Ok(truths.into_iter().map(CallTruth::from).collect())
    }

    #[napi]
    pub fn stats(&self) -> Result<SimulatorStats> {
        let stats = self.with(sim::Simulator::stats)?;
        let users = stats
            .users
            .into_iter()
            .map(|(name, user)| {
                let user = ServiceUserStats {
                    attempts: user.attempts as f64,
                    failures: user.failures as f64,
                    locked_out: user.locked_out,
                };
                (name, user)
            })
            .collect();
        Ok(SimulatorStats {
            connections_accepted: stats.connections_accepted as f64,
            connections_active: stats.connections_active as u32,
            connections_authenticated: stats.connections_authenticated as u32,
            connections_subscribed: stats.connections_subscribed as u32,
            auth_attempts: stats.auth_attempts as f64,
            auth_failures: stats.auth_failures as f64,
            users,
            events_sent: stats.events_sent as f64,
            events_dropped: stats.events_dropped as f64,
            files_read: stats.files_read as f64,
            calls_in_progress: stats.calls_in_progress as u32,
            http_auth_failures: stats.http_auth_failures as f64,
        })
    }

    /// Closes every connection abruptly: clients should reconnect.
    #[napi]
    pub fn drop_connections(&self) -> Result<()> {
        self.with(|sim| sim.drop_connections())
    }

    /// Writes octets that are not a frame to every connection.
    #[napi]
    pub fn send_garbage(&self) -> Result<()> {
        self.with(|sim| sim.send_garbage())
    }

    /// Makes the next event counter on every connection jump by `n`.
    #[napi]
    pub fn skip_counter(&self, n: u32) -> Result<()> {
        self.with(|sim| sim.skip_counter(n))
    }

    /// Every connection goes silent for `ms`.
    #[napi]
    pub fn stall(&self, ms: u32) -> Result<()> {
        self.with(|sim| sim.stall(Duration::from_millis(u64::from(ms))))
    }

    /// Calls started per second (0 = none).
    #[napi]
    pub fn set_rate(&self, calls_per_second: f64) -> Result<()> {
        self.with(|sim| sim.set_rate(calls_per_second))
    }

    /// While on, logins are answered RETRY_LATER.
    #[napi]
    pub fn retry_later(&self, on: bool) -> Result<()> {
        self.with(|sim| sim.retry_later(on))
    }

    /// Sends a Delta3 record to every subscribed link; returns how many there are.
    #[napi]
    pub fn inject_delta3(&self, text: String) -> Result<u32> {
        self.with(|sim| sim.inject_delta3(&text) as u32)
    }

    /// Sends a Delta2 record (`CALL: ...`) to `-CD2` links.
    #[napi]
    pub fn inject_delta2(&self, text: String) -> Result<u32> {
        self.with(|sim| sim.inject_delta2(&text) as u32)
    }

    /// Sends a SIPTrack event to `_SIPTrack` links.
    #[napi]
    pub fn inject_siptrack(&self, text: String) -> Result<u32> {
        self.with(|sim| sim.inject_siptrack(&text) as u32)
    }

    /// Sends a CMExtn event to `_CMExtn` links.
    #[napi]
    pub fn inject_cmextn(&self, text: String) -> Result<u32> {
        self.with(|sim| sim.inject_cmextn(&text) as u32)
    }

    /// Sends an extension-state CMExtn event (`v = 1`: `p1` new state, `p2` old).
    #[napi]
    pub fn inject_cmextn_state(&self, v: u32, p1: u32, p2: u32, extension: String) -> Result<u32> {
        self.with(|sim| sim.inject_cmextn_state(v, p1, p2, &extension) as u32)
    }

    /// Sends `record` `events` times to every subscribed link, as fast as each socket
    /// takes it; resolves when all are sent.
    #[napi(ts_return_type = "Promise<BlastReport>")]
    pub fn blast(&self, events: u32, record: String) -> Result<AsyncTask<BlastWait>> {
        let blast = self.with(|sim| sim.blast(u64::from(events), &record))?;
        Ok(AsyncTask::new(BlastWait(Some(blast))))
    }
}

impl Simulator {
    /// `f` of the running simulator.
    fn with<T>(&self, f: impl FnOnce(&sim::Simulator) -> T) -> Result<T> {
        let running = self
            .running
            .as_ref()
            .ok_or_else(|| Error::from_reason("the simulator is not running: call start() first"))?;
        Ok(f(running))
    }
}

fn sim_config(options: SimulatorOptions) -> Result<SimConfig> {
    let address = |text: String| {
        text.parse::<SocketAddr>().map_err(|e| Error::from_reason(format!("{text:?} is not an address: {e}")))
    };
    let mut config = SimConfig::default();
    if let Some(tcp) = options.tcp {
        config.tcp = Some(address(tcp)?);
    }
    config.tls = options.tls.map(address).transpose()?;
    config.ws = options.ws.map(address).transpose()?;
    if let Some(path) = options.ws_path {
        config.websocket.path = path;
    }
    if let Some(auth) = options.ws_auth {
        config.websocket.http_auth =
            auth.parse::<SimHttpAuth>().map_err(|e| Error::from_reason(format!("wsAuth: {e}")))?;
    }
    if let Some(users) = options.users {
        config.users = users.into_iter().map(|u| (u.user, u.password)).collect();
    }
    if let Some(n) = options.lockout_after {
        config.lockout_after = n;
    }
    if let Some(ms) = options.lockout_for_ms {
        config.lockout_for = Duration::from_millis(u64::from(ms));
    }
    if let Some(n) = options.max_connections {
        config.max_connections = n as usize;
    }
    config.plain_auth = options.plain_auth.unwrap_or(false);
    config.client_ca_file = options.client_ca_file.map(std::path::PathBuf::from);
    config.plain_on_cleartext = options.plain_on_cleartext.unwrap_or(false);
    config.licence_missing = options.licence_missing.unwrap_or(false);
    if let Some(pbx_type) = options.pbx_type {
        config.pbx_type = pbx_type;
    }
    if let Some(variant) = options.variant {
        config.variant = variant;
    }
    if let Some(ip) = options.pbx_ip {
        config.pbx_ip = ip.parse().map_err(|e| Error::from_reason(format!("pbxIp {ip:?}: {e}")))?;
    }
    if let Some(rate) = options.rate {
        config.rate = rate;
    }
    if let Some(seed) = options.seed {
        config.seed = u64::from(seed);
    }
    if let Some(list) = options.users_list {
        config.users_list = list.into_iter().map(|fields| UserEntry { fields }).collect();
    }
    if let Some(script) = options.script {
        config.script = sim::parse_script(&script).map_err(Error::from_reason)?;
    }
    Ok(config)
}

/// Stopping waits for every connection to close.
pub struct Stop(Option<sim::Simulator>);

impl Task for Stop {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> Result<()> {
        if let Some(sim) = self.0.take() {
            sim.stop();
        }
        Ok(())
    }

    fn resolve(&mut self, _: Env, _: ()) -> Result<()> {
        Ok(())
    }
}

pub struct BlastWait(Option<Blast>);

impl Task for BlastWait {
    type Output = sim::BlastReport;
    type JsValue = BlastReport;

    fn compute(&mut self) -> Result<sim::BlastReport> {
        self.0.take().map(Blast::wait).ok_or_else(|| Error::from_reason("the blast was already awaited"))
    }

    fn resolve(&mut self, _: Env, report: sim::BlastReport) -> Result<BlastReport> {
        Ok(BlastReport {
            connections: report.connections as u32,
            events_sent: report.events_sent as f64,
            complete: report.complete,
            elapsed_ms: report.elapsed.as_secs_f64() * 1000.0,
            events_per_second: report.events_per_second(),
        })
    }
}
