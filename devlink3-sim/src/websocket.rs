//! The simulator's WebSocket endpoint (`ws://`, `wss://`): the upgrade request's path and
//! HTTP authentication (none, Basic, or Digest with MD5, as IP Office asks for), then the
//! same DevLink3 session as on TCP, over messages shaped as configured.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use base64::Engine;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{StatusCode, header};

use super::Shared;
use super::accounts::Verdict;
use devlink3_core::transport::SendPolicy;
use devlink3_core::transport::http_auth::{auth_params, cnonce, digest};

/// The realm the simulator's HTTP challenges name.
pub const REALM: &str = "IPOffice";

/// HTTP authentication the simulator demands on the upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SimHttpAuth {
    None,
    Basic,
    /// Digest with MD5 and `qop=auth` (what IP Office uses over HTTP).
    #[default]
    Digest,
}

impl std::str::FromStr for SimHttpAuth {
    type Err = String;

    /// `none`, `basic` or `digest`, in any case.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(SimHttpAuth::None),
            "basic" => Ok(SimHttpAuth::Basic),
            "digest" => Ok(SimHttpAuth::Digest),
            _ => Err(format!("{s:?}: expected none, basic or digest")),
        }
    }
}

/// The WebSocket endpoint's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimWebSocket {
    /// The request path served; any other path gets 404.
    pub path: String,
    pub http_auth: SimHttpAuth,
    /// How frames are laid out in messages: one each, packed, or split.
    pub send: SendPolicy,
    /// Run the DevLink3 login inside the WebSocket (default). When off, the HTTP login
    /// authenticates the session and no DevLink3 login is needed.
    pub devlink_auth: bool,
    /// A `Sec-WebSocket-Protocol` the client must offer (echoed back), if any.
    pub protocol: Option<String>,
    /// Fault knob: the first Digest answer is told its nonce is stale (`stale=true`).
    pub stale_first_nonce: bool,
}

impl Default for SimWebSocket {
    fn default() -> Self {
        SimWebSocket {
            path: "/".into(),
            http_auth: SimHttpAuth::Digest,
            send: SendPolicy::FramePerMessage,
            devlink_auth: true,
            protocol: None,
            stale_first_nonce: false,
        }
    }
}

/// Shared state of the endpoint: nonces issued, counters.
#[derive(Debug, Default)]
pub(crate) struct WsEndpoint {
    nonces: Mutex<HashSet<String>>,
    staled_once: AtomicBool,
    pub http_auth_failures: AtomicU64,
}

/// Why an upgrade was refused.
type Refusal = Box<ErrorResponse>;

impl WsEndpoint {
    /// Performs the upgrade on `stream`, or answers the HTTP error and fails.
    pub(crate) async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        stream: S,
        shared: &Arc<Shared>,
    ) -> Result<WebSocketStream<S>, String> {
        // tungstenite's callback type fixes the error as an unboxed HTTP response.
        #[allow(clippy::result_large_err)]
        let check = |request: &Request, response: Response| self.check(shared, request, response).map_err(|r| *r);
        tokio_tungstenite::accept_hdr_async(stream, check).await.map_err(|e| format!("WebSocket upgrade: {e}"))
    }

    fn check(&self, shared: &Shared, request: &Request, mut response: Response) -> Result<Response, Refusal> {
        let config = &shared.config.websocket;
        if request.uri().path() != config.path {
            return Err(refuse(StatusCode::NOT_FOUND, "no DevLink3 WebSocket at this path"));
        }
        if let Some(protocol) = &config.protocol {
            let offered = request
                .headers()
                .get_all(header::SEC_WEBSOCKET_PROTOCOL)
                .iter()
                .any(|v| v.to_str().is_ok_and(|v| v.split(',').any(|p| p.trim() == protocol)));
            if !offered {
                return Err(refuse(StatusCode::BAD_REQUEST, "the required Sec-WebSocket-Protocol was not offered"));
            }
            response.headers_mut().insert(header::SEC_WEBSOCKET_PROTOCOL, protocol.parse().expect("a header value"));
        }
        let authorization = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let accepted = match (config.http_auth, authorization) {
            (SimHttpAuth::None, _) => return Ok(response),
            (_, None) => false,
            (SimHttpAuth::Basic, Some(value)) => self.basic_ok(shared, value),
            (SimHttpAuth::Digest, Some(value)) => match self.digest_verdict(shared, value, request.uri().path()) {
                DigestVerdict::Accepted => true,
                DigestVerdict::Stale => return Err(self.challenge(config.http_auth, true)),
                DigestVerdict::Refused => false,
            },
        };
        if accepted {
            return Ok(response);
        }
        if authorization.is_some() {
            self.http_auth_failures.fetch_add(1, Ordering::Relaxed);
        }
        Err(self.challenge(config.http_auth, false))
    }

    fn basic_ok(&self, shared: &Shared, value: &str) -> bool {
        let Some(encoded) = value.strip_prefix("Basic ") else { return false };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else { return false };
        let Ok(decoded) = String::from_utf8(decoded) else { return false };
        let Some((user, password)) = decoded.split_once(':') else { return false };
        shared.accounts.authenticate(user, Instant::now(), |stored| stored == password) == Verdict::Accepted
    }

    fn digest_verdict(&self, shared: &Shared, value: &str, path: &str) -> DigestVerdict {
        let Some(params) = value.strip_prefix("Digest ") else { return DigestVerdict::Refused };
        let params = auth_params(params);
        let get = |key: &str| params.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str());
        let (Some(user), Some(nonce), Some(uri), Some(answer)) =
            (get("username"), get("nonce"), get("uri"), get("response"))
        else {
            return DigestVerdict::Refused;
        };
        if !self.nonces.lock().unwrap_or_else(|e| e.into_inner()).contains(nonce) || uri != path {
            return DigestVerdict::Refused;
        }
        if shared.config.websocket.stale_first_nonce && !self.staled_once.swap(true, Ordering::Relaxed) {
            return DigestVerdict::Stale;
        }
        let qop = match (get("qop"), get("nc"), get("cnonce")) {
            (Some(qop), Some(nc), Some(cnonce)) => Some((qop, nc, cnonce)),
            _ => None,
        };
        let verdict = shared.accounts.authenticate(user, Instant::now(), |password| {
            digest(user, REALM, password, "GET", uri, nonce, qop) == answer
        });
        if verdict == Verdict::Accepted { DigestVerdict::Accepted } else { DigestVerdict::Refused }
    }

    /// A 401 with a fresh challenge of the configured kind.
    fn challenge(&self, auth: SimHttpAuth, stale: bool) -> Refusal {
        let value = match auth {
            SimHttpAuth::Basic => format!("Basic realm=\"{REALM}\""),
            _ => {
                let nonce = cnonce();
                self.nonces.lock().unwrap_or_else(|e| e.into_inner()).insert(nonce.clone());
                let stale = if stale { ", stale=true" } else { "" };
                format!(
                    "Digest realm=\"{REALM}\", qop=\"auth\", algorithm=MD5, nonce=\"{nonce}\", opaque=\"devlink3\"{stale}"
                )
            }
        };
        let mut refusal = refuse(StatusCode::UNAUTHORIZED, "authentication required");
        refusal.headers_mut().insert(header::WWW_AUTHENTICATE, value.parse().expect("a header value"));
        refusal
    }
}

enum DigestVerdict {
    Accepted,
    Stale,
    Refused,
}

fn refuse(status: StatusCode, why: &str) -> Refusal {
    let mut response = ErrorResponse::new(Some(why.to_string()));
    *response.status_mut() = status;
    Box::new(response)
}
