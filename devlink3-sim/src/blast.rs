//! Blasting: the benchmark's load. Every subscribed connection is sent the same call record
//! a given number of times, as fast as its socket takes it.
//!
//! Each connection encodes a chunk of frames once and afterwards only rewrites the 4-octet
//! counters in it, so the simulator spends its time in `write`, not in the encoder.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use devlink3_proto::wire::EncodeError;
use devlink3_proto::wire::frame::decode_header;
use devlink3_proto::wire::packet::encode_event;

use super::server::EventCounter;
use super::subscription::Subscription;

/// Octets of frames appended to a connection's output at a time.
const CHUNK_LEN: usize = 256 * 1024;

/// A blast in progress ([`Simulator::blast`](super::Simulator::blast)). Dropping it does not
/// stop the blast.
#[derive(Debug)]
pub struct Blast {
    outcomes: Receiver<Outcome>,
    started: Instant,
    report: BlastReport,
}

/// How a blast went.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct BlastReport {
    /// Subscribed connections that took part.
    pub connections: usize,
    /// Events written, all connections together.
    pub events_sent: u64,
    /// Whether every connection that took part was sent every event (none closed early).
    pub complete: bool,
    /// From the blast's start until the last connection's socket took its last event.
    pub elapsed: Duration,
}

impl BlastReport {
    /// Events written per second, all connections together.
    pub fn events_per_second(&self) -> f64 {
        self.events_sent as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

impl Blast {
    /// Starts accounting for a blast. Give each connection a ticket from the returned office,
    /// then drop the office: the blast is over once every ticket has been dropped.
    pub(crate) fn new(job: BlastJob) -> (Blast, TicketOffice) {
        let (sender, outcomes) = crossbeam_channel::unbounded();
        let blast = Blast {
            outcomes,
            started: Instant::now(),
            report: BlastReport { complete: true, ..BlastReport::default() },
        };
        (blast, TicketOffice { job: Arc::new(job), sender })
    }

    /// Blocks until every connection has finished (or closed). Do not call it from async code.
    pub fn wait(mut self) -> BlastReport {
        loop {
            if let Some(report) = self.wait_timeout(Duration::from_secs(3600)) {
                return report;
            }
        }
    }

    /// Like [`Blast::wait`], giving up after `timeout` (`None`); call again to keep waiting.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<BlastReport> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.outcomes.recv_deadline(deadline) {
                Ok(outcome) => self.add(outcome),
                Err(RecvTimeoutError::Disconnected) => return Some(self.report),
                Err(RecvTimeoutError::Timeout) => return None,
            }
        }
    }

    fn add(&mut self, outcome: Outcome) {
        if !outcome.took_part {
            return;
        }
        let report = &mut self.report;
        report.connections += 1;
        report.events_sent += outcome.events_sent;
        report.complete &= outcome.events_sent == outcome.events_wanted;
        report.elapsed = report.elapsed.max(outcome.finished.saturating_duration_since(self.started));
    }
}

/// What to send.
#[derive(Debug)]
pub(crate) struct BlastJob {
    pub events: u64,
    pub record: String,
}

/// Issues one ticket per connection; the blast is over when every ticket is gone.
#[derive(Debug)]
pub(crate) struct TicketOffice {
    job: Arc<BlastJob>,
    sender: Sender<Outcome>,
}

impl TicketOffice {
    pub(crate) fn ticket(&self) -> BlastTicket {
        BlastTicket { job: Arc::clone(&self.job), sender: self.sender.clone(), outcome: Outcome::default() }
    }
}

/// One connection's share of a blast. However it is dropped (finished, connection closed,
/// not subscribed, simulator stopped) it reports to the [`Blast`].
#[derive(Debug)]
pub(crate) struct BlastTicket {
    job: Arc<BlastJob>,
    sender: Sender<Outcome>,
    outcome: Outcome,
}

#[derive(Debug, Clone, Copy)]
struct Outcome {
    took_part: bool,
    events_wanted: u64,
    events_sent: u64,
    finished: Instant,
}

impl Default for Outcome {
    fn default() -> Self {
        Outcome { took_part: false, events_wanted: 0, events_sent: 0, finished: Instant::now() }
    }
}

impl Drop for BlastTicket {
    fn drop(&mut self) {
        self.outcome.finished = Instant::now();
        // The Blast may have been dropped: nobody is waiting then.
        let _ = self.sender.send(self.outcome);
    }
}

/// A connection's blast, queued or in progress.
#[derive(Debug)]
pub(crate) struct BlastRun {
    ticket: BlastTicket,
    /// One encoded event; the chunk is made of copies of it.
    frame: Vec<u8>,
    /// Where the counter sits in each frame.
    counter_at: usize,
    /// Whole frames, built on first use (queued blasts cost one frame each); afterwards
    /// only their counters change.
    chunk: Vec<u8>,
    remaining: u64,
}

impl BlastRun {
    /// Prepares `ticket`'s blast in the connection's event format.
    pub(crate) fn start(
        mut ticket: BlastTicket,
        subscription: &Subscription,
        pbx_ip: std::net::Ipv4Addr,
    ) -> Result<BlastRun, EncodeError> {
        let mut frame = Vec::new();
        encode_event(pbx_ip, 0, &mut frame, |tuples| subscription.write_call_record(tuples, &ticket.job.record))?;
        let header_len = decode_header(&frame).ok().flatten().map_or(3, |header| header.header_len);
        ticket.outcome = Outcome { took_part: true, events_wanted: ticket.job.events, ..ticket.outcome };
        Ok(BlastRun {
            remaining: ticket.job.events,
            ticket,
            frame,
            // Header, then packet type and originating address before the counter.
            counter_at: header_len + 8,
            chunk: Vec::new(),
        })
    }

    pub(crate) fn is_done(&self) -> bool {
        self.remaining == 0
    }

    /// Appends the next chunk of frames to `out`, numbered by `counter`; returns how many.
    pub(crate) fn fill(&mut self, counter: &mut EventCounter, out: &mut Vec<u8>) -> u64 {
        let frame_len = self.frame.len();
        if self.chunk.is_empty() {
            self.chunk = self.frame.repeat((CHUNK_LEN / frame_len).max(1));
        }
        let frames = (self.chunk.len() / frame_len).min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        for frame in self.chunk.chunks_exact_mut(frame_len).take(frames) {
            frame[self.counter_at..self.counter_at + 4].copy_from_slice(&counter.take().to_be_bytes());
        }
        out.extend_from_slice(&self.chunk[..frames * frame_len]);
        let frames = frames as u64;
        self.remaining -= frames;
        self.ticket.outcome.events_sent += frames;
        frames
    }
}
