//! What a link delivers: events, in the order they happened, and link states.

use std::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::records::{CmExtn, CmExtnState, Delta2, Delta3Record, SipTrack};
use crate::wire::ResultCode;

/// Where an event came from: the PBX that generated it and its per-PBX counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Origin {
    pub pbx_ip: Ipv4Addr,
    pub counter: u32,
}

/// One thing a link reports, in the order it happened.
///
/// Records are boxed so that the queue between the runtime and the consumer stays small
/// per slot whatever the record size.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(tag = "type", rename_all = "snake_case"))]
pub enum Event {
    Delta3 {
        #[cfg_attr(feature = "serde", serde(flatten))]
        origin: Origin,
        /// The typed record is [`Delta3Record::get`]; its text is kept once, shared.
        record: Delta3Record,
    },
    /// A Delta2 record (`-CD2`); [`Delta2::raw`] is the text exactly as the PBX sent it.
    Delta2 {
        #[cfg_attr(feature = "serde", serde(flatten))]
        origin: Origin,
        record: Box<Delta2<'static>>,
    },
    SipTrack {
        #[cfg_attr(feature = "serde", serde(flatten))]
        origin: Origin,
        record: Box<SipTrack<'static>>,
    },
    CmExtn {
        #[cfg_attr(feature = "serde", serde(flatten))]
        origin: Origin,
        record: Box<CmExtn<'static>>,
    },
    CmExtnState {
        #[cfg_attr(feature = "serde", serde(flatten))]
        origin: Origin,
        record: Box<CmExtnState<'static>>,
    },
    /// A record that could not be parsed, or a tuple of an unknown kind: delivered with the
    /// reason rather than dropped.
    Unparsed {
        #[cfg_attr(feature = "serde", serde(flatten))]
        origin: Origin,
        tag: u32,
        text: String,
        error: String,
    },
    LinkState(LinkState),
    /// Events that never reached the consumer.
    Missed {
        count: u64,
        reason: MissedReason,
    },
}

impl Event {
    /// The originating PBX and counter, for record events.
    pub fn origin(&self) -> Option<Origin> {
        match self {
            Event::Delta3 { origin, .. }
            | Event::Delta2 { origin, .. }
            | Event::SipTrack { origin, .. }
            | Event::CmExtn { origin, .. }
            | Event::CmExtnState { origin, .. }
            | Event::Unparsed { origin, .. } => Some(*origin),
            Event::LinkState(_) | Event::Missed { .. } => None,
        }
    }

    /// The event's `type` in its document: `delta3`, `delta2`, `sip_track`, `cm_extn`,
    /// `cm_extn_state`, `unparsed`, `link_state`, `missed`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::Delta3 { .. } => "delta3",
            Event::Delta2 { .. } => "delta2",
            Event::SipTrack { .. } => "sip_track",
            Event::CmExtn { .. } => "cm_extn",
            Event::CmExtnState { .. } => "cm_extn_state",
            Event::Unparsed { .. } => "unparsed",
            Event::LinkState(_) => "link_state",
            Event::Missed { .. } => "missed",
        }
    }
}

/// An `Unparsed` event, logged: a record the application gets with the reason it did not parse.
pub(crate) fn unparsed(origin: Origin, tag: u32, text: String, error: String) -> Event {
    log::warn!("devlink3: event {} from {}: {error}", origin.counter, origin.pbx_ip);
    Event::Unparsed { origin, tag, text, error }
}

/// Parses an event's [deferred](Delta3Record::deferred) Delta3 record, on whichever
/// thread the queue gives it to (see `EventQueue::push_all`). A record that does not parse
/// becomes the `Unparsed` event that reports it.
///
/// A panic in the parser (a bug: the parsers are fuzzed) is reported the same way: it
/// would otherwise end the consumer's thread, the dispatcher and its callbacks with it.
pub(crate) fn settle(event: &mut Event) {
    let Event::Delta3 { origin, record } = event else { return };
    if record.is_resolved() {
        return;
    }
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| record.resolve()));
    let error = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(error)) => error.to_string(),
        Err(_) => "the Delta3 parser panicked (a bug in devlink3: please report it with the text)".to_owned(),
    };
    *event = unparsed(*origin, crate::wire::tuple::tag::CALL_DELTA3, record.raw().to_owned(), error);
}

/// Whether `event` holds a Delta3 record still to parse.
pub(crate) fn is_deferred(event: &Event) -> bool {
    matches!(event, Event::Delta3 { record, .. } if !record.is_resolved())
}

/// Why events were missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MissedReason {
    /// The PBX's event counter jumped: it did not send them (busy, or a lagging link).
    CounterGap,
    /// The application took events more slowly than they arrived; the oldest were dropped.
    SlowConsumer,
}

impl MissedReason {
    /// Every reason, in the document's order.
    pub const ALL: [Self; 2] = [Self::CounterGap, Self::SlowConsumer];

    /// The reason as the event document writes it: `counter_gap`, `slow_consumer`.
    pub const fn as_str(self) -> &'static str {
        match self {
            MissedReason::CounterGap => "counter_gap",
            MissedReason::SlowConsumer => "slow_consumer",
        }
    }
}

impl crate::records::Worded for MissedReason {
    const NAME: &'static str = "MissedReason";
    const WORDS: &'static [&'static str] = &[Self::CounterGap.as_str(), Self::SlowConsumer.as_str()];

    fn as_str(&self) -> &str {
        MissedReason::as_str(*self)
    }
}

impl fmt::Display for MissedReason {
    /// In words, for messages (`counter gap`); the document's spelling is [`Self::as_str`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MissedReason::CounterGap => "counter gap",
            MissedReason::SlowConsumer => "slow consumer",
        })
    }
}

/// The state of a link, reported on every change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(tag = "state", rename_all = "snake_case"))]
pub enum LinkState {
    /// Opening the connection (attempt 1 is the first).
    Connecting { attempt: u32 },
    /// Authenticated and receiving events.
    Operational(PbxInfo),
    /// The link is down or the attempt failed; another attempt follows after `retry_in`.
    NoResponse {
        reason: String,
        /// In the document: `retry_in_ms`, whole milliseconds.
        #[cfg_attr(feature = "serde", serde(rename = "retry_in_ms", serialize_with = "whole_millis"))]
        #[cfg_attr(feature = "schema", schemars(with = "u64"))]
        retry_in: Duration,
    },
    /// The PBX refused us for a reason retrying cannot fix (wrong password, no licence,
    /// a bad flag, PLAIN offered on cleartext). The link has stopped.
    Rejected { code: Option<ResultCode>, reason: String },
    /// The application closed the link.
    Closed,
}

/// A duration as whole milliseconds.
#[cfg(feature = "serde")]
fn whole_millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

impl LinkState {
    /// A short stable name: `connecting`, `operational`, `no_response`, `rejected`, `closed`
    /// (the document's `state`).
    pub fn name(&self) -> &'static str {
        match self {
            LinkState::Connecting { .. } => "connecting",
            LinkState::Operational(_) => "operational",
            LinkState::NoResponse { .. } => "no_response",
            LinkState::Rejected { .. } => "rejected",
            LinkState::Closed => "closed",
        }
    }
}

impl fmt::Display for LinkState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkState::Connecting { attempt } => write!(f, "connecting (attempt {attempt})"),
            LinkState::Operational(info) => {
                write!(f, "operational: {} ({})", info.pbx_type, info.variant)?;
                if !info.rejected_flags.is_empty() {
                    write!(f, "; flags refused: {}", info.rejected_flags.join(" "))?;
                }
                Ok(())
            }
            LinkState::NoResponse { reason, retry_in } => write!(f, "no response: {reason}; retrying in {retry_in:?}"),
            LinkState::Rejected { reason, .. } => write!(f, "rejected: {reason}"),
            LinkState::Closed => f.write_str("closed"),
        }
    }
}

/// What the PBX said about itself and our event request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PbxInfo {
    /// e.g. "Avaya IP500v2 12.2.0.0 build 1".
    pub pbx_type: String,
    /// e.g. "Standard 1.0".
    pub variant: String,
    /// The event flags the PBX accepted.
    pub accepted_flags: Vec<String>,
    /// Requested flags it did not accept (PARTIAL SUCCESS).
    pub rejected_flags: Vec<String>,
    /// Whether the link is TLS.
    pub encrypted: bool,
}
