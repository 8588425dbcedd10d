//! Transports: each yields one byte stream for the deframer.
//!
//! * `tcp://host[:50797]` (a bare `host` or `host:port` means TCP too)
//! * `tls://host[:50796]`, verified with rustls (see [`TlsOptions`])
//! * `ws://host[:80]/path` and `wss://host[:50796]/path`: DevLink3 inside a WebSocket, with
//!   HTTP Basic or Digest authentication on the upgrade (see [`WebSocketOptions`])

pub mod http_auth;
mod target;
mod tls;
mod websocket;

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

pub use http_auth::HttpAuth;
pub use target::{Scheme, Target};
pub use tls::{ClientCert, TlsOptions, fingerprint, parse_fingerprint};
pub(crate) use tls::{TlsConnector, certificate_failure};
pub use websocket::WsByteStream;
pub use websocket::{SendPolicy, WebSocketOptions};

/// A connected byte stream: TCP, TLS, or a WebSocket over either.
pub trait ByteStream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> ByteStream for T {}

/// A connection to the PBX and whether it is encrypted (PLAIN authentication needs it).
pub(crate) struct Connection {
    pub stream: Box<dyn ByteStream>,
    pub encrypted: bool,
}

/// Why a connection could not be opened, and whether trying again can help.
#[derive(Debug)]
pub(crate) struct ConnectError {
    pub reason: String,
    /// Retrying cannot fix it (a refused HTTP password, a wrong WebSocket path).
    pub fatal: bool,
}

impl ConnectError {
    pub(crate) fn lost(reason: String) -> Self {
        ConnectError { reason, fatal: false }
    }

    pub(crate) fn fatal(reason: String) -> Self {
        ConnectError { reason, fatal: true }
    }
}

/// What a connection needs besides the target.
pub(crate) struct ConnectParams<'a> {
    pub tls: Option<&'a TlsConnector>,
    pub timeout: Duration,
    pub user: &'a str,
    pub password: &'a str,
    pub websocket: &'a WebSocketOptions,
}

/// Opens the transport for `target`. The error names the target and the cause.
pub(crate) async fn connect(target: &Target, params: &ConnectParams<'_>) -> Result<Connection, ConnectError> {
    let encrypted = matches!(target.scheme, Scheme::Tls | Scheme::Wss);
    let stream = || byte_stream(target, params);
    let stream = match target.scheme {
        Scheme::Tcp | Scheme::Tls => stream().await?,
        Scheme::Ws | Scheme::Wss => {
            let upgrade = websocket::Upgrade {
                url: target.to_string(),
                path: &target.path,
                user: params.user,
                password: params.password,
                encrypted,
                options: params.websocket,
            };
            let opened = websocket::open(upgrade, stream);
            match tokio::time::timeout(params.timeout, opened).await {
                Err(_) => return Err(ConnectError::lost(format!("WebSocket upgrade at {target} timed out"))),
                Ok(result) => result?,
            }
        }
    };
    Ok(Connection { stream, encrypted })
}

/// TCP, then TLS for `tls://` and `wss://`.
async fn byte_stream(target: &Target, params: &ConnectParams<'_>) -> Result<Box<dyn ByteStream>, ConnectError> {
    let timeout = params.timeout;
    let address = (target.host.as_str(), target.port);
    let tcp = match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
        Err(_) => return Err(ConnectError::lost(format!("TCP connect to {target} timed out after {timeout:?}"))),
        Ok(Err(e)) => return Err(ConnectError::lost(format!("TCP connect to {target}: {e}"))),
        Ok(Ok(tcp)) => tcp,
    };
    // Events are small and latency matters more than packing.
    let _ = tcp.set_nodelay(true);
    match target.scheme {
        Scheme::Tcp | Scheme::Ws => Ok(Box::new(tcp)),
        Scheme::Tls | Scheme::Wss => {
            let tls = params.tls.ok_or_else(|| ConnectError::fatal(format!("{target}: TLS was not configured")))?;
            match tokio::time::timeout(timeout, tls.connect(&target.host, tcp)).await {
                Err(_) => Err(ConnectError::lost(format!("TLS handshake with {target} timed out after {timeout:?}"))),
                // A certificate that fails verification will fail the same way next time, and
                // retrying it every few seconds would only hammer the PBX: final.
                Ok(Err(e)) => match tls::certificate_failure(&e) {
                    Some(reason) => {
                        Err(ConnectError::fatal(format!("TLS handshake with {target}: certificate rejected: {reason}")))
                    }
                    None => Err(ConnectError::lost(format!("TLS handshake with {target}: {e}"))),
                },
                Ok(Ok(stream)) => Ok(Box::new(stream)),
            }
        }
    }
}
