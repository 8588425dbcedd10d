//! The call model on a live link: pull ([`CallStream`]) or push ([`CallHandler`]).
//!
//! Both feed every event of the link to a [`CallTracker`] at the wall-clock time it is
//! handled (Unix seconds). [`CallStream`] also lets time pass when the link is quiet, so
//! that resynchronisation windows close and idle calls age out without traffic; a
//! [`CallHandler`] runs on the link's callbacks, so on a quiet link those wait for its next
//! event.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{CallTracker, Seconds, Tracked, TrackerConfig};
use crate::dispatch::{Callback, Handlers};
use crate::{Client, Error, Event};

/// Now, in Unix seconds.
pub fn unix_now() -> Seconds {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// The call events of a link, pulled: `next` waits for the link's next events and returns
/// what they mean for its calls. The first pull subscribes the link.
#[derive(Debug)]
pub struct CallStream<'c> {
    client: &'c Client,
    tracker: CallTracker,
    pending: VecDeque<Tracked>,
    events: Vec<Event>,
    out: Vec<Tracked>,
}

impl<'c> CallStream<'c> {
    /// Tracks the calls of `client`'s link.
    pub fn new(client: &'c Client, config: TrackerConfig) -> Self {
        Self {
            client,
            tracker: CallTracker::new(config),
            pending: VecDeque::new(),
            events: Vec::new(),
            out: Vec::new(),
        }
    }

    /// The next call or extension event, waiting up to `timeout` (forever when `None`);
    /// `Ok(None)` when the time passed without one. `Err(Error::Closed)` once the link is
    /// closed and everything it delivered has been returned.
    pub fn next(&mut self, timeout: Option<Duration>) -> Result<Option<Tracked>, Error> {
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        loop {
            if let Some(tracked) = self.pending.pop_front() {
                return Ok(Some(tracked));
            }
            // Wake at least once a second so that time passes for the tracker.
            let wait = match deadline {
                Some(deadline) => {
                    deadline.saturating_duration_since(std::time::Instant::now()).min(Duration::from_secs(1))
                }
                None => Duration::from_secs(1),
            };
            self.client.next_events(&mut self.events, 512, Some(wait))?;
            self.tracker.events(&self.events, unix_now(), &mut self.out);
            self.events.clear();
            self.pending.extend(self.out.drain(..));
            if self.pending.is_empty() && deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                return Ok(None);
            }
        }
    }

    /// The calls in progress and the extensions' states, as of the last event returned.
    pub fn tracker(&self) -> &CallTracker {
        &self.tracker
    }
}

impl Iterator for CallStream<'_> {
    type Item = Tracked;

    /// Blocks for the next event; ends when the link is closed.
    fn next(&mut self) -> Option<Tracked> {
        CallStream::next(self, None).ok().flatten()
    }
}

/// What a [`CallHandler`] calls.
type OnCall = dyn FnMut(&Tracked) + Send;

/// The call events of a link, pushed: installs itself in a link's [`Handlers`] beside the
/// application's own callbacks (which keep running) and calls `on_call` on the dispatcher
/// thread for each call or extension event.
pub struct CallHandler {
    tracker: Arc<Mutex<CallTracker>>,
    on_call: Arc<Mutex<OnCall>>,
}

impl std::fmt::Debug for CallHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallHandler").finish_non_exhaustive()
    }
}

impl CallHandler {
    /// A handler calling `on_call` for every call and extension event.
    pub fn new(config: TrackerConfig, on_call: impl FnMut(&Tracked) + Send + 'static) -> Self {
        Self { tracker: Arc::new(Mutex::new(CallTracker::new(config))), on_call: Arc::new(Mutex::new(on_call)) }
    }

    /// Runs `read` on the tracker: the calls in progress and the extensions' states.
    pub fn with_tracker<R>(&self, read: impl FnOnce(&CallTracker) -> R) -> R {
        read(&self.tracker.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Adds the tracker to `handlers`: the Delta3, link-state and missed callbacks already
    /// there keep being called, first. Setting it subscribes the link to records.
    pub fn install(&self, handlers: &mut Handlers) {
        let feed = {
            let tracker = Arc::clone(&self.tracker);
            let on_call = Arc::clone(&self.on_call);
            move |event: &Event| {
                let mut out = Vec::new();
                tracker.lock().unwrap_or_else(PoisonError::into_inner).event(event, unix_now(), &mut out);
                let mut on_call = on_call.lock().unwrap_or_else(PoisonError::into_inner);
                for tracked in &out {
                    on_call(tracked);
                }
            }
        };
        let feed = Arc::new(Mutex::new(feed));
        let chain = |previous: Option<Callback<Event>>| {
            let feed = Arc::clone(&feed);
            let mut previous = previous;
            Box::new(move |event: &Event| {
                if let Some(previous) = &mut previous {
                    previous(event);
                }
                (feed.lock().unwrap_or_else(PoisonError::into_inner))(event);
            }) as Callback<Event>
        };
        handlers.delta3 = Some(chain(handlers.delta3.take()));
        handlers.missed = Some(chain(handlers.missed.take()));
        let feed_state = Arc::clone(&feed);
        let mut previous_state = handlers.link_state.take();
        handlers.link_state = Some(Box::new(move |state| {
            if let Some(previous) = &mut previous_state {
                previous(state);
            }
            (feed_state.lock().unwrap_or_else(PoisonError::into_inner))(&Event::LinkState(state.clone()));
        }));
    }
}
