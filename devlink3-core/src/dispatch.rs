//! From the runtime to user code: a bounded queue, and the one thread that calls callbacks.
//!
//! The session task pushes decoded events without ever blocking. When the consumer is
//! slower than the PBX and the queue is full, the *oldest* event is dropped and counted;
//! the consumer then receives a [`Event::Missed`] before the next event it takes, so
//! nothing disappears silently. Link-state changes and missed reports are never lost to
//! that: if one is the oldest item, it moves to a small side list delivered first.
//!
//! Callbacks run on a dispatcher thread owned by the link: serially, never on the caller's
//! thread, never on a runtime thread. `close` from another thread joins it, so when close
//! returns no callback is running or will run; `close` from inside a callback only marks
//! the link closed, and the dispatcher exits when the callback returns.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::event::{Event, LinkState, MissedReason};
use crate::subscription::Subscription;

/// The queue between the session task and the consumer.
///
/// An unbounded channel (its blocks are allocated as it fills and freed as it drains)
/// held to `capacity` by `push`: a large capacity costs nothing until it is used.
#[derive(Debug)]
pub(crate) struct EventQueue {
    tx: Sender<Event>,
    rx: Receiver<Event>,
    capacity: usize,
    /// Events dropped because the queue was full, not yet reported.
    dropped: AtomicU64,
    /// Control events (state, missed) displaced from the queue; delivered first.
    displaced: Mutex<VecDeque<Event>>,
    has_displaced: AtomicBool,
    closed: AtomicBool,
}

impl EventQueue {
    pub(crate) fn new(capacity: usize) -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        EventQueue {
            tx,
            rx,
            capacity: capacity.max(1),
            dropped: AtomicU64::new(0),
            displaced: Mutex::new(VecDeque::new()),
            has_displaced: AtomicBool::new(false),
            closed: AtomicBool::new(false),
        }
    }

    /// Queues an event; never blocks. On a full queue the oldest event makes room.
    pub(crate) fn push(&self, event: Event) {
        // One producer (the session task; `close` adds one last event): the length only
        // shrinks meanwhile, so the queue never exceeds its capacity by more than that one.
        while self.rx.len() >= self.capacity {
            match self.rx.try_recv() {
                Ok(oldest) => self.displace(oldest),
                Err(_) => break,
            }
        }
        let _ = self.tx.send(event); // fails only when disconnected, and we hold `rx`
    }

    /// Accounts for an event taken out to make room.
    fn displace(&self, oldest: Event) {
        match oldest {
            Event::Missed { count, .. } => {
                self.dropped.fetch_add(count, Ordering::Relaxed);
            }
            Event::LinkState(_) => {
                lock(&self.displaced).push_back(oldest);
                self.has_displaced.store(true, Ordering::Release);
            }
            _ => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Takes the next event, waiting up to `timeout` (forever when `None`).
    /// `None` on timeout or once the queue is closed.
    pub(crate) fn pop(&self, timeout: Option<Duration>) -> Option<Event> {
        let deadline = timeout.map(|t| Instant::now() + t);
        if self.is_closed() {
            return None;
        }
        if let Some(event) = self.take_pending() {
            return Some(event);
        }
        let received = match deadline {
            None => self.rx.recv().ok(),
            Some(deadline) => self.rx.recv_deadline(deadline).ok(),
        };
        let event = received?;
        if self.is_closed() {
            return None;
        }
        // Drops counted meanwhile are older than this event: report them first.
        if let Some(missed) = self.take_pending() {
            self.requeue_front(event);
            return Some(missed);
        }
        Some(event)
    }

    /// A displaced control event or a missed report, if any is waiting.
    fn take_pending(&self) -> Option<Event> {
        if self.has_displaced.load(Ordering::Acquire) {
            let mut displaced = lock(&self.displaced);
            if let Some(event) = displaced.pop_front() {
                self.has_displaced.store(!displaced.is_empty(), Ordering::Release);
                return Some(event);
            }
        }
        match self.dropped.swap(0, Ordering::AcqRel) {
            0 => None,
            count => Some(Event::Missed { count, reason: MissedReason::SlowConsumer }),
        }
    }

    /// Puts an event back ahead of the queue (it was taken just before a missed report).
    fn requeue_front(&self, event: Event) {
        let mut displaced = lock(&self.displaced);
        displaced.push_back(event);
        self.has_displaced.store(true, Ordering::Release);
    }

    /// Makes every current and future `pop` return `None`, waking a blocked one.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.push(Event::LinkState(LinkState::Closed));
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in a user callback is caught before it can poison anything of ours, but be
    // robust anyway: the data (a queue) stays valid.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// User callbacks, replaceable while the link runs (the legacy API registers and
/// unregisters them at any time).
pub type Callback<T> = Box<dyn FnMut(&T) + Send + 'static>;

/// One optional callback per event kind. A link subscribes to records once one of the
/// record callbacks (`delta3`, `delta2`, `siptrack`, `cmextn`, `other`) is set.
#[derive(Default)]
pub struct Handlers {
    pub delta3: Option<Callback<Event>>,
    pub delta2: Option<Callback<Event>>,
    pub siptrack: Option<Callback<Event>>,
    pub cmextn: Option<Callback<Event>>,
    pub link_state: Option<Callback<LinkState>>,
    /// Events dropped or missed, with the count.
    pub missed: Option<Callback<Event>>,
    /// Everything else (unparsed records, unknown tuples); `None` ignores them.
    pub other: Option<Callback<Event>>,
}

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handlers")
            .field("delta3", &self.delta3.is_some())
            .field("delta2", &self.delta2.is_some())
            .field("siptrack", &self.siptrack.is_some())
            .field("cmextn", &self.cmextn.is_some())
            .field("link_state", &self.link_state.is_some())
            .field("missed", &self.missed.is_some())
            .field("other", &self.other.is_some())
            .finish()
    }
}

impl Handlers {
    /// Whether any callback takes records (rather than link states and missed reports).
    pub fn wants_records(&self) -> bool {
        self.delta3.is_some()
            || self.delta2.is_some()
            || self.siptrack.is_some()
            || self.cmextn.is_some()
            || self.other.is_some()
    }

    fn deliver(&mut self, event: &Event) {
        let slot = match event {
            Event::Delta3 { .. } => &mut self.delta3,
            Event::Delta2 { .. } => &mut self.delta2,
            Event::SipTrack { .. } => &mut self.siptrack,
            Event::CmExtn { .. } | Event::CmExtnState { .. } => &mut self.cmextn,
            Event::LinkState(state) => {
                if let Some(cb) = &mut self.link_state {
                    cb(state);
                }
                return;
            }
            Event::Missed { .. } => &mut self.missed,
            Event::Unparsed { .. } => &mut self.other,
        };
        if let Some(cb) = slot {
            cb(event);
        }
    }
}

/// A change to the callbacks.
pub(crate) type HandlerUpdate = Box<dyn FnOnce(&mut Handlers) + Send + 'static>;

/// The callbacks of a link and the changes asked for from inside one of them.
///
/// The dispatcher holds the callbacks while one runs, so a callback that changes them
/// (legacy applications register from inside their comms callback) cannot take the same
/// lock: its change waits in `pending` and applies as soon as the callback returns.
pub(crate) struct HandlerSet {
    handlers: Mutex<Handlers>,
    pending: Mutex<Vec<HandlerUpdate>>,
    has_pending: AtomicBool,
    /// Asked for as soon as a record callback is set.
    subscription: Arc<Subscription>,
}

impl HandlerSet {
    pub(crate) fn new(subscription: Arc<Subscription>) -> Self {
        HandlerSet {
            handlers: Mutex::default(),
            pending: Mutex::default(),
            has_pending: AtomicBool::new(false),
            subscription,
        }
    }

    /// Applies `update` now, or after the running callback when called from inside one.
    pub(crate) fn update(&self, update: HandlerUpdate, from_callback: bool) {
        if from_callback {
            lock(&self.pending).push(update);
            self.has_pending.store(true, Ordering::Release);
        } else {
            let mut handlers = lock(&self.handlers);
            update(&mut handlers);
            self.subscribe_if_wanted(&handlers);
        }
    }

    fn apply_pending(&self, handlers: &mut Handlers) {
        if self.has_pending.swap(false, Ordering::AcqRel) {
            for update in std::mem::take(&mut *lock(&self.pending)) {
                update(handlers);
            }
            self.subscribe_if_wanted(handlers);
        }
    }

    fn subscribe_if_wanted(&self, handlers: &Handlers) {
        if handlers.wants_records() {
            // With the configured flags; refused only for other flags, which we do not give.
            let _ = self.subscription.request(None);
        }
    }
}

impl std::fmt::Debug for HandlerSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerSet").field("handlers", &self.handlers).finish_non_exhaustive()
    }
}

/// The dispatcher thread of one link.
#[derive(Debug)]
pub(crate) struct Dispatcher {
    thread: Mutex<Option<JoinHandle<()>>>,
    thread_id: ThreadId,
}

impl Dispatcher {
    /// Starts the thread that drains `queue` into `handlers`.
    pub(crate) fn start(name: String, queue: Arc<EventQueue>, set: Arc<HandlerSet>) -> std::io::Result<Dispatcher> {
        let thread = thread::Builder::new().name(name).spawn(move || {
            while let Some(event) = queue.pop(None) {
                let mut handlers = lock(&set.handlers);
                if queue.is_closed() {
                    break;
                }
                set.apply_pending(&mut handlers);
                // A panicking callback must not kill delivery for the others (and must
                // never unwind into C when the callback came through the FFI).
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handlers.deliver(&event)));
                if let Err(panic) = result {
                    log::error!("devlink3: a callback panicked: {}", panic_message(&panic));
                }
                set.apply_pending(&mut handlers);
            }
        })?;
        let thread_id = thread.thread().id();
        Ok(Dispatcher { thread: Mutex::new(Some(thread)), thread_id })
    }

    /// Whether the caller is running inside one of this link's callbacks.
    pub(crate) fn is_current(&self) -> bool {
        thread::current().id() == self.thread_id
    }

    /// Waits for the thread to finish (the queue must be closed first). From inside a
    /// callback it returns at once and leaves the handle for a close from outside, which
    /// must still wait for that callback; the lock is held across the join so that every
    /// concurrent caller returns only once the thread is gone.
    pub(crate) fn join(&self) {
        if self.is_current() {
            return;
        }
        let mut thread = lock(&self.thread);
        if let Some(handle) = thread.take() {
            let _ = handle.join();
        }
    }
}

pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".into())
}
