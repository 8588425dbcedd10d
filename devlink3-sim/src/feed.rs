//! The event feed: the simulator's one traffic model, and the batches of records it
//! publishes to every subscribed connection over a bounded broadcast channel.
//!
//! Publishing, subscribing and taking the call snapshot happen under one lock, so a new
//! subscriber's snapshot is exactly the state before the first batch it receives.
//!
//! A connection whose socket cannot keep up falls behind the channel and loses batches, as
//! a real IP Office drops events for a slow client. Each batch carries the running count of
//! records of each class published before it, so the connection can tell exactly how many
//! of the lost records it would have been sent and skip that many counter values: its client
//! sees the gap it must report.

use std::collections::VecDeque;
use std::ops::Index;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio::time::{Instant, MissedTickBehavior};

use super::lock;
use super::traffic::Rng;
use super::traffic::{CallTruth, SimRecord, Traffic};

/// Batches a connection may fall behind before it loses some.
pub(crate) const FEED_CAPACITY: usize = 4096;
/// Truths of ended calls kept for [`Feed::take_truths`] at most.
pub(crate) const TRUTHS_KEPT: usize = 100_000;
/// How often the traffic model moves its calls on.
const TICK: Duration = Duration::from_millis(100);
/// Calls started per tick at most, however high the rate.
const MAX_CALLS_PER_TICK: usize = 1000;

/// The kinds of record a subscription selects between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordClass {
    Delta3Unconnected,
    Delta3Connected,
    Delta2,
    SipTrack,
    /// Plain and extension-state CMExtn events.
    CmExtn,
}

impl RecordClass {
    pub(crate) const ALL: [RecordClass; 5] = [
        RecordClass::Delta3Unconnected,
        RecordClass::Delta3Connected,
        RecordClass::Delta2,
        RecordClass::SipTrack,
        RecordClass::CmExtn,
    ];

    pub(crate) fn of(record: &SimRecord) -> Self {
        match record {
            SimRecord::Delta3 { connected: false, .. } => RecordClass::Delta3Unconnected,
            SimRecord::Delta3 { connected: true, .. } => RecordClass::Delta3Connected,
            SimRecord::Delta2(_) => RecordClass::Delta2,
            SimRecord::SipTrack(_) => RecordClass::SipTrack,
            SimRecord::CmExtn(_) | SimRecord::CmExtnState { .. } => RecordClass::CmExtn,
        }
    }
}

/// A number of records per class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RecordCounts([u64; RecordClass::ALL.len()]);

impl RecordCounts {
    pub(crate) fn add(&mut self, class: RecordClass) {
        self.0[class as usize] += 1;
    }

    /// The records counted here but not in `earlier`.
    pub(crate) fn since(&self, earlier: &RecordCounts) -> RecordCounts {
        RecordCounts(std::array::from_fn(|i| self.0[i].saturating_sub(earlier.0[i])))
    }
}

impl Index<RecordClass> for RecordCounts {
    type Output = u64;
    fn index(&self, class: RecordClass) -> &u64 {
        &self.0[class as usize]
    }
}

/// Records published together, with the feed's running counts around them.
#[derive(Debug)]
pub(crate) struct Batch {
    pub before: RecordCounts,
    pub after: RecordCounts,
    pub records: Vec<SimRecord>,
}

pub(crate) struct Feed {
    state: Mutex<FeedState>,
    /// Calls per second, as `f64` bits.
    rate: AtomicU64,
    /// Time 0 of the traffic model, and the Unix time it stands for.
    epoch: Instant,
    epoch_unix: f64,
}

struct FeedState {
    traffic: Traffic,
    /// The truth of the calls ended and not yet taken, the oldest dropped past
    /// [`TRUTHS_KEPT`]; times in Unix seconds.
    truths: VecDeque<CallTruth>,
    published: RecordCounts,
    sender: broadcast::Sender<Arc<Batch>>,
}

impl FeedState {
    fn publish(&mut self, records: Vec<SimRecord>) -> usize {
        if records.is_empty() {
            return 0;
        }
        let before = self.published;
        for record in &records {
            self.published.add(RecordClass::of(record));
        }
        let batch = Batch { before, after: self.published, records };
        // An error only means that nobody is subscribed.
        self.sender.send(Arc::new(batch)).unwrap_or(0)
    }
}

impl Feed {
    pub(crate) fn new(mut traffic: Traffic, rate: f64) -> Self {
        let (sender, _) = broadcast::channel(FEED_CAPACITY);
        traffic.record_truths(true);
        Feed {
            state: Mutex::new(FeedState {
                traffic,
                truths: VecDeque::new(),
                published: RecordCounts::default(),
                sender,
            }),
            rate: AtomicU64::new(rate.to_bits()),
            epoch: Instant::now(),
            epoch_unix: devlink3_core::calls::unix_now(),
        }
    }

    /// The truth of every call ended since the last call (at most [`TRUTHS_KEPT`], the
    /// latest), times in Unix seconds.
    pub(crate) fn take_truths(&self) -> Vec<CallTruth> {
        lock(&self.state).truths.drain(..).collect()
    }

    pub(crate) fn rate(&self) -> f64 {
        f64::from_bits(self.rate.load(Ordering::Relaxed))
    }

    pub(crate) fn set_rate(&self, calls_per_sec: f64) {
        self.rate.store(calls_per_sec.to_bits(), Ordering::Relaxed);
    }

    /// Sends `records` to every subscriber; returns how many subscribers there are.
    pub(crate) fn publish(&self, records: Vec<SimRecord>) -> usize {
        lock(&self.state).publish(records)
    }

    /// Subscribes to everything published from now on, and fills `snapshot` with the
    /// records describing the calls in progress.
    pub(crate) fn subscribe(&self, snapshot: &mut Vec<SimRecord>) -> FeedReceiver {
        let state = lock(&self.state);
        state.traffic.snapshot(snapshot);
        FeedReceiver { receiver: state.sender.subscribe(), seen: state.published }
    }

    pub(crate) fn calls_in_progress(&self) -> usize {
        lock(&self.state).traffic.calls_in_progress()
    }

    /// Runs the traffic model for one tick and publishes what it produced.
    fn step(&self, now_tenths: u64, new_calls: usize, records: &mut Vec<SimRecord>) {
        let mut state = lock(&self.state);
        for _ in 0..new_calls {
            state.traffic.start_call(now_tenths);
        }
        state.traffic.advance(now_tenths, records);
        state.publish(std::mem::take(records));
        for mut truth in state.traffic.take_truths() {
            for time in [&mut truth.started_at, &mut truth.ended_at] {
                *time += self.epoch_unix;
            }
            if let Some(answered) = &mut truth.answered_at {
                *answered += self.epoch_unix;
            }
            if state.truths.len() == TRUTHS_KEPT {
                state.truths.pop_front();
            }
            state.truths.push_back(truth);
        }
    }
}

/// One connection's view of the feed.
#[derive(Debug)]
pub(crate) struct FeedReceiver {
    receiver: broadcast::Receiver<Arc<Batch>>,
    /// Running counts as of the last batch received.
    seen: RecordCounts,
}

impl FeedReceiver {
    /// The next batch, with the records lost to lag just before it; `None` once the feed is
    /// gone. Cancel-safe.
    pub(crate) async fn next(&mut self) -> Option<(Arc<Batch>, RecordCounts)> {
        loop {
            match self.receiver.recv().await {
                Ok(batch) => {
                    let missed = batch.before.since(&self.seen);
                    self.seen = batch.after;
                    return Some((batch, missed));
                }
                // The next batch's running counts say exactly what was lost.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// The traffic task: starts calls at random (Poisson) times at the feed's current rate and
/// moves every call on each tick, until `shutdown` turns true.
pub(crate) async fn run_traffic(feed: Arc<Feed>, seed: u64, mut shutdown: watch::Receiver<bool>) {
    let start = feed.epoch;
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut arrivals = Arrivals::new(seed);
    let mut records = Vec::new();
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|&stop| stop) => return,
            _ = ticks.tick() => {}
        }
        let elapsed = start.elapsed();
        let now_tenths = (elapsed.as_millis() / 100) as u64;
        let new_calls = arrivals.due(elapsed.as_secs_f64(), feed.rate());
        feed.step(now_tenths, new_calls, &mut records);
    }
}

/// Call arrival times: exponentially distributed gaps, from a seeded generator so that a
/// seed gives the same calls at the same times.
struct Arrivals {
    rng: Rng,
    rate: f64,
    /// Seconds since start when the next call arrives.
    next_at: f64,
}

impl Arrivals {
    fn new(seed: u64) -> Self {
        // Decorrelated from the traffic model, which gets the same seed.
        Arrivals { rng: Rng(seed ^ 0xA5A5_5A5A_C3C3_3C3C), rate: 0.0, next_at: f64::INFINITY }
    }

    /// How many calls arrive by `now` (seconds since start) at `rate` calls per second.
    fn due(&mut self, now: f64, rate: f64) -> usize {
        if rate != self.rate {
            self.rate = rate;
            self.next_at = now + self.gap();
        }
        let mut due = 0;
        while self.next_at <= now {
            if due == MAX_CALLS_PER_TICK {
                // Far behind (a stalled runtime or an absurd rate): start afresh from now.
                self.next_at = now + self.gap();
                break;
            }
            due += 1;
            self.next_at += self.gap();
        }
        due
    }

    /// Seconds to the next arrival.
    fn gap(&mut self) -> f64 {
        if self.rate > 0.0 { -(1.0 - self.rng.unit()).ln() / self.rate } else { f64::INFINITY }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_follow_the_rate_and_the_seed() {
        let count = |seed, rate| {
            let mut arrivals = Arrivals::new(seed);
            (1..=600).map(|tick| arrivals.due(f64::from(tick) / 10.0, rate)).sum::<usize>()
        };
        let calls = count(7, 10.0);
        assert!((500..700).contains(&calls), "about 600 calls in 60 s at 10/s, got {calls}");
        assert_eq!(calls, count(7, 10.0), "same seed, same arrivals");
        assert_eq!(count(7, 0.0), 0);
    }

    #[test]
    fn an_absurd_rate_is_capped_per_tick() {
        let mut arrivals = Arrivals::new(1);
        assert_eq!(arrivals.due(0.0, 1e9), 0);
        assert_eq!(arrivals.due(1.0, 1e9), MAX_CALLS_PER_TICK);
    }
}
