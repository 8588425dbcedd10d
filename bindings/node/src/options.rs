//! `connect()` options, mapped onto the core's [`ClientConfig`].

use std::time::Duration;

use napi_derive::napi;

use devlink3_core::client::{ClientConfig, ConfigError, Error, MAX_QUEUE_CAPACITY};
use devlink3_core::transport::{ClientCert, HttpAuth, parse_fingerprint};

/// How to reach the PBX and what to ask of it.
#[napi(object)]
pub struct ConnectOptions {
    /// `tcp://host[:50797]`, `tls://host[:50796]`, or a bare `host[:port]` (TCP).
    pub target: String,
    /// The IP Office service user with the DevLink3 right.
    pub user: String,
    /// Its password: never logged, sent in clear only inside TLS.
    pub password: String,
    /// Reported to the PBX when authenticating. Default `devlink3 <version>`.
    pub application_name: Option<String>,
    /// Event request flags, space-separated: `-CD2` (Delta2 instead of Delta3), `-SCN`,
    /// `-CONN`, `-TEXT`, `_SIPTrack`, `_CMExtn`. Default: Delta3 only.
    pub flags: Option<String>,
    pub tls: Option<TlsOptions>,
    /// For `ws://` and `wss://` targets.
    pub websocket: Option<WebSocketOptions>,
    /// Events buffered for a slow consumer before the oldest are dropped and reported
    /// as `missed`. Default 4096, at most 1048576.
    pub queue_capacity: Option<f64>,
    /// How often to check the link with a Test packet. Default 30000.
    pub keepalive_interval_ms: Option<u32>,
    /// Unanswered Test packets before the link is declared dead. Default 2.
    pub keepalive_misses: Option<u32>,
    /// Default 10000.
    pub connect_timeout_ms: Option<u32>,
    /// How long to wait for each answer while connecting, and for `readFile`. Default 10000.
    pub response_timeout_ms: Option<u32>,
    pub reconnect: Option<ReconnectOptions>,
}

/// How to trust the PBX's certificate (for `tls://` targets).
#[napi(object)]
pub struct TlsOptions {
    /// PEM file of CA certificates to trust instead of the system's.
    pub ca_file: Option<String>,
    /// SHA-256 fingerprint of the PBX's certificate (hex, colons allowed): only that
    /// certificate is accepted. The usual choice for an IP Office's self-signed certificate.
    pub pin_sha256: Option<String>,
    /// Accept any certificate. For labs only: anyone on the path can read the password.
    pub danger_accept_invalid_certs: Option<bool>,
    /// PEM files of a client certificate chain, for mutual TLS.
    pub client_cert_file: Option<String>,
    /// PEM file of the client certificate's private key.
    pub client_key_file: Option<String>,
    /// Name to verify instead of the target's host.
    pub server_name: Option<String>,
}

/// Settings for `ws://host[:80]/path` and `wss://host[:50796]/path` targets (the path is
/// site-specific). Credentials for the HTTP login are the service user's.
#[napi(object)]
pub struct WebSocketOptions {
    /// `'auto'` (default: answer the server's challenge, Digest preferred), `'none'`,
    /// `'basic'` or `'digest'`.
    pub http_auth: Option<String>,
    /// Allow Basic over plain `ws://`, which sends the password in clear text.
    pub allow_basic_over_cleartext: Option<bool>,
    /// Run the DevLink3 login inside the WebSocket (default true).
    pub devlink_auth: Option<bool>,
    /// `Sec-WebSocket-Protocol` values to offer.
    pub protocols: Option<Vec<String>>,
    /// Extra upgrade request headers, as `[name, value]` pairs.
    pub headers: Option<Vec<Vec<String>>>,
}

/// Reconnection back-off: exponential with jitter.
#[napi(object)]
pub struct ReconnectOptions {
    /// Default 500.
    pub initial_delay_ms: Option<u32>,
    /// Default 60000.
    pub max_delay_ms: Option<u32>,
    /// Wait after RETRY_LATER or LIMITS_EXCEEDED. Default 30000.
    pub retry_later_delay_ms: Option<u32>,
}

fn ms(value: u32) -> Duration {
    Duration::from_millis(u64::from(value))
}

impl TryFrom<ConnectOptions> for ClientConfig {
    type Error = Error;

    fn try_from(options: ConnectOptions) -> Result<Self, Error> {
        let mut config = ClientConfig::new(options.target, options.user, options.password);
        if let Some(name) = options.application_name {
            config.application_name = name;
        }
        if let Some(flags) = options.flags {
            config.flags = flags;
        }
        if let Some(tls) = options.tls {
            let core = &mut config.tls;
            core.ca_file = tls.ca_file.map(Into::into);
            core.pin_sha256 = tls
                .pin_sha256
                .as_deref()
                .map(parse_fingerprint)
                .transpose()
                .map_err(|e| ConfigError::option("tls.pinSha256", e))?;
            core.danger_accept_invalid_certs = tls.danger_accept_invalid_certs.unwrap_or(false);
            core.server_name = tls.server_name;
            core.client_cert = ClientCert::from_pair(
                tls.client_cert_file.map(Into::into),
                tls.client_key_file.map(Into::into),
                ["tls.clientCertFile", "tls.clientKeyFile"],
            )?;
        }
        if let Some(ws) = options.websocket {
            let core = &mut config.websocket;
            core.http_auth = match ws.http_auth.as_deref() {
                Some(value) => value.parse::<HttpAuth>().map_err(|e| ConfigError::option("websocket.httpAuth", e))?,
                None => HttpAuth::Auto,
            };
            core.allow_basic_over_cleartext = ws.allow_basic_over_cleartext.unwrap_or(false);
            core.devlink_auth = ws.devlink_auth.unwrap_or(true);
            core.protocols = ws.protocols.unwrap_or_default();
            for pair in ws.headers.unwrap_or_default() {
                let [name, value] = <[String; 2]>::try_from(pair)
                    .map_err(|_| ConfigError::option("websocket.headers", "each header is [name, value]"))?;
                core.headers.push((name, value));
            }
        }
        let set = |slot: &mut Duration, value: Option<u32>| {
            if let Some(value) = value {
                *slot = ms(value);
            }
        };
        set(&mut config.keepalive_interval, options.keepalive_interval_ms);
        set(&mut config.connect_timeout, options.connect_timeout_ms);
        set(&mut config.response_timeout, options.response_timeout_ms);
        if let Some(reconnect) = options.reconnect {
            set(&mut config.reconnect.initial_delay, reconnect.initial_delay_ms);
            set(&mut config.reconnect.max_delay, reconnect.max_delay_ms);
            set(&mut config.reconnect.retry_later_delay, reconnect.retry_later_delay_ms);
        }
        if let Some(capacity) = options.queue_capacity {
            // A JS number: refuse what is not a whole number rather than let it wrap.
            if !(capacity.fract() == 0.0 && capacity >= 1.0 && capacity <= MAX_QUEUE_CAPACITY as f64) {
                return Err(ConfigError::option(
                    "queueCapacity",
                    format!("{capacity} is out of range: a whole number from 1 to {MAX_QUEUE_CAPACITY}"),
                )
                .into());
            }
            config.queue_capacity = capacity as usize;
        }
        if let Some(misses) = options.keepalive_misses {
            config.keepalive_misses = misses;
        }
        Ok(config)
    }
}
