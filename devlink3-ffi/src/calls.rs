//! The call model in the extended C API: the core's call tracker over a link, its events
//! as C structs (`devlink3_call_event`), pushed (`devlink3_callbacks.call`) or pulled
//! (`devlink3_next_call_event`).

#![allow(non_camel_case_types)]

use std::ptr;

use crate::view::devlink3_str;
use devlink3_core::calls::{
    Call, CallEventKind, CallState, Direction, Disposition, ExtensionState, Party, Role, Tracked,
};

/// What happened: a call event, an extension's state change, or a record the model could
/// not place.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum devlink3_call_event_kind {
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
    /// The call is gone; `call->has_summary` is set.
    Ended,
    /// `extension` changed from `previous` to `extension_state`.
    Extension,
    /// `reason` says why `record` could not be placed in any call.
    Unplaced,
}

#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum devlink3_direction {
    Inbound,
    Outbound,
    Internal,
}

#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum devlink3_call_state {
    Dialling,
    Ringing,
    Queued,
    Connected,
    Held,
    Parked,
    Voicemail,
    Ended,
}

#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum devlink3_disposition {
    Answered,
    Abandoned,
    Voicemail,
    Busy,
    Failed,
    Unknown,
}

#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum devlink3_extension_state {
    Idle,
    Ringing,
    Dialling,
    Held,
    Talking,
}

/// One end of a call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_live_party {
    pub end_id: devlink3_str,
    /// 'a' (the originating end) or 'b'.
    pub role: u8,
    /// The user's extension on a phone end; empty otherwise.
    pub extension: devlink3_str,
    /// The extension, or on a trunk the CLI (inbound) or the number sent (outbound).
    pub number: devlink3_str,
    /// The Party "Equipment classification" code (8 TDMPhone, 2 ISDNTrunk, 12 Voicemail...).
    pub equipment: u32,
    /// The Party "State" code (2 Connected...).
    pub state: u32,
    pub on_hold: bool,
}

/// A call as it now stands. Times are Unix seconds, NaN when not (yet) known.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_live_call {
    /// Unique for the call's life and beyond (the end identifier of its first A party).
    pub id: devlink3_str,
    pub node: devlink3_str,
    pub call_id: u32,
    pub direction: devlink3_direction,
    /// The CLI of an inbound trunk call ("" when withheld), the extension otherwise.
    pub caller: devlink3_str,
    /// The DID of an inbound call, the digits dialled (internal), the number sent (outbound).
    pub called: devlink3_str,
    pub state: devlink3_call_state,
    /// The extensions being rung now: `ringing_count` strings.
    pub ringing: *const devlink3_str,
    pub ringing_count: usize,
    /// The extension that took the call first; empty when none did.
    pub answered_by: devlink3_str,
    /// The ends attached now: `party_count` of them.
    pub parties: *const devlink3_live_party,
    pub party_count: usize,
    pub started_at: f64,
    pub answered_at: f64,
    pub ended_at: f64,
    /// Records may be missing for this call (a counter gap, events dropped).
    pub uncertain: bool,
    /// The summary below is set (on `Ended` only).
    pub has_summary: bool,
    pub disposition: devlink3_disposition,
    pub ring_seconds: f64,
    pub talk_seconds: f64,
    pub hold_seconds: f64,
    /// The number of the party that hung up; empty when none did (or it is unknown).
    pub cleared_by: devlink3_str,
    /// The clearing cause code (16 Normal...) of the first end to go; `has_cause` says
    /// whether there is one.
    pub cause: u32,
    pub has_cause: bool,
}

/// One event of the call model. Valid during the callback (push), or until
/// `devlink3_call_event_free` (pull).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_call_event {
    pub kind: devlink3_call_event_kind,
    /// The call as it now stands; NULL for `Extension` and `Unplaced`.
    pub call: *const devlink3_live_call,
    /// The party that joined or left (`PartyJoined`, `PartyLeft`, `Transferred`); else NULL.
    /// Strings here and below are views (`devlink3_str`), empty when there is none.
    pub party: *const devlink3_live_party,
    /// `Extension`: the extension, its new and its previous state.
    pub extension: devlink3_str,
    pub extension_state: devlink3_extension_state,
    pub previous_state: devlink3_extension_state,
    /// `Unplaced`: why, and the record's text.
    pub reason: devlink3_str,
    pub record: devlink3_str,
}

/// The C structs of one tracked event and the strings they point at; `public` first, so
/// that a pointer to it is a pointer to the whole allocation. Build it with
/// [`CallEventView::new`] where it will stay (a `Box`, or the stack during a callback),
/// then read [`CallEventView::public`].
#[repr(C)]
pub(crate) struct CallEventView {
    public: devlink3_call_event,
    call: devlink3_live_call,
    party: devlink3_live_party,
    parties: Vec<devlink3_live_party>,
    ringing: Vec<devlink3_str>,
    /// Owns the call event whose strings the views above point at.
    tracked: Tracked,
}

// SAFETY: the raw pointers point into `tracked` and the vectors here, moved together.
unsafe impl Send for CallEventView {}

impl CallEventView {
    pub(crate) fn new(tracked: Tracked) -> Box<Self> {
        let mut view = Box::new(CallEventView {
            public: devlink3_call_event {
                kind: devlink3_call_event_kind::Unplaced,
                call: ptr::null(),
                party: ptr::null(),
                extension: devlink3_str::default(),
                extension_state: devlink3_extension_state::Idle,
                previous_state: devlink3_extension_state::Idle,
                reason: devlink3_str::default(),
                record: devlink3_str::default(),
            },
            call: empty_call(),
            party: empty_party(),
            parties: Vec::new(),
            ringing: Vec::new(),
            tracked,
        });
        view.fill();
        view
    }

    pub(crate) fn public(&self) -> &devlink3_call_event {
        &self.public
    }

    /// Points the views at `self.tracked`, which lives (boxed, unmoved) as long as they do.
    fn fill(&mut self) {
        match &self.tracked {
            Tracked::Call(event) => {
                self.public.kind = call_event_kind(event.event);
                let call = &event.call;
                self.ringing = call.ringing.iter().map(|e| devlink3_str::of(e)).collect();
                self.parties = call.parties.iter().map(party_view).collect();
                if let Some(party) = &event.party {
                    self.party = party_view(party);
                    self.public.party = &self.party;
                }
                self.call = call_view(call, &self.ringing, &self.parties);
                self.public.call = &self.call;
            }
            Tracked::Extension(change) => {
                self.public.kind = devlink3_call_event_kind::Extension;
                self.public.extension = devlink3_str::of(&change.extension);
                self.public.extension_state = extension_state(change.state);
                self.public.previous_state = extension_state(change.previous);
            }
            Tracked::Unplaced(unplaced) => {
                self.public.kind = devlink3_call_event_kind::Unplaced;
                self.public.reason = devlink3_str::of(&unplaced.reason);
                self.public.record = devlink3_str::of(&unplaced.record);
            }
        }
    }
}

fn party_view(party: &Party) -> devlink3_live_party {
    devlink3_live_party {
        end_id: devlink3_str::of(&party.end_id),
        role: if party.role == Role::A { b'a' } else { b'b' },
        extension: devlink3_str::of(party.extension.as_deref().unwrap_or("")),
        number: devlink3_str::of(&party.number),
        equipment: party.equipment.raw(),
        state: party.state.raw(),
        on_hold: party.on_hold,
    }
}

fn call_view(call: &Call, ringing: &[devlink3_str], parties: &[devlink3_live_party]) -> devlink3_live_call {
    let summary = call.summary.as_ref();
    devlink3_live_call {
        id: devlink3_str::of(&call.id),
        node: devlink3_str::of(&call.node),
        call_id: call.call_id,
        direction: match call.direction {
            Direction::Inbound => devlink3_direction::Inbound,
            Direction::Outbound => devlink3_direction::Outbound,
            Direction::Internal => devlink3_direction::Internal,
        },
        caller: devlink3_str::of(&call.caller),
        called: devlink3_str::of(&call.called),
        state: match call.state {
            CallState::Dialling => devlink3_call_state::Dialling,
            CallState::Ringing => devlink3_call_state::Ringing,
            CallState::Queued => devlink3_call_state::Queued,
            CallState::Connected => devlink3_call_state::Connected,
            CallState::Held => devlink3_call_state::Held,
            CallState::Parked => devlink3_call_state::Parked,
            CallState::Voicemail => devlink3_call_state::Voicemail,
            CallState::Ended => devlink3_call_state::Ended,
        },
        ringing: if ringing.is_empty() { ptr::null() } else { ringing.as_ptr() },
        ringing_count: ringing.len(),
        answered_by: devlink3_str::of(call.answered_by.as_deref().unwrap_or("")),
        parties: if parties.is_empty() { ptr::null() } else { parties.as_ptr() },
        party_count: parties.len(),
        started_at: call.started_at,
        answered_at: call.answered_at.unwrap_or(f64::NAN),
        ended_at: call.ended_at.unwrap_or(f64::NAN),
        uncertain: call.uncertain,
        has_summary: summary.is_some(),
        disposition: match summary.map(|s| s.disposition) {
            Some(Disposition::Answered) => devlink3_disposition::Answered,
            Some(Disposition::Abandoned) => devlink3_disposition::Abandoned,
            Some(Disposition::Voicemail) => devlink3_disposition::Voicemail,
            Some(Disposition::Busy) => devlink3_disposition::Busy,
            Some(Disposition::Failed) => devlink3_disposition::Failed,
            Some(Disposition::Unknown) | None => devlink3_disposition::Unknown,
        },
        ring_seconds: summary.map_or(0.0, |s| s.ring_seconds),
        talk_seconds: summary.map_or(0.0, |s| s.talk_seconds),
        hold_seconds: summary.map_or(0.0, |s| s.hold_seconds),
        cleared_by: devlink3_str::of(summary.and_then(|s| s.cleared_by.as_deref()).unwrap_or("")),
        cause: summary.and_then(|s| s.cause).map_or(0, |c| c.raw()),
        has_cause: summary.is_some_and(|s| s.cause.is_some()),
    }
}

fn empty_party() -> devlink3_live_party {
    devlink3_live_party {
        end_id: devlink3_str::default(),
        role: 0,
        extension: devlink3_str::default(),
        number: devlink3_str::default(),
        equipment: 0,
        state: 0,
        on_hold: false,
    }
}

fn empty_call() -> devlink3_live_call {
    devlink3_live_call {
        id: devlink3_str::default(),
        node: devlink3_str::default(),
        call_id: 0,
        direction: devlink3_direction::Internal,
        caller: devlink3_str::default(),
        called: devlink3_str::default(),
        state: devlink3_call_state::Dialling,
        ringing: ptr::null(),
        ringing_count: 0,
        answered_by: devlink3_str::default(),
        parties: ptr::null(),
        party_count: 0,
        started_at: f64::NAN,
        answered_at: f64::NAN,
        ended_at: f64::NAN,
        uncertain: false,
        has_summary: false,
        disposition: devlink3_disposition::Unknown,
        ring_seconds: 0.0,
        talk_seconds: 0.0,
        hold_seconds: 0.0,
        cleared_by: devlink3_str::default(),
        cause: 0,
        has_cause: false,
    }
}

fn call_event_kind(kind: CallEventKind) -> devlink3_call_event_kind {
    match kind {
        CallEventKind::Started => devlink3_call_event_kind::Started,
        CallEventKind::Ringing => devlink3_call_event_kind::Ringing,
        CallEventKind::Answered => devlink3_call_event_kind::Answered,
        CallEventKind::Held => devlink3_call_event_kind::Held,
        CallEventKind::Retrieved => devlink3_call_event_kind::Retrieved,
        CallEventKind::Transferred => devlink3_call_event_kind::Transferred,
        CallEventKind::Conferenced => devlink3_call_event_kind::Conferenced,
        CallEventKind::Queued => devlink3_call_event_kind::Queued,
        CallEventKind::PartyJoined => devlink3_call_event_kind::PartyJoined,
        CallEventKind::PartyLeft => devlink3_call_event_kind::PartyLeft,
        CallEventKind::Ended => devlink3_call_event_kind::Ended,
    }
}

pub(crate) fn extension_state(state: ExtensionState) -> devlink3_extension_state {
    match state {
        ExtensionState::Idle => devlink3_extension_state::Idle,
        ExtensionState::Ringing => devlink3_extension_state::Ringing,
        ExtensionState::Dialling => devlink3_extension_state::Dialling,
        ExtensionState::Held => devlink3_extension_state::Held,
        ExtensionState::Talking => devlink3_extension_state::Talking,
    }
}
