//! Helpers shared by the client-side integration tests.

use std::time::{Duration, Instant};

use devlink3_core::client::{Client, Event};

/// How long a test waits for something that should happen promptly.
pub const WAIT: Duration = Duration::from_secs(10);

/// Pulls events until one matches, failing with everything seen if none does in time.
pub fn wait_for(client: &Client, what: &str, mut pred: impl FnMut(&Event) -> bool) -> Event {
    let deadline = Instant::now() + WAIT;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Some(event) = client.next_event(Some(Duration::from_millis(100))).unwrap() {
            if pred(&event) {
                return event;
            }
            seen.push(event);
        }
    }
    panic!("no {what} within {WAIT:?}; saw {seen:#?}");
}
