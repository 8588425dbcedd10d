//! Client ↔ simulator over real loopback sockets.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{WAIT, wait_for};
use devlink3_core::client::{
    Client, ClientConfig, ConfigError, Error, Event, LinkState, MissedReason, Reconnect, flags,
};
use devlink3_core::records::Delta3View;
use devlink3_core::transport::parse_fingerprint;
use devlink3_core::wire::ResultCode;
use devlink3_sim::{SimConfig, Simulator};

fn sim(config: SimConfig) -> Simulator {
    Simulator::start(config).expect("simulator starts")
}

fn quiet_sim() -> SimConfig {
    SimConfig { rate: 0.0, ..SimConfig::default() }
}

fn config(target: &str) -> ClientConfig {
    let mut c = ClientConfig::new(target, "devlink3", "devlink3");
    c.reconnect = Reconnect {
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        retry_later_delay: Duration::from_millis(200),
        stable_after: Duration::from_millis(500),
    };
    c.response_timeout = Duration::from_secs(5);
    c
}

fn wait_operational(client: &Client) {
    wait_for(client, "operational state", |e| matches!(e, Event::LinkState(LinkState::Operational(_))));
}

fn is_state(e: &Event, name: &str) -> bool {
    matches!(e, Event::LinkState(s) if s.name() == name)
}

#[test]
fn tcp_streams_delta3_records() {
    let sim = sim(quiet_sim());
    let client = Client::connect(config(&sim.target())).unwrap();
    let Event::LinkState(LinkState::Operational(info)) =
        wait_for(&client, "operational", |e| matches!(e, Event::LinkState(LinkState::Operational(_))))
    else {
        unreachable!()
    };
    assert!(!info.pbx_type.is_empty());
    assert!(!info.encrypted);
    assert!(sim.wait_subscribed(1, WAIT), "the client subscribes");
    sim.inject_delta3("<CallLost>c0a82a03,c0a82a0300000413,1,16</CallLost>");
    let event = wait_for(&client, "the injected CallLost", |e| matches!(e, Event::Delta3 { .. }));
    let Event::Delta3 { record, .. } = event else { unreachable!() };
    let Delta3View::CallLost(lost) = record.get() else { panic!("expected CallLost, got {record:?}") };
    assert_eq!(lost.end_id(), "c0a82a0300000413");
}

#[test]
fn tls_with_pinned_fingerprint_and_generated_traffic() {
    let sim = sim(SimConfig { tls: Some("127.0.0.1:0".parse().unwrap()), rate: 20.0, ..SimConfig::default() });
    let mut c = config(&sim.tls_target().unwrap());
    c.tls.pin_sha256 = Some(parse_fingerprint(&sim.fingerprint_sha256().unwrap()).unwrap());
    let client = Client::connect(c).unwrap();
    let Event::LinkState(LinkState::Operational(info)) =
        wait_for(&client, "operational", |e| matches!(e, Event::LinkState(LinkState::Operational(_))))
    else {
        unreachable!()
    };
    assert!(info.encrypted);
    wait_for(&client, "a generated Delta3 record", |e| matches!(e, Event::Delta3 { .. }));

    // A wrong pin is a certificate rejection naming the mismatch, final: retrying the same
    // certificate every few seconds would only hammer the PBX.
    let mut wrong = config(&sim.tls_target().unwrap());
    wrong.tls.pin_sha256 = Some([0; 32]);
    let client = Client::connect(wrong).unwrap();
    let Event::LinkState(LinkState::Rejected { reason, .. }) =
        wait_for(&client, "rejected", |e| is_state(e, "rejected"))
    else {
        unreachable!()
    };
    assert!(reason.contains("certificate rejected") && reason.contains("does not match the pinned"), "{reason}");
}

#[test]
fn wrong_password_is_tried_once_and_stops() {
    let sim = sim(quiet_sim());
    let mut c = config(&sim.target());
    c.password = "wrong".into();
    let client = Client::connect(c).unwrap();
    let Event::LinkState(LinkState::Rejected { code, reason }) =
        wait_for(&client, "rejected", |e| is_state(e, "rejected"))
    else {
        unreachable!()
    };
    assert_eq!(code, Some(ResultCode::AuthenticationFailed));
    assert!(reason.contains("AUTHENTICATION_FAILED"), "{reason}");
    // No second attempt follows, however long we wait.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(sim.stats().auth_attempts, 1);
    assert!(matches!(client.state(), LinkState::Rejected { .. }));
    assert!(matches!(client.read_file("nasystem/user_list"), Err(Error::NotOperational(_))));
}

#[test]
fn plain_on_cleartext_is_refused() {
    let sim = sim(SimConfig { plain_auth: true, plain_on_cleartext: true, ..quiet_sim() });
    let client = Client::connect(config(&sim.target())).unwrap();
    let Event::LinkState(LinkState::Rejected { code, reason }) =
        wait_for(&client, "rejected", |e| is_state(e, "rejected"))
    else {
        unreachable!()
    };
    assert_eq!(code, None);
    assert!(reason.contains("PLAIN") && reason.contains("tls://"), "{reason}");
    assert_eq!(sim.stats().auth_failures, 0, "no password was sent");
}

#[test]
fn plain_over_tls_works() {
    let sim = sim(SimConfig { tls: Some("127.0.0.1:0".parse().unwrap()), plain_auth: true, ..quiet_sim() });
    let mut c = config(&sim.tls_target().unwrap());
    c.tls.danger_accept_invalid_certs = true;
    let client = Client::connect(c).unwrap();
    wait_operational(&client);
}

#[test]
fn reconnects_after_the_pbx_drops_the_link() {
    let sim = sim(quiet_sim());
    let client = Client::connect(config(&sim.target())).unwrap();
    wait_operational(&client);
    sim.drop_connections();
    wait_for(&client, "no response", |e| is_state(e, "no_response"));
    wait_operational(&client);
    assert!(sim.wait_subscribed(1, WAIT), "the client subscribes again");
    sim.inject_delta3("<CallLost>c0a82a03,c0a82a0300000001,0,16</CallLost>");
    wait_for(&client, "events after the reconnect", |e| matches!(e, Event::Delta3 { .. }));
}

#[test]
fn counter_gap_is_reported_with_its_size() {
    let sim = sim(quiet_sim());
    let client = Client::connect(config(&sim.target())).unwrap();
    wait_operational(&client);
    assert!(sim.wait_subscribed(1, WAIT), "the client subscribes");
    let record = "<CallLost>c0a82a03,c0a82a0300000001,0,16</CallLost>";
    sim.inject_delta3(record);
    wait_for(&client, "first record", |e| matches!(e, Event::Delta3 { .. }));
    sim.skip_counter(5);
    sim.inject_delta3(record);
    let missed = wait_for(&client, "missed", |e| matches!(e, Event::Missed { .. }));
    assert_eq!(missed, Event::Missed { count: 5, reason: MissedReason::CounterGap });
    wait_for(&client, "the record after the gap", |e| matches!(e, Event::Delta3 { .. }));
}

#[test]
fn garbage_from_the_pbx_is_a_clear_error_and_the_link_recovers() {
    let sim = sim(quiet_sim());
    let client = Client::connect(config(&sim.target())).unwrap();
    wait_operational(&client);
    sim.send_garbage();
    let Event::LinkState(LinkState::NoResponse { reason, .. }) =
        wait_for(&client, "no response", |e| is_state(e, "no_response"))
    else {
        unreachable!()
    };
    assert!(reason.contains("bad frame") || reason.contains("undecodable"), "{reason}");
    wait_operational(&client);
}

#[test]
fn slow_consumer_loses_nothing_silently() {
    let sim = sim(quiet_sim());
    let mut c = config(&sim.target());
    c.queue_capacity = 16;
    let client = Client::connect(c).unwrap();
    wait_operational(&client);
    assert!(sim.wait_subscribed(1, WAIT), "pulling subscribes");
    const SENT: u64 = 2000;
    sim.blast(SENT, "<CallLost>c0a82a03,c0a82a0300000001,0,16</CallLost>");
    // Let the queue overflow before consuming anything.
    std::thread::sleep(Duration::from_millis(500));
    let (mut received, mut missed) = (0u64, 0u64);
    let deadline = Instant::now() + WAIT;
    while received + missed < SENT && Instant::now() < deadline {
        match client.next_event(Some(Duration::from_millis(200))).unwrap() {
            Some(Event::Delta3 { .. }) => received += 1,
            Some(Event::Missed { count, reason: MissedReason::SlowConsumer }) => missed += count,
            Some(Event::Missed { count, reason: MissedReason::CounterGap }) => panic!("the PBX skipped {count}"),
            _ => {}
        }
    }
    assert_eq!(received + missed, SENT, "received {received} + missed {missed}");
    assert!(missed > 0, "the queue of 16 must have overflowed");
    assert!(received >= 16);
}

#[test]
fn large_user_list_while_events_flow() {
    let sim = sim(SimConfig { rate: 50.0, users_list: big_user_list(), ..SimConfig::default() });
    let client = Client::connect(config(&sim.target())).unwrap();
    wait_operational(&client);
    wait_for(&client, "events", |e| matches!(e, Event::Delta3 { .. }));
    let raw = client.read_file("nasystem/user_list").unwrap();
    assert!(raw.len() > 32 * 1024, "{} octets", raw.len());
    let users = client.users().unwrap();
    assert_eq!(users.len(), 1500);
    assert_eq!(users[7].full_name(), "Usér Nümber 7");
    wait_for(&client, "events after the read", |e| matches!(e, Event::Delta3 { .. }));
    assert!(matches!(client.read_file("nasystem/nope"), Err(Error::ReadFile { .. })));
}

/// A PBX that does not answer: read_file and read_file_async both give up after the
/// response timeout (the bindings rely on the core for it).
#[test]
fn read_file_gives_up_after_the_response_timeout() {
    let sim = sim(SimConfig { rate: 0.0, ..SimConfig::default() });
    let mut c = config(&sim.target());
    c.response_timeout = Duration::from_millis(300);
    c.keepalive_interval = Duration::from_secs(60);
    let client = Client::connect(c).unwrap();
    wait_operational(&client);
    sim.stall(Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(client.read_file("nasystem/user_list"), Err(Error::Timeout(Duration::from_millis(300))));
    let read = devlink3_core::runtime::handle().block_on(client.read_file_async("nasystem/user_list"));
    assert_eq!(read, Err(Error::Timeout(Duration::from_millis(300))));
}

fn big_user_list() -> Vec<devlink3_core::files::UserEntry> {
    (0..1500)
        .map(|i| devlink3_core::files::UserEntry {
            fields: vec![format!("User{i}"), format!("{}", 4000 + i), format!("Usér Nümber {i}"), "1".into()],
        })
        .collect()
}

#[test]
fn fourth_connection_is_told_limits_exceeded_and_backs_off() {
    let sim = sim(quiet_sim());
    let clients: Vec<Client> = (0..3).map(|_| Client::connect(config(&sim.target())).unwrap()).collect();
    for c in &clients {
        wait_operational(c);
    }
    let fourth = Client::connect(config(&sim.target())).unwrap();
    let Event::LinkState(LinkState::NoResponse { reason, .. }) =
        wait_for(&fourth, "no response", |e| is_state(e, "no_response"))
    else {
        unreachable!()
    };
    assert!(reason.contains("LIMITS_EXCEEDED"), "{reason}");
    drop(clients);
    wait_operational(&fourth);
}

#[test]
fn close_from_inside_a_callback() {
    let sim = sim(SimConfig { rate: 50.0, ..SimConfig::default() });
    let client = Arc::new(Client::connect(config(&sim.target())).unwrap());
    let calls = Arc::new(AtomicUsize::new(0));
    let (weak, count) = (Arc::downgrade(&client), calls.clone());
    client
        .set_handlers(|h| {
            h.delta3 = Some(Box::new(move |_event| {
                count.fetch_add(1, Ordering::SeqCst);
                if let Some(client) = weak.upgrade() {
                    client.close();
                }
            }));
        })
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while calls.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "no callback after close");
    assert_eq!(client.state(), LinkState::Closed);
    assert!(matches!(client.next_event(Some(Duration::ZERO)), Err(Error::Closed)));
    client.close(); // idempotent
}

#[test]
fn callbacks_get_states_then_records_and_none_after_close() {
    let sim = sim(SimConfig { rate: 50.0, ..SimConfig::default() });
    let client = Client::connect(config(&sim.target())).unwrap();
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let (states, records) = (log.clone(), log.clone());
    client
        .set_handlers(|h| {
            h.link_state = Some(Box::new(move |s| states.lock().unwrap().push(s.name().to_string())));
            h.delta3 = Some(Box::new(move |_| records.lock().unwrap().push("delta3".into())));
        })
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while !log.lock().unwrap().iter().any(|s| s == "delta3") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    client.close();
    let seen = log.lock().unwrap().clone();
    let first_record = seen.iter().position(|s| s == "delta3").expect("a record arrived");
    assert!(seen[..first_record].contains(&"operational".to_string()), "{seen:?}");
    let after_close = seen.len();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(log.lock().unwrap().len(), after_close, "a callback ran after close returned");
    assert!(matches!(client.next_event(None), Err(Error::Closed)));
}

/// A batch handler gets every event in order, states and records alike, instead of the
/// per-kind callbacks; it does not subscribe by itself; nothing follows close.
#[test]
fn a_batch_handler_takes_every_event_in_order() {
    let sim = sim(SimConfig { rate: 200.0, ..SimConfig::default() });
    let client = Client::connect(config(&sim.target())).unwrap();
    // (is a link state, record counter) of each event delivered.
    let log = Arc::new(Mutex::new(Vec::<(bool, Option<u32>)>::new()));
    let per_kind = Arc::new(AtomicUsize::new(0));
    let (batches, unused) = (log.clone(), per_kind.clone());
    client
        .set_handlers(move |h| {
            h.batch = Some(Box::new(move |events: &mut Vec<Event>| {
                let mut log = batches.lock().unwrap();
                log.extend(events.drain(..).map(|e| (matches!(e, Event::LinkState(_)), e.origin().map(|o| o.counter))));
            }));
            h.link_state = Some(Box::new(move |_| {
                unused.fetch_add(1, Ordering::Relaxed);
            }));
        })
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while !log.lock().unwrap().iter().any(|(_, c)| c.is_some()) && Instant::now() < deadline {
        if log.lock().unwrap().iter().any(|(state, _)| *state) {
            client.subscribe(None).unwrap(); // the batch handler does not subscribe by itself
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    client.close();
    let seen = log.lock().unwrap().clone();
    let counters: Vec<u32> = seen.iter().filter_map(|(_, c)| *c).collect();
    assert!(counters.len() > 2, "{seen:?}");
    assert!(counters.windows(2).all(|w| w[1] == w[0] + 1), "in order, none missing: {counters:?}");
    assert_eq!(per_kind.load(Ordering::Relaxed), 0, "the batch handler replaces the per-kind callbacks");
    let after_close = seen.len();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(log.lock().unwrap().len(), after_close, "a batch arrived after close returned");
}

#[test]
fn delta2_under_cd2_keeps_the_text() {
    let sim = sim(SimConfig { rate: 50.0, ..SimConfig::default() });
    let mut c = config(&sim.target());
    c.flags = flags::CD2.into();
    let client = Client::connect(c).unwrap();
    let Event::Delta2 { record, .. } = wait_for(&client, "a Delta2 record", |e| matches!(e, Event::Delta2 { .. }))
    else {
        unreachable!()
    };
    assert!(record.raw().starts_with("CALL: "), "{}", record.raw());
}

#[test]
fn thousand_open_close_cycles_leak_nothing() {
    let sim = sim(quiet_sim());
    let target = sim.target();
    // Warm up the runtime and the simulator before counting.
    drop(Client::connect(config(&target)).unwrap());
    let (threads, fds) = (count("/proc/self/task"), count("/proc/self/fd"));
    for i in 0..1000 {
        let client = Client::connect(config(&target)).unwrap();
        if i % 100 == 0 {
            wait_operational(&client);
            client.set_handlers(|h| h.delta3 = Some(Box::new(|_| {}))).unwrap();
        }
        client.close();
    }
    std::thread::sleep(Duration::from_millis(500));
    let (threads_after, fds_after) = (count("/proc/self/task"), count("/proc/self/fd"));
    // Other tests run in parallel threads of this process: allow their noise, not a leak.
    assert!(threads_after <= threads + 8, "threads {threads} → {threads_after}");
    assert!(fds_after <= fds + 16, "file descriptors {fds} → {fds_after}");
}

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn bad_configuration_is_refused_at_once() {
    for (target, user) in [("ftp://x", "u"), ("255.255.255.255", "u"), ("127.0.0.1", "")] {
        let err = Client::connect(ClientConfig::new(target, user, "p")).unwrap_err();
        let expected = if user.is_empty() {
            matches!(err, Error::Config(ConfigError::MissingUser))
        } else {
            matches!(err, Error::Config(ConfigError::Target(_)))
        };
        assert!(expected, "{target}: {err}");
    }
    let mut c = ClientConfig::new("tls://127.0.0.1", "u", "p");
    c.tls.ca_file = Some("/nonexistent/ca.pem".into());
    let err = Client::connect(c).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/ca.pem"), "{err}");
}

#[test]
fn callbacks_can_be_changed_from_inside_a_callback() {
    let sim = sim(SimConfig { rate: 50.0, ..SimConfig::default() });
    let client = Arc::new(Client::connect(config(&sim.target())).unwrap());
    let records = Arc::new(AtomicUsize::new(0));
    let (weak, counter) = (Arc::downgrade(&client), records.clone());
    // Register for records from the link-state callback, as legacy applications do.
    client
        .set_handlers(move |h| {
            h.link_state = Some(Box::new(move |state| {
                if let (LinkState::Operational(_), Some(client)) = (state, weak.upgrade()) {
                    let counter = counter.clone();
                    client
                        .set_handlers(move |h| {
                            h.delta3 = Some(Box::new(move |_| {
                                counter.fetch_add(1, Ordering::SeqCst);
                            }))
                        })
                        .unwrap();
                }
            }));
        })
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while records.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(records.load(Ordering::SeqCst) > 0, "records reach a callback registered from a callback");
}

#[test]
fn close_while_a_callback_changes_callbacks_or_closes() {
    let sim = sim(SimConfig { rate: 100.0, ..SimConfig::default() });
    for _ in 0..20 {
        let client = Arc::new(Client::connect(config(&sim.target())).unwrap());
        let weak = Arc::downgrade(&client);
        let started = Arc::new(AtomicUsize::new(0));
        let seen = started.clone();
        client
            .set_handlers(move |h| {
                h.delta3 = Some(Box::new(move |_| {
                    seen.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    if let Some(client) = weak.upgrade() {
                        // Both must return even while another thread is closing the link.
                        let _ = client.set_handlers(|h| h.siptrack = None);
                        client.close();
                    }
                }));
            })
            .unwrap();
        let deadline = Instant::now() + WAIT;
        while started.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        client.close();
        assert_eq!(client.state(), LinkState::Closed);
    }
}

#[test]
fn close_outside_waits_for_a_callback_that_closed_the_link() {
    let sim = sim(SimConfig { rate: 100.0, ..SimConfig::default() });
    let client = Arc::new(Client::connect(config(&sim.target())).unwrap());
    let (started, finished) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (weak, s, f) = (Arc::downgrade(&client), started.clone(), finished.clone());
    client
        .set_handlers(move |h| {
            h.delta3 = Some(Box::new(move |_| {
                if let Some(client) = weak.upgrade() {
                    client.close();
                }
                s.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(300));
                f.fetch_add(1, Ordering::SeqCst);
            }));
        })
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while started.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    client.close();
    assert_eq!(finished.load(Ordering::SeqCst), 1, "close returned while a callback was still running");
}

#[test]
fn records_wait_for_a_record_handler_snapshot_included() {
    // Calls start at once, so there are calls in progress (the PBX's snapshot) and records
    // flowing by the time the application gets round to its record handler.
    let sim = sim(SimConfig { rate: 50.0, ..SimConfig::default() });
    let client = Client::connect(config(&sim.target())).unwrap();
    let (states, state_rx) = std::sync::mpsc::channel();
    client
        .set_handlers(move |h| {
            h.link_state = Some(Box::new(move |state| {
                let _ = states.send(state.name());
            }))
        })
        .unwrap();
    while state_rx.recv_timeout(WAIT).expect("a link state") != "operational" {}
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sim.stats().connections_subscribed, 0, "no consumer of records yet, so no event request");
    assert!(sim.stats().calls_in_progress > 0, "the simulator has calls in progress");

    let received = Arc::new(AtomicUsize::new(0));
    let missed = Arc::new(AtomicUsize::new(0));
    let (r, m) = (received.clone(), missed.clone());
    client
        .set_handlers(move |h| {
            h.delta3 = Some(Box::new(move |_| {
                r.fetch_add(1, Ordering::Relaxed);
            }));
            h.missed = Some(Box::new(move |_| {
                m.fetch_add(1, Ordering::Relaxed);
            }));
        })
        .unwrap();
    assert!(sim.wait_subscribed(1, WAIT), "a record handler subscribes the link");
    std::thread::sleep(Duration::from_millis(300));
    sim.set_rate(0.0);
    // Every event the simulator sent on the link reached the handler: snapshot and stream.
    let deadline = Instant::now() + WAIT;
    loop {
        let sent = sim.stats().events_sent as usize;
        let got = received.load(Ordering::Relaxed);
        if sent == got && sent > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "sent {sent} events, the handler got {got}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(missed.load(Ordering::Relaxed), 0);
}

#[test]
fn pulling_subscribes_and_subscribe_refuses_other_flags() {
    let sim = sim(quiet_sim());
    let client = Client::connect(config(&sim.target())).unwrap();
    assert_eq!(client.subscribed_flags(), None);
    client.subscribe(Some("-CD2")).unwrap();
    client.subscribe(None).unwrap();
    client.subscribe(Some("-cd2")).unwrap();
    let err = client.subscribe(Some("_SIPTrack")).unwrap_err().to_string();
    assert!(err.contains("already asked for events with flags \"-CD2\""), "{err}");
    assert_eq!(client.subscribed_flags().as_deref(), Some("-CD2"));
    assert!(sim.wait_subscribed(1, WAIT));
}

#[test]
fn a_pbx_that_drops_every_link_after_login_is_not_hammered() {
    let sim = sim(SimConfig { drop_after_event_request: true, ..quiet_sim() });
    let mut c = config(&sim.target());
    c.reconnect = Reconnect {
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(800),
        retry_later_delay: Duration::from_millis(800),
        stable_after: Duration::from_secs(10),
    };
    let client = Client::connect(c).unwrap();
    client.subscribe(None).unwrap();
    std::thread::sleep(Duration::from_secs(4));
    let logins = sim.stats().auth_attempts;
    drop(client);
    // Delays of at least 25, 50, 100, 200, 400, 400... ms: 4 s hold at most 13 logins. A
    // back-off that restarts at every login would make it about 80.
    assert!((3..=13).contains(&logins), "{logins} logins in 4 s");
}

/// Each configuration mistake is its own `ConfigError`, so an application can match on it.
#[test]
fn configuration_mistakes_are_typed() {
    let refused = |change: &dyn Fn(&mut ClientConfig)| {
        let mut c = ClientConfig::new("tcp://127.0.0.1:9", "devlink3", "secret");
        change(&mut c);
        match Client::connect(c) {
            Err(Error::Config(e)) => e,
            other => panic!("expected a configuration error, got {:?}", other.map(|_| "a client")),
        }
    };
    assert_eq!(refused(&|c| c.user.clear()), ConfigError::MissingUser);
    assert_eq!(refused(&|c| c.password = "a\0b".into()), ConfigError::NulCharacter("password"));
    assert_eq!(refused(&|c| c.flags = "-CD2\0".into()), ConfigError::NulCharacter("flags"));
    assert_eq!(refused(&|c| c.queue_capacity = 0), ConfigError::QueueCapacity { capacity: 0, max: 1_048_576 });
    assert_eq!(
        refused(&|c| c.keepalive_interval = std::time::Duration::ZERO),
        ConfigError::ZeroDuration("keepalive interval")
    );
    assert_eq!(
        refused(&|c| c.response_timeout = std::time::Duration::ZERO),
        ConfigError::ZeroDuration("response timeout")
    );
    assert!(
        matches!(refused(&|c| c.target = "ftp://pbx".into()), ConfigError::Target(m) if m.contains("unknown scheme"))
    );
    let tls = refused(&|c| {
        c.target = "tls://127.0.0.1:9".into();
        c.tls.ca_file = Some("/nonexistent/ca.pem".into());
    });
    assert!(matches!(&tls, ConfigError::Tls(m) if m.contains("/nonexistent/ca.pem")), "{tls}");
    // The message still says what is wrong, for the faces that show only the text.
    assert_eq!(Error::from(ConfigError::MissingUser).to_string(), "invalid configuration: no service user name given");
}

#[test]
fn queue_capacity_is_bounded_and_allocated_as_used() {
    use devlink3_core::client::MAX_QUEUE_CAPACITY;
    let sim = sim(quiet_sim());
    for capacity in [0, MAX_QUEUE_CAPACITY + 1, usize::MAX] {
        let mut c = config(&sim.target());
        c.queue_capacity = capacity;
        let err = Client::connect(c).unwrap_err().to_string();
        assert!(err.contains(&format!("queue capacity {capacity} is out of range: 1 to 1048576")), "{err}");
    }
    // Twenty links at the largest capacity: allocated up front that would be over 2 GB.
    let before = resident_bytes();
    let clients: Vec<Client> = (0..20)
        .map(|_| {
            let mut c = config(&sim.target());
            c.queue_capacity = MAX_QUEUE_CAPACITY;
            Client::connect(c).unwrap()
        })
        .collect();
    let grown = resident_bytes().saturating_sub(before);
    drop(clients);
    assert!(grown < 64 << 20, "20 idle links took {} MiB", grown >> 20);
}

/// This process's resident set, from /proc (0 where there is none).
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

#[test]
fn credentials_in_a_target_are_refused_without_being_repeated() {
    for target in ["tcp://devlink3:s3cret@127.0.0.1", "s3cret@ipo", "wss://u:s3cret@ipo/path"] {
        let err = Client::connect(ClientConfig::new(target, "devlink3", "p")).unwrap_err().to_string();
        assert!(err.contains("user information"), "{err}");
        assert!(!err.contains("s3cret"), "the error repeats the secret: {err}");
    }
}

#[test]
fn mutual_tls_without_a_client_certificate_is_a_final_rejection() {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let dir = std::env::temp_dir().join(format!("devlink3-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(vec!["devlink3 test CA".into()]).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client_cert =
        CertificateParams::new(vec!["cti-host".into()]).unwrap().signed_by(&client_key, &ca, &ca_key).unwrap();
    let (ca_file, cert_file, key_file) = (dir.join("ca.pem"), dir.join("client.pem"), dir.join("client.key"));
    std::fs::write(&ca_file, ca.pem()).unwrap();
    std::fs::write(&cert_file, client_cert.pem()).unwrap();
    std::fs::write(&key_file, client_key.serialize_pem()).unwrap();

    let sim =
        sim(SimConfig { tls: Some("127.0.0.1:0".parse().unwrap()), client_ca_file: Some(ca_file), ..quiet_sim() });
    let pinned = |c: &mut ClientConfig| {
        c.tls.pin_sha256 = Some(parse_fingerprint(&sim.fingerprint_sha256().unwrap()).unwrap());
    };
    // Without a certificate: the PBX's verdict, reported as a rejection, never retried.
    let mut c = config(&sim.tls_target().unwrap());
    pinned(&mut c);
    let client = Client::connect(c).unwrap();
    let Event::LinkState(LinkState::Rejected { reason, .. }) =
        wait_for(&client, "rejected", |e| is_state(e, "rejected"))
    else {
        unreachable!()
    };
    assert!(reason.contains("certificate rejected"), "{reason}");
    assert_eq!(sim.stats().auth_attempts, 0, "no password sent");
    // With one signed by the CA: operational.
    let mut c = config(&sim.tls_target().unwrap());
    pinned(&mut c);
    c.tls.client_cert = Some(devlink3_core::transport::ClientCert { cert_file, key_file });
    let client = Client::connect(c).unwrap();
    wait_operational(&client);
    let _ = std::fs::remove_dir_all(&dir);
}
