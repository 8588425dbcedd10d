//! Moving one connection's octets: the accept loop, the TLS handshake, and the loop that
//! reads requests, writes replies and events, and obeys the simulator's controls.
//!
//! Memory per connection is bounded: frames are queued for the socket only while less than
//! [`HIGH_WATER`] octets are waiting. Above it the connection neither reads requests nor
//! takes events from the feed, so a client that does not keep up makes its connection lag
//! behind the feed and lose events, which the client sees as a counter gap.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use devlink3_proto::wire::{DecodeError, Deframer};

use super::blast::BlastRun;
use super::control::{Control, Registration, TaskTracker};
use super::feed::{Batch, RecordCounts};
use super::server::{Next, Session};
use super::websocket::WsEndpoint;
use super::{FOREVER, Shared};
use devlink3_core::transport::WsByteStream;

/// Queued octets above which a connection stops taking more work.
const HIGH_WATER: usize = 256 * 1024;
/// Queue capacity kept when the queue empties (a large ReadFile may have grown it).
const RETAINED_CAPACITY: usize = 1024 * 1024;
/// Free space offered to each socket read.
const READ_CHUNK: usize = 16 * 1024;
/// Clients send small packets; a larger frame ends the connection before it is buffered.
const MAX_CLIENT_FRAME: usize = 64 * 1024;
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing connection may take to deliver its last reply.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Pause after a failed accept (usually: out of file descriptors).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);
/// What [`Control::Garbage`] writes: no DevLink3 frame starts with 0x00.
const GARBAGE: &[u8] = b"\x00\xffNOT A DEVLINK3 FRAME\xff\x00";

/// Accepts connections until `shutdown` turns true, serving each in its own task.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    websocket: Option<Arc<WsEndpoint>>,
    shared: Arc<Shared>,
    tasks: TaskTracker,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.wait_for(|&stop| stop) => return,
            accepted = listener.accept() => accepted,
        };
        let (tcp, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                log::warn!("simulator: accept failed: {error}");
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let Some(registration) = shared.control.register() else { return };
        shared.stats.connection_accepted();
        // Events are small and latency matters more than packet count.
        if let Err(error) = tcp.set_nodelay(true) {
            log::debug!("simulator: {peer}: cannot set TCP_NODELAY: {error}");
        }
        tasks.spawn(serve(tcp, peer, tls.clone(), websocket.clone(), Arc::clone(&shared), registration));
    }
}

async fn serve(
    tcp: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    websocket: Option<Arc<WsEndpoint>>,
    shared: Arc<Shared>,
    mut registration: Registration,
) {
    log::info!("simulator: connection from {peer}");
    let ended = match tls {
        None => serve_stream(tcp, peer, false, websocket, shared, registration).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
            let stream = tokio::select! {
                _ = registration.closed() => return,
                done = handshake => match done {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(error)) => {
                        log::info!("simulator: TLS handshake with {peer} failed: {error}");
                        return;
                    }
                    Err(_) => {
                        log::info!("simulator: TLS handshake with {peer} timed out");
                        return;
                    }
                },
            };
            serve_stream(stream, peer, true, websocket, shared, registration).await
        }
    };
    match ended {
        Some(ended @ (Ended::Protocol(_) | Ended::Malformed(_))) => log::warn!("simulator: closed {peer}: {ended}"),
        Some(ended) => log::info!("simulator: closed {peer}: {ended}"),
        None => {}
    }
}

/// Serves DevLink3 on `stream`, inside a WebSocket when the listener is one. `None` when
/// the connection ended before the session began (a refused or failed upgrade).
async fn serve_stream<S: AsyncRead + AsyncWrite + Send + Unpin>(
    stream: S,
    peer: SocketAddr,
    encrypted: bool,
    websocket: Option<Arc<WsEndpoint>>,
    shared: Arc<Shared>,
    mut registration: Registration,
) -> Option<Ended> {
    let Some(endpoint) = websocket else {
        return Some(Connection::new(stream, peer, encrypted, shared, registration).run().await);
    };
    let upgrade = tokio::time::timeout(HANDSHAKE_TIMEOUT, endpoint.upgrade(stream, &shared));
    let ws = tokio::select! {
        _ = registration.closed() => return None,
        done = upgrade => match done {
            Ok(Ok(ws)) => ws,
            Ok(Err(error)) => {
                log::info!("simulator: {peer}: {error}");
                return None;
            }
            Err(_) => {
                log::info!("simulator: {peer}: WebSocket upgrade timed out");
                return None;
            }
        },
    };
    let settings = &shared.config.websocket;
    let stream = WsByteStream::new(ws, settings.send);
    let pre_authenticated = !settings.devlink_auth;
    let mut connection = Connection::new(stream, peer, encrypted, Arc::clone(&shared), registration);
    if pre_authenticated && !connection.session.authenticate_externally() {
        return Some(Ended::Protocol("connection limit reached (HTTP-authenticated WebSocket)".into()));
    }
    Some(connection.run().await)
}

/// Why a connection ended.
#[derive(Debug)]
enum Ended {
    PeerClosed,
    /// [`Control::Drop`].
    Dropped,
    /// The simulator is stopping.
    Stopped,
    /// The client broke the protocol (the reason says how).
    Protocol(String),
    /// The client sent octets that are not DevLink3 frames.
    Malformed(DecodeError),
    Io(io::Error),
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ended::PeerClosed => f.write_str("the client closed the connection"),
            Ended::Dropped => f.write_str("dropped on request"),
            Ended::Stopped => f.write_str("the simulator is stopping"),
            Ended::Protocol(reason) => f.write_str(reason),
            Ended::Malformed(error) => write!(f, "malformed frame: {error}"),
            Ended::Io(error) => write!(f, "{error}"),
        }
    }
}

/// What ended a wait in [`Connection::wait`].
enum Wake {
    Control(Option<Control>),
    StallOver,
    CloseTimedOut,
    /// Octets written (or, with nothing queued, the flush finished).
    Drained(io::Result<usize>),
    Read(io::Result<usize>),
    Batch(Option<(Arc<Batch>, RecordCounts)>),
}

struct Connection<S> {
    reader: ReadHalf<S>,
    writer: WriteHalf<S>,
    shared: Arc<Shared>,
    deframer: Deframer,
    outbox: Outbox,
    session: Session,
    /// Queued blasts; the first is in progress.
    blasts: VecDeque<BlastRun>,
    stalled_until: Option<Instant>,
    /// Set once the connection is to close after sending what is queued.
    closing: Option<(Instant, String)>,
    /// Octets were written since the last flush (TLS buffers them).
    unflushed: bool,
    /// Declared last so that it is dropped last: once the connection leaves the registry,
    /// its socket, session slot and blast tickets are gone too.
    control: Registration,
}

impl<S: AsyncRead + AsyncWrite + Send> Connection<S> {
    fn new(stream: S, peer: SocketAddr, encrypted: bool, shared: Arc<Shared>, control: Registration) -> Self {
        let (reader, writer) = tokio::io::split(stream);
        Connection {
            reader,
            writer,
            session: Session::new(Arc::clone(&shared), peer, encrypted),
            shared,
            control,
            deframer: Deframer::with_max_frame_len(MAX_CLIENT_FRAME),
            outbox: Outbox::default(),
            blasts: VecDeque::new(),
            stalled_until: None,
            closing: None,
            unflushed: false,
        }
    }

    async fn run(mut self) -> Ended {
        loop {
            if let Err(ended) = self.work() {
                return ended;
            }
            if self.outbox.is_empty() && !self.unflushed {
                if let Some((_, reason)) = self.closing.take() {
                    // Best effort (a TLS close_notify); the client may have stopped reading.
                    let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.writer.shutdown()).await;
                    return Ended::Protocol(reason);
                }
            }
            let wake = self.wait().await;
            if let Err(ended) = self.on_wake(wake) {
                if let Ended::Stopped = ended {
                    // A stopping server says goodbye (TLS close_notify, WebSocket close
                    // frame); a dropped connection, like a cut cable, does not.
                    let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.writer.shutdown()).await;
                }
                return ended;
            }
        }
    }

    /// Does what needs no waiting: answers buffered requests and tops up a blast, as long
    /// as the queue has room.
    fn work(&mut self) -> Result<(), Ended> {
        if self.stalled_until.is_some() || self.closing.is_some() {
            return Ok(());
        }
        while self.outbox.len() < HIGH_WATER {
            let payload = match self.deframer.next_frame() {
                Ok(Some(payload)) => payload,
                Ok(None) => break,
                Err(error) => return Err(Ended::Malformed(error)),
            };
            match self.session.on_frame(payload, self.outbox.frames()) {
                Next::Continue => {}
                Next::CloseAfterReply(reason) => {
                    self.closing = Some((Instant::now() + CLOSE_TIMEOUT, reason));
                    return Ok(());
                }
                Next::Close(reason) => return Err(Ended::Protocol(reason)),
            }
        }
        // A blast is done once the socket has taken its last chunk; its ticket reports then.
        if self.outbox.is_empty() {
            while self.blasts.front().is_some_and(BlastRun::is_done) {
                self.blasts.pop_front();
            }
            if let Some(blast) = self.blasts.front_mut() {
                let events = blast.fill(self.session.counter(), self.outbox.frames());
                self.shared.stats.events_sent(events);
            }
        }
        Ok(())
    }

    /// Waits for the next thing to do. Controls come first, even while stalled, so a knob
    /// applies to everything published after it. Requests and events come before writing:
    /// both stop at [`HIGH_WATER`], so writing is never starved, and a busy feed is written
    /// in large chunks.
    async fn wait(&mut self) -> Wake {
        let Connection {
            reader, writer, control, deframer, outbox, session, stalled_until, closing, unflushed, ..
        } = self;
        let active = stalled_until.is_none();
        let taking_work = active && closing.is_none() && outbox.len() < HIGH_WATER;
        let drain_queue = active && (!outbox.is_empty() || *unflushed);
        let subscribed = session.subscription().is_some();
        tokio::select! {
            biased;
            control = control.recv() => Wake::Control(control),
            () = sleep_until(*stalled_until) => Wake::StallOver,
            () = sleep_until(closing.as_ref().map(|(deadline, _)| *deadline)) => Wake::CloseTimedOut,
            read = read_into(reader, deframer), if taking_work => Wake::Read(read),
            batch = session.next_batch(), if taking_work && subscribed => Wake::Batch(batch),
            drained = drain(writer, outbox.pending()), if drain_queue => Wake::Drained(drained),
        }
    }

    fn on_wake(&mut self, wake: Wake) -> Result<(), Ended> {
        match wake {
            Wake::Control(None) => return Err(Ended::Stopped),
            Wake::Control(Some(control)) => return self.obey(control),
            Wake::StallOver => self.stalled_until = None,
            Wake::CloseTimedOut => {
                let reason = self.closing.take().map(|(_, reason)| reason).unwrap_or_default();
                return Err(Ended::Protocol(format!("{reason} (the client did not take the last reply)")));
            }
            Wake::Drained(Ok(_)) if self.outbox.is_empty() => self.unflushed = false,
            Wake::Drained(Ok(0)) => return Err(Ended::Io(io::ErrorKind::WriteZero.into())),
            Wake::Drained(Ok(written)) => {
                self.outbox.consume(written);
                self.unflushed = true;
            }
            Wake::Read(Ok(0)) => return Err(Ended::PeerClosed),
            Wake::Read(Ok(read)) => self.deframer.commit(read),
            Wake::Drained(Err(error)) | Wake::Read(Err(error)) => return Err(Ended::Io(error)),
            Wake::Batch(Some((batch, missed))) => self.session.on_batch(&batch, &missed, self.outbox.frames()),
            Wake::Batch(None) => return Err(Ended::Stopped),
        }
        Ok(())
    }

    fn obey(&mut self, control: Control) -> Result<(), Ended> {
        match control {
            Control::Drop => return Err(Ended::Dropped),
            // The queue holds whole frames, so this lands between two of them.
            Control::Garbage => self.outbox.frames().extend_from_slice(GARBAGE),
            Control::SkipCounter(n) => self.session.counter().skip(n),
            Control::Stall(duration) => {
                let until = Instant::now() + duration.min(FOREVER);
                self.stalled_until = Some(self.stalled_until.map_or(until, |current| current.max(until)));
            }
            Control::Blast(ticket) => {
                // A connection without an event stream takes no part (dropping the ticket says so).
                if let Some(subscription) = self.session.subscription() {
                    match BlastRun::start(ticket, subscription, self.shared.config.pbx_ip) {
                        Ok(blast) => self.blasts.push_back(blast),
                        Err(error) => log::warn!("simulator: cannot blast this record: {error}"),
                    }
                }
            }
        }
        Ok(())
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Writes some of `pending`, or flushes when nothing is pending. Cancel-safe.
async fn drain<W: AsyncWrite + Unpin>(writer: &mut W, pending: &[u8]) -> io::Result<usize> {
    if pending.is_empty() { writer.flush().await.map(|()| 0) } else { writer.write(pending).await }
}

/// Reads what the socket has straight into the deframer's buffer. Cancel-safe.
async fn read_into<R: AsyncRead + Unpin>(reader: &mut R, deframer: &mut Deframer) -> io::Result<usize> {
    reader.read(deframer.spare(READ_CHUNK)).await
}

/// Whole frames waiting for the socket, and how much of them has been written.
#[derive(Debug, Default)]
struct Outbox {
    buf: Vec<u8>,
    written: usize,
}

impl Outbox {
    /// Where to append whole frames.
    fn frames(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    fn pending(&self) -> &[u8] {
        &self.buf[self.written..]
    }

    fn len(&self) -> usize {
        self.buf.len() - self.written
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn consume(&mut self, n: usize) {
        self.written += n;
        if self.written == self.buf.len() {
            self.buf.clear();
            self.written = 0;
            self.buf.shrink_to(RETAINED_CAPACITY);
        } else if self.written >= HIGH_WATER {
            // Move the unwritten tail down so that the buffer does not creep.
            self.buf.drain(..self.written);
            self.written = 0;
        }
    }
}
