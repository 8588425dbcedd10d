//! The IP Office's side of one DevLink3 connection: Test, authentication, event requests
//! and ReadFile, as a state machine from received packets to frames to send. No I/O here;
//! [`connection`](super::connection) moves the octets.
//!
//! Like an IP Office it stays passive until the client speaks, answers Test requests at any
//! time, and closes the link on anything but Test or authentication before the client has
//! authenticated.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use ring::rand::{SecureRandom, SystemRandom};

use devlink3_proto::auth::{self, SHA1_CHALLENGE_LEN};
use devlink3_proto::files::USER_LIST;
use devlink3_proto::wire::packet::{MAX_TEST_PAYLOAD, encode_event, kind};
use devlink3_proto::wire::{
    AuthRequest, AuthResult, EventRequest, EventResponse, Packet, ReadFileRequest, ReadFileResponse, ResultCode,
    TestRequest, TestResponse,
};

use super::Shared;
use super::accounts::{SessionSlot, Verdict};
use super::feed::{Batch, FeedReceiver, RecordCounts};
use super::subscription::{Subscription, parse_flags};
use super::traffic::SimRecord;

/// The ReadFile result for a file that does not exist. The specification calls it
/// NOT FOUND without giving its value; 0x80000004, the next code after the Test packet's
/// errors, is this simulator's choice.
pub const READ_FILE_NOT_FOUND: u32 = 0x8000_0004;

/// A Test payload longer than this breaks the stream (the specification: "unspecified but
/// greater than 4000").
const STREAM_INTEGRITY_LIMIT: usize = 4000;

/// What the connection should do after a packet.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next {
    Continue,
    /// Send what has been queued, then close.
    CloseAfterReply(String),
    /// Close at once.
    Close(String),
}

/// The counter of the next event on this connection.
#[derive(Debug)]
pub(crate) struct EventCounter(u32);

impl EventCounter {
    fn peek(&self) -> u32 {
        self.0
    }

    /// The value for the next event, moving the counter on.
    pub(crate) fn take(&mut self) -> u32 {
        let value = self.0;
        self.0 = value.wrapping_add(1);
        value
    }

    pub(crate) fn skip(&mut self, n: u32) {
        self.0 = self.0.wrapping_add(n);
    }
}

enum AuthState {
    /// Only Test requests so far.
    Idle,
    Challenged {
        user: String,
        challenge: Challenge,
    },
    /// Authentication failed or was refused: only Test requests are answered, with
    /// STREAM_AUTHENTICATION_FAILED.
    Failed,
    Authenticated {
        /// Held for as long as the connection lives: it counts against `max_connections`.
        _slot: SessionSlot,
    },
}

#[derive(Clone, Copy)]
enum Challenge {
    Sha1([u8; SHA1_CHALLENGE_LEN]),
    Plain,
}

#[derive(Clone, Copy)]
enum Answer<'a> {
    Sha1(&'a [u8]),
    Plain(&'a [u8]),
}

/// A connection's accepted event request and its place in the feed.
struct EventStream {
    subscription: Subscription,
    feed: FeedReceiver,
    _counted: SubscribedCount,
}

/// Counts a connection in [`SimStats::connections_subscribed`](super::SimStats) while it lives.
struct SubscribedCount(Arc<Shared>);

impl SubscribedCount {
    fn new(shared: &Arc<Shared>) -> Self {
        shared.stats.subscribed(true);
        SubscribedCount(Arc::clone(shared))
    }
}

impl Drop for SubscribedCount {
    fn drop(&mut self) {
        self.0.stats.subscribed(false);
    }
}

/// One connection's protocol state.
pub(crate) struct Session {
    shared: Arc<Shared>,
    peer: SocketAddr,
    /// Whether the link is TLS (PLAIN authentication is offered only then).
    encrypted: bool,
    auth: AuthState,
    stream: Option<EventStream>,
    counter: EventCounter,
}

impl Session {
    pub(crate) fn new(shared: Arc<Shared>, peer: SocketAddr, encrypted: bool) -> Self {
        Session { shared, peer, encrypted, auth: AuthState::Idle, stream: None, counter: EventCounter(1) }
    }

    /// Marks the session authenticated by someone else (the WebSocket's HTTP login when the
    /// DevLink3 login is switched off). False when the connection limit is reached.
    pub(crate) fn authenticate_externally(&mut self) -> bool {
        match self.shared.sessions.try_claim() {
            Some(slot) => {
                self.auth = AuthState::Authenticated { _slot: slot };
                true
            }
            None => false,
        }
    }

    /// Handles one received frame payload, appending any reply to `out`.
    pub(crate) fn on_frame(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Next {
        let packet = match Packet::decode(payload) {
            Ok(packet) => packet,
            Err(error) => {
                return match test_request_id(payload) {
                    // A Test request whose payload length disagrees with its frame.
                    Some(request_id) => stream_integrity_lost(request_id, out),
                    None => Next::Close(format!("undecodable packet: {error}")),
                };
            }
        };
        self.on_packet(packet, payload, out)
    }

    /// Handles a batch of the feed: skips the counter over events lost to lag, then
    /// appends the events this connection asked for.
    pub(crate) fn on_batch(&mut self, batch: &Batch, missed: &RecordCounts, out: &mut Vec<u8>) {
        let Some(stream) = &self.stream else { return };
        let lost = stream.subscription.eligible(missed);
        if lost > 0 {
            log::info!("simulator: {} fell behind; {lost} events dropped", self.peer);
            // The counter is 32 bits on the wire; a gap wraps with it.
            self.counter.skip(lost as u32);
            self.shared.stats.events_dropped(lost);
        }
        stream.push(&batch.records, &mut self.counter, &self.shared, out);
    }

    /// The next batch of the feed, once subscribed; `None` when the feed has gone.
    pub(crate) async fn next_batch(&mut self) -> Option<(Arc<Batch>, RecordCounts)> {
        match &mut self.stream {
            Some(stream) => stream.feed.next().await,
            None => std::future::pending().await,
        }
    }

    pub(crate) fn subscription(&self) -> Option<&Subscription> {
        self.stream.as_ref().map(|stream| &stream.subscription)
    }

    pub(crate) fn counter(&mut self) -> &mut EventCounter {
        &mut self.counter
    }

    fn on_packet(&mut self, packet: Packet<'_>, payload: &[u8], out: &mut Vec<u8>) -> Next {
        match packet {
            Packet::TestRequest(test) => self.on_test(test, out),
            Packet::AuthRequest(request) => self.on_auth_request(request, out),
            Packet::AuthSha1Response { request_id, response } => {
                self.on_challenge_answer(request_id, Answer::Sha1(response), out)
            }
            Packet::AuthPlainResponse { request_id, response } => {
                self.on_challenge_answer(request_id, Answer::Plain(response), out)
            }
            Packet::EventRequest(request) => self.on_event_request(request, payload, out),
            Packet::ReadFileRequest(request) => self.on_read_file(request, out),
            other => Next::Close(format!("packet type 0x{:08X} is not for the PBX", other.packet_type())),
        }
    }

    fn on_test(&mut self, test: TestRequest<'_>, out: &mut Vec<u8>) -> Next {
        let len = test.payload.len();
        if len > STREAM_INTEGRITY_LIMIT {
            return stream_integrity_lost(test.request_id, out);
        }
        let result = if matches!(self.auth, AuthState::Failed) {
            ResultCode::StreamAuthenticationFailed
        } else if len > MAX_TEST_PAYLOAD {
            ResultCode::PayloadTooLong
        } else {
            ResultCode::Success
        };
        let payload = if result == ResultCode::Success { test.payload } else { &[] };
        reply(test.request_id, Packet::TestResponse(TestResponse { request_id: test.request_id, result, payload }), out)
    }

    fn on_auth_request(&mut self, request: AuthRequest<'_>, out: &mut Vec<u8>) -> Next {
        if !matches!(self.auth, AuthState::Idle) {
            return Next::Close("authenticate request out of turn".to_owned());
        }
        log::info!(
            "simulator: {} authenticating as {:?} (application {:?})",
            self.peer,
            request.username,
            request.application_name.unwrap_or("")
        );
        let config = &self.shared.config;
        let request_id = request.request_id;
        let mut random = [0; SHA1_CHALLENGE_LEN];
        let (challenge, packet) = if config.plain_auth && (self.encrypted || config.plain_on_cleartext) {
            (Challenge::Plain, Packet::AuthPlainChallenge { request_id })
        } else if SystemRandom::new().fill(&mut random).is_ok() {
            (Challenge::Sha1(random), Packet::AuthSha1Challenge { request_id, challenge: &random })
        } else {
            return Next::Close("no randomness for a SHA1 challenge".to_owned());
        };
        self.auth = AuthState::Challenged { user: request.username.to_owned(), challenge };
        send(packet, out)
    }

    fn on_challenge_answer(&mut self, request_id: u32, answer: Answer<'_>, out: &mut Vec<u8>) -> Next {
        let AuthState::Challenged { user, challenge } = std::mem::replace(&mut self.auth, AuthState::Failed) else {
            return Next::Close("challenge response without a challenge".to_owned());
        };
        let shared = &self.shared;
        let verdict = shared.accounts.authenticate(&user, Instant::now(), |password| match (challenge, answer) {
            (Challenge::Sha1(challenge), Answer::Sha1(response)) => auth::verify_sha1(&challenge, password, response),
            (Challenge::Plain, Answer::Plain(response)) => auth::verify_plain(password, response),
            _ => false,
        });
        let result = if verdict != Verdict::Accepted {
            ResultCode::AuthenticationFailed
        } else if shared.retry_later() {
            ResultCode::RetryLater
        } else if shared.config.licence_missing {
            ResultCode::LicenceMissing
        } else if let Some(slot) = shared.sessions.try_claim() {
            self.auth = AuthState::Authenticated { _slot: slot };
            ResultCode::Success
        } else {
            ResultCode::LimitsExceeded
        };
        log::info!("simulator: {} user {user:?}: {} ({verdict:?})", self.peer, result.described());
        let (pbx_type_and_version, devlink_variant) = match result {
            ResultCode::Success => (Some(shared.config.pbx_type.as_str()), Some(shared.config.variant.as_str())),
            _ => (None, None),
        };
        send(Packet::AuthResult(AuthResult { request_id, result, pbx_type_and_version, devlink_variant }), out)
    }

    fn on_event_request(&mut self, request: EventRequest<'_>, payload: &[u8], out: &mut Vec<u8>) -> Next {
        if !matches!(self.auth, AuthState::Authenticated { .. }) {
            return Next::Close("event request before authentication".to_owned());
        }
        // Flags run to their NUL whatever the length field says (spec-errata item 6).
        let declared_len = payload.get(8..10).map_or(0, |b| usize::from(u16::from_be_bytes([b[0], b[1]])));
        if declared_len != request.flags.len() + 1 {
            log::debug!(
                "simulator: {}: event flags length field says {declared_len}, the flags take {}",
                self.peer,
                request.flags.len() + 1
            );
        }
        let verdict = parse_flags(request.flags);
        log::info!(
            "simulator: {} requested events {:?}: {}, accepted {:?}",
            self.peer,
            request.flags,
            verdict.result.described(),
            verdict.accepted
        );
        let mut snapshot = Vec::new();
        if let Some(subscription) = verdict.subscription {
            let feed = self.shared.feed.subscribe(&mut snapshot);
            self.stream = Some(EventStream { subscription, feed, _counted: SubscribedCount::new(&self.shared) });
        }
        let response = Packet::EventResponse(EventResponse {
            request_id: request.request_id,
            result: verdict.result,
            accepted_flags: &verdict.accepted,
        });
        let mut next = reply(request.request_id, response, out);
        if self.shared.config.drop_after_event_request && next == Next::Continue {
            next = Next::CloseAfterReply("drop_after_event_request is set".to_owned());
        }
        // A Delta3 Detail record for each call in progress (none under -CD2).
        if let Some(stream) = &self.stream {
            let calls = snapshot.iter().filter(|record| matches!(record, SimRecord::Delta3 { .. }));
            stream.push(calls, &mut self.counter, &self.shared, out);
        }
        next
    }

    fn on_read_file(&mut self, request: ReadFileRequest<'_>, out: &mut Vec<u8>) -> Next {
        if !matches!(self.auth, AuthState::Authenticated { .. }) {
            return Next::Close("ReadFile before authentication".to_owned());
        }
        let (result, contents) = if request.filename == USER_LIST {
            self.shared.stats.file_read();
            (ResultCode::Success, self.shared.user_list.as_slice())
        } else {
            (ResultCode::Other(READ_FILE_NOT_FOUND), &[][..])
        };
        log::info!("simulator: {} read {:?}: {}", self.peer, request.filename, result.described());
        let response = ReadFileResponse { request_id: request.request_id, result, contents };
        reply(request.request_id, Packet::ReadFileResponse(response), out)
    }
}

impl EventStream {
    /// Appends the records this connection asked for as events, numbered by `counter`.
    fn push<'r>(
        &self,
        records: impl IntoIterator<Item = &'r SimRecord>,
        counter: &mut EventCounter,
        shared: &Shared,
        out: &mut Vec<u8>,
    ) {
        let mut sent = 0;
        for record in records.into_iter().filter(|record| self.subscription.wants_record(record)) {
            let written = encode_event(shared.config.pbx_ip, counter.peek(), out, |tuples| {
                self.subscription.write_record(tuples, record)
            });
            match written {
                Ok(()) => {
                    counter.take();
                    sent += 1;
                }
                Err(error) => log::warn!("simulator: record not sent: {error}"),
            }
        }
        shared.stats.events_sent(sent);
    }
}

/// Appends `packet` if the request asked for a reply (a non-zero request id).
fn reply(request_id: u32, packet: Packet<'_>, out: &mut Vec<u8>) -> Next {
    if request_id == 0 { Next::Continue } else { send(packet, out) }
}

fn send(packet: Packet<'_>, out: &mut Vec<u8>) -> Next {
    match packet.encode(out) {
        Ok(()) => Next::Continue,
        Err(error) => Next::Close(format!("cannot encode the reply: {error}")),
    }
}

/// Answers a broken Test request with STREAM_INTEGRITY_LOST and ends the link.
fn stream_integrity_lost(request_id: u32, out: &mut Vec<u8>) -> Next {
    let result = ResultCode::StreamIntegrityLost;
    match reply(request_id, Packet::TestResponse(TestResponse { request_id, result, payload: &[] }), out) {
        Next::Continue => Next::CloseAfterReply("test request with a bad payload length".to_owned()),
        failed => failed,
    }
}

/// The request id of what starts like a Test request.
fn test_request_id(payload: &[u8]) -> Option<u32> {
    let packet_type = u32::from_be_bytes(payload.get(..4)?.try_into().ok()?);
    let request_id = u32::from_be_bytes(payload.get(4..8)?.try_into().ok()?);
    (packet_type == kind::TEST_REQUEST).then_some(request_id)
}
