//! The simulator over real loopback sockets, driven by a tiny blocking client built from the
//! wire codec alone (no `client` module), so that the simulator is held to the protocol
//! description rather than to our own client.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use devlink3_proto::auth;
use devlink3_proto::files::{USER_LIST, UserEntry, parse_user_list};
use devlink3_proto::wire::{
    AuthRequest, DecodeError, Deframer, EventRequest, EventTuple, Packet, ReadFileRequest, ResultCode, TestRequest,
};
use devlink3_sim::{READ_FILE_NOT_FOUND, SimConfig, SimRecord, Simulator, default_users_list};
use rustls::pki_types::{CertificateDer, ServerName};

/// Longest wait for anything the simulator should do at once.
const WAIT: Duration = Duration::from_secs(5);
const USER: &str = "devlink3";
const PASSWORD: &str = "devlink3";
const CALL_LOST: &str = "<CallLost>c0a82a03,c0a82a0300000413,1,16</CallLost>";

fn start(config: SimConfig) -> Simulator {
    Simulator::start(config).expect("simulator starts")
}

fn quiet() -> SimConfig {
    SimConfig { rate: 0.0, ..SimConfig::default() }
}

fn with_tls() -> SimConfig {
    SimConfig { tls: Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))), ..quiet() }
}

/// Polls `condition` until it holds, failing after [`WAIT`].
fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A received packet, owned.
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Test { request_id: u32, result: ResultCode, payload: Vec<u8> },
    Sha1Challenge(Vec<u8>),
    PlainChallenge,
    Auth { result: ResultCode, pbx_type: Option<String>, variant: Option<String> },
    Events { result: ResultCode, accepted: String },
    Event { counter: u32, record: Record },
    File { request_id: u32, result: ResultCode, contents: Vec<u8> },
}

/// An event's (single) tuple.
#[derive(Debug, Clone, PartialEq)]
enum Record {
    Delta3(String),
    Delta2 { text: String, utf16: bool },
    SipTrack(String),
    CmExtn(String),
    CmExtnState { v: u32, p1: u32, p2: u32, extension: String },
}

impl Reply {
    fn from_packet(packet: Packet<'_>) -> Reply {
        match packet {
            Packet::TestResponse(p) => {
                Reply::Test { request_id: p.request_id, result: p.result, payload: p.payload.to_vec() }
            }
            Packet::AuthSha1Challenge { challenge, .. } => Reply::Sha1Challenge(challenge.to_vec()),
            Packet::AuthPlainChallenge { .. } => Reply::PlainChallenge,
            Packet::AuthResult(p) => Reply::Auth {
                result: p.result,
                pbx_type: p.pbx_type_and_version.map(str::to_owned),
                variant: p.devlink_variant.map(str::to_owned),
            },
            Packet::EventResponse(p) => Reply::Events { result: p.result, accepted: p.accepted_flags.to_owned() },
            Packet::Event(event) => {
                let tuples: Vec<_> = event.tuples.events().map(|t| t.expect("valid tuple")).collect();
                assert_eq!(tuples.len(), 1, "one record per event");
                let record = match tuples[0] {
                    EventTuple::CallDelta3(text) => Record::Delta3(text.to_owned()),
                    EventTuple::CallDelta2(text) => Record::Delta2 { text: text.to_string(), utf16: text.is_utf16() },
                    EventTuple::SipTrack(text) => Record::SipTrack(text.to_string()),
                    EventTuple::CmExtn(text) => Record::CmExtn(text.to_string()),
                    EventTuple::CmExtnState { v, p1, p2, extension } => {
                        Record::CmExtnState { v, p1, p2, extension: extension.to_string() }
                    }
                    other => panic!("unexpected tuple {other:?}"),
                };
                assert_eq!(event.pbx_ip, Ipv4Addr::new(192, 168, 42, 3));
                Reply::Event { counter: event.counter, record }
            }
            Packet::ReadFileResponse(p) => {
                Reply::File { request_id: p.request_id, result: p.result, contents: p.contents.to_vec() }
            }
            other => panic!("the simulator sent a client's packet: {other:?}"),
        }
    }
}

/// Why no reply came.
#[derive(Debug)]
enum Broken {
    Closed,
    Frame(DecodeError),
    Io(io::Error),
}

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// A blocking DevLink3 client made of a socket, the deframer and the packet codec.
struct TestClient {
    stream: Box<dyn Stream>,
    deframer: Deframer,
    next_id: u32,
}

impl TestClient {
    fn tcp(sim: &Simulator) -> TestClient {
        let tcp = TcpStream::connect(sim.tcp_addr().expect("a TCP listener")).expect("connect");
        tcp.set_read_timeout(Some(WAIT)).unwrap();
        TestClient::over(tcp)
    }

    /// A TLS client that trusts exactly the simulator's certificate, checked for `name`.
    fn tls(sim: &Simulator, name: &str) -> TestClient {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(sim.certificate_der().expect("a certificate"))).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from(name.to_owned()).unwrap();
        let session = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let tcp = TcpStream::connect(sim.tls_addr().expect("a TLS listener")).expect("connect");
        tcp.set_read_timeout(Some(WAIT)).unwrap();
        TestClient::over(rustls::StreamOwned::new(session, tcp))
    }

    fn over(stream: impl Stream + 'static) -> TestClient {
        TestClient { stream: Box::new(stream), deframer: Deframer::new(), next_id: 1 }
    }

    /// Connects over TCP and authenticates with the default user.
    fn logged_in(sim: &Simulator) -> TestClient {
        let mut client = TestClient::tcp(sim);
        assert_eq!(client.authenticate(USER, PASSWORD), ResultCode::Success);
        client
    }

    /// Logged in and subscribed with `flags`.
    fn subscribed(sim: &Simulator, flags: &str) -> TestClient {
        let mut client = TestClient::logged_in(sim);
        let Reply::Events { result, .. } = client.request_events(flags) else { unreachable!() };
        assert!(result.is_success(), "{flags}: {result}");
        client
    }

    fn request_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    fn send(&mut self, packet: Packet<'_>) {
        let mut frame = Vec::new();
        packet.encode(&mut frame).unwrap();
        self.send_raw(&frame);
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send");
        self.stream.flush().unwrap();
    }

    fn try_recv(&mut self) -> Result<Reply, Broken> {
        loop {
            match self.deframer.next_frame() {
                Ok(Some(payload)) => return Ok(Reply::from_packet(Packet::decode(payload).expect("decodable packet"))),
                Ok(None) => {}
                Err(error) => return Err(Broken::Frame(error)),
            }
            match self.stream.read(self.deframer.spare(64 * 1024)) {
                Ok(0) => return Err(Broken::Closed),
                Ok(n) => self.deframer.commit(n),
                Err(error) => return Err(Broken::Io(error)),
            }
        }
    }

    fn recv(&mut self) -> Reply {
        self.try_recv().expect("a reply")
    }

    /// The next reply that is not an event.
    fn recv_reply(&mut self) -> Reply {
        loop {
            match self.recv() {
                Reply::Event { .. } => {}
                reply => return reply,
            }
        }
    }

    fn next_event(&mut self) -> (u32, Record) {
        match self.recv() {
            Reply::Event { counter, record } => (counter, record),
            other => panic!("expected an event, got {other:?}"),
        }
    }

    /// Asserts that the simulator closes the connection (replies before that are skipped).
    fn assert_closed(&mut self) {
        loop {
            match self.try_recv() {
                Ok(_) => {}
                Err(Broken::Closed) => return,
                // Reset, or a TLS link cut without close_notify.
                Err(Broken::Io(error))
                    if matches!(error.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::UnexpectedEof) =>
                {
                    return;
                }
                Err(other) => panic!("expected the connection to close, got {other:?}"),
            }
        }
    }

    fn test(&mut self, payload: &[u8]) -> Reply {
        let request_id = self.request_id();
        self.send(Packet::TestRequest(TestRequest { request_id, payload }));
        self.recv_reply()
    }

    /// Authenticates with SHA1 or PLAIN, whichever the simulator offers.
    fn authenticate(&mut self, user: &str, password: &str) -> ResultCode {
        let request_id = self.request_id();
        let request = AuthRequest { request_id, username: user, application_name: Some("devlink3 sim tests") };
        self.send(Packet::AuthRequest(request));
        match self.recv() {
            Reply::Sha1Challenge(challenge) => {
                assert_eq!(challenge.len(), 16);
                let response = auth::sha1_response(&challenge, password);
                self.send(Packet::AuthSha1Response { request_id, response: &response });
            }
            Reply::PlainChallenge => {
                let response = auth::plain_response(password);
                self.send(Packet::AuthPlainResponse { request_id, response: &response });
            }
            other => panic!("expected a challenge, got {other:?}"),
        }
        match self.recv() {
            Reply::Auth { result, .. } => result,
            other => panic!("expected an authentication result, got {other:?}"),
        }
    }

    fn challenge_kind(&mut self) -> Reply {
        let request_id = self.request_id();
        self.send(Packet::AuthRequest(AuthRequest { request_id, username: USER, application_name: None }));
        self.recv()
    }

    fn request_events(&mut self, flags: &str) -> Reply {
        let request_id = self.request_id();
        self.send(Packet::EventRequest(EventRequest { request_id, flags }));
        self.recv_reply()
    }

    fn send_read_file(&mut self, filename: &str) -> u32 {
        let request_id = self.request_id();
        self.send(Packet::ReadFileRequest(ReadFileRequest { request_id, filename }));
        request_id
    }
}

#[test]
fn test_then_sha1_authentication() {
    let sim = start(quiet());
    let mut client = TestClient::tcp(&sim);
    let Reply::Test { result, payload, .. } = client.test(b"ping") else { unreachable!() };
    assert_eq!((result, payload.as_slice()), (ResultCode::Success, &b"ping"[..]));

    let request_id = client.request_id();
    client.send(Packet::AuthRequest(AuthRequest { request_id, username: USER, application_name: Some("tests") }));
    let Reply::Sha1Challenge(challenge) = client.recv() else { panic!("SHA1 on cleartext") };
    let response = auth::sha1_response(&challenge, PASSWORD);
    client.send(Packet::AuthSha1Response { request_id, response: &response });
    assert_eq!(
        client.recv(),
        Reply::Auth {
            result: ResultCode::Success,
            pbx_type: Some("Avaya IP500v2 12.2.0.0 build 1".into()),
            variant: Some("Standard 1.0".into())
        }
    );
    let stats = sim.stats();
    assert_eq!((stats.auth_attempts, stats.auth_failures, stats.connections_authenticated), (1, 0, 1));
    assert_eq!(stats.users[USER].attempts, 1);
    // Tests are still answered after authentication.
    assert!(matches!(client.test(b""), Reply::Test { result: ResultCode::Success, .. }));
}

#[test]
fn challenges_are_fresh() {
    let sim = start(quiet());
    let first = TestClient::tcp(&sim).challenge_kind();
    let second = TestClient::tcp(&sim).challenge_kind();
    assert!(matches!(first, Reply::Sha1Challenge(_)));
    assert_ne!(first, second);
}

#[test]
fn wrong_password_then_tests_get_stream_authentication_failed() {
    let sim = start(quiet());
    let mut client = TestClient::tcp(&sim);
    assert_eq!(client.authenticate(USER, "wrong"), ResultCode::AuthenticationFailed);
    let Reply::Test { result, payload, .. } = client.test(b"ping") else { unreachable!() };
    assert_eq!((result, payload.len()), (ResultCode::StreamAuthenticationFailed, 0));
    // Anything but a Test now ends the link.
    client.send(Packet::EventRequest(EventRequest { request_id: 5, flags: "" }));
    client.assert_closed();

    let mut stranger = TestClient::tcp(&sim);
    assert_eq!(stranger.authenticate("nobody", PASSWORD), ResultCode::AuthenticationFailed);
    let stats = sim.stats();
    assert_eq!((stats.auth_attempts, stats.auth_failures), (2, 2));
    assert_eq!(stats.users.len(), 1, "unknown user names are only counted");
}

#[test]
fn lockout_survives_reconnects_and_expires() {
    let lockout_for = Duration::from_millis(700);
    let sim = start(SimConfig { lockout_after: 2, lockout_for, ..quiet() });
    for _ in 0..2 {
        assert_eq!(TestClient::tcp(&sim).authenticate(USER, "wrong"), ResultCode::AuthenticationFailed);
    }
    let locked_at = Instant::now();
    // Locked: the right password fails too, on a new connection.
    assert_eq!(TestClient::tcp(&sim).authenticate(USER, PASSWORD), ResultCode::AuthenticationFailed);
    let stats = sim.stats();
    assert!(stats.users[USER].locked_out);
    assert_eq!((stats.auth_attempts, stats.auth_failures), (3, 3));

    std::thread::sleep(lockout_for.saturating_sub(locked_at.elapsed()) + Duration::from_millis(100));
    assert_eq!(TestClient::tcp(&sim).authenticate(USER, PASSWORD), ResultCode::Success);
    assert!(!sim.stats().users[USER].locked_out);
}

#[test]
fn fourth_connection_gets_limits_exceeded_until_one_leaves() {
    let sim = start(quiet());
    let mut clients: Vec<TestClient> = (0..3).map(|_| TestClient::logged_in(&sim)).collect();
    let mut fourth = TestClient::tcp(&sim);
    assert_eq!(fourth.authenticate(USER, PASSWORD), ResultCode::LimitsExceeded);
    assert_eq!(sim.stats().connections_authenticated, 3);

    drop(clients.pop());
    eventually("a slot to be given back", || sim.stats().connections_authenticated == 2);
    clients.push(TestClient::logged_in(&sim));
}

#[test]
fn retry_later_and_licence_missing() {
    let sim = start(quiet());
    sim.retry_later(true);
    assert_eq!(TestClient::tcp(&sim).authenticate(USER, PASSWORD), ResultCode::RetryLater);
    sim.retry_later(false);
    assert_eq!(TestClient::tcp(&sim).authenticate(USER, PASSWORD), ResultCode::Success);

    let unlicensed = start(SimConfig { licence_missing: true, ..quiet() });
    assert_eq!(TestClient::tcp(&unlicensed).authenticate(USER, PASSWORD), ResultCode::LicenceMissing);
}

#[test]
fn requests_before_authentication_close_the_link() {
    let sim = start(quiet());
    let mut events = TestClient::tcp(&sim);
    events.send(Packet::EventRequest(EventRequest { request_id: 1, flags: "" }));
    events.assert_closed();

    let mut file = TestClient::tcp(&sim);
    file.send_read_file(USER_LIST);
    file.assert_closed();
    assert_eq!(sim.stats().files_read, 0);
}

#[test]
fn test_payload_limits() {
    let sim = start(quiet());
    let mut client = TestClient::tcp(&sim);
    let Reply::Test { result, payload, .. } = client.test(&[7; 1000]) else { unreachable!() };
    assert_eq!((result, payload.len()), (ResultCode::Success, 1000));
    let Reply::Test { result, payload, .. } = client.test(&[7; 1001]) else { unreachable!() };
    assert_eq!((result, payload.len()), (ResultCode::PayloadTooLong, 0));

    let Reply::Test { result, .. } = client.test(&[7; 4001]) else { unreachable!() };
    assert_eq!(result, ResultCode::StreamIntegrityLost);
    client.assert_closed();

    // A payload length larger than the frame.
    let mut inconsistent = TestClient::tcp(&sim);
    let mut frame = Vec::new();
    Packet::TestRequest(TestRequest { request_id: 77, payload: b"abcd" }).encode(&mut frame).unwrap();
    frame[3 + 8..3 + 12].copy_from_slice(&100u32.to_be_bytes());
    inconsistent.send_raw(&frame);
    let Reply::Test { request_id, result, .. } = inconsistent.recv() else { unreachable!() };
    assert_eq!((request_id, result), (77, ResultCode::StreamIntegrityLost));
    inconsistent.assert_closed();
}

#[test]
fn event_request_flags() {
    let sim = start(quiet());
    let mut client = TestClient::logged_in(&sim);
    let events = |result, accepted: &str| Reply::Events { result, accepted: accepted.to_owned() };
    assert_eq!(client.request_events("-FOO"), events(ResultCode::UnknownFlag, ""));
    assert_eq!(client.request_events("-SCN -CD2 -BOGUS"), events(ResultCode::PartialSuccess, "-CD2"));
    assert_eq!(
        client.request_events("-SCN _SIPTrack -CMExtn -CONN"),
        events(ResultCode::Success, "-SCN _SIPTrack -CMExtn -CONN")
    );

    // The vendor's sample client sends half the flags' length: the flags run to their NUL.
    let mut frame = Vec::new();
    Packet::EventRequest(EventRequest { request_id: 9, flags: "-CD2 -TEXT" }).encode(&mut frame).unwrap();
    frame[3 + 8..3 + 10].copy_from_slice(&(11u16 / 2).to_be_bytes());
    client.send_raw(&frame);
    assert_eq!(client.recv(), events(ResultCode::Success, "-CD2 -TEXT"));
}

#[test]
fn snapshot_then_events_with_consecutive_counters() {
    let sim = start(SimConfig { rate: 40.0, seed: 7, ..SimConfig::default() });
    eventually("calls in progress", || sim.stats().calls_in_progress >= 3);
    let mut client = TestClient::subscribed(&sim, "");
    let (first, record) = client.next_event();
    assert_eq!(first, 1);
    let Record::Delta3(text) = record else { panic!("Delta3 expected") };
    assert!(text.starts_with("<Detail>"), "the snapshot starts with a call's Detail: {text}");
    let mut previous = first;
    for _ in 0..100 {
        let (counter, record) = client.next_event();
        assert_eq!(counter, previous + 1);
        assert!(matches!(record, Record::Delta3(_)), "only Delta3 without flags: {record:?}");
        previous = counter;
    }
    // No snapshot under -CD2: Delta2 records only, from the first event on.
    let mut delta2 = TestClient::subscribed(&sim, "-CD2");
    for _ in 0..20 {
        assert!(matches!(delta2.next_event().1, Record::Delta2 { utf16: true, .. }));
    }
}

#[test]
fn skip_counter_makes_a_gap() {
    let sim = start(quiet());
    assert_eq!(sim.inject_delta3(CALL_LOST), 0, "nobody subscribed yet");
    let mut client = TestClient::subscribed(&sim, "");
    sim.inject_delta3(CALL_LOST);
    let (before, _) = client.next_event();
    // Connections take knobs before anything published after them.
    sim.skip_counter(5);
    sim.inject_delta3(CALL_LOST);
    let (after, record) = client.next_event();
    assert_eq!(after, before + 6);
    assert_eq!(record, Record::Delta3(CALL_LOST.to_owned()));
}

#[test]
fn records_follow_the_flags() {
    let sim = start(SimConfig { max_connections: 5, ..quiet() });
    let mut delta3 = TestClient::subscribed(&sim, "");
    let mut utf16 = TestClient::subscribed(&sim, "-CD2");
    let mut utf8 = TestClient::subscribed(&sim, "-CD2 -TEXT");
    let mut monitor = TestClient::subscribed(&sim, "_SIPTrack _CMExtn");
    let mut conn = TestClient::subscribed(&sim, "-CONN");
    assert_eq!(sim.stats().connections_active, 5);

    let delta2 = "CALL: S,Ren\u{e9},4001";
    let siptrack = "START,c0a82a1f000003eb,17.1003.1,TRUNK,IN,0f5757c5c504c74197be9699697eab8d";
    let unconnected = "<Detail><Call>c0a82a03,1,,,,0,,,,,</Call></Detail>";
    sim.inject(SimRecord::Delta3 { text: unconnected.to_owned(), connected: false }).unwrap();
    sim.inject_delta2(delta2);
    sim.inject_siptrack(siptrack);
    sim.inject_cmextn("Extn4001: CALL LOST (CMCauseForceIdle)");
    sim.inject_cmextn_state(1, 2, 0, "Extn865001");
    assert_eq!(sim.inject_delta3(CALL_LOST), 5, "five subscribed connections");

    assert_eq!(delta3.next_event(), (1, Record::Delta3(unconnected.to_owned())));
    assert_eq!(delta3.next_event(), (2, Record::Delta3(CALL_LOST.to_owned())));
    assert_eq!(utf16.next_event(), (1, Record::Delta2 { text: delta2.to_owned(), utf16: true }));
    assert_eq!(utf8.next_event(), (1, Record::Delta2 { text: delta2.to_owned(), utf16: false }));
    assert_eq!(monitor.next_event().1, Record::Delta3(unconnected.to_owned()));
    assert_eq!(monitor.next_event().1, Record::SipTrack(siptrack.to_owned()));
    assert_eq!(monitor.next_event().1, Record::CmExtn("Extn4001: CALL LOST (CMCauseForceIdle)".to_owned()));
    assert_eq!(monitor.next_event().1, Record::CmExtnState { v: 1, p1: 2, p2: 0, extension: "Extn865001".to_owned() });
    assert_eq!(monitor.next_event(), (5, Record::Delta3(CALL_LOST.to_owned())));
    assert_eq!(conn.next_event(), (1, Record::Delta3(CALL_LOST.to_owned())), "-CONN skips unconnected calls");

    // Nothing else was sent: a Test reply comes next on each.
    for client in [&mut delta3, &mut utf16, &mut utf8, &mut monitor, &mut conn] {
        let request_id = client.request_id();
        client.send(Packet::TestRequest(TestRequest { request_id, payload: b"" }));
        assert!(matches!(client.recv(), Reply::Test { .. }));
    }
}

#[test]
fn oversized_injections_are_refused() {
    let sim = start(quiet());
    let _client = TestClient::subscribed(&sim, "-CD2");
    assert!(sim.inject(SimRecord::Delta2("x".repeat(40_000))).is_err());
    assert_eq!(sim.inject_delta2(&"x".repeat(40_000)), 0);
}

#[test]
fn user_list_while_events_flow() {
    let sim = start(SimConfig { rate: 50.0, ..SimConfig::default() });
    let mut client = TestClient::subscribed(&sim, "");
    let blast = sim.blast(5_000, CALL_LOST);
    let (first, _) = client.next_event();
    let request_id = client.send_read_file(USER_LIST);
    let mut events_after_request = 0;
    let mut last = first;
    let contents = loop {
        match client.recv() {
            Reply::Event { counter, .. } => {
                assert_eq!(counter, last + 1, "no events lost around the file");
                last = counter;
                events_after_request += 1;
            }
            Reply::File { request_id: id, result, contents } => {
                assert_eq!((id, result), (request_id, ResultCode::Success));
                break contents;
            }
            other => panic!("unexpected {other:?}"),
        }
    };
    let users = parse_user_list(&contents);
    assert_eq!(users, default_users_list());
    assert!(users.iter().any(|u| u.name() == "René" && u.full_name() == "René Müller"));
    assert!(contents.contains(&0xE9), "ISO-8859-1 é on the wire");
    // Events keep flowing after the file.
    let (next, _) = client.next_event();
    assert_eq!(next, last + 1);
    assert!(events_after_request < 5_000, "the file was not held back until the blast ended");
    assert_eq!(sim.stats().files_read, 1);
    drop(blast);
}

#[test]
fn large_user_list_arrives_whole() {
    let users: Vec<UserEntry> = (0..2_000)
        .map(|i| UserEntry { fields: vec![format!("Zoë{i}"), (10_000 + i).to_string(), format!("Zoë Brontë {i}")] })
        .collect();
    let sim = start(SimConfig { users_list: users.clone(), ..quiet() });
    let mut client = TestClient::logged_in(&sim);
    client.send_read_file(USER_LIST);
    let Reply::File { result, contents, .. } = client.recv() else { unreachable!() };
    assert_eq!(result, ResultCode::Success);
    assert!(contents.len() > 0x7FFF, "needs the 3-octet frame length ({} octets)", contents.len());
    assert_eq!(parse_user_list(&contents), users);
}

#[test]
fn unknown_file_is_not_found() {
    let sim = start(quiet());
    let mut client = TestClient::logged_in(&sim);
    client.send_read_file("nasystem/no_such_file");
    let Reply::File { result, contents, .. } = client.recv() else { unreachable!() };
    assert_eq!((result.raw(), contents.len()), (READ_FILE_NOT_FOUND, 0));
}

#[test]
fn tls_with_the_generated_certificate() {
    let sim = start(with_tls());
    let fingerprint = sim.fingerprint_sha256().unwrap();
    let der = sim.certificate_der().unwrap();
    let digest = ring::digest::digest(&ring::digest::SHA256, &der);
    assert_eq!(fingerprint, digest.as_ref().iter().map(|b| format!("{b:02x}")).collect::<String>());
    assert!(sim.certificate_pem().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(sim.tls_target().unwrap(), format!("tls://{}", sim.tls_addr().unwrap()));
    assert!(sim.target().starts_with("tcp://127.0.0.1:"));

    for name in ["localhost", "127.0.0.1"] {
        let mut client = TestClient::tls(&sim, name);
        assert!(matches!(client.test(b"over tls"), Reply::Test { result: ResultCode::Success, .. }));
        assert_eq!(client.authenticate(USER, PASSWORD), ResultCode::Success);
        assert_eq!(
            client.request_events("-CD2"),
            Reply::Events { result: ResultCode::Success, accepted: "-CD2".into() }
        );
        sim.inject_delta2("CALL: A");
        assert_eq!(client.next_event().1, Record::Delta2 { text: "CALL: A".into(), utf16: true });
    }
}

#[test]
fn tls_only_simulator_targets_tls() {
    let sim = start(SimConfig { tcp: None, ..with_tls() });
    assert_eq!(sim.target(), sim.tls_target().unwrap());
    assert_eq!(sim.tcp_addr(), None);
}

#[test]
fn plain_authentication_only_over_tls() {
    let sim = start(SimConfig { plain_auth: true, ..with_tls() });
    assert_eq!(TestClient::tls(&sim, "localhost").challenge_kind(), Reply::PlainChallenge);
    assert_eq!(TestClient::tls(&sim, "localhost").authenticate(USER, PASSWORD), ResultCode::Success);
    assert!(matches!(TestClient::tcp(&sim).challenge_kind(), Reply::Sha1Challenge(_)), "never PLAIN in the clear");
    assert_eq!(TestClient::tls(&sim, "localhost").authenticate(USER, "wrong"), ResultCode::AuthenticationFailed);

    let careless = start(SimConfig { plain_auth: true, plain_on_cleartext: true, ..quiet() });
    assert_eq!(TestClient::tcp(&careless).challenge_kind(), Reply::PlainChallenge);
}

#[test]
fn garbage_from_a_client_closes_only_that_connection() {
    let sim = start(quiet());
    let mut good = TestClient::subscribed(&sim, "");
    let mut bad = TestClient::logged_in(&sim);
    bad.send_raw(b"GET / HTTP/1.1\r\n\r\n");
    bad.assert_closed();
    // Not a packet type either.
    let mut unknown = TestClient::tcp(&sim);
    unknown.send_raw(&[0x49, 0x00, 0x0B, 0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 1]);
    unknown.assert_closed();

    sim.inject_delta3(CALL_LOST);
    assert_eq!(good.next_event(), (1, Record::Delta3(CALL_LOST.to_owned())));
    eventually("the bad connections to be gone", || sim.stats().connections_active == 1);
}

#[test]
fn send_garbage_breaks_every_stream() {
    let sim = start(quiet());
    let mut client = TestClient::subscribed(&sim, "");
    sim.inject_delta3(CALL_LOST);
    assert!(matches!(client.try_recv(), Ok(Reply::Event { .. })));
    sim.send_garbage();
    assert!(matches!(client.try_recv(), Err(Broken::Frame(DecodeError::BadDiscriminator(_)))));
}

#[test]
fn drop_connections_closes_every_connection() {
    let sim = start(quiet());
    let mut clients = [TestClient::logged_in(&sim), TestClient::tcp(&sim)];
    eventually("two connections", || sim.stats().connections_active == 2);
    sim.drop_connections();
    for client in &mut clients {
        client.assert_closed();
    }
    eventually("no connections", || sim.stats().connections_active == 0);
    assert_eq!(sim.stats().connections_authenticated, 0);
    // New connections are welcome.
    TestClient::logged_in(&sim);
}

#[test]
fn stall_holds_answers_back() {
    let sim = start(quiet());
    let mut client = TestClient::logged_in(&sim);
    sim.stall(Duration::from_millis(400));
    let started = Instant::now();
    assert!(matches!(client.test(b"anyone?"), Reply::Test { result: ResultCode::Success, .. }));
    assert!(started.elapsed() >= Duration::from_millis(300), "answered after {:?}", started.elapsed());
}

#[test]
fn a_lagging_connection_sees_an_exact_counter_gap() {
    const INJECTED: u32 = 6_000;
    let sim = start(quiet());
    let mut client = TestClient::subscribed(&sim, "");
    // Taken before anything published after it; while stalled, every injection waits in
    // the feed, which holds fewer than this.
    sim.stall(Duration::from_secs(2));
    let stalled = Instant::now();
    for _ in 0..INJECTED {
        sim.inject_delta3(CALL_LOST);
        // A Delta2 record does not concern this connection: it must not count in the gap.
        sim.inject_delta2("CALL: A");
    }
    assert!(stalled.elapsed() < Duration::from_millis(1800), "injections outlasted the stall");
    let (mut received, mut last) = (0u32, 0u32);
    while last < INJECTED {
        let (counter, _) = client.next_event();
        assert!(counter > last);
        received += 1;
        last = counter;
    }
    assert_eq!(last, INJECTED, "the counters account for every injected record");
    let dropped = INJECTED - received;
    assert!(dropped > 0, "the connection lagged");
    assert_eq!(sim.stats().events_dropped, u64::from(dropped));
}

#[test]
fn blast_sends_consecutive_counters() {
    const EVENTS: u64 = 20_000;
    let sim = start(quiet());
    let mut delta3 = TestClient::subscribed(&sim, "");
    let mut delta2 = TestClient::subscribed(&sim, "-CD2 -TEXT");
    let _idle = TestClient::logged_in(&sim);
    let blast = sim.blast(EVENTS, CALL_LOST);
    for (client, expected) in [
        (&mut delta3, Record::Delta3(CALL_LOST.to_owned())),
        (&mut delta2, Record::Delta2 { text: CALL_LOST.to_owned(), utf16: false }),
    ] {
        for n in 1..=EVENTS {
            let (counter, record) = client.next_event();
            assert_eq!(u64::from(counter), n);
            if n == 1 || n == EVENTS {
                assert_eq!(record, expected);
            }
        }
    }
    let report = blast.wait();
    assert_eq!((report.connections, report.events_sent, report.complete), (2, 2 * EVENTS, true));
    assert!(report.events_per_second() > 0.0);
    assert_eq!(sim.stats().events_sent, 2 * EVENTS);
}

#[test]
fn stop_closes_listeners_and_connections() {
    let sim = start(with_tls());
    let mut tcp = TestClient::subscribed(&sim, "");
    let mut tls = TestClient::tls(&sim, "localhost");
    tls.test(b"");
    let (tcp_addr, tls_addr) = (sim.tcp_addr().unwrap(), sim.tls_addr().unwrap());
    sim.stop();
    tcp.assert_closed();
    tls.assert_closed();
    assert!(TcpStream::connect(tcp_addr).is_err());
    assert!(TcpStream::connect(tls_addr).is_err());
}

#[test]
fn open_close_cycles_leak_nothing() {
    let sim = start(quiet());
    for cycle in 0..1_000 {
        let mut client = if cycle % 10 == 0 { TestClient::subscribed(&sim, "") } else { TestClient::tcp(&sim) };
        assert!(matches!(client.test(b"x"), Reply::Test { .. }));
    }
    eventually("every connection to be closed", || sim.stats().connections_active == 0);
    let stats = sim.stats();
    assert_eq!((stats.connections_accepted, stats.connections_authenticated), (1_000, 0));
    // A socket the simulator forgot to close would linger in CLOSE_WAIT.
    #[cfg(target_os = "linux")]
    assert_eq!(close_wait_sockets(sim.tcp_addr().unwrap().port()), 0);
    let stopping = Instant::now();
    sim.stop();
    assert!(stopping.elapsed() < Duration::from_secs(2));
}

/// Sockets on local `port` in state CLOSE_WAIT (the peer closed, we did not).
#[cfg(target_os = "linux")]
fn close_wait_sockets(port: u16) -> usize {
    const CLOSE_WAIT: &str = "08";
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .flat_map(|table| table.lines().skip(1).map(str::to_owned).collect::<Vec<_>>())
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port =
                fields.get(1).and_then(|a| a.rsplit(':').next()).and_then(|p| u16::from_str_radix(p, 16).ok());
            local_port == Some(port) && fields.get(3) == Some(&CLOSE_WAIT)
        })
        .count()
}

#[test]
fn configuration_errors_are_reported() {
    let no_listener = Simulator::start(SimConfig { tcp: None, tls: None, ..quiet() });
    assert_eq!(no_listener.unwrap_err().kind(), io::ErrorKind::InvalidInput);
    let bad_rate = Simulator::start(SimConfig { rate: f64::NAN, ..quiet() });
    assert_eq!(bad_rate.unwrap_err().kind(), io::ErrorKind::InvalidInput);
    let busy = start(quiet());
    let taken = Simulator::start(SimConfig { tcp: busy.tcp_addr(), ..quiet() });
    assert_eq!(taken.unwrap_err().kind(), io::ErrorKind::AddrInUse);
    let any = start(SimConfig { tcp: Some(SocketAddr::from((IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0))), ..quiet() });
    assert!(any.target().starts_with("tcp://127.0.0.1:"), "{}", any.target());
}

#[test]
fn passwords_stay_out_of_debug_output() {
    let config = SimConfig { users: vec![("alice".into(), "s3cret-pass".into())], ..quiet() };
    let shown = format!("{config:?}");
    assert!(shown.contains("alice") && !shown.contains("s3cret-pass"), "{shown}");
}
