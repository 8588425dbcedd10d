//! The relay against real NATS servers (Debian's `nats-server`, started here on free
//! loopback ports with JetStream) and simulated IP Offices.

use std::collections::{BTreeMap, HashSet};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use devlink3_core::ClientConfig;
use devlink3_relay::testing::Nats;
use devlink3_relay::{Relay, RelayConfig, SiteConfig};
use devlink3_sim::{SimConfig, Simulator};
use serde_json::Value;

fn site(name: &str, sim: &Simulator) -> SiteConfig {
    SiteConfig { name: name.to_owned(), client: ClientConfig::new(sim.target(), "devlink3", "devlink3") }
}

fn traffic(seed: u64) -> Simulator {
    Simulator::start(SimConfig { rate: 40.0, seed, ..SimConfig::default() }).unwrap()
}

/// A stored message: subject, message id, document.
struct Stored {
    subject: String,
    id: String,
    document: Value,
}

/// Every message of the stream, in order.
fn read_stream(url: &str, stream: &str) -> Vec<Stored> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = async_nats::connect(url).await.unwrap();
        let js = jetstream::new(client);
        let mut stream = js.get_stream(stream).await.unwrap();
        let last = stream.info().await.unwrap().state.last_sequence;
        let mut all = Vec::new();
        for seq in 1..=last {
            let Ok(message) = stream.get_raw_message(seq).await else { continue };
            let id = message
                .headers
                .get("Nats-Msg-Id")
                .map(|v| v.as_str().to_owned())
                .expect("every message has a Nats-Msg-Id");
            let document = serde_json::from_slice(&message.payload).expect("payloads are JSON documents");
            all.push(Stored { subject: message.subject.to_string(), id, document });
        }
        all
    })
}

/// The record counters of `site` in stream order, per link connection (a new connection
/// of the simulator starts counting again at 1).
fn record_counters(stored: &[Stored], site: &str) -> Vec<u64> {
    stored
        .iter()
        .filter(|m| m.subject.starts_with(&format!("devlink3.{site}.record.")))
        .map(|m| m.document["counter"].as_u64().unwrap())
        .collect()
}

fn assert_unique_ids(stored: &[Stored]) {
    let mut ids = HashSet::new();
    for m in stored {
        assert!(ids.insert(m.id.clone()), "message id {} stored twice", m.id);
    }
}

fn assert_consecutive(counters: &[u64], what: &str) {
    assert!(!counters.is_empty(), "{what}: no records");
    for pair in counters.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "{what}: records out of order, duplicated or missing: {pair:?}");
    }
}

fn config(nats: &Nats, sites: Vec<SiteConfig>) -> RelayConfig {
    let mut config = RelayConfig::new(nats.url());
    config.sites = sites;
    config
}

#[test]
fn two_sites_into_one_stream_every_event_once_on_its_subject() {
    let nats = Nats::start();
    let (hq, branch) = (traffic(1), traffic(2));
    let relay = Relay::start(config(&nats, vec![site("hq", &hq), site("branch", &branch)])).unwrap();
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(relay.shutdown(Duration::from_secs(10)), 0, "everything was flushed");

    let stored = read_stream(&nats.url(), "DEVLINK3");
    assert_unique_ids(&stored);
    let mut subjects: BTreeMap<String, usize> = BTreeMap::new();
    for m in &stored {
        let parts: Vec<&str> = m.subject.split('.').collect();
        assert_eq!(parts[0], "devlink3");
        assert!(["hq", "branch"].contains(&parts[1]), "{}", m.subject);
        let kind = parts[2..].join(".");
        let record = m.document["record"]["kind"].as_str();
        match parts[2] {
            "record" => {
                assert_eq!(m.document["type"], "delta3");
                assert_eq!(Some(parts[3]), record, "a record on its kind's subject: {}", m.subject);
            }
            "link" => assert!(["link_state", "missed"].contains(&m.document["type"].as_str().unwrap())),
            "call" => assert_eq!(m.document["event"].as_str(), Some(parts[3]), "{}", m.subject),
            other => panic!("unexpected subject part {other}"),
        }
        *subjects.entry(kind).or_default() += 1;
    }
    for kind in ["record.detail", "link", "call.started", "call.ringing", "call.extension"] {
        assert!(subjects.contains_key(kind), "no {kind}: {subjects:?}");
    }
    for name in ["hq", "branch"] {
        assert_consecutive(&record_counters(&stored, name), name);
    }
    eprintln!("stored {} messages: {subjects:?}", stored.len());
}

#[test]
fn the_broker_killed_and_restarted_loses_and_duplicates_nothing() {
    let mut nats = Nats::start();
    let pbx = traffic(3);
    let relay = Relay::start(config(&nats, vec![site("hq", &pbx)])).unwrap();
    std::thread::sleep(Duration::from_secs(1));
    nats.kill();
    std::thread::sleep(Duration::from_secs(2));
    assert!(relay.metrics().health().is_err(), "unhealthy while the broker is away");
    nats.restart();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(relay.shutdown(Duration::from_secs(15)), 0, "the backlog was flushed");

    let stored = read_stream(&nats.url(), "DEVLINK3");
    assert_unique_ids(&stored);
    let counters = record_counters(&stored, "hq");
    assert_consecutive(&counters, "hq");
    assert!(counters.len() > 50, "events flowed across the outage: {}", counters.len());
}

#[test]
fn the_relay_restarted_duplicates_nothing_and_reports_the_gap() {
    let nats = Nats::start();
    let pbx = traffic(4);
    let first = Relay::start(config(&nats, vec![site("hq", &pbx)])).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    // A crash: no flush, the links just go.
    drop(first);
    std::thread::sleep(Duration::from_secs(1));
    let second = Relay::start(config(&nats, vec![site("hq", &pbx)])).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    second.shutdown(Duration::from_secs(10));

    let stored = read_stream(&nats.url(), "DEVLINK3");
    assert_unique_ids(&stored);
    let gap: Vec<&Stored> = stored.iter().filter(|m| m.document["source"] == "relay_restart").collect();
    assert_eq!(gap.len(), 1, "one restart notice");
    let notice = &gap[0].document;
    assert_eq!(gap[0].subject, "devlink3.hq.link");
    assert_eq!(notice["type"], "missed");
    assert!(notice["last"]["counter"].is_u64() && notice["first"]["counter"].is_u64(), "{notice}");
    // Each run's records are consecutive: nothing twice within a connection.
    let counters = record_counters(&stored, "hq");
    let restart = counters.windows(2).position(|w| w[1] <= w[0]).map_or(counters.len(), |i| i + 1);
    assert_consecutive(&counters[..restart], "first run");
    assert_consecutive(&counters[restart..], "second run");
}

#[test]
fn three_relays_get_links_and_a_fourth_is_refused_and_says_so() {
    // IP Office takes three DevLink3 links: the fourth is refused with LIMITS_EXCEEDED,
    // which the link treats as "come back later" (one of the three may go), so it waits
    // and says why in its state, the health check and the log.
    let nats = Nats::start();
    let pbx = Simulator::start(SimConfig::default()).unwrap();
    let relays: Vec<Relay> = (0..4)
        .map(|i| {
            // One stream; each relay names its site apart.
            let mut config = config(&nats, vec![site("hq", &pbx)]);
            config.sites[0].name = format!("hq{i}");
            let relay = Relay::start(config).unwrap();
            std::thread::sleep(Duration::from_millis(500));
            relay
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while relays[3].metrics().link_state("hq3") != "no_response" {
        assert!(Instant::now() < deadline, "the fourth relay was not refused");
        std::thread::sleep(Duration::from_millis(50));
    }
    for (i, relay) in relays.iter().enumerate().take(3) {
        assert_eq!(relay.metrics().link_state(&format!("hq{i}")), "operational");
        assert!(relay.metrics().health().is_ok());
    }
    let why = relays[3].metrics().health().unwrap_err();
    assert!(why.contains("site hq3") && why.contains("LIMITS"), "{why}");
    let text = relays[3].metrics().render();
    assert!(text.contains("devlink3_relay_link_up{site=\"hq3\"} 0"), "{text}");
    for relay in relays {
        relay.shutdown(Duration::from_secs(5));
    }
}

#[test]
fn metrics_and_health_are_served_over_http() {
    let nats = Nats::start();
    let pbx = traffic(5);
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = config(&nats, vec![site("hq", &pbx)]);
    config.metrics = Some(([127, 0, 0, 1], port).into());
    let relay = Relay::start(config).unwrap();
    let get = |path: &str| {
        use std::io::{Read, Write};
        let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(socket, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut response = String::new();
        socket.read_to_string(&mut response).unwrap();
        response
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !get("/healthz").starts_with("HTTP/1.1 200") {
        assert!(Instant::now() < deadline, "never healthy: {}", get("/healthz"));
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(1));
    let metrics = get("/metrics");
    for family in [
        "devlink3_relay_events_received_total{site=\"hq\"}",
        "devlink3_relay_events_published_total{site=\"hq\"}",
        "devlink3_relay_events_missed_total{site=\"hq\"} 0",
        "devlink3_relay_buffer_depth{site=\"hq\"}",
        "devlink3_relay_link_up{site=\"hq\"} 1",
        "devlink3_relay_publish_latency_seconds_sum{site=\"hq\"}",
        "devlink3_relay_broker_connected 1",
    ] {
        assert!(metrics.contains(family), "{family} missing:\n{metrics}");
    }
    assert!(get("/nope").starts_with("HTTP/1.1 404"));
    relay.shutdown(Duration::from_secs(5));
}

#[test]
fn bad_configurations_are_refused_by_name() {
    let pbx = SimConfig::default();
    let _ = pbx;
    let mut config = RelayConfig::new("nats://127.0.0.1:1");
    assert!(Relay::start(config.clone()).unwrap_err().contains("no site"));
    config.sites.push(SiteConfig { name: "h q".into(), client: ClientConfig::new("127.0.0.1", "u", "p") });
    assert!(Relay::start(config.clone()).unwrap_err().contains("site name \"h q\""));
    config.sites[0].name = "hq".into();
    let err = Relay::start(config).unwrap_err();
    assert!(err.contains("cannot connect to NATS at nats://127.0.0.1:1"), "{err}");
}

#[test]
fn a_full_buffer_drops_the_oldest_and_says_how_many() {
    let mut nats = Nats::start();
    let pbx = traffic(6);
    let mut config = config(&nats, vec![site("hq", &pbx)]);
    config.buffer = 20;
    let relay = Relay::start(config).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    nats.kill();
    // At 40 calls a second the buffer of 20 overflows well within this.
    std::thread::sleep(Duration::from_secs(3));
    nats.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    while relay.metrics().missed("hq") == 0 {
        assert!(Instant::now() < deadline, "nothing reported dropped");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(1));
    relay.shutdown(Duration::from_secs(10));
    let stored = read_stream(&nats.url(), "DEVLINK3");
    assert_unique_ids(&stored);
    let notices: Vec<&Stored> = stored.iter().filter(|m| m.document["source"] == "relay_buffer").collect();
    assert!(!notices.is_empty(), "a missed notice was published");
    let reported: u64 = notices.iter().map(|m| m.document["count"].as_u64().unwrap()).sum();
    assert!(reported > 0);
    // The records around the gap: as many missing as reported (calls' events and link
    // events are in the buffer too, so the records' gap is at most the count).
    let counters = record_counters(&stored, "hq");
    let missing: u64 = counters.windows(2).map(|w| w[1] - w[0] - 1).sum();
    assert!(missing > 0 && missing <= reported, "records missing {missing}, reported {reported}");
    assert!(counters.windows(2).all(|w| w[1] > w[0]), "still in order");
}
