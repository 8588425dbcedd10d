//! Transports: each yields one byte stream for the deframer.
//!
//! * `tcp://host[:50797]` (a bare `host` or `host:port` means TCP too)
//! * `tls://host[:50796]`, verified with rustls (see [`TlsOptions`])

mod target;
mod tls;

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

pub use target::{Scheme, Target};
pub(crate) use tls::TlsConnector;
pub use tls::{ClientCert, TlsOptions, fingerprint, parse_fingerprint};

/// A connected byte stream, TCP or TLS.
pub trait ByteStream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> ByteStream for T {}

/// A connection to the PBX and whether it is encrypted (PLAIN authentication needs it).
pub(crate) struct Connection {
    pub stream: Box<dyn ByteStream>,
    pub encrypted: bool,
}

/// Opens the transport for `target`. The error text names the target and the cause.
pub(crate) async fn connect(
    target: &Target,
    tls: Option<&TlsConnector>,
    timeout: Duration,
) -> Result<Connection, String> {
    let address = (target.host.as_str(), target.port);
    let tcp = match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
        Err(_) => return Err(format!("TCP connect to {target} timed out after {timeout:?}")),
        Ok(Err(e)) => return Err(format!("TCP connect to {target}: {e}")),
        Ok(Ok(tcp)) => tcp,
    };
    // Events are small and latency matters more than packing.
    let _ = tcp.set_nodelay(true);
    match target.scheme {
        Scheme::Tcp => Ok(Connection { stream: Box::new(tcp), encrypted: false }),
        Scheme::Tls => {
            let tls = tls.ok_or_else(|| format!("{target}: TLS was not configured"))?;
            let stream = match tokio::time::timeout(timeout, tls.connect(&target.host, tcp)).await {
                Err(_) => return Err(format!("TLS handshake with {target} timed out after {timeout:?}")),
                Ok(result) => result.map_err(|e| format!("TLS handshake with {target}: {e}"))?,
            };
            Ok(Connection { stream: Box::new(stream), encrypted: true })
        }
    }
}
