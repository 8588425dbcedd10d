//! Reading the relay's stream back: `devlink3 tail --nats URL [--site NAME]`.

use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use futures_util::StreamExt;

/// Where to start reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// Only what arrives from now on (as `tail` on a PBX).
    Now,
    /// Everything the stream still holds.
    Start,
}

/// Calls `each(payload)` for every message of `stream` on `devlink3.<site>.>` (every site
/// when `None`), in order, until `each` returns `false` or `until` has passed. The payloads
/// are the documents `devlink3 tail` prints.
pub fn follow(
    url: &str,
    stream: &str,
    site: Option<&str>,
    from: From,
    until: Option<std::time::Instant>,
    mut each: impl FnMut(&[u8]) -> bool,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(async {
        let client = async_nats::ConnectOptions::new()
            .name("devlink3-tail")
            .connection_timeout(Duration::from_secs(5))
            .connect(crate::servers(url).as_slice())
            .await
            .map_err(|e| format!("cannot connect to NATS at {url}: {e}"))?;
        let js = jetstream::new(client);
        let stream =
            js.get_stream(stream).await.map_err(|e| format!("no JetStream stream {stream:?} at {url}: {e}"))?;
        let consumer = stream
            .create_consumer(consumer::pull::OrderedConfig {
                filter_subject: format!("devlink3.{}.>", site.unwrap_or("*")),
                deliver_policy: match from {
                    From::Now => consumer::DeliverPolicy::New,
                    From::Start => consumer::DeliverPolicy::All,
                },
                ..Default::default()
            })
            .await
            .map_err(|e| format!("cannot read the stream: {e}"))?;
        let mut messages = consumer.messages().await.map_err(|e| format!("cannot read the stream: {e}"))?;
        loop {
            let next = match until {
                Some(until) => {
                    let left = until.saturating_duration_since(std::time::Instant::now());
                    match tokio::time::timeout(left, messages.next()).await {
                        Ok(next) => next,
                        Err(_) => return Ok(()),
                    }
                }
                None => messages.next().await,
            };
            match next {
                Some(Ok(message)) => {
                    if !each(&message.payload) {
                        return Ok(());
                    }
                }
                Some(Err(e)) => return Err(format!("reading the stream: {e}")),
                None => return Ok(()),
            }
        }
    })
}
