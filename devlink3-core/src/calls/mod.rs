//! Calls, not records: the live call model.
//!
//! IP Office reports call *states* (Delta3 `Detail`) and call *ends going away* (`CallLost`),
//! never "a call started" or "a call ended"; the specification says to deduce the end from
//! the last party leaving. [`CallTracker`] does that deduction once for every application:
//! fed the Delta3 records of a link (and its link states and missed notices), it keeps the
//! calls in progress and the state of each extension, and emits [`Tracked`] events:
//! `started`, `ringing`, `answered`, `held`, `retrieved`, `transferred`, `conferenced`,
//! `queued`, `party_joined`, `party_left`, `ended` (with a [`Summary`], a CDR), extension
//! state changes (a busy-lamp field), and the records it could not place.
//!
//! It does no I/O and reads no clock: every input comes with `now`, in seconds (Unix time in
//! the faces, simulated time in tests), so the same records give the same calls.

mod link;
mod tracker;

pub use link::{CallHandler, CallStream, unix_now};
pub use tracker::{CallTracker, TrackerConfig};

use devlink3_proto::records::{Cause, EquipmentClass, PartyState};

/// Seconds: Unix time in the faces, any monotonic clock in tests.
pub type Seconds = f64;

/// Which way a call goes, from the system's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Direction {
    /// Came in on a trunk.
    Inbound,
    /// Made by a local party to a trunk.
    Outbound,
    /// Between local parties.
    Internal,
}

/// Where a call stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CallState {
    /// Off-hook, dialling; nothing rings yet.
    Dialling,
    /// Something rings: extensions (`ringing`) or the far end of a trunk.
    Ringing,
    /// Waiting in a hunt group queue (or listening to its announcement).
    Queued,
    /// Connected: the parties can talk.
    Connected,
    /// Connected, with one end on hold.
    Held,
    /// Parked on a park slot.
    Parked,
    /// Connected to voicemail.
    Voicemail,
    /// Gone.
    Ended,
}

/// How a call ended: the summary's headline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Disposition {
    /// Someone (an extension, or the far end of an outbound call) answered.
    Answered,
    /// The caller hung up while it rang (or queued).
    Abandoned,
    /// Voicemail took it.
    Voicemail,
    /// The called party was busy.
    Busy,
    /// The network or the system refused it (unallocated number, no channel, barred...).
    Failed,
    /// Not known: the call was lost from view (a link loss it did not survive, aged out), or
    /// it never got as far as ringing.
    Unknown,
}

/// An extension's state, for a busy-lamp field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ExtensionState {
    /// In no call.
    #[default]
    Idle,
    /// A call alerts it.
    Ringing,
    /// Off-hook: dialling, or calling and hearing ringback.
    Dialling,
    /// In a call on hold.
    Held,
    /// Talking.
    Talking,
}

/// One end of a call, as it now stands.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Party {
    /// The end identifier (network-wide).
    pub end_id: String,
    /// `a` (the originating end) or `b`.
    pub role: Role,
    /// The IP Office user's extension on a phone end.
    pub extension: Option<String>,
    /// The number this end stands for: the extension, or on a trunk the CLI (inbound) or the
    /// number sent (outbound).
    pub number: String,
    /// What the end is (`TDMPhone`, `SIPTrunk`, `Voicemail`...).
    pub equipment: EquipmentClass,
    /// The primary (Q931) call state of the end.
    pub state: PartyState,
    /// No audio path: on hold (either side of it).
    pub on_hold: bool,
}

/// Which end of the call a party is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Role {
    A,
    B,
}

/// A call as it now stands.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Call {
    /// Unique for the call's life and beyond: the end identifier of its first A party.
    pub id: String,
    /// The node (IP Office) whose view of the call was seen first.
    pub node: String,
    /// That node's CallID (local to it, reused over time).
    pub call_id: u32,
    pub direction: Direction,
    /// The originating party's number: the CLI of an inbound trunk call (empty when
    /// withheld), the extension otherwise.
    pub caller: String,
    /// The DID of an inbound trunk call; the digits dialled for an internal call; for an
    /// outbound call the number sent to the trunk.
    pub called: String,
    pub state: CallState,
    /// The extensions being rung now.
    pub ringing: Vec<String>,
    /// The extension that took the call first (`null` when none did: unanswered, voicemail,
    /// or the far end of an outbound call).
    pub answered_by: Option<String>,
    /// The ends attached now.
    pub parties: Vec<Party>,
    pub started_at: Seconds,
    pub answered_at: Option<Seconds>,
    pub ended_at: Option<Seconds>,
    /// Records may be missing for this call (a counter gap or dropped events while it was in
    /// progress): its details may be incomplete.
    pub uncertain: bool,
    /// The CDR, on `ended` only.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub summary: Option<Summary>,
}

/// How a call went, reported with `ended`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Summary {
    pub disposition: Disposition,
    /// From the first ring to the answer (or to the end, unanswered).
    pub ring_seconds: Seconds,
    /// From the answer to the end, less the time on hold or parked.
    pub talk_seconds: Seconds,
    /// On hold or parked.
    pub hold_seconds: Seconds,
    /// The number of the party that hung up, when one did.
    pub cleared_by: Option<String>,
    /// The clearing cause of the first end to go (not counting transfers).
    pub cause: Option<Cause>,
}

/// What happened to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CallEventKind {
    Started,
    Ringing,
    Answered,
    Held,
    Retrieved,
    Transferred,
    Conferenced,
    Queued,
    PartyJoined,
    PartyLeft,
    Ended,
}

impl CallEventKind {
    /// The document's name (`party_joined`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Ringing => "ringing",
            Self::Answered => "answered",
            Self::Held => "held",
            Self::Retrieved => "retrieved",
            Self::Transferred => "transferred",
            Self::Conferenced => "conferenced",
            Self::Queued => "queued",
            Self::PartyJoined => "party_joined",
            Self::PartyLeft => "party_left",
            Self::Ended => "ended",
        }
    }
}

/// One thing the tracker reports.
// Call events are the common case and are moved, never stored in bulk: boxing them would
// cost an allocation each for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum Tracked {
    /// `{"event": "answered", "call": {...}}`
    Call(CallEvent),
    /// `{"event": "extension", "extension": "4001", "state": "talking", "previous": "ringing"}`
    Extension(ExtensionChange),
    /// `{"event": "unplaced", "reason": "...", "record": "<CallLost>..."}`
    Unplaced(Unplaced),
}

/// A call event: what happened and the call as it now stands.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CallEvent {
    pub event: CallEventKind,
    pub call: Call,
    /// The party that joined or left (`party_joined`, `party_left`, `transferred`: the end
    /// transferred away).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub party: Option<Party>,
}

/// An extension changed state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExtensionChange {
    /// Always `extension`.
    pub event: ExtensionTag,
    pub extension: String,
    pub state: ExtensionState,
    pub previous: ExtensionState,
}

/// The `event` member of an [`ExtensionChange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ExtensionTag {
    #[default]
    Extension,
}

/// A record the tracker could not place in any call it knows (reported, never a crash).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Unplaced {
    /// Always `unplaced`.
    pub event: UnplacedTag,
    /// Why, naming the end or call.
    pub reason: String,
    /// The record's text.
    pub record: String,
}

/// The `event` member of an [`Unplaced`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum UnplacedTag {
    #[default]
    Unplaced,
}

impl Tracked {
    /// The event's name: a call event's kind, `extension` or `unplaced`.
    pub fn name(&self) -> &'static str {
        match self {
            Tracked::Call(event) => event.event.name(),
            Tracked::Extension(_) => "extension",
            Tracked::Unplaced(_) => "unplaced",
        }
    }
}
