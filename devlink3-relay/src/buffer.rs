//! A site's bounded buffer between its link and the broker.
//!
//! Events wait here, in order, until the broker has acknowledged them. Full, it drops the
//! oldest and counts them; the publisher reports the count as a missed notice before the
//! next event it publishes. Every event gets its message id here, once: retries reuse it.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use devlink3_core::calls::Tracked;
use devlink3_core::client::{Event, MissedReason};
use devlink3_core::document::Documented;
use devlink3_core::records::Delta3View;
use serde_json::json;
use tokio::sync::Notify;

/// One message to publish.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub subject: String,
    pub payload: Bytes,
    /// The record's PBX and counter, for records.
    origin: Option<(String, u32)>,
    /// `Nats-Msg-Id`: `<run>.<site>.<seq>`.
    pub id: String,
    pub seq: u64,
    pub received: Instant,
}

impl Outgoing {
    fn new(subject: String, payload: Vec<u8>, origin: Option<(String, u32)>) -> Self {
        Outgoing { subject, payload: Bytes::from(payload), origin, id: String::new(), seq: 0, received: Instant::now() }
    }

    /// A link event as its document, on its subject.
    pub fn event(site: &str, event: &Event) -> Self {
        let kind = match event {
            Event::Delta3 { record, .. } => match record.get() {
                Delta3View::Detail(_) => "record.detail",
                Delta3View::CallLost(_) => "record.call_lost",
                Delta3View::LinkLost(_) => "record.link_lost",
                Delta3View::AttemptReject(_) => "record.attempt_reject",
            },
            Event::Delta2 { .. } => "record.delta2",
            Event::SipTrack { .. } => "record.siptrack",
            Event::CmExtn { .. } | Event::CmExtnState { .. } => "record.cmextn",
            Event::Unparsed { .. } => "record.unparsed",
            Event::LinkState(_) | Event::Missed { .. } => "link",
        };
        let payload = serde_json::to_vec(&Documented::new(event, false)).unwrap_or_default();
        let origin = event.origin().map(|o| (o.pbx_ip.to_string(), o.counter));
        Outgoing::new(format!("devlink3.{site}.{kind}"), payload, origin)
    }

    /// A call model event as its document, on `devlink3.<site>.call.<event>`.
    pub fn call(site: &str, tracked: &Tracked) -> Self {
        let payload = serde_json::to_vec(tracked).unwrap_or_default();
        Outgoing::new(format!("devlink3.{site}.call.{}", tracked.name()), payload, None)
    }

    /// The relay's own notice on the site's link subject.
    fn notice(site: &str, value: serde_json::Value) -> Self {
        Outgoing::new(format!("devlink3.{site}.link"), value.to_string().into_bytes(), None)
    }
}

struct Inner {
    queue: VecDeque<Outgoing>,
    next_seq: u64,
    /// Dropped for lack of room and not yet reported (a notice of them acknowledged).
    dropped: u64,
    /// The notice of `dropped` in flight: its sequence and the count it carries.
    notice: Option<(u64, u64)>,
    /// Notices acknowledged so far (part of each notice's message id).
    notices: u64,
    /// Dropped since the metrics last looked.
    newly_dropped: u64,
    /// The last record the previous run published (PBX, counter), until the first record
    /// of this run is compared with it.
    resume: Option<(String, u32)>,
}

pub(crate) struct SiteBuffer {
    inner: Mutex<Inner>,
    /// Woken when events arrive.
    pub notify: Notify,
    capacity: usize,
    site: String,
    /// `<run>.<site>`: the start of every message id.
    id_prefix: String,
}

impl SiteBuffer {
    pub fn new(capacity: usize, run: &str, site: &str, resume: Option<(String, u32)>) -> Self {
        SiteBuffer {
            inner: Mutex::new(Inner {
                queue: VecDeque::new(),
                next_seq: 1,
                dropped: 0,
                notice: None,
                notices: 0,
                newly_dropped: 0,
                resume,
            }),
            notify: Notify::new(),
            capacity,
            site: site.to_owned(),
            id_prefix: format!("{run}.{site}"),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends `batch`, dropping the oldest past the capacity.
    pub fn push(&self, batch: Vec<Outgoing>) {
        let mut inner = self.lock();
        for outgoing in batch {
            if let (Some(origin), Some(last)) = (&outgoing.origin, inner.resume.as_ref()) {
                let notice = resume_notice(&self.site, last, origin);
                inner.resume = None;
                if let Some(notice) = notice {
                    self.enqueue(&mut inner, notice);
                }
            }
            self.enqueue(&mut inner, outgoing);
        }
        drop(inner);
        self.notify.notify_one();
    }

    fn enqueue(&self, inner: &mut Inner, mut outgoing: Outgoing) {
        outgoing.seq = inner.next_seq;
        inner.next_seq += 1;
        outgoing.id = format!("{}.{}", self.id_prefix, outgoing.seq);
        if inner.queue.len() >= self.capacity {
            inner.queue.pop_front();
            inner.dropped += 1;
            inner.newly_dropped += 1;
        }
        inner.queue.push_back(outgoing);
    }

    /// Up to `max` messages from the front, to publish in order; first a missed notice if
    /// events were dropped since the last acknowledged one. The notice is not queued (a full
    /// queue cannot drop it): the count stays owed until a notice of it is acknowledged.
    pub fn window(&self, max: usize) -> Vec<Outgoing> {
        let mut inner = self.lock();
        let mut window = Vec::with_capacity(max);
        if inner.dropped > 0 {
            let count = inner.dropped;
            let mut notice = Outgoing::notice(
                &self.site,
                json!({"type": "missed", "count": count, "reason": MissedReason::SlowConsumer.as_str(), "source": "relay_buffer"}),
            );
            // Its id names the count: a retry that carries a larger count is a new message
            // (an over-report if the first was stored after all, never an under-report).
            notice.id = format!("{}.missed.{}.{count}", self.id_prefix, inner.notices);
            notice.seq = u64::MAX;
            inner.notice = Some((notice.seq, count));
            window.push(notice);
        }
        window.extend(inner.queue.iter().take(max).cloned());
        window
    }

    /// Removes the messages the broker acknowledged (a prefix of the last window, unless
    /// some were dropped meanwhile); an acknowledged notice settles what it reported.
    pub fn acked(&self, seqs: &[u64]) {
        let mut inner = self.lock();
        if let Some((seq, count)) = inner.notice
            && seqs.contains(&seq)
        {
            inner.dropped -= count;
            inner.notices += 1;
            inner.notice = None;
        }
        while inner.queue.front().is_some_and(|front| seqs.contains(&front.seq)) {
            inner.queue.pop_front();
        }
    }

    /// Dropped for lack of room since the last call (for the metrics and the log).
    pub fn take_dropped_count(&self) -> u64 {
        let mut inner = self.lock();
        std::mem::take(&mut inner.newly_dropped)
    }

    pub fn len(&self) -> usize {
        self.lock().queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the relay says when its first record follows a previous run's last one: the
/// events no relay heard. `count` is exact when the PBX's counter went on; `null` when it
/// started again (a new connection may restart it), with both counters given.
fn resume_notice(site: &str, last: &(String, u32), first: &(String, u32)) -> Option<Outgoing> {
    let (last_pbx, last_counter) = last;
    let (pbx, counter) = first;
    if pbx == last_pbx && *counter == last_counter.wrapping_add(1) {
        return None;
    }
    let count = (pbx == last_pbx && counter > last_counter).then(|| u64::from(counter - last_counter - 1));
    Some(Outgoing::notice(
        site,
        json!({
            "type": "missed", "count": count, "reason": MissedReason::CounterGap.as_str(), "source": "relay_restart",
            "last": {"pbx_ip": last_pbx, "counter": last_counter},
            "first": {"pbx_ip": pbx, "counter": counter},
        }),
    ))
}
