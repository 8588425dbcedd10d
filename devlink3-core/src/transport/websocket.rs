//! DevLink3 over WebSocket (`ws://`, `wss://`).
//!
//! What IP Office documents is thin (shared/docs/devlink3-websocket-note.txt): the service
//! runs over HTTP or HTTPS (TLS port 50796), with MD5 (Digest) authentication over HTTP and
//! Basic recommended over HTTPS. The URL path, any subprotocol, and how frames map to
//! messages are not documented, so everything unknown is configurable and the receiving
//! side is liberal: every binary (or text) message goes into the same deframer as TCP, so
//! one frame per message, several per message, and frames split across messages all work.
//! Sending is one DevLink3 frame per binary message.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Bytes, Message};

use super::http_auth::{self, Challenge, HttpAuth};
use super::{ByteStream, ConnectError};

/// WebSocket settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSocketOptions {
    /// HTTP authentication on the upgrade request (credentials: the service user's).
    pub http_auth: HttpAuth,
    /// Allow Basic over unencrypted `ws://`, which sends the password in clear text.
    pub allow_basic_over_cleartext: bool,
    /// Run the in-band DevLink3 authentication inside the WebSocket (default). Switch off
    /// for servers that authenticate only at the HTTP layer.
    pub devlink_auth: bool,
    /// `Sec-WebSocket-Protocol` values to offer, if the server wants one.
    pub protocols: Vec<String>,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
}

impl Default for WebSocketOptions {
    fn default() -> Self {
        WebSocketOptions {
            http_auth: HttpAuth::Auto,
            allow_basic_over_cleartext: false,
            devlink_auth: true,
            protocols: Vec::new(),
            headers: Vec::new(),
        }
    }
}

/// What the upgrade needs beyond the socket.
pub(crate) struct Upgrade<'a> {
    pub url: String,
    pub path: &'a str,
    pub user: &'a str,
    pub password: &'a str,
    pub encrypted: bool,
    pub options: &'a WebSocketOptions,
}

/// Whether to send credentials with the next upgrade request, and which.
enum Credentials {
    None,
    Header(String),
}

/// Opens the WebSocket over freshly connected streams from `connect_stream` (one per
/// attempt: a server answering 401 usually closes the connection). At most one Digest
/// answer and one stale-nonce retry: a wrong password is reported, never retried.
pub(crate) async fn open<F, Fut>(
    upgrade: Upgrade<'_>,
    mut connect_stream: F,
) -> Result<Box<dyn ByteStream>, ConnectError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Box<dyn ByteStream>, ConnectError>>,
{
    let options = upgrade.options;
    let mut credentials = match options.http_auth {
        HttpAuth::Basic => {
            refuse_cleartext_basic(&upgrade)?;
            Credentials::Header(http_auth::basic(upgrade.user, upgrade.password))
        }
        _ => Credentials::None,
    };
    let mut stale_retried = false;
    let mut nc = 0;
    loop {
        let stream = connect_stream().await?;
        let request = request(&upgrade, &credentials)?;
        let response = match tokio_tungstenite::client_async(request, stream).await {
            Ok((ws, response)) => {
                log::debug!("devlink3: WebSocket {} open ({})", upgrade.url, response.status());
                return Ok(Box::new(WsByteStream::new(ws, SendPolicy::FramePerMessage)));
            }
            Err(tungstenite::Error::Http(response)) => response,
            Err(e) => return Err(ConnectError::lost(format!("WebSocket upgrade at {}: {e}", upgrade.url))),
        };
        let status = response.status();
        if status.as_u16() != 401 {
            // 404 and friends: the path is site-specific and retrying will not find it.
            return Err(ConnectError::fatal(format!(
                "WebSocket upgrade at {} answered HTTP {status} (is the path right? it is site-specific)",
                upgrade.url
            )));
        }
        let challenges: Vec<Challenge> = response
            .headers()
            .get_all(tungstenite::http::header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(Challenge::parse)
            .collect();
        let digest = challenges.iter().find(|c| c.digest_supported());
        let already_answered = matches!(credentials, Credentials::Header(_));
        credentials = match (digest, options.http_auth) {
            (Some(c), HttpAuth::Auto | HttpAuth::Digest) if !already_answered || (c.stale && !stale_retried) => {
                stale_retried |= already_answered;
                nc += 1;
                let header =
                    c.digest_response(upgrade.user, upgrade.password, "GET", upgrade.path, &http_auth::cnonce(), nc);
                Credentials::Header(header)
            }
            (None, HttpAuth::Auto) if !already_answered && challenges.iter().any(Challenge::is_basic) => {
                refuse_cleartext_basic(&upgrade)?;
                Credentials::Header(http_auth::basic(upgrade.user, upgrade.password))
            }
            _ if already_answered => {
                return Err(ConnectError::fatal(format!(
                    "HTTP 401 from {}: user {:?} was refused (wrong user or password?); not retrying",
                    upgrade.url, upgrade.user
                )));
            }
            _ => {
                let offered: Vec<&str> = challenges.iter().map(|c| c.scheme.as_str()).collect();
                return Err(ConnectError::fatal(format!(
                    "HTTP 401 from {}: the server asks for {offered:?} authentication, which the configuration \
                     ({:?}) does not answer",
                    upgrade.url, options.http_auth
                )));
            }
        };
    }
}

fn refuse_cleartext_basic(upgrade: &Upgrade<'_>) -> Result<(), ConnectError> {
    if upgrade.encrypted || upgrade.options.allow_basic_over_cleartext {
        return Ok(());
    }
    Err(ConnectError::fatal(format!(
        "{}: HTTP Basic over ws:// would send the password in clear text; use wss://, Digest, or allow it explicitly",
        upgrade.url
    )))
}

fn request(
    upgrade: &Upgrade<'_>,
    credentials: &Credentials,
) -> Result<tungstenite::handshake::client::Request, ConnectError> {
    use tungstenite::client::IntoClientRequest;
    let bad = |what: &str, e: &dyn std::fmt::Display| ConnectError::fatal(format!("{}: bad {what}: {e}", upgrade.url));
    let mut request = upgrade.url.as_str().into_client_request().map_err(|e| bad("URL", &e))?;
    let headers = request.headers_mut();
    if let Credentials::Header(value) = credentials {
        headers.insert(tungstenite::http::header::AUTHORIZATION, value.parse().map_err(|e| bad("credentials", &e))?);
    }
    if !upgrade.options.protocols.is_empty() {
        let protocols = upgrade.options.protocols.join(", ");
        headers.insert(
            tungstenite::http::header::SEC_WEBSOCKET_PROTOCOL,
            protocols.parse().map_err(|e| bad("protocol", &e))?,
        );
    }
    for (name, value) in &upgrade.options.headers {
        let name: tungstenite::http::HeaderName = name.parse().map_err(|e| bad("header name", &e))?;
        headers.append(name, value.parse().map_err(|e| bad("header value", &e))?);
    }
    Ok(request)
}

/// How written octets become WebSocket messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SendPolicy {
    /// One DevLink3 frame per binary message (what the client does).
    #[default]
    FramePerMessage,
    /// Everything written between flushes in one message: several frames per message.
    Packed,
    /// Messages of at most this many octets: frames split across messages.
    Split(usize),
}

/// A WebSocket seen as a byte stream: received message payloads are concatenated (text
/// too); writes become binary messages as the [`SendPolicy`] says. Public for servers of
/// DevLink3-in-WebSocket (the simulator); the client builds its own.
pub struct WsByteStream<S> {
    ws: WebSocketStream<S>,
    pending: Bytes,
    policy: SendPolicy,
    /// [`SendPolicy::Packed`]: octets waiting for the next flush.
    outgoing: Vec<u8>,
    close_sent: bool,
}

impl<S> std::fmt::Debug for WsByteStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsByteStream").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl<S> WsByteStream<S> {
    pub fn new(ws: WebSocketStream<S>, policy: SendPolicy) -> Self {
        WsByteStream { ws, pending: Bytes::new(), policy, outgoing: Vec::new(), close_sent: false }
    }
}

/// A packed message is sent once it reaches this size, flush or not.
const MAX_PACKED: usize = 256 * 1024;

fn io_error(e: tungstenite::Error) -> io::Error {
    match e {
        tungstenite::Error::Io(e) => e,
        other => io::Error::other(format!("WebSocket: {other}")),
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for WsByteStream<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        loop {
            if !self.pending.is_empty() {
                let n = self.pending.len().min(buf.remaining());
                buf.put_slice(&self.pending.split_to(n));
                return Poll::Ready(Ok(()));
            }
            let this = &mut *self;
            match ready!(Pin::new(&mut this.ws).poll_next(cx)) {
                None => return Poll::Ready(Ok(())), // end of stream
                Some(Err(e)) => return Poll::Ready(Err(io_error(e))),
                Some(Ok(Message::Binary(data))) => this.pending = data,
                // Not expected, but harmless to accept: the deframer judges the content.
                Some(Ok(Message::Text(text))) => this.pending = Bytes::from(text),
                Some(Ok(Message::Close(frame))) => {
                    let why = match frame {
                        Some(f) => format!("code {} {:?}", u16::from(f.code), f.reason.as_str()),
                        None => "no close code".to_string(),
                    };
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        format!("the server closed the WebSocket ({why})"),
                    )));
                }
                // tungstenite queues the pong for a ping; push it out now.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {
                    let _ = Pin::new(&mut this.ws).poll_flush(cx);
                }
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WsByteStream<S> {
    fn send(&mut self, cx: &mut Context<'_>, message: Bytes) -> Poll<io::Result<()>> {
        ready!(Pin::new(&mut self.ws).poll_ready(cx)).map_err(io_error)?;
        Poll::Ready(Pin::new(&mut self.ws).start_send(Message::Binary(message)).map_err(io_error))
    }

    fn send_packed(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.outgoing.is_empty() {
            ready!(Pin::new(&mut self.ws).poll_ready(cx)).map_err(io_error)?;
            let message = Bytes::from(std::mem::take(&mut self.outgoing));
            Pin::new(&mut self.ws).start_send(Message::Binary(message)).map_err(io_error)?;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for WsByteStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let n = match self.policy {
            SendPolicy::FramePerMessage => match crate::wire::frame::decode_header(data) {
                Ok(Some(header)) => header.frame_len.min(data.len()),
                _ => data.len(),
            },
            SendPolicy::Split(max) => data.len().min(max.max(1)),
            SendPolicy::Packed => {
                if self.outgoing.len() >= MAX_PACKED {
                    ready!(self.send_packed(cx))?;
                }
                self.outgoing.extend_from_slice(data);
                return Poll::Ready(Ok(data.len()));
            }
        };
        ready!(self.send(cx, Bytes::copy_from_slice(&data[..n])))?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.send_packed(cx))?;
        Pin::new(&mut self.ws).poll_flush(cx).map_err(io_error)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.send_packed(cx))?;
        if !self.close_sent {
            ready!(Pin::new(&mut self.ws).poll_ready(cx)).map_err(io_error)?;
            let frame = CloseFrame { code: CloseCode::Normal, reason: "closing".into() };
            Pin::new(&mut self.ws).start_send(Message::Close(Some(frame))).map_err(io_error)?;
            self.close_sent = true;
        }
        Pin::new(&mut self.ws).poll_close(cx).map_err(io_error)
    }
}
