//! The broker side: the stream, and each site's publisher.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage, stream};
use tokio::sync::watch;

use crate::{Metrics, RelayConfig, Site};

/// Messages in flight per site before their acknowledgements are awaited.
const WINDOW: usize = 256;
/// How long the stream remembers message ids, when the relay creates it.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(3600);

/// Connects to NATS and finds (or creates) the stream.
pub(crate) async fn connect(
    config: &RelayConfig,
    metrics: &Arc<Metrics>,
) -> Result<(jetstream::Context, stream::Stream), String> {
    let events = Arc::clone(metrics);
    let client = async_nats::ConnectOptions::new()
        .name("devlink3-relay")
        .connection_timeout(Duration::from_secs(5))
        .event_callback(move |event| {
            let metrics = Arc::clone(&events);
            async move {
                match event {
                    async_nats::Event::Connected => {
                        metrics.broker_connected.store(true, Ordering::Relaxed);
                        log::info!("broker: connected");
                    }
                    async_nats::Event::Disconnected => {
                        metrics.broker_connected.store(false, Ordering::Relaxed);
                        log::warn!("broker: disconnected; events wait in the buffers");
                    }
                    other => log::info!("broker: {other}"),
                }
            }
        })
        .connect(crate::servers(&config.nats_url).as_slice())
        .await
        .map_err(|e| format!("cannot connect to NATS at {}: {e}", config.nats_url))?;
    metrics.broker_connected.store(true, Ordering::Relaxed);
    let js = jetstream::new(client);
    let stream = js
        .get_or_create_stream(stream::Config {
            name: config.stream.clone(),
            subjects: vec!["devlink3.>".to_owned()],
            storage: stream::StorageType::File,
            max_age: config.max_age.unwrap_or_default(),
            max_bytes: config.max_bytes.unwrap_or(-1),
            // Message ids are remembered this long: a publish retried within it (after a
            // broker outage up to this long) is stored once. Not longer than the stream
            // keeps messages.
            duplicate_window: config.max_age.map_or(DUPLICATE_WINDOW, |age| age.min(DUPLICATE_WINDOW)),
            ..Default::default()
        })
        .await
        .map_err(|e| format!("cannot find or create the JetStream stream {:?}: {e}", config.stream))?;
    Ok((js, stream))
}

/// The PBX and counter of the last record a previous run published for `site`.
pub(crate) async fn last_record(stream: &stream::Stream, site: &str) -> Option<(String, u32)> {
    let message = stream.get_last_raw_message_by_subject(&format!("devlink3.{site}.record.>")).await.ok()?;
    let document: serde_json::Value = serde_json::from_slice(&message.payload).ok()?;
    let pbx = document.get("pbx_ip")?.as_str()?.to_owned();
    let counter = u32::try_from(document.get("counter")?.as_u64()?).ok()?;
    Some((pbx, counter))
}

/// Publishes `site`'s buffer in order until told to stop (then, once it is empty).
pub(crate) async fn run(js: jetstream::Context, site: Arc<Site>, mut stop: watch::Receiver<bool>) {
    let mut backoff = Duration::from_millis(100);
    let mut failing = false;
    loop {
        // Stopping (the flush time is over): what is left stays unpublished, and is counted.
        if *stop.borrow() {
            return;
        }
        let dropped = site.buffer.take_dropped_count();
        site.metrics.missed.fetch_add(dropped, Ordering::Relaxed);
        let window = site.buffer.window(WINDOW);
        if dropped > 0 {
            log::warn!("site {}: {dropped} events dropped: the buffer was full while the broker was away", site.name);
        }
        site.metrics.depth.store(site.buffer.len() as u64, Ordering::Relaxed);
        if window.is_empty() {
            tokio::select! {
                _ = site.buffer.notify.notified() => {}
                _ = stop.changed() => {}
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
            continue;
        }
        let mut pending = Vec::with_capacity(window.len());
        let mut failure: Option<String> = None;
        for outgoing in &window {
            let message = PublishMessage::build().payload(outgoing.payload.clone()).message_id(&outgoing.id);
            match js.send_publish(outgoing.subject.clone(), message).await {
                Ok(ack) => pending.push((outgoing.seq, outgoing.received, ack)),
                Err(e) => {
                    failure = Some(e.to_string());
                    break;
                }
            }
        }
        let mut acked = Vec::with_capacity(pending.len());
        for (seq, received, ack) in pending {
            match ack.await {
                Ok(_) => {
                    acked.push(seq);
                    let micros = u64::try_from(received.elapsed().as_micros()).unwrap_or(u64::MAX);
                    site.metrics.latency_micros.fetch_add(micros, Ordering::Relaxed);
                }
                Err(e) => {
                    failure.get_or_insert_with(|| e.to_string());
                    // Later ones are resent with their ids: the stream keeps each once.
                    break;
                }
            }
        }
        site.buffer.acked(&acked);
        // Events published; a missed notice is the relay's own message, not an event.
        let events = acked.iter().filter(|&&seq| seq != u64::MAX).count();
        site.metrics.published.fetch_add(events as u64, Ordering::Relaxed);
        match failure {
            Some(reason) => {
                if !failing {
                    log::warn!("site {}: cannot publish ({reason}); retrying, events wait in the buffer", site.name);
                    failing = true;
                }
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.wait_for(|&stop| stop) => {
                        // Stopping: one more try after the flush deadline is the caller's call.
                    }
                }
                backoff = (backoff * 2).min(Duration::from_secs(2));
                if *stop.borrow() && failing {
                    return;
                }
            }
            None => {
                if failing {
                    log::info!("site {}: publishing again", site.name);
                    failing = false;
                }
                backoff = Duration::from_millis(100);
            }
        }
    }
}
