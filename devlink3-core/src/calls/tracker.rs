//! The call tracker: Delta3 records in, call and extension events out.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use devlink3_proto::records::{
    AttemptRejectView, CallLostView, Cause, Delta3View, DetailView, EquipmentClass, LinkLostView, PartyState,
    PartyView, QueueState, Tone,
};

use super::{
    Call, CallEvent, CallEventKind, CallState, Direction, Disposition, ExtensionChange, ExtensionState, ExtensionTag,
    Party, Role, Seconds, Summary, Tracked, Unplaced, UnplacedTag,
};
use crate::event::{Event, LinkState};

/// Limits of the tracker.
#[derive(Debug, Clone)]
pub struct TrackerConfig {
    /// A call with no record for this long is ended with disposition `unknown`, so memory
    /// stays bounded when an end's CallLost never comes. IP Office sends nothing while a
    /// call simply goes on, so this is long.
    pub max_idle: Duration,
    /// After a (re)subscription the PBX re-announces every call in progress; a call known
    /// before that is not re-announced within this time ends as `unknown`.
    pub resync_window: Duration,
    /// At most this many calls are tracked; past it the longest-idle call is ended as
    /// `unknown`.
    pub max_calls: usize,
}

impl TrackerConfig {
    /// Limits as people give them (seconds, a count), checked: absurd values are refused
    /// with the option named, for the faces that take them.
    pub fn from_seconds(max_idle: f64, resync_window: f64, max_calls: usize) -> Result<Self, String> {
        let seconds = |name: &str, value: f64| {
            if value > 0.0 && value <= 31_536_000.0 {
                Ok(Duration::from_secs_f64(value))
            } else {
                Err(format!("{name} {value}: give a number of seconds above 0 (a year at most)"))
            }
        };
        if max_calls == 0 {
            return Err("max_calls must be at least 1".to_owned());
        }
        Ok(TrackerConfig {
            max_idle: seconds("max_idle", max_idle)?,
            resync_window: seconds("resync_window", resync_window)?,
            max_calls,
        })
    }
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self { max_idle: Duration::from_secs(12 * 3600), resync_window: Duration::from_secs(5), max_calls: 100_000 }
    }
}

/// Keeps the calls in progress and the extensions' states; see the [module](super) docs.
#[derive(Debug, Default)]
pub struct CallTracker {
    config: TrackerConfig,
    calls: HashMap<u64, Entry>,
    next_id: u64,
    /// (node, CallID) of every view of a call in progress.
    by_view: HashMap<(String, u32), u64>,
    /// End identifiers of attached parties.
    by_end: HashMap<String, u64>,
    /// End identifiers of ringing targets.
    by_target: HashMap<String, u64>,
    /// Calls each extension takes part in, and its last reported state.
    extensions: HashMap<String, (BTreeSet<u64>, ExtensionState)>,
    /// Until when calls known before a resubscription may be re-announced.
    resync_until: Option<Seconds>,
    next_sweep: Seconds,
}

/// A call in progress and what the tracker needs to know about its history.
#[derive(Debug)]
struct Entry {
    call: Call,
    views: Vec<(String, u32)>,
    /// Ends reported as PartyA/PartyB and not yet lost. `shown`: in the latest Detail of
    /// the view that reported it (an end replaced without its CallLost yet is not shown).
    ends: Vec<End>,
    /// Ringing targets: end identifier, extension (or number), whether it is an extension.
    targets: Vec<(String, String, bool)>,
    ring_started: Option<Seconds>,
    hold_started: Option<Seconds>,
    hold_total: Seconds,
    had_b: bool,
    busy: bool,
    failed: bool,
    voicemail: bool,
    queued: bool,
    conferenced: bool,
    /// End identifiers already reported as transferred away.
    transferred: BTreeSet<String>,
    cleared_by: Option<String>,
    cause: Option<Cause>,
    confirmed: bool,
    /// Ended without being seen to end (resynchronisation, age, the call limit).
    out_of_view: bool,
    last_seen: Seconds,
    /// This call's contribution to each extension's state.
    extension_states: Vec<(String, ExtensionState)>,
}

#[derive(Debug, Clone)]
struct End {
    party: Party,
    view: (String, u32),
    shown: bool,
    audio_path: bool,
    tone: Tone,
    related_end_id: String,
}

/// Clearing causes that move an end elsewhere rather than end the call.
fn is_move(cause: Cause) -> bool {
    matches!(
        cause,
        Cause::Transfer
            | Cause::Parked
            | Cause::UnParked
            | Cause::ConferencingMove
            | Cause::Pickup
            | Cause::AnsweredByOther
            | Cause::Redirect
            | Cause::ForwardToVoicemail
            | Cause::HeldCall
    )
}

/// Clearing causes that mean the call could not be made.
fn is_failure(cause: Cause) -> bool {
    matches!(
        cause,
        Cause::UnallocatedNumber
            | Cause::NoChannel
            | Cause::NetworkOoo
            | Cause::CallRejected
            | Cause::CallBarred
            | Cause::Incompatible
            | Cause::NoAccountCode
            | Cause::RestrictedToPartner
    )
}

fn seconds(d: Duration) -> Seconds {
    d.as_secs_f64()
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// The number a party stands for: its extension, else a trunk's CLI (inbound) or the
/// number sent (outbound).
fn party_number(p: PartyView<'_>) -> String {
    if !p.identity().is_empty() {
        p.identity().to_string()
    } else if p.incoming() {
        p.cli().to_string()
    } else if !p.target_number().is_empty() {
        p.target_number().to_string()
    } else {
        p.cli().to_string()
    }
}

fn end_from(p: PartyView<'_>, role: Role, view: &(String, u32)) -> End {
    End {
        party: Party {
            end_id: p.end_id().to_string(),
            role,
            extension: non_empty(p.identity()),
            number: party_number(p),
            equipment: p.equipment(),
            state: p.state(),
            on_hold: p.state() == PartyState::Connected && !p.audio_path(),
        },
        view: view.clone(),
        shown: true,
        audio_path: p.audio_path(),
        tone: p.tone(),
        related_end_id: p.related_end_id().to_string(),
    }
}

fn is_parked(end: &End) -> bool {
    end.party.equipment == EquipmentClass::Parkslot
}

fn is_conference(end: &End) -> bool {
    matches!(end.party.equipment, EquipmentClass::Conference | EquipmentClass::ConferenceMeetMe)
}

/// What an attached party contributes to its extension's state.
fn party_extension_state(end: &End) -> ExtensionState {
    match end.party.state {
        PartyState::Connected if end.audio_path => ExtensionState::Talking,
        PartyState::Connected => ExtensionState::Held,
        PartyState::Ringing | PartyState::Offering | PartyState::Accept => ExtensionState::Ringing,
        PartyState::Idle | PartyState::Disconnecting | PartyState::IcDisconnecting | PartyState::Preserved => {
            ExtensionState::Idle
        }
        _ => ExtensionState::Dialling,
    }
}

impl Entry {
    fn shown(&self) -> impl Iterator<Item = &End> {
        self.ends.iter().filter(|e| e.shown)
    }

    fn b(&self) -> Option<&End> {
        self.shown().find(|e| e.party.role == Role::B)
    }

    fn on_hold(&self) -> bool {
        self.shown().any(|e| e.party.on_hold || is_parked(e))
    }

    /// The call's state from what is shown now.
    fn state(&self) -> CallState {
        if self.shown().any(is_parked) {
            return CallState::Parked;
        }
        if self.on_hold() {
            return CallState::Held;
        }
        match self.b() {
            Some(b) if b.party.state == PartyState::Connected => {
                if b.party.equipment == EquipmentClass::Voicemail {
                    CallState::Voicemail
                } else {
                    CallState::Connected
                }
            }
            Some(_) => CallState::Ringing,
            None if !self.targets.is_empty() && self.queued => CallState::Queued,
            None if !self.targets.is_empty() => CallState::Ringing,
            None if self.queued => CallState::Queued,
            // Answered, and its other end gone (hung up, or moving on): still connected
            // until the last end goes or something else rings.
            None if self.call.answered_at.is_some() => CallState::Connected,
            // A trunk call arriving rings before the PBX names what it rings.
            None if self.call.direction == Direction::Inbound => CallState::Ringing,
            None => CallState::Dialling,
        }
    }

    /// Refreshes the call document from the bookkeeping.
    fn refresh(&mut self) {
        self.call.parties = self.shown().map(|e| e.party.clone()).collect();
        self.call.ringing = self.targets.iter().map(|(_, who, _)| who.clone()).filter(|e| !e.is_empty()).collect();
        self.call.state = self.state();
    }

    fn extension_states(&self) -> Vec<(String, ExtensionState)> {
        let mut states: Vec<(String, ExtensionState)> = Vec::new();
        let mut add = |ext: &str, state: ExtensionState| match states.iter_mut().find(|(e, _)| e == ext) {
            Some((_, s)) => *s = (*s).max(state),
            None => states.push((ext.to_owned(), state)),
        };
        // Only extensions have lamps: a number rung outside is no extension.
        for (_, ext, _) in self.targets.iter().filter(|(_, ext, is_extension)| *is_extension && !ext.is_empty()) {
            add(ext, ExtensionState::Ringing);
        }
        for end in self.shown() {
            if let Some(ext) = &end.party.extension {
                add(ext, party_extension_state(end));
            }
        }
        states
    }

    fn summary(&self, now: Seconds) -> Summary {
        let disposition = if self.out_of_view {
            // Not seen to end: no disposition can be claimed.
            Disposition::Unknown
        } else if self.call.answered_at.is_some() && !self.voicemail {
            Disposition::Answered
        } else if self.voicemail {
            Disposition::Voicemail
        } else if self.busy {
            Disposition::Busy
        } else if self.failed {
            Disposition::Failed
        } else if self.ring_started.is_some() {
            Disposition::Abandoned
        } else {
            Disposition::Unknown
        };
        let ring_seconds = match self.ring_started {
            Some(ring) => (self.call.answered_at.unwrap_or(now) - ring).max(0.0),
            None => 0.0,
        };
        let talk_seconds = match self.call.answered_at {
            Some(answered) => (now - answered - self.hold_total).max(0.0),
            None => 0.0,
        };
        Summary {
            disposition,
            ring_seconds,
            talk_seconds,
            hold_seconds: self.hold_total,
            cleared_by: self.cleared_by.clone(),
            cause: self.cause,
        }
    }
}

impl CallTracker {
    /// A tracker with no calls.
    pub fn new(config: TrackerConfig) -> Self {
        Self { config, ..Self::default() }
    }

    /// The calls in progress, in no particular order.
    pub fn calls(&self) -> impl Iterator<Item = &Call> {
        self.calls.values().map(|e| &e.call)
    }

    /// Every extension seen in a call and its state now (idle ones included), sorted.
    pub fn extensions(&self) -> Vec<(String, ExtensionState)> {
        let mut all: Vec<(String, ExtensionState)> =
            self.extensions.iter().map(|(ext, (_, state))| (ext.clone(), *state)).collect();
        all.sort();
        all
    }

    /// Feeds one event of a link: Delta3 records are tracked; `Operational` starts a
    /// resynchronisation; a missed notice marks the calls in progress uncertain. Other
    /// events are ignored.
    pub fn event(&mut self, event: &Event, now: Seconds, out: &mut Vec<Tracked>) {
        match event {
            Event::Delta3 { record, .. } => self.record(record.get(), now, out),
            Event::LinkState(LinkState::Operational(_)) => self.resubscribed(now, out),
            Event::Missed { .. } => self.missed(now, out),
            _ => self.tick(now, out),
        }
    }

    /// Feeds a batch of a link's events received at `now`, then lets time pass.
    pub fn events<'e>(&mut self, events: impl IntoIterator<Item = &'e Event>, now: Seconds, out: &mut Vec<Tracked>) {
        for event in events {
            self.event(event, now, out);
        }
        self.tick(now, out);
    }

    /// Feeds one Delta3 record received at `now`.
    pub fn record(&mut self, record: Delta3View<'_>, now: Seconds, out: &mut Vec<Tracked>) {
        self.tick(now, out);
        match record {
            Delta3View::Detail(detail) => self.detail(detail, now, out),
            Delta3View::CallLost(lost) => self.call_lost(lost, now, out),
            Delta3View::LinkLost(lost) => self.link_lost(lost, now, out),
            Delta3View::AttemptReject(reject) => self.attempt_reject(reject, now, out),
        }
    }

    /// The link (re)subscribed: the PBX is about to re-announce every call in progress.
    pub fn resubscribed(&mut self, now: Seconds, out: &mut Vec<Tracked>) {
        self.tick(now, out);
        if self.calls.is_empty() {
            return;
        }
        for entry in self.calls.values_mut() {
            entry.confirmed = false;
        }
        self.resync_until = Some(now + seconds(self.config.resync_window));
    }

    /// Records were missed (a counter gap or a slow consumer): every call in progress may
    /// lack some of its story.
    pub fn missed(&mut self, now: Seconds, out: &mut Vec<Tracked>) {
        self.tick(now, out);
        for entry in self.calls.values_mut() {
            entry.call.uncertain = true;
        }
    }

    /// Lets time pass: ends the calls a resynchronisation did not confirm once its window
    /// closed, and the calls idle for longer than `max_idle`.
    pub fn tick(&mut self, now: Seconds, out: &mut Vec<Tracked>) {
        if let Some(until) = self.resync_until
            && now >= until
        {
            self.resync_until = None;
            let mut stale: Vec<u64> = self.calls.iter().filter(|(_, e)| !e.confirmed).map(|(id, _)| *id).collect();
            stale.sort_unstable();
            for id in stale {
                self.end_unknown(id, now, out);
            }
        }
        if now >= self.next_sweep {
            self.next_sweep = now + 1.0;
            let max_idle = seconds(self.config.max_idle);
            let mut idle: Vec<u64> =
                self.calls.iter().filter(|(_, e)| now - e.last_seen > max_idle).map(|(id, _)| *id).collect();
            idle.sort_unstable();
            for id in idle {
                self.end_unknown(id, now, out);
            }
        }
    }

    fn detail(&mut self, detail: DetailView<'_>, now: Seconds, out: &mut Vec<Tracked>) {
        let view = (detail.call().node().to_string(), detail.call().call_id());
        let a_end = detail.party_a().end_id();
        let mut id = self.by_view.get(&view).copied();
        if let Some(known) = id {
            // A CallID is local and reused: a Detail from this view whose A end the call
            // never had, while the A end this view reported is still attached and absent
            // from the Detail, is a new call (the old one's ends left without a CallLost).
            let entry = &self.calls[&known];
            let knows_a = entry.ends.iter().any(|e| e.party.end_id == a_end);
            let b_end = detail.party_b().map(|b| b.end_id());
            let old_a_gone =
                entry.ends.iter().any(|e| e.party.role == Role::A && e.view == view && Some(&*e.party.end_id) != b_end);
            if !knows_a && old_a_gone {
                self.end_unknown(known, now, out);
                id = None;
            }
        }
        // Another node's view of a call we know (SCN): end identifiers are network-wide.
        let id = id
            .or_else(|| self.by_end.get(a_end).copied())
            .or_else(|| detail.party_b().and_then(|b| self.by_end.get(b.end_id()).copied()));
        let id = match id {
            Some(id) => id,
            None => self.start(detail, &view, now, out),
        };
        if !self.calls[&id].views.contains(&view) {
            self.calls.get_mut(&id).expect("known call").views.push(view.clone());
            self.by_view.insert(view.clone(), id);
        }
        self.update(id, detail, &view, now, out);
    }

    fn start(&mut self, detail: DetailView<'_>, view: &(String, u32), now: Seconds, out: &mut Vec<Tracked>) -> u64 {
        if self.calls.len() >= self.config.max_calls.max(1) {
            let oldest = self
                .calls
                .iter()
                .min_by(|(ia, a), (ib, b)| a.last_seen.total_cmp(&b.last_seen).then(ia.cmp(ib)))
                .map(|(id, _)| *id);
            if let Some(oldest) = oldest {
                self.end_unknown(oldest, now, out);
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        let a = detail.party_a();
        // A first sight of a call already answered means its beginning happened before we
        // listened (a snapshot after subscribing): its times are from now on.
        let joined_late = detail.party_b().is_some_and(|b| b.state() == PartyState::Connected);
        let call = Call {
            id: a.end_id().to_string(),
            node: view.0.clone(),
            call_id: view.1,
            direction: Direction::Internal,
            caller: String::new(),
            called: String::new(),
            state: CallState::Dialling,
            ringing: Vec::new(),
            answered_by: None,
            parties: Vec::new(),
            started_at: now,
            answered_at: None,
            ended_at: None,
            uncertain: joined_late,
            summary: None,
        };
        self.calls.insert(
            id,
            Entry {
                call,
                views: Vec::new(),
                ends: Vec::new(),
                targets: Vec::new(),
                ring_started: None,
                hold_started: None,
                hold_total: 0.0,
                had_b: false,
                busy: false,
                failed: false,
                voicemail: false,
                queued: false,
                conferenced: false,
                transferred: BTreeSet::new(),
                cleared_by: None,
                cause: None,
                confirmed: true,
                out_of_view: false,
                last_seen: now,
                extension_states: Vec::new(),
            },
        );
        id
    }

    fn update(&mut self, id: u64, detail: DetailView<'_>, view: &(String, u32), now: Seconds, out: &mut Vec<Tracked>) {
        let entry = self.calls.get_mut(&id).expect("known call");
        let is_new = entry.ends.is_empty() && entry.views.len() == 1 && entry.targets.is_empty();
        let mut events: Vec<(CallEventKind, Option<Party>)> = Vec::new();
        if is_new {
            events.push((CallEventKind::Started, None));
        }
        entry.confirmed = true;
        entry.last_seen = now;
        let was_on_hold = entry.on_hold();
        let was_parked = entry.shown().any(is_parked);
        let old_ringing: Vec<(String, String, bool)> = entry.targets.clone();
        let was_ringing_b = entry.b().is_some_and(|b| b.party.state != PartyState::Connected);

        // The ends of this view: update, add, and hide the ones it no longer shows.
        let mut reported: Vec<(PartyView<'_>, Role)> = vec![(detail.party_a(), Role::A)];
        if let Some(b) = detail.party_b() {
            reported.push((b, Role::B));
        }
        for end in entry.ends.iter_mut().filter(|e| &e.view == view) {
            end.shown = reported.iter().any(|(p, _)| p.end_id() == end.party.end_id);
        }
        let mut joined: Vec<Party> = Vec::new();
        let mut new_b: Option<End> = None;
        let mut moved_from: Vec<(u64, String)> = Vec::new();
        for (p, role) in reported {
            let fresh = end_from(p, role, view);
            match entry.ends.iter_mut().find(|e| e.party.end_id == fresh.party.end_id) {
                Some(end) => *end = fresh,
                None => {
                    // An end another call had (a consult call joined to this one): it is
                    // this call's now; that call may have no end left.
                    if let Some(previous) = self.by_end.insert(fresh.party.end_id.clone(), id)
                        && previous != id
                    {
                        moved_from.push((previous, fresh.party.end_id.clone()));
                    }
                    if let Some(ext) = &fresh.party.extension {
                        self.extensions.entry(ext.clone()).or_default().0.insert(id);
                    }
                    if role == Role::B && !entry.had_b {
                        new_b = Some(fresh.clone());
                    } else if !is_new {
                        joined.push(fresh.party.clone());
                    }
                    // A new end related to one that left by transfer: report the transfer
                    // if its CallLost has not.
                    if !fresh.related_end_id.is_empty()
                        && entry.ends.iter().all(|e| e.party.end_id != fresh.related_end_id)
                        && entry.transferred.insert(fresh.related_end_id.clone())
                        && entry.call.answered_at.is_some()
                    {
                        events.push((CallEventKind::Transferred, None));
                    }
                    entry.ends.push(fresh);
                }
            }
        }
        if detail.party_b().is_some() {
            entry.had_b = true;
        }
        // Re-announced after a resubscription: the ends this view no longer shows left
        // while the link was down, their CallLost lost with it.
        if self.resync_until.is_some() {
            entry.ends.retain(|e| {
                let keep = e.shown || &e.view != view;
                if !keep && self.by_end.get(&e.party.end_id) == Some(&id) {
                    self.by_end.remove(&e.party.end_id);
                }
                keep
            });
        }

        // Ringing targets.
        for (end_id, _, _) in &entry.targets {
            self.by_target.remove(end_id);
        }
        entry.targets = detail
            .targets()
            .map(|t| match non_empty(t.identity()) {
                Some(ext) => (t.end_id().to_string(), ext, true),
                None => (t.end_id().to_string(), t.target_number().to_string(), false),
            })
            .collect();
        for (end_id, ext, is_extension) in &entry.targets {
            self.by_target.insert(end_id.clone(), id);
            if *is_extension {
                self.extensions.entry(ext.clone()).or_default().0.insert(id);
            }
        }

        // Who and where.
        let a = detail.party_a();
        let b = detail.party_b();
        if a.public_line() && a.incoming() {
            entry.call.direction = Direction::Inbound;
        } else if entry.call.direction == Direction::Internal
            && (b.is_some_and(|b| b.public_line()) || detail.targets().any(|t| t.public_line()))
        {
            entry.call.direction = Direction::Outbound;
        }
        let (caller, called) = match entry.call.direction {
            Direction::Inbound => (a.cli().to_string(), a.did().to_string()),
            Direction::Outbound => {
                let sent = b.filter(|b| b.public_line()).map(|b| b.target_number().to_string()).unwrap_or_default();
                (party_number(a), sent)
            }
            Direction::Internal => (party_number(a), a.dialled().to_string()),
        };
        if entry.call.caller.is_empty() || entry.call.direction == Direction::Inbound {
            entry.call.caller = caller;
        }
        if !called.is_empty() {
            entry.call.called = called;
        }

        // Ringing, queueing, answer.
        let ringing_now = !entry.targets.is_empty();
        let b_ringing = b.is_some_and(|b| b.state() != PartyState::Connected);
        if (ringing_now || b_ringing) && entry.ring_started.is_none() {
            entry.ring_started = Some(now);
        }
        let queueing = detail.call().queueing() != QueueState::NotQueueing;
        if queueing && !entry.queued && entry.call.answered_at.is_none() {
            events.push((CallEventKind::Queued, None));
        }
        entry.queued = queueing;
        let targets_changed = ringing_now && entry.targets != old_ringing;
        let far_end_rings = b_ringing && !was_ringing_b && entry.call.answered_at.is_none();
        if targets_changed || far_end_rings {
            events.push((CallEventKind::Ringing, None));
        }
        if entry.shown().any(|e| e.tone == Tone::Busy) && entry.call.answered_at.is_none() {
            entry.busy = true;
        }
        // Voicemail (an auto-attendant) answered first, then a person took the call: the
        // person's answer is the answer.
        let person_after_voicemail = entry.voicemail
            && entry.call.answered_by.is_none()
            && entry.b().is_some_and(|b| {
                b.party.state == PartyState::Connected && b.party.equipment != EquipmentClass::Voicemail
            });
        if person_after_voicemail {
            entry.voicemail = false;
            entry.call.answered_at = None;
        }
        if let Some(b_end) = entry.b().filter(|b| b.party.state == PartyState::Connected).cloned()
            && entry.call.answered_at.is_none()
        {
            entry.call.answered_at = Some(now);
            if b_end.party.equipment == EquipmentClass::Voicemail {
                entry.voicemail = true;
            } else {
                entry.call.answered_by = b_end.party.extension.clone();
            }
            events.push((CallEventKind::Answered, None));
            new_b = None;
        }
        if let Some(b_end) = new_b
            && !events.iter().any(|(k, _)| *k == CallEventKind::Ringing)
            && entry.call.answered_at.is_some()
        {
            joined.push(b_end.party);
        }
        for party in joined {
            events.push((CallEventKind::PartyJoined, Some(party)));
        }
        if !entry.conferenced && entry.shown().any(is_conference) {
            entry.conferenced = true;
            events.push((CallEventKind::Conferenced, None));
        }

        // Hold and park.
        let on_hold = entry.on_hold();
        let parked = entry.shown().any(is_parked);
        if on_hold && !was_on_hold {
            entry.hold_started = Some(now);
            events.push((CallEventKind::Held, None));
        } else if !on_hold && was_on_hold {
            if let Some(since) = entry.hold_started.take() {
                entry.hold_total += now - since;
            }
            events.push((CallEventKind::Retrieved, None));
        } else if on_hold && parked != was_parked {
            // Held became parked (or back): still away from the conversation.
            events.push((if parked { CallEventKind::Held } else { CallEventKind::Retrieved }, None));
        }

        entry.refresh();
        for (kind, party) in events {
            out.push(Tracked::Call(CallEvent { event: kind, call: entry.call.clone(), party }));
        }
        self.update_extensions(id, out);
        for (previous, end_id) in moved_from {
            self.release_end(previous, &end_id, now, out);
        }
    }

    /// Takes `end_id` out of call `id` (it moved to another call); a call left with no end
    /// is over.
    fn release_end(&mut self, id: u64, end_id: &str, now: Seconds, out: &mut Vec<Tracked>) {
        let Some(entry) = self.calls.get_mut(&id) else { return };
        let Some(at) = entry.ends.iter().position(|e| e.party.end_id == end_id) else { return };
        let end = entry.ends.remove(at);
        if entry.ends.is_empty() {
            self.end(id, now, out);
            return;
        }
        entry.refresh();
        out.push(Tracked::Call(CallEvent {
            event: CallEventKind::PartyLeft,
            call: entry.call.clone(),
            party: Some(end.party),
        }));
        self.update_extensions(id, out);
    }

    fn call_lost(&mut self, lost: CallLostView<'_>, now: Seconds, out: &mut Vec<Tracked>) {
        let Some(&id) = self.by_end.get(lost.end_id()) else {
            let reason = match self.by_target.get(lost.end_id()) {
                Some(_) => format!("CallLost for end {} that was only ever a ringing target", lost.end_id()),
                None => format!("CallLost for end {} of no call in progress", lost.end_id()),
            };
            self.unplaced(reason, lost.raw().to_string(), out);
            return;
        };
        self.by_end.remove(lost.end_id());
        let entry = self.calls.get_mut(&id).expect("known call");
        entry.last_seen = now;
        let was_on_hold = entry.on_hold();
        let Some(at) = entry.ends.iter().position(|e| e.party.end_id == lost.end_id()) else {
            return;
        };
        let end = entry.ends.remove(at);
        let cause = lost.cause();
        if !is_move(cause) {
            if entry.cause.is_none() {
                entry.cause = Some(cause);
            }
            if lost.cleared_inbound() && entry.cleared_by.is_none() {
                entry.cleared_by = non_empty(&end.party.number);
            }
            if entry.call.answered_at.is_none() {
                if cause == Cause::Busy {
                    entry.busy = true;
                } else if is_failure(cause) {
                    entry.failed = true;
                }
            }
        }
        if entry.ends.is_empty() {
            self.end(id, now, out);
            return;
        }
        if was_on_hold
            && !entry.on_hold()
            && let Some(since) = entry.hold_started.take()
        {
            entry.hold_total += now - since;
        }
        entry.refresh();
        let kind = if cause == Cause::Transfer && entry.transferred.insert(end.party.end_id.clone()) {
            CallEventKind::Transferred
        } else {
            CallEventKind::PartyLeft
        };
        out.push(Tracked::Call(CallEvent { event: kind, call: entry.call.clone(), party: Some(end.party) }));
        self.update_extensions(id, out);
    }

    /// LinkLost ends an intermediate node's link, not the call: its ends are network-wide
    /// and their own CallLost comes from the node where they are local.
    fn link_lost(&mut self, lost: LinkLostView<'_>, now: Seconds, out: &mut Vec<Tracked>) {
        match self.by_end.get(lost.end_id()) {
            Some(id) => {
                if let Some(entry) = self.calls.get_mut(id) {
                    entry.last_seen = now;
                }
            }
            None => self.unplaced(
                format!("LinkLost for end {} of no call in progress", lost.end_id()),
                lost.raw().to_string(),
                out,
            ),
        }
    }

    /// The call goes on ringing elsewhere (or not); its next Detail tells which.
    fn attempt_reject(&mut self, reject: AttemptRejectView<'_>, now: Seconds, out: &mut Vec<Tracked>) {
        match self.by_target.get(reject.end_id()).or_else(|| self.by_end.get(reject.end_id())) {
            Some(id) => {
                if let Some(entry) = self.calls.get_mut(id) {
                    entry.last_seen = now;
                }
            }
            None => self.unplaced(
                format!("AttemptReject for end {} that rings in no call in progress", reject.end_id()),
                reject.raw().to_string(),
                out,
            ),
        }
    }

    fn unplaced(&mut self, reason: String, record: String, out: &mut Vec<Tracked>) {
        out.push(Tracked::Unplaced(Unplaced { event: UnplacedTag::Unplaced, reason, record }));
    }

    /// Ends a call that went out of view, with disposition `unknown` unless it was answered.
    fn end_unknown(&mut self, id: u64, now: Seconds, out: &mut Vec<Tracked>) {
        if let Some(entry) = self.calls.get_mut(&id) {
            entry.call.uncertain = true;
            entry.out_of_view = true;
        }
        self.end(id, now, out);
    }

    fn end(&mut self, id: u64, now: Seconds, out: &mut Vec<Tracked>) {
        let Some(mut entry) = self.calls.remove(&id) else { return };
        for view in &entry.views {
            if self.by_view.get(view) == Some(&id) {
                self.by_view.remove(view);
            }
        }
        for end in &entry.ends {
            if self.by_end.get(&end.party.end_id) == Some(&id) {
                self.by_end.remove(&end.party.end_id);
            }
        }
        for (end_id, _, _) in &entry.targets {
            if self.by_target.get(end_id) == Some(&id) {
                self.by_target.remove(end_id);
            }
        }
        if let Some(since) = entry.hold_started.take() {
            entry.hold_total += now - since;
        }
        let summary = entry.summary(now);
        entry.ends.clear();
        entry.targets.clear();
        entry.call.parties.clear();
        entry.call.ringing.clear();
        entry.call.state = CallState::Ended;
        entry.call.ended_at = Some(now);
        entry.call.summary = Some(summary);
        let contributions = std::mem::take(&mut entry.extension_states);
        out.push(Tracked::Call(CallEvent { event: CallEventKind::Ended, call: entry.call, party: None }));
        for (ext, _) in contributions {
            if let Some((calls, _)) = self.extensions.get_mut(&ext) {
                calls.remove(&id);
            }
            self.report_extension(&ext, out);
        }
    }

    /// Re-derives call `id`'s contribution to its extensions and reports every change.
    fn update_extensions(&mut self, id: u64, out: &mut Vec<Tracked>) {
        let Some(entry) = self.calls.get_mut(&id) else { return };
        let new = entry.extension_states();
        if new == entry.extension_states {
            return;
        }
        let old = std::mem::replace(&mut entry.extension_states, new.clone());
        let mut touched: Vec<String> = old.into_iter().map(|(e, _)| e).collect();
        for (ext, _) in &new {
            if !touched.contains(ext) {
                touched.push(ext.clone());
            }
            self.extensions.entry(ext.clone()).or_default().0.insert(id);
        }
        for ext in touched {
            if !new.iter().any(|(e, _)| *e == ext)
                && let Some((calls, _)) = self.extensions.get_mut(&ext)
            {
                calls.remove(&id);
            }
            self.report_extension(&ext, out);
        }
    }

    fn report_extension(&mut self, ext: &str, out: &mut Vec<Tracked>) {
        let Some((calls, previous)) = self.extensions.get(ext) else { return };
        let previous = *previous;
        let state = calls
            .iter()
            .filter_map(|id| self.calls.get(id))
            .flat_map(|entry| entry.extension_states.iter().filter(|(e, _)| e == ext).map(|(_, s)| *s))
            .max()
            .unwrap_or_default();
        if state != previous {
            self.extensions.get_mut(ext).expect("present").1 = state;
            out.push(Tracked::Extension(ExtensionChange {
                event: ExtensionTag::Extension,
                extension: ext.to_owned(),
                state,
                previous,
            }));
        }
    }
}
