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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use crate::event::{Event, LinkState, MissedReason, is_deferred, settle};
use crate::subscription::Subscription;

/// The queue between the session task and the consumer.
///
/// One lock around a deque: the session task adds every event of a socket read under one
/// lock (`push_all`), and a consumer takes what is there in one go (`pop_batch`), so the
/// cost of handing over is paid per batch, not per event; the consumer is woken only when
/// it waits. The capacity is in events: a full queue drops its oldest to make room.
///
/// Before that, the session task waits a little for room (`wait_for_room`): a consumer
/// that is only briefly behind (descheduled, a burst) slows the reading of the socket, and
/// so, through TCP, the sender, instead of losing events.
#[derive(Debug)]
pub(crate) struct EventQueue {
    inner: Mutex<Inner>,
    /// Signalled when events arrive for a waiting consumer, and on close.
    arrived: Condvar,
    /// Signalled when a consumer has made room for a session task waiting for it.
    room: tokio::sync::Notify,
    capacity: usize,
    closed: AtomicBool,
}

#[derive(Debug, Default)]
struct Inner {
    events: VecDeque<Event>,
    /// Events dropped because the queue was full, not yet reported.
    dropped: u64,
    /// Control events (state changes) displaced from a full queue; delivered first.
    displaced: VecDeque<Event>,
    /// Consumers waiting on `arrived` (a link may be pulled from several threads).
    waiters: usize,
    /// The session task waits on `room`.
    producer_waiting: bool,
    /// The session task waited its longest and the consumer did not catch up: until it
    /// does (the queue half empty), a full queue drops at once rather than stall again.
    gave_up_waiting: bool,
}

impl Inner {
    /// Adds `event`; on a full queue the oldest makes room.
    fn push(&mut self, event: Event, capacity: usize) {
        while self.events.len() >= capacity {
            match self.events.pop_front() {
                Some(Event::Missed { count, .. }) => self.dropped += count,
                Some(state @ Event::LinkState(_)) => self.displaced.push_back(state),
                Some(_) => self.dropped += 1,
                None => break,
            }
        }
        self.events.push_back(event);
    }

    /// The next event to deliver: a displaced state change, then a report of the events
    /// dropped (which were older than anything queued), then the queue's oldest.
    fn pop(&mut self) -> Option<Event> {
        if let Some(state) = self.displaced.pop_front() {
            return Some(state);
        }
        if self.dropped > 0 {
            let count = std::mem::take(&mut self.dropped);
            return Some(Event::Missed { count, reason: MissedReason::SlowConsumer });
        }
        self.events.pop_front()
    }

    fn is_empty(&self) -> bool {
        self.displaced.is_empty() && self.dropped == 0 && self.events.is_empty()
    }
}

impl EventQueue {
    pub(crate) fn new(capacity: usize) -> Self {
        EventQueue {
            inner: Mutex::default(),
            arrived: Condvar::new(),
            room: tokio::sync::Notify::new(),
            capacity: capacity.max(1),
            closed: AtomicBool::new(false),
        }
    }

    /// Waits, up to `limit`, until the queue is less than three quarters full, so that the
    /// next read's events fit. Returns at once while the consumer keeps up, and after one
    /// wait in vain until it has caught up (half empty): a stuck consumer costs the oldest
    /// events, never a stalled socket.
    pub(crate) async fn wait_for_room(&self, limit: Duration) {
        let high_water = self.capacity - self.capacity / 4;
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.room.notified();
            tokio::pin!(notified);
            // Registered before looking, so a wake-up in between is not missed.
            notified.as_mut().enable();
            {
                let mut inner = lock(&self.inner);
                if inner.events.len() < high_water || inner.gave_up_waiting || self.is_closed() {
                    inner.producer_waiting = false;
                    return;
                }
                inner.producer_waiting = true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let mut inner = lock(&self.inner);
                inner.producer_waiting = false;
                inner.gave_up_waiting = true;
                return;
            }
        }
    }

    /// After a consumer took events: wakes the session task waiting for room once the
    /// queue is half empty, and ends a wait given up.
    fn made_room(&self, inner: &mut Inner) {
        if inner.events.len() > self.capacity / 2 {
            return;
        }
        inner.gave_up_waiting = false;
        if std::mem::take(&mut inner.producer_waiting) {
            self.room.notify_one();
        }
    }

    /// Queues an event; never blocks (beyond the lock). On a full queue the oldest event
    /// makes room.
    pub(crate) fn push(&self, event: Event) {
        let mut inner = lock(&self.inner);
        inner.push(event, self.capacity);
        self.wake(inner);
    }

    /// Queues every event of `events` (emptying it), its Delta3 records parsed by this
    /// thread or, some of them, by the consumer's.
    ///
    /// Parsing is most of an event's cost. When the consumer keeps up (less than this
    /// read's worth is queued), the oldest half of the records go over first, unparsed, and
    /// the consumer parses them as it takes them (`settle`) while this thread parses the
    /// rest: the two threads share the work instead of this one bounding throughput. A
    /// consumer that is behind gets every record parsed, until it has caught up.
    pub(crate) fn push_all(&self, events: &mut Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let keeping_up = lock(&self.inner).events.len() < events.len();
        let consumers_share = if keeping_up { events.iter().filter(|event| is_deferred(event)).count() / 2 } else { 0 };
        if consumers_share > 0 {
            // Up to the first record of this thread's share: a prefix, so order is kept.
            let split = events
                .iter()
                .enumerate()
                .filter(|(_, event)| is_deferred(event))
                .nth(consumers_share)
                .map_or(events.len(), |(at, _)| at);
            self.push_locked(events.drain(..split));
        }
        events.iter_mut().for_each(settle);
        self.push_locked(events.drain(..));
    }

    /// Queues `events` under one lock, with one wake-up.
    fn push_locked(&self, events: impl ExactSizeIterator<Item = Event>) {
        if events.len() == 0 {
            return;
        }
        let mut inner = lock(&self.inner);
        for event in events {
            inner.push(event, self.capacity);
        }
        self.wake(inner);
    }

    /// Wakes the waiting consumers, if any: each takes what it can and waits again.
    fn wake(&self, inner: MutexGuard<'_, Inner>) {
        let waiting = inner.waiters > 0;
        drop(inner);
        if waiting {
            self.arrived.notify_all();
        }
    }

    /// Takes the next event, waiting up to `timeout` (forever when `None`).
    /// `None` on timeout or once the queue is closed.
    pub(crate) fn pop(&self, timeout: Option<Duration>) -> Option<Event> {
        let mut inner = self.wait_for_events(timeout)?;
        let mut event = inner.pop();
        self.made_room(&mut inner);
        drop(inner);
        if let Some(event) = &mut event {
            settle(event);
        }
        event
    }

    /// Moves up to `max` events into `out`, waiting up to `timeout` (forever when `None`)
    /// for the first. Returns how many; 0 on timeout or once the queue is closed.
    pub(crate) fn pop_batch(&self, out: &mut Vec<Event>, max: usize, timeout: Option<Duration>) -> usize {
        let Some(mut inner) = self.wait_for_events(timeout) else { return 0 };
        let first = out.len();
        let mut taken = 0;
        while taken < max.max(1) {
            match inner.pop() {
                Some(event) => out.push(event),
                None => break,
            }
            taken += 1;
        }
        self.made_room(&mut inner);
        // Parsed outside the lock, so the session queues its next read meanwhile.
        drop(inner);
        out[first..].iter_mut().for_each(settle);
        taken
    }

    /// The lock, once something is queued; `None` on timeout or once closed.
    fn wait_for_events(&self, timeout: Option<Duration>) -> Option<MutexGuard<'_, Inner>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut inner = lock(&self.inner);
        loop {
            if self.is_closed() {
                return None;
            }
            if !inner.is_empty() {
                return Some(inner);
            }
            let left = deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
            if left.is_some_and(|left| left.is_zero()) {
                return None;
            }
            inner.waiters += 1;
            inner = match left {
                None => self.arrived.wait(inner).unwrap_or_else(|e| e.into_inner()),
                Some(left) => self.arrived.wait_timeout(inner, left).unwrap_or_else(|e| e.into_inner()).0,
            };
            inner.waiters -= 1;
        }
    }

    /// Makes every current and future `pop` return `None`, waking a blocked one.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let mut inner = lock(&self.inner);
        inner.push(Event::LinkState(LinkState::Closed), self.capacity);
        drop(inner);
        self.arrived.notify_all();
        self.room.notify_one();
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
/// Set through [`Client::set_handlers`](crate::Client::set_handlers); more may be added.
#[derive(Default)]
#[non_exhaustive]
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
    /// Every event, a batch at a time, in order, instead of the callbacks above: for a
    /// binding that crosses into another runtime once per batch (Node). The batch is the
    /// handler's to empty or leave; it is cleared after the call. Setting it does not
    /// subscribe (see [`Client::subscribe`](crate::Client::subscribe)).
    pub batch: Option<BatchCallback>,
}

/// A callback taking events a batch at a time (see [`Handlers::batch`]).
pub type BatchCallback = Box<dyn FnMut(&mut Vec<Event>) + Send + 'static>;

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
            .field("batch", &self.batch.is_some())
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

/// Delivers `batch` to the batch callback, or event by event to the others; `false` once
/// the link is closed. Emptied either way.
fn deliver_batch(queue: &EventQueue, set: &HandlerSet, batch: &mut Vec<Event>) -> bool {
    {
        let mut handlers = lock(&set.handlers);
        if queue.is_closed() {
            return false;
        }
        set.apply_pending(&mut handlers);
        if let Some(deliver) = &mut handlers.batch {
            guarded(|| deliver(batch));
            batch.clear();
            set.apply_pending(&mut handlers);
            return true;
        }
    }
    for event in batch.drain(..) {
        let mut handlers = lock(&set.handlers);
        if queue.is_closed() {
            return false;
        }
        set.apply_pending(&mut handlers);
        guarded(|| handlers.deliver(&event));
        set.apply_pending(&mut handlers);
    }
    true
}

/// Runs a callback. A panic must not kill delivery for the others (and must never unwind
/// into C when the callback came through the FFI): it is logged.
fn guarded(callback: impl FnOnce()) {
    if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(callback)) {
        log::error!("devlink3: a callback panicked: {}", panic_message(&panic));
    }
}

/// Events the dispatcher takes from the queue at a time.
const DISPATCH_BATCH: usize = 512;

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
            let mut batch = Vec::with_capacity(DISPATCH_BATCH);
            while queue.pop_batch(&mut batch, DISPATCH_BATCH, None) > 0 {
                if !deliver_batch(&queue, &set, &mut batch) {
                    return;
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Origin;
    use crate::records::Delta3Record;

    fn unparsed(counter: u32) -> Event {
        let origin = Origin { pbx_ip: [10, 0, 0, 1].into(), counter };
        Event::Unparsed { origin, tag: 0, text: String::new(), error: String::new() }
    }

    fn counter(event: &Event) -> Option<u32> {
        event.origin().map(|o| o.counter)
    }

    const DETAIL: &str = "<Detail><Call>n,1</Call><PartyA>e,1</PartyA></Detail>";
    const BROKEN: &str = "<Detail><Call>n,1</Call></Detail>";

    fn delta3(counter: u32, text: &str) -> Event {
        let origin = Origin { pbx_ip: [10, 0, 0, 1].into(), counter };
        Event::Delta3 { origin, record: Delta3Record::deferred(text) }
    }

    /// Deferred records leave the queue parsed, by the session's thread or the consumer's;
    /// one that does not parse leaves as the `Unparsed` event it is, with text and reason.
    #[test]
    fn records_leave_the_queue_parsed_or_unparsed() {
        let queue = EventQueue::new(16);
        queue.push_all(&mut vec![delta3(1, DETAIL), delta3(2, BROKEN), delta3(3, DETAIL)]);
        let mut out = Vec::new();
        assert_eq!(queue.pop_batch(&mut out, 2, Some(Duration::ZERO)), 2);
        out.extend(queue.pop(Some(Duration::ZERO)));
        assert!(matches!(&out[0], Event::Delta3 { record, .. } if record.get().raw() == DETAIL));
        let Event::Unparsed { origin, tag, text, error } = &out[1] else { panic!("{:?}", out[1]) };
        assert_eq!((origin.counter, *tag, text.as_str()), (2, 0x0076_0001, BROKEN));
        assert!(error.contains("PartyA"), "{error}");
        assert!(matches!(&out[2], Event::Delta3 { origin, record } if origin.counter == 3 && record.is_resolved()));

        // Taken before the session got to them: the consumer parses them itself.
        let mut inner = lock(&queue.inner);
        inner.push(delta3(4, DETAIL), 16);
        inner.push(delta3(5, BROKEN), 16);
        drop(inner);
        let one = queue.pop(Some(Duration::ZERO));
        assert!(matches!(&one, Some(Event::Delta3 { record, .. }) if record.is_resolved()));
        let mut out = Vec::new();
        assert_eq!(queue.pop_batch(&mut out, 10, Some(Duration::ZERO)), 1);
        assert!(matches!(&out[0], Event::Unparsed { origin, .. } if origin.counter == 5));
    }

    /// Which queued records are still to parse, in order.
    fn deferred(queue: &EventQueue) -> Vec<bool> {
        lock(&queue.inner).events.iter().filter(|e| matches!(e, Event::Delta3 { .. })).map(is_deferred).collect()
    }

    #[test]
    fn a_consumer_keeping_up_parses_the_older_half_of_a_read() {
        let queue = EventQueue::new(64);
        let mut read = vec![unparsed(0), delta3(1, DETAIL), delta3(2, DETAIL), delta3(3, DETAIL), delta3(4, DETAIL)];
        read.push(delta3(5, DETAIL));
        queue.push_all(&mut read);
        assert_eq!(deferred(&queue), [true, true, false, false, false], "2 of 5 left to the consumer");

        // Behind by more than a read: this read's records all arrive parsed.
        queue.push_all(&mut (6..=8).map(|n| delta3(n, DETAIL)).collect());
        assert_eq!(deferred(&queue)[5..], [false, false, false]);

        let mut out = Vec::new();
        queue.pop_batch(&mut out, 100, Some(Duration::ZERO));
        let counters: Vec<_> = out.iter().map(counter).collect();
        assert_eq!(counters, (0..=8).map(Some).collect::<Vec<_>>(), "in order");
        assert!(out[1..].iter().all(|e| matches!(e, Event::Delta3 { record, .. } if record.is_resolved())));
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_reports_them_first() {
        let queue = EventQueue::new(3);
        queue.push(Event::LinkState(LinkState::Connecting { attempt: 1 }));
        let mut batch: Vec<Event> = (1..=5).map(unparsed).collect();
        queue.push_all(&mut batch);
        assert!(batch.is_empty());
        let mut out = Vec::new();
        assert_eq!(queue.pop_batch(&mut out, 100, Some(Duration::ZERO)), 5);
        // The displaced state change, then the 2 dropped records, then the newest 3.
        assert!(matches!(out[0], Event::LinkState(LinkState::Connecting { attempt: 1 })));
        assert!(matches!(out[1], Event::Missed { count: 2, reason: MissedReason::SlowConsumer }));
        assert_eq!(out[2..].iter().map(counter).collect::<Vec<_>>(), [Some(3), Some(4), Some(5)]);
        assert!(queue.pop(Some(Duration::ZERO)).is_none());
    }

    #[test]
    fn batches_respect_max_and_keep_order() {
        let queue = EventQueue::new(100);
        queue.push_all(&mut (1..=10).map(unparsed).collect());
        let mut out = Vec::new();
        assert_eq!(queue.pop_batch(&mut out, 4, None), 4);
        assert_eq!(counter(&queue.pop(None).unwrap()), Some(5));
        assert_eq!(queue.pop_batch(&mut out, 100, None), 5);
        assert_eq!(out.iter().map(counter).collect::<Vec<_>>(), [1, 2, 3, 4, 6, 7, 8, 9, 10].map(Some));
    }

    #[test]
    fn a_waiting_consumer_is_woken_by_events_and_by_close() {
        let queue = Arc::new(EventQueue::new(10));
        let waiter = {
            let queue = queue.clone();
            thread::spawn(move || queue.pop(None).and_then(|e| counter(&e)))
        };
        thread::sleep(Duration::from_millis(20));
        queue.push(unparsed(7));
        assert_eq!(waiter.join().unwrap(), Some(7));

        let waiter = {
            let queue = queue.clone();
            thread::spawn(move || queue.pop(None).is_none())
        };
        thread::sleep(Duration::from_millis(20));
        queue.close();
        assert!(waiter.join().unwrap(), "close ends a blocked pop");
        assert!(queue.pop(Some(Duration::from_millis(1))).is_none());
    }

    #[test]
    fn two_waiting_consumers_are_both_served() {
        let queue = Arc::new(EventQueue::new(10));
        let patient = {
            let queue = queue.clone();
            thread::spawn(move || queue.pop(None).and_then(|e| counter(&e)))
        };
        // One waiting with a timeout that runs out must not stop the other being woken.
        assert!(queue.pop(Some(Duration::from_millis(50))).is_none());
        let waiters = {
            let queue = queue.clone();
            thread::spawn(move || queue.pop(None).and_then(|e| counter(&e)))
        };
        thread::sleep(Duration::from_millis(20));
        queue.push_all(&mut vec![unparsed(1), unparsed(2)]);
        let mut got = [patient.join().unwrap(), waiters.join().unwrap()];
        got.sort();
        assert_eq!(got, [Some(1), Some(2)]);
    }

    /// Runs `future` on a runtime of its own, as the session task runs.
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(future)
    }

    #[test]
    fn the_session_waits_for_a_consumer_catching_up_instead_of_dropping() {
        let queue = Arc::new(EventQueue::new(8));
        // Room: no wait at all.
        queue.push_all(&mut (1..=5).map(unparsed).collect());
        block_on(queue.wait_for_room(Duration::from_secs(60)));
        // Three quarters full: the wait ends when a consumer has taken the queue to half.
        queue.push(unparsed(6));
        let consumer = {
            let queue = queue.clone();
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(20));
                let mut out = Vec::new();
                queue.pop_batch(&mut out, 2, None);
                out.len()
            })
        };
        block_on(queue.wait_for_room(Duration::from_secs(60)));
        assert_eq!(consumer.join().unwrap(), 2);
        let mut out = Vec::new();
        queue.pop_batch(&mut out, 100, Some(Duration::ZERO));
        assert_eq!(out.iter().map(counter).collect::<Vec<_>>(), [3, 4, 5, 6].map(Some), "nothing dropped");
    }

    #[test]
    fn a_stuck_consumer_costs_one_wait_then_the_oldest_events() {
        let queue = EventQueue::new(8);
        queue.push_all(&mut (1..=8).map(unparsed).collect());
        let started = Instant::now();
        block_on(queue.wait_for_room(Duration::from_millis(30)));
        assert!(started.elapsed() >= Duration::from_millis(30));
        // Given up: no second wait while the consumer has not caught up; the oldest go.
        let started = Instant::now();
        block_on(queue.wait_for_room(Duration::from_secs(60)));
        assert!(started.elapsed() < Duration::from_secs(30));
        queue.push(unparsed(9));
        assert!(matches!(queue.pop(None), Some(Event::Missed { count: 1, .. })));
        // Caught up (half empty): the next full queue is waited for again.
        let mut out = Vec::new();
        queue.pop_batch(&mut out, 4, None);
        queue.push_all(&mut (10..=13).map(unparsed).collect());
        let started = Instant::now();
        block_on(queue.wait_for_room(Duration::from_millis(30)));
        assert!(started.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn close_ends_a_wait_for_room() {
        let queue = Arc::new(EventQueue::new(4));
        queue.push_all(&mut (1..=4).map(unparsed).collect());
        let closer = {
            let queue = queue.clone();
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(20));
                queue.close();
            })
        };
        let started = Instant::now();
        block_on(queue.wait_for_room(Duration::from_secs(60)));
        assert!(started.elapsed() < Duration::from_secs(30));
        closer.join().unwrap();
    }

    #[test]
    fn a_timeout_returns_empty_handed() {
        let queue = EventQueue::new(10);
        let started = Instant::now();
        assert!(queue.pop(Some(Duration::from_millis(30))).is_none());
        assert!(started.elapsed() >= Duration::from_millis(30));
        assert_eq!(queue.pop_batch(&mut Vec::new(), 10, Some(Duration::ZERO)), 0);
    }
}
