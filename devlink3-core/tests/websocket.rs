//! DevLink3 over WebSocket: client ↔ simulator over ws:// and wss://.

mod common;

use std::time::Duration;

use common::wait_for;
use devlink3_core::client::{Client, ClientConfig, Event, LinkState, Reconnect};
use devlink3_core::transport::{HttpAuth, parse_fingerprint};
use devlink3_sim::{ANSWERED_CALL_DETAIL, SendPolicy, SimConfig, SimHttpAuth, SimWebSocket, Simulator};

fn ws_sim(websocket: SimWebSocket) -> Simulator {
    Simulator::start(SimConfig {
        tcp: None,
        ws: Some("127.0.0.1:0".parse().unwrap()),
        wss: Some("127.0.0.1:0".parse().unwrap()),
        websocket,
        ..SimConfig::default()
    })
    .unwrap()
}

fn config(target: String, sim: &Simulator) -> ClientConfig {
    let mut c = ClientConfig::new(target, "devlink3", "devlink3");
    c.tls.pin_sha256 = Some(parse_fingerprint(&sim.fingerprint_sha256().unwrap()).unwrap());
    c.reconnect = Reconnect {
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        retry_later_delay: Duration::from_millis(200),
        stable_after: Duration::from_millis(500),
    };
    c
}

fn operational(client: &Client) {
    wait_for(client, "operational", |e| matches!(e, Event::LinkState(LinkState::Operational(_))));
}

fn rejected_reason(client: &Client) -> String {
    match wait_for(client, "rejected", |e| matches!(e, Event::LinkState(LinkState::Rejected { .. }))) {
        Event::LinkState(LinkState::Rejected { reason, .. }) => reason,
        _ => unreachable!(),
    }
}

/// Injects `n` answered-call records and checks they all arrive intact.
fn records_flow(sim: &Simulator, client: &Client, n: usize) {
    assert!(sim.wait_subscribed(1, common::WAIT), "pulling subscribes the link");
    for _ in 0..n {
        sim.inject_delta3(ANSWERED_CALL_DETAIL);
    }
    for _ in 0..n {
        let event = wait_for(client, "a record", |e| matches!(e, Event::Delta3 { .. }));
        let Event::Delta3 { record, .. } = event else { unreachable!() };
        assert_eq!(record.raw(), ANSWERED_CALL_DETAIL);
    }
}

#[test]
fn ws_with_digest_md5() {
    let sim = ws_sim(SimWebSocket::default());
    let client = Client::connect(config(sim.ws_target().unwrap(), &sim)).unwrap();
    operational(&client);
    records_flow(&sim, &client, 3);
    assert_eq!(sim.stats().http_auth_failures, 0);
}

#[test]
fn wss_with_basic_and_a_pinned_certificate() {
    let sim = ws_sim(SimWebSocket { http_auth: SimHttpAuth::Basic, path: "/devlink3".into(), ..Default::default() });
    let target = sim.wss_target().unwrap();
    assert!(target.ends_with("/devlink3"), "{target}");
    let client = Client::connect(config(target, &sim)).unwrap();
    let Event::LinkState(LinkState::Operational(info)) =
        wait_for(&client, "operational", |e| matches!(e, Event::LinkState(LinkState::Operational(_))))
    else {
        unreachable!()
    };
    assert!(info.encrypted);
    records_flow(&sim, &client, 2);
}

#[test]
fn stale_digest_nonce_is_retried_once() {
    let sim = ws_sim(SimWebSocket { stale_first_nonce: true, ..Default::default() });
    let client = Client::connect(config(sim.ws_target().unwrap(), &sim)).unwrap();
    operational(&client);
    assert_eq!(sim.stats().http_auth_failures, 0);
}

#[test]
fn wrong_http_password_is_a_clear_401_without_retries() {
    for http_auth in [SimHttpAuth::Digest, SimHttpAuth::Basic] {
        let sim = ws_sim(SimWebSocket { http_auth, ..Default::default() });
        let mut c = config(sim.wss_target().unwrap(), &sim);
        c.password = "wrong".into();
        let client = Client::connect(c).unwrap();
        let reason = rejected_reason(&client);
        assert!(reason.contains("401") && reason.contains("not retrying"), "{reason}");
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(sim.stats().http_auth_failures, 1, "{http_auth:?}: exactly one wrong answer");
    }
}

#[test]
fn basic_over_plain_ws_is_refused_unless_allowed() {
    let sim = ws_sim(SimWebSocket { http_auth: SimHttpAuth::Basic, ..Default::default() });
    let client = Client::connect(config(sim.ws_target().unwrap(), &sim)).unwrap();
    let reason = rejected_reason(&client);
    assert!(reason.contains("clear text"), "{reason}");
    assert_eq!(sim.stats().http_auth_failures, 0, "no password was sent");

    let mut c = config(sim.ws_target().unwrap(), &sim);
    c.websocket.allow_basic_over_cleartext = true;
    c.websocket.http_auth = HttpAuth::Basic;
    operational(&Client::connect(c).unwrap());
}

#[test]
fn frames_split_across_messages_and_packed_into_one() {
    for send in [SendPolicy::Split(7), SendPolicy::Split(1), SendPolicy::Packed, SendPolicy::FramePerMessage] {
        let sim = ws_sim(SimWebSocket { send, ..Default::default() });
        let client = Client::connect(config(sim.ws_target().unwrap(), &sim)).unwrap();
        operational(&client);
        records_flow(&sim, &client, 20);
        let users = client.users().unwrap();
        assert!(!users.is_empty(), "{send:?}");
    }
}

#[test]
fn wrong_path_is_reported_as_such() {
    let sim = ws_sim(SimWebSocket { path: "/devlink3".into(), ..Default::default() });
    let target = sim.ws_target().unwrap().replace("/devlink3", "/elsewhere");
    let client = Client::connect(config(target, &sim)).unwrap();
    let reason = rejected_reason(&client);
    assert!(reason.contains("404") && reason.contains("path"), "{reason}");
}

#[test]
fn reconnects_after_a_drop() {
    let sim = ws_sim(SimWebSocket::default());
    let client = Client::connect(config(sim.ws_target().unwrap(), &sim)).unwrap();
    operational(&client);
    sim.drop_connections();
    wait_for(&client, "no response", |e| matches!(e, Event::LinkState(LinkState::NoResponse { .. })));
    operational(&client);
    records_flow(&sim, &client, 1);
}

#[test]
fn server_close_frame_is_reported_with_its_code() {
    let sim = ws_sim(SimWebSocket::default());
    let client = Client::connect(config(sim.ws_target().unwrap(), &sim)).unwrap();
    operational(&client);
    sim.stop();
    let Event::LinkState(LinkState::NoResponse { reason, .. }) =
        wait_for(&client, "no response", |e| matches!(e, Event::LinkState(LinkState::NoResponse { .. })))
    else {
        unreachable!()
    };
    assert!(reason.contains("the server closed the WebSocket (code 1000"), "{reason}");
}

#[test]
fn subprotocol_and_http_only_authentication() {
    let sim = ws_sim(SimWebSocket { protocol: Some("devlink3".into()), devlink_auth: false, ..Default::default() });
    let mut c = config(sim.ws_target().unwrap(), &sim);
    c.websocket.devlink_auth = false;
    c.websocket.protocols = vec!["devlink3".into()];
    c.websocket.headers = vec![("X-Site".into(), "lab".into())];
    let client = Client::connect(c).unwrap();
    operational(&client);
    records_flow(&sim, &client, 2);
    // The HTTP Digest login counts as one attempt; a DevLink3 login would make it two.
    assert_eq!(sim.stats().auth_attempts, 1, "no DevLink3 login inside the WebSocket");

    // Without the protocol the server refuses the upgrade.
    let mut c = config(sim.ws_target().unwrap(), &sim);
    c.websocket.devlink_auth = false;
    let reason = rejected_reason(&Client::connect(c).unwrap());
    assert!(reason.contains("400"), "{reason}");
}
