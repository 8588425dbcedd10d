//! What a simulated IP Office looks like: listeners, service users, identity, traffic.

use super::websocket::SimWebSocket;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use devlink3_proto::files::{UserEntry, write_user_list};
use devlink3_proto::wire::frame::MAX_PAYLOAD_LEN;

/// Configuration of a [`Simulator`](super::Simulator). Start from `SimConfig::default()`
/// and change what a test needs:
///
/// ```
/// # use devlink3_sim::SimConfig;
/// let config = SimConfig { lockout_after: 2, rate: 5.0, ..SimConfig::default() };
/// ```
#[derive(Clone)]
pub struct SimConfig {
    /// Cleartext DevLink3 listener (an IP Office uses port 50797). Default `127.0.0.1:0`:
    /// loopback, any free port.
    pub tcp: Option<SocketAddr>,
    /// TLS listener (IP Office: 50796) with a freshly generated self-signed certificate.
    /// Default `None`.
    pub tls: Option<SocketAddr>,
    /// WebSocket listener (`ws://`), default `None`.
    pub ws: Option<SocketAddr>,
    /// WebSocket listener over TLS (`wss://`, IP Office: 50796) with the generated
    /// certificate, default `None`.
    pub wss: Option<SocketAddr>,
    /// Path, HTTP authentication and message layout of the WebSocket listeners.
    pub websocket: SimWebSocket,
    /// Service users allowed to authenticate: `(name, password)`. Default `devlink3`/`devlink3`.
    pub users: Vec<(String, String)>,
    /// Failed authentications of one user before that user is locked out (0 = never).
    /// The lockout is per user, not per connection, so it survives reconnects. Default 3.
    pub lockout_after: u32,
    /// How long a lockout lasts. Default 60 s.
    pub lockout_for: Duration,
    /// Authenticated connections allowed at once; one more is refused with
    /// LIMITS_EXCEEDED. Default 3, as on an IP Office.
    pub max_connections: usize,
    /// Offer the PLAIN challenge instead of SHA1. Only on TLS links, unless
    /// `plain_on_cleartext` is set too.
    pub plain_auth: bool,
    /// Mutual TLS: a PEM file of CA certificates; TLS clients (`tls`, `wss`) must present a
    /// certificate signed by one of them, or the handshake fails. Default `None`.
    pub client_ca_file: Option<std::path::PathBuf>,
    /// Fault knob: offer PLAIN on cleartext TCP as well, to test that clients refuse to
    /// send a password in the clear.
    pub plain_on_cleartext: bool,
    /// Answer every authentication with LICENCE_MISSING.
    pub licence_missing: bool,
    /// Fault knob: accept the login and the event request, then drop the link at once, as a
    /// misconfigured or overloaded IP Office does. Clients must not log in again and again.
    pub drop_after_event_request: bool,
    /// Sent in the authentication result. Default `Avaya IP500v2 12.2.0.0 build 1`.
    pub pbx_type: String,
    /// Sent in the authentication result. Default `Standard 1.0`.
    pub variant: String,
    /// Originating PBX address in every event; also the Delta3 node identifier
    /// (`c0a82a03` for the default 192.168.42.3).
    pub pbx_ip: Ipv4Addr,
    /// Calls played as written (see [`parse_script`](crate::parse_script)), beside the
    /// generated traffic. Checked when the simulator starts. Default: none.
    pub script: Vec<crate::ScriptedCall>,
    /// Calls started per second by the traffic model. Default 0: no generated traffic, so
    /// tests see only the records they inject. Change it live with
    /// [`Simulator::set_rate`](super::Simulator::set_rate).
    pub rate: f64,
    /// Seed of the traffic model and of call arrival times: same seed, same calls.
    pub seed: u64,
    /// Contents of the `nasystem/user_list` pseudo-file. Their extensions are the ones the
    /// traffic model calls. Default: 40 users, many with ISO-8859-1 names such as "René".
    pub users_list: Vec<UserEntry>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            tcp: Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))),
            tls: None,
            ws: None,
            wss: None,
            websocket: SimWebSocket::default(),
            users: vec![("devlink3".to_owned(), "devlink3".to_owned())],
            lockout_after: 3,
            lockout_for: Duration::from_secs(60),
            max_connections: 3,
            plain_auth: false,
            plain_on_cleartext: false,
            client_ca_file: None,
            licence_missing: false,
            drop_after_event_request: false,
            pbx_type: "Avaya IP500v2 12.2.0.0 build 1".to_owned(),
            variant: "Standard 1.0".to_owned(),
            pbx_ip: Ipv4Addr::new(192, 168, 42, 3),
            script: Vec::new(),
            rate: 0.0,
            seed: 1,
            users_list: default_users_list(),
        }
    }
}

/// Like a derived `Debug`, but without the passwords.
impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let users: Vec<(&str, &str)> = self.users.iter().map(|(name, _)| (name.as_str(), "<redacted>")).collect();
        f.debug_struct("SimConfig")
            .field("tcp", &self.tcp)
            .field("tls", &self.tls)
            .field("ws", &self.ws)
            .field("wss", &self.wss)
            .field("websocket", &self.websocket)
            .field("users", &users)
            .field("lockout_after", &self.lockout_after)
            .field("lockout_for", &self.lockout_for)
            .field("max_connections", &self.max_connections)
            .field("plain_auth", &self.plain_auth)
            .field("plain_on_cleartext", &self.plain_on_cleartext)
            .field("client_ca_file", &self.client_ca_file)
            .field("licence_missing", &self.licence_missing)
            .field("drop_after_event_request", &self.drop_after_event_request)
            .field("pbx_type", &self.pbx_type)
            .field("variant", &self.variant)
            .field("pbx_ip", &self.pbx_ip)
            .field("rate", &self.rate)
            .field("seed", &self.seed)
            .field("users_list", &format_args!("[{} users]", self.users_list.len()))
            .finish()
    }
}

impl SimConfig {
    /// Rejects configurations the simulator cannot serve, before anything is bound.
    pub(crate) fn validate(&self) -> io::Result<()> {
        let invalid = |what: String| Err(io::Error::new(io::ErrorKind::InvalidInput, what));
        if self.tcp.is_none() && self.tls.is_none() && self.ws.is_none() && self.wss.is_none() {
            return invalid("simulator needs a TCP, TLS, ws or wss listener address".to_owned());
        }
        if !(self.rate.is_finite() && self.rate >= 0.0) {
            return invalid(format!("call rate must be a finite number >= 0, not {}", self.rate));
        }
        // 12 octets of ReadFile response header precede the contents in one frame.
        let list_len = write_user_list(&self.users_list).len();
        if list_len + 12 > MAX_PAYLOAD_LEN {
            return invalid(format!("user list of {list_len} octets does not fit in one ReadFile response"));
        }
        Ok(())
    }

    /// The Delta3 node identifier: the PBX address as 8 hex digits.
    pub(crate) fn node_id(&self) -> String {
        format!("{:08x}", u32::from(self.pbx_ip))
    }
}

/// The default `nasystem/user_list`: 40 users on extensions 4000–4039, with accented
/// ISO-8859-1 names so that clients are tested on more than ASCII.
pub fn default_users_list() -> Vec<UserEntry> {
    const FIRST: [&str; 40] = [
        "René",
        "Zoë",
        "Jürgen",
        "Björn",
        "Søren",
        "Inès",
        "José",
        "François",
        "Mónica",
        "Åsa",
        "Chloé",
        "Noël",
        "Andrés",
        "Gaëlle",
        "Håkon",
        "Raúl",
        "Anna",
        "Ben",
        "Clara",
        "David",
        "Emma",
        "Farid",
        "Grace",
        "Hugo",
        "Ivy",
        "Jack",
        "Kofi",
        "Lena",
        "Marta",
        "Nils",
        "Olga",
        "Priya",
        "Quinn",
        "Rosa",
        "Sven",
        "Tomás",
        "Ulla",
        "Victor",
        "Wen",
        "Yusuf",
    ];
    const LAST: [&str; 8] = ["Müller", "Dupont", "Nørgaard", "García", "Smith", "Ødegård", "Brontë", "Khan"];
    FIRST
        .iter()
        .enumerate()
        .map(|(i, first)| UserEntry {
            fields: vec![(*first).to_owned(), (4000 + i).to_string(), format!("{first} {}", LAST[i % LAST.len()])],
        })
        .collect()
}
