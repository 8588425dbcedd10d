//! The session task: one per link, on the runtime.
//!
//! `run` loops over connection attempts. Each attempt is `connect → handshake → stream`,
//! and ends in an [`Outcome`] deciding what follows: reconnect after back-off, stop for
//! good (the PBX refused us in a way retrying cannot fix), or stop because the application
//! closed the link. Cancelling an attempt (on close) drops its socket.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};

use super::backoff::Backoff;
use super::{Command, Error, Event, FileReply, LinkState, MissedReason, Origin, PbxInfo, Settings, Shared};
use crate::auth;
use crate::event::unparsed;
use crate::records::{CmExtnState, Delta3Record, parse_cmextn, parse_delta2, parse_siptrack};
use crate::transport::{self, ByteStream, ConnectParams, Scheme};
use crate::wire::{
    self, AuthRequest, Deframer, EventRequest, EventTuple, Packet, ReadFileRequest, ResultCode, TestRequest,
};

/// How much to read from the socket at a time.
const READ_CHUNK: usize = 64 * 1024;
/// How long a full queue may hold up reading the socket: far below the keepalive, long
/// enough for a consumer descheduled for a moment or working through a burst.
const ROOM_WAIT: std::time::Duration = std::time::Duration::from_millis(250);
/// Sent in Test packets; echoed back by the PBX.
const TEST_PAYLOAD: &[u8] = b"devlink3";

/// How a connection attempt ended.
enum Outcome {
    /// The application closed the link.
    Closed,
    /// Retrying cannot help (or would lock the account out): report and stop.
    Fatal { code: Option<ResultCode>, reason: String },
    /// The link failed or dropped: reconnect after a delay.
    Lost { reason: String, operational_since: Option<Instant>, retry_later: bool },
}

impl Outcome {
    fn lost(reason: impl Into<String>) -> Self {
        Outcome::Lost { reason: reason.into(), operational_since: None, retry_later: false }
    }
}

pub(crate) async fn run(
    settings: Arc<Settings>,
    shared: Arc<Shared>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    mut shutdown: watch::Receiver<bool>,
    mut subscription: watch::Receiver<Option<String>>,
) {
    let mut backoff = Backoff::new(settings.config.reconnect.clone());
    let mut counters = Counters::default();
    let mut attempt = 0;
    loop {
        attempt += 1;
        shared.report(LinkState::Connecting { attempt });
        let outcome = tokio::select! {
            biased;
            _ = shutdown.wait_for(|closed| *closed) => Outcome::Closed,
            outcome = attempt_session(&settings, &shared, &mut commands, &mut subscription, &mut counters) => outcome,
        };
        match outcome {
            Outcome::Closed => return,
            Outcome::Fatal { code, reason } => {
                shared.report(LinkState::Rejected { code, reason: reason.clone() });
                refuse_commands_until_closed(&mut commands, &mut shutdown, &reason).await;
                return;
            }
            Outcome::Lost { reason, operational_since, retry_later } => {
                // Only a link that stayed up for a while earns a fresh back-off: a PBX that
                // takes the login and drops the link must not get a login every second.
                let stable = settings.config.reconnect.stable_after;
                if operational_since.is_some_and(|since| since.elapsed() >= stable) {
                    backoff.reset();
                }
                let retry_in = if retry_later { backoff.retry_later() } else { backoff.next_delay() };
                shared.report(LinkState::NoResponse { reason, retry_in });
                tokio::select! {
                    biased;
                    _ = shutdown.wait_for(|closed| *closed) => return,
                    _ = tokio::time::sleep(retry_in) => {}
                }
            }
        }
    }
}

/// After a final refusal the link stays open for the application to read the state and
/// close it; file reads fail at once with the reason.
async fn refuse_commands_until_closed(
    commands: &mut mpsc::UnboundedReceiver<Command>,
    shutdown: &mut watch::Receiver<bool>,
    reason: &str,
) {
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|closed| *closed) => return,
            command = commands.recv() => match command {
                Some(Command::ReadFile { reply, .. }) => {
                    let _ = reply.send(Err(Error::NotOperational(reason.to_string())));
                }
                None => return,
            },
        }
    }
}

async fn attempt_session(
    settings: &Settings,
    shared: &Shared,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    subscription: &mut watch::Receiver<Option<String>>,
    counters: &mut Counters,
) -> Outcome {
    let config = &settings.config;
    let params = ConnectParams {
        tls: settings.tls.as_ref(),
        timeout: config.connect_timeout,
        user: &config.user,
        password: &config.password,
        websocket: &config.websocket,
    };
    let connection = match transport::connect(&settings.target, &params).await {
        Ok(c) => c,
        Err(e) if e.fatal => return Outcome::Fatal { code: None, reason: e.reason },
        Err(e) => return Outcome::lost(e.reason),
    };
    let mut link = Link { stream: connection.stream, deframer: Deframer::new(), out: Vec::new(), last_id: 0 };
    let info = match handshake(&mut link, settings, connection.encrypted, subscription).await {
        Ok(info) => info,
        Err(outcome) => return outcome,
    };
    let since = Instant::now();
    shared.report(LinkState::Operational(info));
    match stream_events(&mut link, settings, shared, commands, subscription, counters).await {
        Outcome::Lost { reason, retry_later, .. } => {
            Outcome::Lost { reason, operational_since: Some(since), retry_later }
        }
        other => other,
    }
}

/// One connection's byte stream and codec state.
struct Link {
    stream: Box<dyn ByteStream>,
    deframer: Deframer,
    out: Vec<u8>,
    last_id: u32,
}

impl Link {
    /// A fresh non-zero request id (the PBX answers only non-zero ids).
    fn next_id(&mut self) -> u32 {
        self.last_id = self.last_id.wrapping_add(1).max(1);
        self.last_id
    }

    async fn send(&mut self, packet: &Packet<'_>) -> Result<(), Outcome> {
        self.out.clear();
        packet.encode(&mut self.out).map_err(|e| Outcome::Fatal { code: None, reason: e.to_string() })?;
        let write = async {
            self.stream.write_all(&self.out).await?;
            self.stream.flush().await
        };
        write.await.map_err(|e| Outcome::lost(format!("sending to the PBX: {e}")))
    }

    /// Reads more bytes into the deframer.
    async fn fill(&mut self) -> Result<(), Outcome> {
        let n = self.stream.read(self.deframer.spare(READ_CHUNK)).await.map_err(|e| read_failure(&e))?;
        if n == 0 {
            return Err(Outcome::lost("the PBX closed the connection"));
        }
        self.deframer.commit(n);
        Ok(())
    }

    /// The next whole frame's payload, waiting at most until `deadline`.
    async fn next_payload(&mut self, deadline: Instant, waiting_for: &str) -> Result<&[u8], Outcome> {
        while !self.deframer.has_frame() {
            match tokio::time::timeout_at(deadline, self.fill()).await {
                Err(_) => return Err(Outcome::lost(format!("no answer to {waiting_for}"))),
                Ok(result) => result?,
            }
        }
        match self.deframer.next_frame() {
            Ok(Some(payload)) => Ok(payload),
            Ok(None) => unreachable!("has_frame promised a frame"),
            Err(e) => Err(Outcome::lost(format!("bad frame from the PBX: {e}"))),
        }
    }
}

/// A failed read: a lost link, or (TLS 1.3 tells a client only after its handshake that
/// the server refused its certificate) a certificate verdict, which retrying cannot fix.
fn read_failure(e: &std::io::Error) -> Outcome {
    match transport::certificate_failure(e) {
        Some(reason) => Outcome::Fatal { code: None, reason: format!("TLS: certificate rejected: {reason}") },
        None => Outcome::lost(format!("reading from the PBX: {e}")),
    }
}

/// Test packet, authentication, and the event request if a consumer of records is already
/// there; the link is operational after it.
async fn handshake(
    link: &mut Link,
    settings: &Settings,
    encrypted: bool,
    subscription: &mut watch::Receiver<Option<String>>,
) -> Result<PbxInfo, Outcome> {
    let config = &settings.config;
    let wait = config.response_timeout;

    // The PBX stays passive until it receives a valid packet: start with a Test.
    let test_id = link.next_id();
    link.send(&Packet::TestRequest(TestRequest { request_id: test_id, payload: TEST_PAYLOAD })).await?;
    let deadline = Instant::now() + wait;
    loop {
        let payload = link.next_payload(deadline, "the first Test packet").await?;
        match decode(payload)? {
            Packet::TestResponse(r) if r.request_id == test_id => {
                if r.result != ResultCode::Success {
                    return Err(Outcome::lost(format!("Test packet answered {}", r.result.described())));
                }
                break;
            }
            other => log::debug!("devlink3: ignoring {other:?} before authentication"),
        }
    }

    let websocket = matches!(settings.target.scheme, Scheme::Ws | Scheme::Wss);
    let (pbx_type, variant) = if websocket && !config.websocket.devlink_auth {
        // The HTTP layer authenticated us; this server expects no DevLink3 login.
        (String::new(), String::new())
    } else {
        authenticate(link, settings, encrypted).await?
    };

    let mut info = PbxInfo { pbx_type, variant, encrypted, ..PbxInfo::default() };
    let flags = subscription.borrow_and_update().clone();
    if let Some(flags) = flags {
        let events_id = link.next_id();
        link.send(&Packet::EventRequest(EventRequest { request_id: events_id, flags: &flags })).await?;
        let deadline = Instant::now() + wait;
        loop {
            let payload = link.next_payload(deadline, "the event request").await?;
            match decode(payload)? {
                Packet::EventResponse(r) if r.request_id == events_id => {
                    accept_flags(&mut info, &flags, r.result, r.accepted_flags)?;
                    break;
                }
                other => log::debug!("devlink3: ignoring {other:?} while requesting events"),
            }
        }
    }
    Ok(info)
}

/// Fills in what the PBX accepted of `requested`, or says why the link cannot go on.
fn accept_flags(info: &mut PbxInfo, requested: &str, result: ResultCode, accepted: &str) -> Result<(), Outcome> {
    if !result.is_success() {
        return Err(refusal(result, "the event request"));
    }
    info.accepted_flags = accepted.split_whitespace().map(str::to_string).collect();
    info.rejected_flags = requested
        .split_whitespace()
        .filter(|f| !info.accepted_flags.iter().any(|a| a.eq_ignore_ascii_case(f)))
        .map(str::to_string)
        .collect();
    if !info.rejected_flags.is_empty() {
        log::warn!("devlink3: the PBX did not accept the event flags {}", info.rejected_flags.join(" "));
    }
    Ok(())
}

/// SHA1 (or PLAIN over an encrypted link) login; returns the PBX type and variant.
async fn authenticate(link: &mut Link, settings: &Settings, encrypted: bool) -> Result<(String, String), Outcome> {
    let config = &settings.config;
    let auth_id = link.next_id();
    let request = AuthRequest {
        request_id: auth_id,
        username: &config.user,
        application_name: Some(&config.application_name).filter(|n| !n.is_empty()).map(String::as_str),
    };
    link.send(&Packet::AuthRequest(request)).await?;
    let deadline = Instant::now() + config.response_timeout;
    let mut answered_challenge = false;
    loop {
        let payload = link.next_payload(deadline, "the authentication request").await?;
        // Copy out what we need so the frame borrow ends before we send.
        let reply = match decode(payload)? {
            Packet::AuthSha1Challenge { request_id, challenge } if request_id == auth_id => {
                Some((auth::sha1_response(challenge, &config.password).to_vec(), false))
            }
            Packet::AuthPlainChallenge { request_id } if request_id == auth_id => {
                if !encrypted {
                    return Err(Outcome::Fatal { code: None, reason: Error::PlainOnCleartext.to_string() });
                }
                Some((auth::plain_response(&config.password).to_vec(), true))
            }
            Packet::AuthResult(r) if r.request_id == auth_id => {
                if r.result == ResultCode::Success {
                    return Ok((
                        r.pbx_type_and_version.unwrap_or_default().to_string(),
                        r.devlink_variant.unwrap_or_default().to_string(),
                    ));
                }
                return Err(refusal(r.result, "authentication"));
            }
            other => {
                log::debug!("devlink3: ignoring {other:?} during authentication");
                None
            }
        };
        if let Some((response, plain)) = reply {
            // One answer per attempt: a second challenge would mean guessing again.
            if answered_challenge {
                return Err(Outcome::Fatal { code: None, reason: "the PBX sent a second challenge".into() });
            }
            answered_challenge = true;
            let packet = if plain {
                Packet::AuthPlainResponse { request_id: auth_id, response: &response }
            } else {
                Packet::AuthSha1Response { request_id: auth_id, response: &response }
            };
            link.send(&packet).await?;
        }
    }
}

fn decode(payload: &[u8]) -> Result<Packet<'_>, Outcome> {
    Packet::decode(payload).map_err(|e| Outcome::lost(format!("undecodable packet from the PBX: {e}")))
}

/// What a refusal from the PBX means for the link.
fn refusal(code: ResultCode, during: &'static str) -> Outcome {
    let reason = Error::Refused { code, during }.to_string();
    match code {
        // Transient: the PBX asks us to come back later.
        ResultCode::RetryLater | ResultCode::LimitsExceeded => {
            Outcome::Lost { reason, operational_since: None, retry_later: true }
        }
        // Everything else, AUTHENTICATION FAILED and LICENCE MISSING first, is final:
        // retrying a refused login is what locks IP Office accounts out.
        _ => Outcome::Fatal { code: Some(code), reason },
    }
}

/// Streams events until the link fails or the handle goes away.
async fn stream_events(
    link: &mut Link,
    settings: &Settings,
    shared: &Shared,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    subscription: &mut watch::Receiver<Option<String>>,
    counters: &mut Counters,
) -> Outcome {
    let config = &settings.config;
    // The event request sent while streaming (a consumer appeared after the handshake).
    let mut pending_subscription: Option<(u32, String)> = None;
    // A change not yet seen by the handshake is a consumer that appeared since.
    let mut watching_subscription = true;
    let mut keepalive = tokio::time::interval_at(Instant::now() + config.keepalive_interval, config.keepalive_interval);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut unanswered_tests = 0u32;
    // ReadFile requests in flight, by request id.
    let mut reads: HashMap<u32, (String, FileReply)> = HashMap::new();
    // The events of one read, queued together: one hand-over per read, not per event.
    let mut batch = Vec::new();

    let outcome = loop {
        // Handle every whole frame already buffered.
        let mut failure = None;
        loop {
            let payload = match link.deframer.next_frame() {
                Ok(Some(payload)) => payload,
                Ok(None) => break,
                Err(e) => {
                    failure = Some(Outcome::lost(format!("bad frame from the PBX: {e}")));
                    break;
                }
            };
            let packet = match Packet::decode(payload) {
                Ok(packet) => packet,
                Err(e) => {
                    failure = Some(Outcome::lost(format!("undecodable packet from the PBX: {e}")));
                    break;
                }
            };
            match packet {
                Packet::Event(event) => decode_events(&event, counters, &mut batch),
                Packet::TestResponse(r) => match r.result {
                    ResultCode::Success => unanswered_tests = 0,
                    ResultCode::StreamIntegrityLost => {
                        failure = Some(Outcome::lost("the PBX reported STREAM_INTEGRITY_LOST"));
                        break;
                    }
                    ResultCode::StreamAuthenticationFailed => {
                        failure = Some(refusal(r.result, "the keepalive test"));
                        break;
                    }
                    other => log::warn!("devlink3: Test packet answered {}", other.described()),
                },
                Packet::EventResponse(r)
                    if pending_subscription.as_ref().is_some_and(|(id, _)| *id == r.request_id) =>
                {
                    let (_, flags) = pending_subscription.take().expect("checked above");
                    let mut info = PbxInfo::default();
                    if let Err(outcome) = accept_flags(&mut info, &flags, r.result, r.accepted_flags) {
                        failure = Some(outcome);
                        break;
                    }
                    log::info!("devlink3: subscribed to events ({})", info.accepted_flags.join(" "));
                    // The events before this response go first.
                    shared.queue.push_all(&mut batch);
                    // Reported again: what the PBX accepted is part of the state.
                    if let Some(mut current) = shared.operational_info() {
                        current.accepted_flags = info.accepted_flags;
                        current.rejected_flags = info.rejected_flags;
                        shared.report(LinkState::Operational(current));
                    }
                }
                Packet::ReadFileResponse(r) => match reads.remove(&r.request_id) {
                    Some((name, reply)) => {
                        let result = if r.result == ResultCode::Success {
                            Ok(r.contents.to_vec())
                        } else {
                            Err(Error::ReadFile { name, code: r.result })
                        };
                        let _ = reply.send(result);
                    }
                    None => log::warn!("devlink3: ReadFile response for unknown request {}", r.request_id),
                },
                other => log::debug!("devlink3: ignoring {other:?}"),
            }
        }
        shared.queue.push_all(&mut batch);
        if let Some(outcome) = failure {
            break outcome;
        }

        // A consumer briefly behind slows our reading (and, through TCP, the PBX) rather
        // than lose events; one stuck for longer loses the oldest instead.
        shared.queue.wait_for_room(ROOM_WAIT).await;

        tokio::select! {
            read = link.stream.read(link.deframer.spare(READ_CHUNK)) => match read {
                Ok(0) => break Outcome::lost("the PBX closed the connection"),
                Ok(n) => link.deframer.commit(n),
                Err(e) => break read_failure(&e),
            },
            _ = keepalive.tick() => {
                if unanswered_tests >= config.keepalive_misses {
                    break Outcome::lost(format!("{unanswered_tests} keepalive Test packets went unanswered"));
                }
                unanswered_tests += 1;
                let id = link.next_id();
                if let Err(outcome) = link.send(&Packet::TestRequest(TestRequest { request_id: id, payload: TEST_PAYLOAD })).await {
                    break outcome;
                }
            }
            changed = subscription.changed(), if watching_subscription => {
                let flags = subscription.borrow_and_update().clone();
                match (changed, flags) {
                    (Ok(()), Some(flags)) => {
                        watching_subscription = false; // one event request per connection
                        let id = link.next_id();
                        if let Err(outcome) = link.send(&Packet::EventRequest(EventRequest { request_id: id, flags: &flags })).await {
                            break outcome;
                        }
                        pending_subscription = Some((id, flags));
                    }
                    // The handle is gone: the link is closing.
                    (Err(_), _) => watching_subscription = false,
                    (Ok(()), None) => {}
                }
            }
            command = commands.recv() => match command {
                None => break Outcome::Closed,
                Some(Command::ReadFile { name, reply }) => {
                    let id = link.next_id();
                    let sent = link.send(&Packet::ReadFileRequest(ReadFileRequest { request_id: id, filename: &name })).await;
                    if let Err(outcome) = sent {
                        let _ = reply.send(Err(Error::NotOperational("the link dropped".into())));
                        break outcome;
                    }
                    reads.insert(id, (name, reply));
                }
            },
        }
    };
    for (_, (_, reply)) in reads.drain() {
        let _ = reply.send(Err(Error::NotOperational("the link dropped before the file arrived".into())));
    }
    outcome
}

/// Decodes an event's tuples into owned events for `batch`, after a missed report if the
/// PBX's counter jumped.
fn decode_events(event: &wire::Event<'_>, counters: &mut Counters, batch: &mut Vec<Event>) {
    let origin = Origin { pbx_ip: event.pbx_ip, counter: event.counter };
    if let Some(count) = counters.observe(event.pbx_ip, event.counter) {
        batch.push(Event::Missed { count, reason: MissedReason::CounterGap });
    }
    for tuple in event.tuples.iter() {
        let tuple = match tuple {
            Ok(raw) => raw,
            Err(e) => {
                batch.push(unparsed(origin, 0, String::new(), e.to_string()));
                break;
            }
        };
        let tag = tuple.tag;
        let item = match EventTuple::decode(tuple) {
            Err(e) => unparsed(origin, tag, String::from_utf8_lossy(tuple.data).into_owned(), e.to_string()),
            // Parsed as it is handed over, by this thread or the consumer's (`settle`).
            Ok(EventTuple::CallDelta3(text)) => Event::Delta3 { origin, record: Delta3Record::deferred(text) },
            // The decoded text moves into the record (no second copy); an error is rare
            // enough to decode it again for the report.
            Ok(EventTuple::CallDelta2(text)) => match parse_delta2(text.to_str()) {
                Ok(record) => Event::Delta2 { origin, record: Box::new(record.into_owned()) },
                Err(e) => unparsed(origin, tag, text.to_string(), e.to_string()),
            },
            Ok(EventTuple::SipTrack(text)) => {
                let text = text.to_str();
                match parse_siptrack(&text) {
                    Ok(record) => Event::SipTrack { origin, record: Box::new(record.into_owned()) },
                    Err(e) => unparsed(origin, tag, text.into_owned(), e.to_string()),
                }
            }
            Ok(EventTuple::CmExtn(text)) => {
                Event::CmExtn { origin, record: Box::new(parse_cmextn(&text.to_str()).into_owned()) }
            }
            Ok(EventTuple::CmExtnState { v, p1, p2, extension }) => Event::CmExtnState {
                origin,
                record: Box::new(CmExtnState::new(v, p1, p2, &extension.to_str()).into_owned()),
            },
            Ok(EventTuple::Unknown { tag, data }) => unparsed(
                origin,
                tag,
                String::from_utf8_lossy(data).into_owned(),
                format!("unknown tuple tag 0x{tag:08X}"),
            ),
        };
        batch.push(item);
    }
}

/// The last counter seen per PBX (one, or a few on an SCN), to spot gaps.
#[derive(Debug, Default)]
struct Counters {
    last: Vec<(Ipv4Addr, u32)>,
}

impl Counters {
    /// Forward jumps larger than this are taken for a PBX restart, not for missed events.
    const MAX_GAP: u32 = 1 << 20;

    /// Records `counter` and returns how many events were skipped before it, if any.
    fn observe(&mut self, pbx: Ipv4Addr, counter: u32) -> Option<u64> {
        let Some(entry) = self.last.iter_mut().find(|(ip, _)| *ip == pbx) else {
            self.last.push((pbx, counter));
            return None;
        };
        let gap = counter.wrapping_sub(entry.1.wrapping_add(1));
        entry.1 = counter;
        (gap != 0 && gap <= Self::MAX_GAP).then_some(u64::from(gap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_gaps() {
        let ip = Ipv4Addr::new(10, 0, 0, 1);
        let other = Ipv4Addr::new(10, 0, 0, 2);
        let mut c = Counters::default();
        assert_eq!(c.observe(ip, 5), None);
        assert_eq!(c.observe(ip, 6), None);
        assert_eq!(c.observe(other, 100), None);
        assert_eq!(c.observe(ip, 10), Some(3));
        assert_eq!(c.observe(ip, 1), None, "a restart is not a gap");
        assert_eq!(c.observe(ip, 2), None);
        let mut w = Counters::default();
        w.observe(ip, u32::MAX);
        assert_eq!(w.observe(ip, 1), Some(1), "wraps");
    }
}
