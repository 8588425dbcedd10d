//! The simulator's PBX call model: seeded, deterministic IP Office call traffic as record text.
//!
//! [`Traffic`] keeps a set of calls in progress, each a small state machine driven by time (in
//! tenths of a second, passed in: no clocks, no I/O). [`Traffic::start_call`] begins a call with a
//! scenario drawn from the seeded generator; [`Traffic::advance`] runs every due step of every call
//! in time order (ties by call id) and appends, per state change, the Delta3 record, its Delta2
//! equivalent and the SIPTrack / CMExtn events that go with it. The server filters that stream per
//! connection (`-CD2`, `-CONN`, `-SIPTRACK`, `-CMEXTN`...).
//!
//! Scenarios:
//!
//! * internal call: off-hook with dial tone, dials an extension, that extension rings and answers,
//!   sometimes a hold and retrieve, cleared (cause 16, Normal);
//! * incoming trunk call (ISDN `line.bchannel` or SIP with a SIP Call-ID and a SIPTrack
//!   START/END pair) to a hunt group (queued while unanswered, members ringing, sometimes one
//!   member sends it away first: AttemptReject `dnd`) or, without hunt groups, straight to an
//!   extension; answered, cleared;
//! * outgoing trunk call: an extension dials the trunk prefix and a number, the trunk becomes
//!   PartyB, the far end answers, cleared;
//! * transfer: A and B connected, B transfers A to C (CallLost for B with cause 126, Transfer),
//!   C rings and answers (C's related end identifier is B's), cleared;
//! * abandoned: the caller (extension or trunk) hangs up while the call is still ringing;
//! * voicemail: nobody answers, voicemail takes the call (PartyB a `Voicemail` end), cleared;
//! * busy: an extension dials a busy extension, hears busy tone and hangs up;
//! * park: B parks the call (CallLost cause `Parked`, PartyB a `Parkslot` end, A hears hold
//!   music), another extension unparks it (CallLost `UnParked` for the slot), cleared;
//! * conference: B turns the call into a conference (CallLost `ConferencingMove`, PartyB a
//!   `Conference` end), cleared;
//! * outgoing trunk calls sometimes fail: the network rejects the number (CallLost cause
//!   `UnallocatedNumber` for the trunk end).
//!
//! Each call's truth (direction, caller, called, who answered, disposition, ring, talk and
//! hold time: [`CallTruth`]) is what the model knows it played, not what the records say:
//! the call tracker is tested against it.
//!
//! Every party reported as PartyA or PartyB gets exactly one CallLost, after its last Detail.
//! End identifiers are the node id followed by 8 hex digits of a counter; the Delta2 end ids
//! are `1.<counter in decimal>.0`, so a Delta2 end and its Delta3 end share the number (as in the
//! specification's SIPTrack example `c0a82a1f000003eb` / `17.1003.1`).

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};

use devlink3_core::calls::{Direction, Disposition};

use crate::script::{ScriptAction, ScriptedCall};
use devlink3_proto::records::{
    AttemptReject, Call, CallLost, CalledType, Cause, CliPresentation, CmExtn, Delta2, Delta2Kind, Delta2State, Detail,
    EquipmentClass, Party, PartyState, QueueState, SipDirection, SipEvent, SipTrack, SipType, Target, Tone,
};

/// What the simulated PBX looks like to the call model.
#[derive(Debug, Clone)]
pub struct TrafficConfig {
    /// Seed of the generator: the same seed and the same calls of the API give the same records.
    pub seed: u64,
    /// The node identifier (8 hex digits), first field of every Call section and CallLost, and
    /// the first half of every end identifier.
    pub node_id: String,
    /// Extension numbers of the users (phones). An empty list means the default 4001..=4020.
    pub extensions: Vec<String>,
    /// Hunt groups that incoming trunk calls target. Groups without members are ignored; with
    /// none left, incoming trunk calls go straight to an extension (DDI).
    pub hunt_groups: Vec<HuntGroup>,
    /// The digit(s) an extension dials to get an outside line (added in front of trunk CLIs
    /// presented to extensions, too).
    pub trunk_prefix: String,
}

impl Default for TrafficConfig {
    fn default() -> Self {
        let extensions: Vec<String> = (4001..=4020).map(|n: u32| n.to_string()).collect();
        Self {
            seed: 0x00de_71c3,
            node_id: "c0a82a03".to_owned(),
            hunt_groups: vec![
                HuntGroup { number: "200".to_owned(), members: extensions[0..4].to_vec() },
                HuntGroup { number: "201".to_owned(), members: extensions[4..8].to_vec() },
            ],
            extensions,
            trunk_prefix: "9".to_owned(),
        }
    }
}

/// A hunt group: its number and its member extensions (rung together).
#[derive(Debug, Clone)]
pub struct HuntGroup {
    /// The group's extension number (`200`).
    pub number: String,
    /// Member extension numbers.
    pub members: Vec<String>,
}

/// One record produced by the call model, with what the server needs to filter it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimRecord {
    /// A Delta3 record's canonical text. `connected`: the call has been connected at least once
    /// (the `-CONN` flag reports Delta3 only after that).
    Delta3 {
        /// The record text (`<Detail>...</Detail>`, `<CallLost>...`, `<AttemptReject>...`).
        text: String,
        /// Whether the call has been connected at least once.
        connected: bool,
    },
    /// A Delta2 record: `CALL: S ...`, `CALL: D ...` or `CALL: A ...`.
    Delta2(String),
    /// A SIPTrack event: `START,<epid>,<end_id>,TRUNK,IN,<sip call id>`.
    SipTrack(String),
    /// A plain CMExtn event: `Extn4001: CALL LOST (CMCauseForceIdle)`.
    CmExtn(String),
    /// An extended CMExtn event: `v = 1` is a state change with `p1` the new and `p2` the old
    /// state of `extension` (`Extn4001`).
    CmExtnState {
        /// Event kind (1: state change).
        v: u32,
        /// New state.
        p1: u32,
        /// Old state.
        p2: u32,
        /// The extension's name, `Extn<number>`.
        extension: String,
    },
}

/// Extension states reported in CMExtn `v = 1` events. The specification documents only
/// 0 (Idle) and 2 (Dialling); 1 and 3 are the simulator's own choice. A higher number wins when
/// an extension takes part in several calls, so the aggregate is simply the maximum.
mod extn_state {
    /// Documented: no call.
    pub const IDLE: u32 = 0;
    /// Simulator's own choice: a call is alerting the extension.
    pub const RINGING: u32 = 1;
    /// Documented: off-hook, dialling.
    pub const DIALLING: u32 = 2;
    /// Simulator's own choice: in a call (ringback, connected or on hold).
    pub const CONNECTED: u32 = 3;
}

/// SplitMix64: tiny, fast, and good enough for traffic generation and arrival times.
#[derive(Debug, Clone)]
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        // Multiply-shift: unbiased enough for these small ranges, no division.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below((hi - lo + 1) as usize) as u64
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }

    /// `n` random decimal digits.
    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + self.below(10) as u8)).collect()
    }
}

/// The kinds of call the model generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Scenario {
    Internal,
    IncomingTrunk,
    OutgoingTrunk,
    Transfer,
    Abandoned,
    Voicemail,
    Busy,
    Park,
    Conference,
    /// Played from a user's script ([`ScriptedCall`]), not drawn at random.
    Scripted,
}

impl Scenario {
    const ALL: [Scenario; 9] = [
        Scenario::Internal,
        Scenario::IncomingTrunk,
        Scenario::OutgoingTrunk,
        Scenario::Transfer,
        Scenario::Abandoned,
        Scenario::Voicemail,
        Scenario::Busy,
        Scenario::Park,
        Scenario::Conference,
    ];
    /// Relative weights, in the order of `ALL`.
    const WEIGHTS: [usize; 9] = [25, 25, 16, 9, 8, 6, 5, 3, 3];

    fn name(self) -> &'static str {
        match self {
            Scenario::Internal => "internal",
            Scenario::IncomingTrunk => "incoming_trunk",
            Scenario::OutgoingTrunk => "outgoing_trunk",
            Scenario::Transfer => "transfer",
            Scenario::Abandoned => "abandoned",
            Scenario::Voicemail => "voicemail",
            Scenario::Busy => "busy",
            Scenario::Park => "park",
            Scenario::Conference => "conference",
            Scenario::Scripted => "scripted",
        }
    }
}

/// One step of a call's state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// A handset goes off-hook (dial tone) or a trunk call arrives.
    Begin,
    /// The handset has dialled: an extension rings, or (outgoing) the trunk is seized.
    Dialled,
    /// An incoming trunk call is presented: hunt group members (or the DDI extension) ring.
    Ring,
    /// One ringing target sends the call away (AttemptReject "dnd").
    Reject,
    /// A ringing target answers.
    Answer,
    /// The far end of an outgoing trunk call answers.
    FarAnswer,
    /// A phone end puts the other end on hold.
    Hold,
    /// ... and takes it back.
    Retrieve,
    /// PartyB transfers PartyA to another extension, which rings.
    Transfer,
    /// The transfer target answers.
    TransferAnswer,
    /// The caller hangs up before anyone answered (or on hearing busy tone).
    Abandon,
    /// Nobody answered: voicemail takes the call.
    Voicemail,
    /// The dialled extension is busy: the caller hears busy tone.
    Busy,
    /// The far network rejects the number dialled on an outgoing trunk call.
    Fail,
    /// PartyB parks the call.
    Park,
    /// Another extension takes the call off its park slot.
    Unpark,
    /// PartyB turns the call into a conference.
    Conference,
    /// One end hangs up; the call is gone.
    Clear,
}

/// Delay before `step`, in tenths of a second.
fn delay_before(step: Step, rng: &mut Rng) -> u64 {
    match step {
        Step::Begin => 0,
        Step::Dialled => rng.range(15, 40),
        Step::Ring => rng.range(5, 20),
        Step::Reject => rng.range(10, 30),
        Step::Answer => rng.range(20, 80),
        Step::FarAnswer => rng.range(40, 120),
        Step::Hold => rng.range(30, 100),
        Step::Retrieve => rng.range(30, 80),
        Step::Transfer => rng.range(40, 120),
        Step::TransferAnswer => rng.range(30, 80),
        Step::Abandon => rng.range(30, 120),
        Step::Voicemail => rng.range(150, 250),
        Step::Busy => rng.range(15, 40),
        Step::Fail => rng.range(20, 60),
        Step::Park => rng.range(40, 120),
        Step::Unpark => rng.range(50, 200),
        Step::Conference => rng.range(40, 120),
        Step::Clear => rng.range(50, 250),
    }
}

/// Trunk technology of a trunk end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrunkKind {
    Isdn,
    Sip,
}

/// A call end: its Delta3 party data plus what Delta2, SIPTrack and CMExtn need.
#[derive(Debug, Clone)]
struct End {
    /// Delta3 view (also the source of its Target view while ringing).
    party: Party<'static>,
    /// Delta2 end id, `1.<n>.0`.
    d2_id: String,
    /// Delta2 name: `Extn4001 (4001)` or `Line 5`.
    d2_name: String,
    /// Delta2 slot and channel.
    d2_slot: String,
    /// Extension number for phone ends.
    extension: Option<String>,
    /// SIP Call-ID (and direction) of a SIP trunk end, for its SIPTrack pair.
    sip: Option<(String, bool)>,
}

impl End {
    fn target(&self) -> Target<'static> {
        let p = &self.party;
        Target {
            end_id: p.end_id.clone(),
            remote: p.remote,
            public_line: p.public_line,
            equipment: p.equipment,
            equipment_type: p.equipment_type,
            description: p.description.clone(),
            identity: p.identity.clone(),
            called_type: p.called_type,
            called_reason: p.called_reason,
            target_number: p.target_number.clone(),
            target_subaddress: p.target_subaddress.clone(),
            purpose: p.purpose.clone(),
            cli: p.cli.clone(),
            cli_presentation: p.cli_presentation,
        }
    }

    fn set(&mut self, state: PartyState, audio_path: bool, tone: Tone) {
        self.party.state = state;
        self.party.audio_path = audio_path;
        self.party.tone = tone;
    }

    fn is_trunk(&self) -> bool {
        self.party.public_line
    }

    /// Delta2 state of this end (`queued`: the call waits in a hunt group queue).
    fn d2_state(&self, queued: bool) -> Delta2State {
        match self.party.state {
            PartyState::Dialling => Delta2State::Dialling,
            PartyState::Dialed => Delta2State::Dialled,
            PartyState::Ringing | PartyState::Offering => Delta2State::Ringing,
            // A caller hearing ringback: a handset has dialled; a trunk call waits.
            PartyState::Ringback if self.extension.is_some() => Delta2State::Dialled,
            PartyState::Ringback if queued => Delta2State::Queued,
            PartyState::Ringback => Delta2State::Ringing,
            PartyState::Connected if self.party.tone == Tone::HoldMusic => Delta2State::Held,
            _ => Delta2State::Connected,
        }
    }
}

/// Where an incoming trunk call goes.
#[derive(Debug, Clone)]
enum Destination {
    /// A hunt group: its members ring together.
    Group(HuntGroup),
    /// Straight to one extension (DDI).
    Extension(String),
}

/// What a new call is made of.
struct NewCall {
    scenario: Scenario,
    rng: Rng,
    steps: Vec<Step>,
    destination: Option<Destination>,
    party_a: End,
    direction: Direction,
    call_id: u32,
}

/// A call in progress.
#[derive(Debug)]
struct SimCall {
    rng: Rng,
    /// Steps still to run; the first runs at `next_at`.
    steps: Vec<Step>,
    next_at: u64,
    /// The Call section as last reported.
    call: Call<'static>,
    party_a: End,
    party_b: Option<End>,
    targets: Vec<End>,
    /// For an incoming trunk call, where it is routed (chosen on arrival).
    destination: Option<Destination>,
    /// Has been connected at least once.
    connected: bool,
    ring_at: Option<u64>,
    connected_at: Option<u64>,
    ring_attempts: u32,
    /// Delta2 field 25 for the next S record.
    cause: Cause,
    /// Delta2 id of the last B end (for the D record).
    last_b_d2: String,
    /// PartyB end id of the transferring end, once a transfer happened.
    transferred_from: Option<String>,
    /// Whether a transfer's target is still ringing (Delta2 "Transferring").
    transferring: bool,
    /// What the call really is, filled in as it is played.
    truth: CallTruth,
    /// When the current hold (or park) began.
    hold_since: Option<u64>,
    /// When something first rang.
    first_ring_at: Option<u64>,
    /// A scripted call's plan: per step still to run, its delay and who acts (the
    /// extension that answers, the transfer target...). Empty for generated calls.
    plan: VecDeque<(u64, Option<String>)>,
    /// A scripted call's number to dial (an extension or an outside number).
    dial: Option<String>,
}

/// What one simulated call really was, as the traffic model played it (times in seconds of
/// simulated time; the record timestamps are the same clock in tenths).
///
/// Definitions, shared with the call tracker's summary: ring time runs from the first ring
/// to the answer (or to the end, unanswered); talk time from the answer to the end, less the
/// time on hold or parked; `answered_by` is the first extension to answer (none for
/// voicemail or the far end of an outbound call).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CallTruth {
    /// The end identifier of PartyA: the call tracker's call `id`.
    pub id: String,
    /// The CallID.
    pub call_id: u32,
    /// The scenario played (`internal`, `transfer`, `park`...).
    pub scenario: &'static str,
    pub direction: Direction,
    pub caller: String,
    pub called: String,
    pub answered_by: Option<String>,
    pub disposition: Disposition,
    pub started_at: f64,
    pub answered_at: Option<f64>,
    pub ended_at: f64,
    pub ring_seconds: f64,
    pub talk_seconds: f64,
    pub hold_seconds: f64,
}

impl SimCall {
    /// Something starts ringing at `t`.
    fn rang(&mut self, t: u64) {
        self.ring_at = Some(t);
        self.ring_attempts += 1;
        self.first_ring_at.get_or_insert(t);
    }

    /// The call is answered at `t` (only the first answer counts for the truth).
    fn answered(&mut self, t: u64, by: Option<String>, disposition: Disposition) {
        if self.truth.answered_at.is_none() {
            self.truth.answered_at = Some(seconds(t));
            self.truth.answered_by = by;
            self.truth.disposition = disposition;
        }
    }

    fn hold_from(&mut self, t: u64) {
        self.hold_since.get_or_insert(t);
    }

    fn hold_until(&mut self, t: u64) {
        if let Some(since) = self.hold_since.take() {
            self.truth.hold_seconds += seconds(t.saturating_sub(since));
        }
    }

    /// The call's truth, complete, as it ends at `t`.
    fn finish_truth(&mut self, t: u64) -> CallTruth {
        self.hold_until(t);
        let truth = &mut self.truth;
        truth.ended_at = seconds(t);
        if truth.disposition == Disposition::Unknown {
            truth.disposition = Disposition::Abandoned;
        }
        let end = truth.answered_at.unwrap_or(truth.ended_at);
        truth.ring_seconds = self.first_ring_at.map_or(0.0, |r| (end - seconds(r)).max(0.0));
        truth.talk_seconds = truth.answered_at.map_or(0.0, |a| (truth.ended_at - a - truth.hold_seconds).max(0.0));
        truth.clone()
    }

    fn detail(&self) -> Detail<'static> {
        Detail {
            call: self.call.clone(),
            party_a: self.party_a.party.clone(),
            party_b: self.party_b.as_ref().map(|b| b.party.clone()),
            targets: self.targets.iter().map(End::target).collect(),
            raw: Cow::Borrowed(""),
        }
    }

    /// Extensions taking part (as party or target).
    fn extensions(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&self.party_a)
            .chain(self.party_b.as_ref())
            .chain(self.targets.iter())
            .filter_map(|end| end.extension.as_deref())
    }

    /// This call's contribution to `ext`'s CMExtn state (see [`extn_state`]).
    fn extn_state(&self, ext: &str) -> u32 {
        let mut state = extn_state::IDLE;
        for end in std::iter::once(&self.party_a).chain(self.party_b.as_ref()) {
            if end.extension.as_deref() == Some(ext) {
                state = state.max(match end.party.state {
                    PartyState::Dialling => extn_state::DIALLING,
                    _ => extn_state::CONNECTED,
                });
            }
        }
        if self.targets.iter().any(|t| t.extension.as_deref() == Some(ext)) {
            state = state.max(extn_state::RINGING);
        }
        state
    }
}

/// The call model: calls in progress and the generators of identifiers.
#[derive(Debug)]
pub struct Traffic {
    config: TrafficConfig,
    rng: Rng,
    calls: Vec<SimCall>,
    next_call_id: u32,
    next_end: u32,
    /// Last reported CMExtn state per extension (absent: Idle).
    extn_states: BTreeMap<String, u32>,
    /// Truths of the calls ended since the last [`Traffic::take_truths`], when recording.
    truths: Option<Vec<CallTruth>>,
    /// Scripted calls not yet started, by start time.
    scripts: VecDeque<ScriptPlan>,
}

/// A scripted call, checked and planned.
#[derive(Debug, Clone)]
struct ScriptPlan {
    at: u64,
    from: String,
    to: String,
    direction: Direction,
    group: Option<HuntGroup>,
    steps: Vec<Step>,
    plan: VecDeque<(u64, Option<String>)>,
}

impl Traffic {
    /// A model with no calls in progress.
    pub fn new(mut config: TrafficConfig) -> Self {
        if config.extensions.is_empty() {
            config.extensions = TrafficConfig::default().extensions;
        }
        config.hunt_groups.retain(|g| !g.members.is_empty());
        let rng = Rng(config.seed ^ 0x5eed_0fca_117e_a500);
        Self {
            config,
            rng,
            calls: Vec::new(),
            next_call_id: 1,
            next_end: 0x3ea,
            extn_states: BTreeMap::new(),
            truths: None,
            scripts: VecDeque::new(),
        }
    }

    /// Checks `calls` (a user's script) against this system's extensions and hunt groups
    /// and schedules them, `at` counted from time 0. On a mistake nothing is scheduled and
    /// the error names the call and step.
    pub fn add_script(&mut self, calls: &[ScriptedCall]) -> Result<(), String> {
        let mut plans = calls.iter().enumerate().map(|(i, c)| self.plan_script(i, c)).collect::<Result<Vec<_>, _>>()?;
        plans.extend(self.scripts.drain(..));
        plans.sort_by_key(|p| p.at);
        self.scripts = plans.into();
        Ok(())
    }

    fn plan_script(&self, index: usize, call: &ScriptedCall) -> Result<ScriptPlan, String> {
        let what = format!("script call {} ({} to {})", index + 1, call.from, call.to);
        let err = |message: String| format!("{what}: {message}");
        let tenths_of = |value: f64, name: &str| -> Result<u64, String> {
            if !(0.0..=86_400.0).contains(&value) {
                return Err(err(format!("{name} {value} is not between 0 and 86400 seconds")));
            }
            Ok((value * 10.0).round() as u64)
        };
        let is_extension = |n: &str| self.config.extensions.iter().any(|e| e == n);
        let is_number = |n: &str| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '+');
        let group = self.config.hunt_groups.iter().find(|g| g.number == call.to).cloned();
        let direction = if is_extension(&call.from) {
            if is_extension(&call.to) {
                Direction::Internal
            } else if group.is_some() {
                return Err(err("an extension calling a hunt group is not modelled: call one of its members".into()));
            } else if is_number(&call.to) {
                Direction::Outbound
            } else {
                return Err(err(format!("\"to\" {:?} is neither an extension nor an outside number", call.to)));
            }
        } else if !is_number(&call.from) {
            return Err(err(format!("\"from\" {:?} is neither an extension nor an outside number", call.from)));
        } else if group.is_some() || is_extension(&call.to) {
            Direction::Inbound
        } else {
            return Err(err(format!(
                "an inbound call must go to an extension or a hunt group of the simulator, not {:?}",
                call.to
            )));
        };
        let at = tenths_of(call.at, "at")?;
        let mut steps = vec![Step::Begin];
        let mut plan: VecDeque<(u64, Option<String>)> = VecDeque::from([(0, None)]);
        let first = call.steps.first().map(|s| s.action);
        match (direction, first) {
            (Direction::Internal, Some(ScriptAction::Busy)) => {}
            (Direction::Inbound, _) => {
                steps.push(Step::Ring);
                plan.push_back((5, None));
            }
            _ => {
                steps.push(Step::Dialled);
                plan.push_back((20, None));
            }
        }
        let (mut answered, mut held, mut parked, mut transferring, mut ended) = (false, false, false, false, false);
        for (j, step) in call.steps.iter().enumerate() {
            let err = |message: &str| err(format!("step {} ({:?}): {message}", j + 1, step.action));
            if ended {
                return Err(err("the call has already ended"));
            }
            let delay = tenths_of(step.after, "after")?;
            let who = step.extension.clone();
            if let Some(ext) = &who
                && !is_extension(ext)
            {
                return Err(err(&format!("{ext:?} is not an extension of the simulator")));
            }
            let planned = match step.action {
                ScriptAction::Answer if direction == Direction::Outbound => {
                    (!answered).then_some(Step::FarAnswer).ok_or_else(|| err("already answered"))?
                }
                ScriptAction::Answer if transferring => {
                    transferring = false;
                    Step::TransferAnswer
                }
                ScriptAction::Answer if answered => return Err(err("already answered (transfer first)")),
                ScriptAction::Answer => {
                    let rung: Vec<String> = match &group {
                        Some(g) => g.members.clone(),
                        None => vec![call.to.clone()],
                    };
                    if let Some(ext) = &who
                        && !rung.contains(ext)
                    {
                        return Err(err(&format!("{ext} does not ring: {} do", rung.join(", "))));
                    }
                    answered = true;
                    Step::Answer
                }
                ScriptAction::Hold if answered && !held && !parked => {
                    held = true;
                    Step::Hold
                }
                ScriptAction::Retrieve if held => {
                    held = false;
                    Step::Retrieve
                }
                ScriptAction::Transfer if answered && !held && !parked && direction != Direction::Outbound => {
                    if who.is_none() {
                        return Err(err("say which extension to transfer to"));
                    }
                    transferring = true;
                    Step::Transfer
                }
                ScriptAction::Park if answered && !held && !parked && direction != Direction::Outbound => {
                    parked = true;
                    Step::Park
                }
                ScriptAction::Unpark if parked => {
                    parked = false;
                    Step::Unpark
                }
                ScriptAction::Conference if answered && !held && !parked && direction != Direction::Outbound => {
                    Step::Conference
                }
                ScriptAction::Voicemail if !answered && direction != Direction::Outbound => {
                    answered = true;
                    Step::Voicemail
                }
                ScriptAction::Busy if j == 0 && direction == Direction::Internal => {
                    steps.push(Step::Busy);
                    plan.push_back((delay, None));
                    continue;
                }
                ScriptAction::Fail if j == 0 && direction == Direction::Outbound => {
                    ended = true;
                    Step::Fail
                }
                ScriptAction::Hangup => {
                    ended = true;
                    if answered { Step::Clear } else { Step::Abandon }
                }
                _ => return Err(err("not possible at this point of the call")),
            };
            steps.push(planned);
            plan.push_back((delay, who));
        }
        if transferring {
            return Err(err("a transfer must be answered (an \"answer\" step) before the call ends".into()));
        }
        if !ended {
            steps.push(if answered || steps.contains(&Step::FarAnswer) { Step::Clear } else { Step::Abandon });
            plan.push_back((50, None));
        }
        Ok(ScriptPlan { at, from: call.from.clone(), to: call.to.clone(), direction, group, steps, plan })
    }

    /// Starts a scripted call at its time.
    fn start_scripted(&mut self, script: ScriptPlan) {
        let mut rng = Rng(self.rng.next_u64());
        let call_id = self.next_call_id();
        let (party_a, destination) = match script.direction {
            Direction::Inbound => {
                let kind = if rng.chance(50) { TrunkKind::Sip } else { TrunkKind::Isdn };
                let mut end = self.trunk_end(kind, true, &mut rng);
                end.set(PartyState::Offering, false, Tone::NoTone);
                end.party.did = script.to.clone().into();
                end.party.cli = script.from.clone().into();
                end.party.cli_presentation = CliPresentation::Unspecified;
                let destination = match script.group {
                    Some(group) => Destination::Group(group),
                    None => Destination::Extension(script.to.clone()),
                };
                (end, Some(destination))
            }
            Direction::Internal | Direction::Outbound => {
                let mut end = self.phone_end(&script.from);
                end.party.incoming = true;
                end.set(PartyState::Dialling, true, Tone::DialTone);
                end.party.cli = script.from.clone().into();
                end.party.cli_presentation = CliPresentation::Unspecified;
                (end, None)
            }
        };
        let new = NewCall {
            scenario: Scenario::Scripted,
            rng,
            steps: script.steps,
            destination,
            party_a,
            direction: script.direction,
            call_id,
        };
        let call = self.push_call(new, script.at);
        call.plan = script.plan;
        // The Begin step runs now: its plan entry is the first.
        call.dial = (script.direction != Direction::Inbound).then_some(script.to);
    }

    fn next_call_id(&mut self) -> u32 {
        let call_id = self.next_call_id;
        self.next_call_id = self.next_call_id.wrapping_add(1).max(1);
        call_id
    }

    /// Starts (or stops) keeping the truth of every call that ends, for
    /// [`take_truths`](Self::take_truths). Off by default: a long-running simulator would
    /// otherwise grow without bound.
    pub fn record_truths(&mut self, on: bool) {
        self.truths = on.then(Vec::new);
    }

    /// The truths of the calls ended since the last call, in the order they ended.
    pub fn take_truths(&mut self) -> Vec<CallTruth> {
        self.truths.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Begins one new call at `now` (tenths of a second since the simulator started), scenario
    /// chosen at random (seeded). Its first records come with the next [`advance`](Self::advance)
    /// to `now` or later.
    pub fn start_call(&mut self, now: u64) {
        let mut rng = Rng(self.rng.next_u64());
        let total: usize = Scenario::WEIGHTS.iter().sum();
        let mut roll = rng.below(total);
        let mut scenario = Scenario::Internal;
        for (s, w) in Scenario::ALL.iter().zip(Scenario::WEIGHTS) {
            if roll < w {
                scenario = *s;
                break;
            }
            roll -= w;
        }
        let call_id = self.next_call_id();

        let from_trunk = match scenario {
            Scenario::IncomingTrunk => true,
            Scenario::Internal | Scenario::OutgoingTrunk | Scenario::Busy => false,
            Scenario::Transfer | Scenario::Abandoned | Scenario::Voicemail | Scenario::Park | Scenario::Conference => {
                rng.chance(50)
            }
            Scenario::Scripted => unreachable!("scripted calls start in start_scripted"),
        };
        let mut steps = vec![Step::Begin];
        steps.push(match scenario {
            Scenario::Busy => Step::Busy,
            _ if from_trunk => Step::Ring,
            _ => Step::Dialled,
        });
        match scenario {
            Scenario::Scripted => {}
            Scenario::Voicemail => steps.push(Step::Voicemail),
            Scenario::Busy => steps.push(Step::Abandon),
            Scenario::Park => steps.extend([Step::Answer, Step::Park, Step::Unpark]),
            Scenario::Conference => steps.extend([Step::Answer, Step::Conference]),
            Scenario::Internal | Scenario::IncomingTrunk => {
                if scenario == Scenario::IncomingTrunk && rng.chance(30) {
                    steps.push(Step::Reject);
                }
                steps.push(Step::Answer);
                if rng.chance(35) {
                    steps.extend([Step::Hold, Step::Retrieve]);
                }
            }
            Scenario::OutgoingTrunk if rng.chance(10) => steps.push(Step::Fail),
            Scenario::OutgoingTrunk => {
                steps.push(Step::FarAnswer);
                if rng.chance(20) {
                    steps.extend([Step::Hold, Step::Retrieve]);
                }
            }
            Scenario::Transfer => steps.extend([Step::Answer, Step::Transfer, Step::TransferAnswer]),
            Scenario::Abandoned => {
                if from_trunk && rng.chance(30) {
                    steps.push(Step::Reject);
                }
                steps.push(Step::Abandon);
            }
        }
        if !matches!(steps.last(), Some(Step::Abandon | Step::Fail)) {
            steps.push(Step::Clear);
        }

        let destination = from_trunk.then(|| {
            let to_group = matches!(scenario, Scenario::IncomingTrunk | Scenario::Abandoned | Scenario::Voicemail);
            if to_group && !self.config.hunt_groups.is_empty() {
                Destination::Group(rng.pick(&self.config.hunt_groups).clone())
            } else {
                Destination::Extension(self.free_extension(&mut rng, &[]))
            }
        });
        let party_a = if let Some(destination) = &destination {
            let kind = if rng.chance(50) { TrunkKind::Sip } else { TrunkKind::Isdn };
            let cli = if rng.chance(10) { String::new() } else { external_number(&mut rng) };
            let mut end = self.trunk_end(kind, true, &mut rng);
            end.set(PartyState::Offering, false, Tone::NoTone);
            // The called number as received: a DDI number for a hunt group, the extension's own
            // number for a direct call (as ISDN networks often send only the last digits).
            end.party.did = match destination {
                Destination::Group(_) => format!("56{}", rng.digits(2)),
                Destination::Extension(ext) => ext.clone(),
            }
            .into();
            end.party.cli_presentation =
                if cli.is_empty() { CliPresentation::Withheld } else { CliPresentation::Unspecified };
            end.party.cli = cli.into();
            end
        } else {
            let ext = self.free_extension(&mut rng, &[]);
            let mut end = self.phone_end(&ext);
            end.party.incoming = true;
            end.set(PartyState::Dialling, true, Tone::DialTone);
            end.party.cli = ext.into();
            end.party.cli_presentation = CliPresentation::Unspecified;
            end
        };
        let direction = match scenario {
            _ if from_trunk => Direction::Inbound,
            Scenario::OutgoingTrunk => Direction::Outbound,
            _ => Direction::Internal,
        };
        self.push_call(NewCall { scenario, rng, steps, destination, party_a, direction, call_id }, now);
    }

    /// Adds a call that begins at `now` with its first step.
    fn push_call(&mut self, new: NewCall, now: u64) -> &mut SimCall {
        let NewCall { scenario, rng, steps, destination, party_a, direction, call_id } = new;
        let from_trunk = direction == Direction::Inbound;
        let call =
            Call { node: self.config.node_id.clone().into(), call_id, timestamp: tenths(now), ..Call::default() };
        let truth = CallTruth {
            id: party_a.party.end_id.to_string(),
            call_id,
            scenario: scenario.name(),
            direction,
            // The CLI of an inbound trunk call, the extension otherwise.
            caller: if from_trunk { party_a.party.cli.to_string() } else { party_a.party.identity.to_string() },
            // The DID of an inbound call; the dialled digits or the number sent come later.
            called: if from_trunk { party_a.party.did.to_string() } else { String::new() },
            answered_by: None,
            disposition: Disposition::Unknown,
            started_at: seconds(now),
            answered_at: None,
            ended_at: 0.0,
            ring_seconds: 0.0,
            talk_seconds: 0.0,
            hold_seconds: 0.0,
        };
        self.calls.push(SimCall {
            rng,
            steps,
            next_at: now,
            call,
            party_a,
            party_b: None,
            targets: Vec::new(),
            destination,
            connected: false,
            ring_at: None,
            connected_at: None,
            ring_attempts: 0,
            cause: Cause::Unknown,
            last_b_d2: String::new(),
            transferred_from: None,
            transferring: false,
            truth,
            hold_since: None,
            first_ring_at: None,
            plan: VecDeque::new(),
            dial: None,
        });
        self.calls.last_mut().expect("just pushed")
    }

    /// Advances every call in progress to `now`, appending the records its state changes
    /// produce, in order. Steps run in time order across calls (ties by call id) and records carry
    /// the time of their step, not `now`: for the same `start_call` times, the output does not
    /// depend on how often this is called.
    pub fn advance(&mut self, now: u64, out: &mut Vec<SimRecord>) {
        loop {
            // Scripted calls begin in time order with the steps of the calls in progress.
            let next_step = self.calls.iter().map(|c| c.next_at).min();
            if let Some(script) = self.scripts.front()
                && script.at <= now
                && next_step.is_none_or(|t| script.at <= t)
            {
                let script = self.scripts.pop_front().expect("just looked");
                self.start_scripted(script);
                continue;
            }
            let mut due: Option<usize> = None;
            for (i, call) in self.calls.iter().enumerate() {
                if call.next_at <= now && due.is_none_or(|d| call.next_at < self.calls[d].next_at) {
                    due = Some(i);
                }
            }
            let Some(i) = due else { break };
            self.run_step(i, out);
        }
    }

    /// One Delta3 Detail per call in progress (IP Office sends these after an event request),
    /// each as last reported (a call started but not yet advanced shows its first state).
    pub fn snapshot(&self, out: &mut Vec<SimRecord>) {
        for call in &self.calls {
            out.push(SimRecord::Delta3 { text: call.detail().to_string(), connected: call.connected });
        }
    }

    /// Calls started and not yet cleared.
    pub fn calls_in_progress(&self) -> usize {
        self.calls.len()
    }

    /// Runs the next step of call `i` at its scheduled time.
    fn run_step(&mut self, i: usize, out: &mut Vec<SimRecord>) {
        let t = self.calls[i].next_at;
        let step = self.calls[i].steps.remove(0);
        // Who acts in this step, when a script says.
        let choice = self.calls[i].plan.pop_front().and_then(|(_, who)| who);
        let mut touched: Vec<String> = self.calls[i].extensions().map(str::to_owned).collect();
        let node = self.config.node_id.clone();
        let prefix = self.config.trunk_prefix.clone();
        let mut emit = Emitter { out, node: &node, t };
        let mut finished = false;

        match step {
            Step::Begin => {
                let call = &mut self.calls[i];
                emit.detail(call);
                emit.status(call);
                emit.siptrack(&call.party_a, true);
            }
            Step::Dialled => {
                let caller = self.calls[i].party_a.extension.clone().unwrap_or_default();
                if self.calls[i].truth.direction == Direction::Outbound {
                    let mut rng = self.calls[i].rng.clone();
                    let number = self.calls[i].dial.clone().unwrap_or_else(|| external_number(&mut rng));
                    let kind = if rng.chance(50) { TrunkKind::Sip } else { TrunkKind::Isdn };
                    let mut trunk = self.trunk_end(kind, false, &mut rng);
                    let call = &mut self.calls[i];
                    call.rng = rng;
                    let dialled = format!("{}{}", prefix, number);
                    call.truth.called = number.clone();
                    let a = &mut call.party_a.party;
                    a.dialled = dialled.into();
                    a.called_type = CalledType::National;
                    call.party_a.set(PartyState::Ringback, true, Tone::Ringback);
                    trunk.set(PartyState::Ringing, true, Tone::NoTone);
                    trunk.party.called_type = CalledType::National;
                    trunk.party.target_number = number.into();
                    trunk.party.cli = format!("0170712{caller}").into();
                    trunk.party.cli_presentation = CliPresentation::Allowed;
                    call.rang(t);
                    call.party_b = Some(trunk);
                    emit.detail(call);
                    emit.status(call);
                    emit.siptrack(call.party_b.as_ref().expect("just set"), true);
                } else {
                    let mut rng = self.calls[i].rng.clone();
                    let callee = match self.calls[i].dial.clone() {
                        Some(callee) => callee,
                        None => self.free_extension(&mut rng, &[caller.as_str()]),
                    };
                    let mut target = self.phone_end(&callee);
                    let call = &mut self.calls[i];
                    call.rng = rng;
                    call.party_a.party.dialled = callee.clone().into();
                    call.truth.called = callee.clone();
                    call.party_a.party.called_type = CalledType::Internal;
                    call.party_a.set(PartyState::Ringback, true, Tone::Ringback);
                    target.party.called_type = CalledType::Internal;
                    target.party.cli = caller.into();
                    target.party.cli_presentation = CliPresentation::Unspecified;
                    call.call.original_user = callee.clone().into();
                    call.call.target_user = callee.into();
                    call.rang(t);
                    call.targets = vec![target];
                    emit.detail(call);
                    emit.status(call);
                }
            }
            Step::Ring => {
                let (members, purpose) = match self.calls[i].destination.clone() {
                    Some(Destination::Group(g)) => {
                        // Members busy in other calls are skipped, unless all of them are.
                        let free: Vec<String> = g.members.iter().filter(|m| self.is_free(m)).cloned().collect();
                        (if free.is_empty() { g.members } else { free }, g.number)
                    }
                    Some(Destination::Extension(ext)) => (vec![ext], String::new()),
                    None => (Vec::new(), String::new()),
                };
                let mut targets: Vec<End> = members.iter().map(|m| self.phone_end(m)).collect();
                let call = &mut self.calls[i];
                let cli = call.party_a.party.cli.to_string();
                let presented_cli = if cli.is_empty() { String::new() } else { format!("{prefix}{cli}") };
                for target in &mut targets {
                    target.party.called_reason = if purpose.is_empty() { 0 } else { 4 };
                    target.party.purpose = purpose.clone().into();
                    target.party.cli = presented_cli.clone().into();
                    target.party.cli_presentation = call.party_a.party.cli_presentation;
                }
                call.party_a.set(PartyState::Ringback, true, Tone::Ringback);
                if purpose.is_empty() {
                    let user = members.first().cloned().unwrap_or_default();
                    call.call.original_user = user.clone().into();
                    call.call.target_user = user.into();
                } else {
                    call.call.owner_huntgroup = purpose.clone().into();
                    call.call.original_huntgroup = purpose.clone().into();
                    call.call.target_huntgroup = purpose.into();
                    call.call.queueing = QueueState::Queueing;
                }
                call.rang(t);
                call.targets = targets;
                emit.detail(call);
                emit.status(call);
            }
            Step::Reject => {
                let call = &mut self.calls[i];
                if call.targets.len() >= 2 {
                    let k = call.rng.below(call.targets.len());
                    let target = call.targets.remove(k);
                    let reject = AttemptReject {
                        node: emit.node.to_owned().into(),
                        end_id: target.party.end_id.clone(),
                        user: target.extension.clone().unwrap_or_default().into(),
                        qualifier: "dnd".into(),
                        timestamp: tenths(t),
                        raw: Cow::Borrowed(""),
                    };
                    emit.delta3(reject.to_string(), call.connected);
                    emit.detail(call);
                    emit.status(call);
                }
            }
            Step::Answer | Step::TransferAnswer => {
                let call = &mut self.calls[i];
                let chosen = choice
                    .as_deref()
                    .and_then(|ext| call.targets.iter().position(|t| t.extension.as_deref() == Some(ext)));
                let k = match chosen {
                    Some(k) => k,
                    None => call.rng.below(call.targets.len()),
                };
                if k >= call.targets.len() {
                    // Nobody rings (cannot happen with the scenarios above): nothing to answer.
                    self.schedule(i, t, false);
                    return;
                }
                let mut b = call.targets.swap_remove(k);
                call.targets.clear();
                b.set(PartyState::Connected, true, Tone::NoTone);
                if step == Step::TransferAnswer {
                    b.party.related_end_id = call.transferred_from.clone().unwrap_or_default().into();
                    call.transferring = false;
                }
                call.answered(t, b.extension.clone(), Disposition::Answered);
                call.party_a.set(PartyState::Connected, true, Tone::NoTone);
                call.call.owner_huntgroup = "".into();
                call.call.queueing = QueueState::NotQueueing;
                call.connected = true;
                call.connected_at = Some(t);
                call.party_b = Some(b);
                call.cause = Cause::Normal;
                emit.detail(call);
                emit.status(call);
            }
            Step::FarAnswer => {
                let call = &mut self.calls[i];
                call.answered(t, None, Disposition::Answered);
                call.party_a.set(PartyState::Connected, true, Tone::NoTone);
                if let Some(b) = &mut call.party_b {
                    b.set(PartyState::Connected, true, Tone::NoTone);
                }
                call.connected = true;
                call.connected_at = Some(t);
                call.cause = Cause::Normal;
                emit.detail(call);
                emit.status(call);
            }
            Step::Hold => {
                let call = &mut self.calls[i];
                let a_is_phone = call.party_a.extension.is_some();
                let b_is_phone = call.party_b.as_ref().is_some_and(|b| b.extension.is_some());
                let a_holds = a_is_phone && (!b_is_phone || call.rng.chance(50));
                if let Some(b) = &mut call.party_b {
                    let (holder, held) = if a_holds { (&mut call.party_a, b) } else { (b, &mut call.party_a) };
                    holder.set(PartyState::Connected, false, Tone::NoTone);
                    held.set(PartyState::Connected, false, Tone::HoldMusic);
                }
                call.hold_from(t);
                call.cause = Cause::HeldCall;
                emit.detail(call);
                emit.status(call);
            }
            Step::Retrieve => {
                let call = &mut self.calls[i];
                call.party_a.set(PartyState::Connected, true, Tone::NoTone);
                if let Some(b) = &mut call.party_b {
                    b.set(PartyState::Connected, true, Tone::NoTone);
                }
                call.hold_until(t);
                call.cause = Cause::UnheldCall;
                emit.detail(call);
                emit.status(call);
            }
            Step::Transfer => {
                let mut rng = self.calls[i].rng.clone();
                let mut exclude: Vec<String> = self.calls[i].extensions().map(str::to_owned).collect();
                exclude.sort();
                let exclude: Vec<&str> = exclude.iter().map(String::as_str).collect();
                let c_ext = match choice {
                    Some(ext) => ext,
                    None => self.free_extension(&mut rng, &exclude),
                };
                let mut c = self.phone_end(&c_ext);
                let call = &mut self.calls[i];
                call.rng = rng;
                let Some(b) = call.party_b.take() else {
                    // Nobody to transfer (cannot happen with the scenarios above).
                    self.schedule(i, t, false);
                    return;
                };
                emit.call_lost(&b, true, Cause::Transfer, call.connected);
                if let Some(ext) = &b.extension
                    && call.rng.chance(30)
                {
                    emit.cmextn(ext, Cause::Transfer);
                }
                call.last_b_d2 = b.d2_id.clone();
                call.transferred_from = Some(b.party.end_id.to_string());
                call.transferring = true;
                c.party.called_type = CalledType::Internal;
                c.party.cli = call.party_a.party.cli.clone();
                if call.party_a.is_trunk() && !c.party.cli.is_empty() {
                    c.party.cli = format!("{}{}", prefix, c.party.cli).into();
                }
                c.party.cli_presentation = call.party_a.party.cli_presentation;
                call.party_a.set(PartyState::Ringback, true, Tone::Ringback);
                call.call.target_user = c_ext.into();
                call.call.target_huntgroup = "".into();
                call.rang(t);
                call.cause = Cause::Transfer;
                call.targets = vec![c];
                emit.detail(call);
                emit.status(call);
            }
            Step::Voicemail => {
                let mut vm = self.equipment_end(EquipmentClass::Voicemail, "VM Channel 1");
                let call = &mut self.calls[i];
                call.targets.clear();
                vm.set(PartyState::Connected, true, Tone::NoTone);
                call.party_a.set(PartyState::Connected, true, Tone::NoTone);
                call.call.owner_huntgroup = "".into();
                call.call.queueing = QueueState::NotQueueing;
                call.call.voicemail_leaving = 1;
                call.connected = true;
                call.connected_at = Some(t);
                call.cause = Cause::ForwardToVoicemail;
                call.answered(t, None, Disposition::Voicemail);
                call.party_b = Some(vm);
                emit.detail(call);
                emit.status(call);
            }
            Step::Busy => {
                let mut rng = self.calls[i].rng.clone();
                let caller = self.calls[i].party_a.extension.clone().unwrap_or_default();
                let others: Vec<&String> = self.config.extensions.iter().filter(|e| **e != caller).collect();
                let callee = match self.calls[i].dial.clone() {
                    Some(callee) => callee,
                    None if others.is_empty() => caller.clone(),
                    None => (*rng.pick(&others)).clone(),
                };
                let call = &mut self.calls[i];
                call.rng = rng;
                call.party_a.party.dialled = callee.clone().into();
                call.party_a.party.called_type = CalledType::Internal;
                call.party_a.set(PartyState::CompletedTone, true, Tone::Busy);
                call.call.original_user = callee.clone().into();
                call.call.target_user = callee.clone().into();
                call.truth.called = callee;
                call.truth.disposition = Disposition::Busy;
                call.cause = Cause::Busy;
                emit.detail(call);
                emit.status(call);
            }
            Step::Fail => {
                let call = &mut self.calls[i];
                call.truth.disposition = Disposition::Failed;
                let trunk = call.party_b.take();
                if let Some(trunk) = &trunk {
                    emit.call_lost(trunk, false, Cause::UnallocatedNumber, call.connected);
                }
                emit.call_lost(&call.party_a, true, Cause::Normal, call.connected);
                emit.deleted(call);
                if let Some(trunk) = &trunk {
                    emit.siptrack(trunk, false);
                }
                finished = true;
            }
            Step::Park => {
                let mut slot = self.equipment_end(EquipmentClass::Parkslot, "Park 1");
                let call = &mut self.calls[i];
                let Some(b) = call.party_b.take() else {
                    self.schedule(i, t, false);
                    return;
                };
                emit.call_lost(&b, true, Cause::Parked, call.connected);
                call.last_b_d2 = b.d2_id.clone();
                slot.set(PartyState::Connected, false, Tone::NoTone);
                call.party_a.set(PartyState::Connected, false, Tone::HoldMusic);
                call.party_b = Some(slot);
                call.hold_from(t);
                call.cause = Cause::Parked;
                emit.detail(call);
                emit.status(call);
            }
            Step::Unpark => {
                let mut rng = self.calls[i].rng.clone();
                let mut exclude: Vec<String> = self.calls[i].extensions().map(str::to_owned).collect();
                exclude.sort();
                let exclude: Vec<&str> = exclude.iter().map(String::as_str).collect();
                let ext = match choice {
                    Some(ext) => ext,
                    None => self.free_extension(&mut rng, &exclude),
                };
                let mut taker = self.phone_end(&ext);
                let call = &mut self.calls[i];
                call.rng = rng;
                if let Some(slot) = call.party_b.take() {
                    emit.call_lost(&slot, false, Cause::UnParked, call.connected);
                }
                taker.party.called_type = CalledType::UnParkCall;
                taker.party.cli = call.party_a.party.cli.clone();
                taker.set(PartyState::Connected, true, Tone::NoTone);
                call.party_a.set(PartyState::Connected, true, Tone::NoTone);
                call.party_b = Some(taker);
                call.hold_until(t);
                call.cause = Cause::UnParked;
                emit.detail(call);
                emit.status(call);
            }
            Step::Conference => {
                let mut bridge = self.equipment_end(EquipmentClass::Conference, "Conf 1 member");
                let call = &mut self.calls[i];
                let Some(b) = call.party_b.take() else {
                    self.schedule(i, t, false);
                    return;
                };
                emit.call_lost(&b, false, Cause::ConferencingMove, call.connected);
                call.last_b_d2 = b.d2_id.clone();
                bridge.set(PartyState::Connected, true, Tone::NoTone);
                call.party_b = Some(bridge);
                call.cause = Cause::ConferencingMove;
                emit.detail(call);
                emit.status(call);
            }
            Step::Abandon => {
                let call = &mut self.calls[i];
                call.targets.clear();
                emit.call_lost(&call.party_a, true, Cause::Normal, call.connected);
                emit.deleted(call);
                emit.siptrack(&call.party_a, false);
                finished = true;
            }
            Step::Clear => {
                let call = &mut self.calls[i];
                let b = call.party_b.take();
                let a_first = b.is_none() || call.rng.chance(50);
                let mut ends = vec![(call.party_a.clone(), a_first)];
                if let Some(b) = b {
                    let pos = if a_first { 1 } else { 0 };
                    ends.insert(pos, (b, !a_first));
                }
                for (end, cleared_here) in &ends {
                    emit.call_lost(end, *cleared_here, Cause::Normal, call.connected);
                }
                emit.deleted(call);
                for (end, _) in &ends {
                    emit.siptrack(end, false);
                }
                for (end, _) in &ends {
                    if let Some(ext) = &end.extension
                        && call.rng.chance(20)
                    {
                        emit.cmextn(ext, Cause::Normal);
                    }
                }
                finished = true;
            }
        }

        // CMExtn state changes of every extension this step touched.
        if self.schedule(i, t, finished) {
            touched.extend(self.calls[i].extensions().map(str::to_owned));
        }
        let mut seen: Vec<&str> = Vec::new();
        for ext in &touched {
            if seen.contains(&ext.as_str()) {
                continue;
            }
            seen.push(ext);
            let new = self.calls.iter().map(|c| c.extn_state(ext)).max().unwrap_or(extn_state::IDLE);
            let old = self.extn_states.get(ext.as_str()).copied().unwrap_or(extn_state::IDLE);
            if new != old {
                out.push(SimRecord::CmExtnState { v: 1, p1: new, p2: old, extension: format!("Extn{ext}") });
                if new == extn_state::IDLE {
                    self.extn_states.remove(ext.as_str());
                } else {
                    self.extn_states.insert(ext.clone(), new);
                }
            }
        }
    }

    /// Schedules the next step of call `i` after a step at `t`, or retires the call when it has
    /// `finished` or has no steps left. Returns whether the call is still in progress.
    fn schedule(&mut self, i: usize, t: u64, finished: bool) -> bool {
        let call = &mut self.calls[i];
        match call.steps.first() {
            Some(&next) if !finished => {
                call.next_at = t + match call.plan.front() {
                    Some((delay, _)) => *delay,
                    None => delay_before(next, &mut call.rng),
                };
                true
            }
            _ => {
                let mut call = self.calls.remove(i);
                let truth = call.finish_truth(t);
                if let Some(truths) = &mut self.truths {
                    truths.push(truth);
                }
                false
            }
        }
    }

    /// Whether `ext` takes part in no call.
    fn is_free(&self, ext: &str) -> bool {
        !self.calls.iter().any(|c| c.extensions().any(|e| e == ext))
    }

    /// A random extension not in `exclude`, preferring one in no call.
    fn free_extension(&self, rng: &mut Rng, exclude: &[&str]) -> String {
        let candidates: Vec<&String> =
            self.config.extensions.iter().filter(|e| !exclude.contains(&e.as_str())).collect();
        let free: Vec<&String> = candidates.iter().copied().filter(|e| self.is_free(e)).collect();
        let pool = if free.is_empty() { &candidates } else { &free };
        if pool.is_empty() {
            // Fewer extensions than the call needs: reuse one.
            return rng.pick(&self.config.extensions).clone();
        }
        (*rng.pick(pool)).clone()
    }

    /// A new end identifier and its Delta2 counterpart.
    fn new_end_ids(&mut self) -> (String, String) {
        let n = self.next_end;
        self.next_end = self.next_end.wrapping_add(1);
        (format!("{}{:08x}", self.config.node_id, n), format!("1.{n}.0"))
    }

    /// A phone end for `ext` with a fresh end identifier (idle, outgoing direction).
    fn phone_end(&mut self, ext: &str) -> End {
        let (end_id, d2_id) = self.new_end_ids();
        let index = self.config.extensions.iter().position(|e| e == ext).unwrap_or(0);
        // Every third extension is a SIP phone, the others TDM (digital) phones. The equipment
        // type of a generic SIP device is not documented; 0 is the simulator's choice.
        let (equipment, equipment_type) =
            if index % 3 == 2 { (EquipmentClass::SipDevice, 0) } else { (EquipmentClass::TdmPhone, 106) };
        End {
            party: Party {
                end_id: end_id.into(),
                emergency_location: 1,
                equipment,
                equipment_type,
                identity: ext.to_owned().into(),
                ..Party::default()
            },
            d2_id,
            d2_name: format!("Extn{ext} ({ext})"),
            d2_slot: format!("1.{}", index + 1),
            extension: Some(ext.to_owned()),
            sip: None,
        }
    }

    /// An end of the system's own equipment (voicemail, park slot, conference) with a fresh
    /// end identifier; `description` doubles as its Delta2 name.
    fn equipment_end(&mut self, equipment: EquipmentClass, description: &str) -> End {
        let (end_id, d2_id) = self.new_end_ids();
        End {
            party: Party {
                end_id: end_id.into(),
                equipment,
                description: description.to_owned().into(),
                ..Party::default()
            },
            d2_id,
            d2_name: description.to_owned(),
            d2_slot: "0.0".to_owned(),
            extension: None,
            sip: None,
        }
    }

    /// A trunk end with a fresh end identifier and channel.
    fn trunk_end(&mut self, kind: TrunkKind, incoming: bool, rng: &mut Rng) -> End {
        let (end_id, d2_id) = self.new_end_ids();
        let (equipment, line, description, sip) = match kind {
            TrunkKind::Isdn => {
                let line = rng.range(5, 6);
                let channel = rng.range(1, 30);
                let desc = format!("{line}.{channel}");
                (EquipmentClass::IsdnTrunk, line, desc, None)
            }
            TrunkKind::Sip => {
                let call_id = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
                (EquipmentClass::SipTrunk, 17, call_id.clone(), Some((call_id, incoming)))
            }
        };
        let d2_slot = if sip.is_some() { format!("{line}.{}", rng.range(1, 64)) } else { description.clone() };
        End {
            party: Party {
                end_id: end_id.into(),
                incoming,
                public_line: true,
                equipment,
                // Trunk equipment types are not documented; the specification's ISDN example
                // shows 2 (= its classification), which the simulator mirrors for SIP (5).
                equipment_type: equipment.raw(),
                description: description.into(),
                ..Party::default()
            },
            d2_id,
            d2_name: format!("Line {line}"),
            d2_slot,
            extension: None,
            sip,
        }
    }
}

/// A random external number: UK geographic (01632 96xxxx) or mobile (07700 900xxx) drama ranges.
fn external_number(rng: &mut Rng) -> String {
    if rng.chance(60) { format!("0163296{}", rng.digits(4)) } else { format!("07700900{}", rng.digits(3)) }
}

/// A time in tenths of a second as seconds.
fn seconds(t: u64) -> f64 {
    t as f64 / 10.0
}

/// A time in tenths as the 32-bit record field (saturating).
fn tenths(t: u64) -> u32 {
    u32::try_from(t).unwrap_or(u32::MAX)
}

/// Writes the records of one step.
struct Emitter<'o, 'n> {
    out: &'o mut Vec<SimRecord>,
    node: &'n str,
    t: u64,
}

impl Emitter<'_, '_> {
    fn delta3(&mut self, text: String, connected: bool) {
        self.out.push(SimRecord::Delta3 { text, connected });
    }

    /// The call's Detail, stamped with this step's time.
    fn detail(&mut self, call: &mut SimCall) {
        call.call.timestamp = tenths(self.t);
        self.delta3(call.detail().to_string(), call.connected);
    }

    fn call_lost(&mut self, end: &End, cleared_inbound: bool, cause: Cause, connected: bool) {
        let lost = CallLost {
            node: self.node.to_owned().into(),
            end_id: end.party.end_id.clone(),
            cleared_inbound,
            cause,
            timestamp: tenths(self.t),
            raw: Cow::Borrowed(""),
        };
        self.delta3(lost.to_string(), connected);
    }

    /// A plain CMExtn line, `Extn4001: CALL LOST (CMCauseNormal)`.
    fn cmextn(&mut self, ext: &str, cause: Cause) {
        let event = CmExtn {
            extension: format!("Extn{ext}").into(),
            message: format!("CALL LOST ({cause})").into(),
            raw: Cow::Borrowed(""),
        };
        self.out.push(SimRecord::CmExtn(event.to_string()));
    }

    /// SIPTrack START (or END) for a SIP trunk end; nothing for other ends.
    fn siptrack(&mut self, end: &End, start: bool) {
        let Some((sip_call_id, incoming)) = &end.sip else { return };
        let track = SipTrack {
            event: if start { SipEvent::Start } else { SipEvent::End },
            epid: end.party.end_id.clone(),
            end_id: end.d2_id.clone().into(),
            sip_type: SipType::Trunk,
            direction: if *incoming { SipDirection::In } else { SipDirection::Out },
            sip_call_id: sip_call_id.clone().into(),
            raw: Cow::Borrowed(""),
        };
        self.out.push(SimRecord::SipTrack(track.to_string()));
    }

    /// `CALL: D a,b,call_id`.
    fn deleted(&mut self, call: &SimCall) {
        let d = Delta2::deleted(&call.party_a.d2_id, &call.last_b_d2, call.call.call_id);
        self.out.push(SimRecord::Delta2(d.to_string()));
    }

    /// The Delta2 S record of the call's current state (legacy guide §3.2 field order).
    fn status(&mut self, call: &mut SimCall) {
        let t = self.t;
        let a = &call.party_a;
        let b = call.party_b.as_ref().or(call.targets.first());
        if let Some(b) = b {
            call.last_b_d2 = b.d2_id.clone();
        }
        let flag = |v: bool| if v { "1" } else { "0" }.to_owned();
        let a_connected = !matches!(a.party.state, PartyState::Dialling | PartyState::Offering);
        let queued = call.call.queueing == QueueState::Queueing;
        let (b_state, b_connected, b_music) = match b {
            Some(b) => (b.d2_state(false), b.party.state == PartyState::Connected, b.party.tone == Tone::HoldMusic),
            None => (Delta2State::Idle, false, false),
        };
        let b_list: Vec<&str> = call.targets.iter().take(4).map(|t| t.d2_name.as_str()).collect();
        let calling_number = if a.extension.is_some() { a.party.identity.to_string() } else { a.party.cli.to_string() };
        let called_number = match b {
            Some(b) if b.is_trunk() => b.party.target_number.to_string(),
            Some(b) => b.party.identity.to_string(),
            None => String::new(),
        };
        let calling_presentation = if a.party.cli.is_empty() { "1.0" } else { "0.0" };
        let ring_duration = match (call.ring_at, call.connected_at) {
            (Some(r), Some(c)) if c >= r => (c - r) / 10,
            (Some(r), None) => t.saturating_sub(r) / 10,
            _ => 0,
        };
        let sip = a.sip.is_some() || b.is_some_and(|b| b.sip.is_some());
        let internal = a.extension.is_some() && b.is_none_or(|b| b.extension.is_some());
        let fields: Vec<String> = vec![
            a.d2_id.clone(),                                                       // 1 A call id
            b.map(|b| b.d2_id.clone()).unwrap_or_default(),                        // 2 B call id
            a.d2_state(queued).raw().to_string(),                                  // 3 Astate
            b_state.raw().to_string(),                                             // 4 Bstate
            flag(a_connected),                                                     // 5 Aconnected
            flag(a.party.tone == Tone::HoldMusic),                                 // 6 A is music
            flag(b_connected),                                                     // 7 Bconnected
            flag(b_music),                                                         // 8 B is music
            a.d2_name.clone(),                                                     // 9 Aname
            b.map(|b| b.d2_name.clone()).unwrap_or_default(),                      // 10 Bname
            b_list.join(";"),                                                      // 11 Blist
            a.d2_slot.clone(),                                                     // 12 Aslot Achannel
            b.map(|b| b.d2_slot.clone()).unwrap_or_default(),                      // 13 Bslot Bchannel
            "0.0".to_owned(),                           // 14 Called party presentation & type
            called_number,                              // 15 Called party number
            calling_presentation.to_owned(),            // 16 Calling party presentation & type
            calling_number,                             // 17 Calling party number
            String::new(),                              // 18 Called sub address
            String::new(),                              // 19 Calling sub address
            "0".to_owned(),                             // 20 Dialled party type
            a.party.dialled.to_string(),                // 21 Dialled party number
            "0".to_owned(),                             // 22 Keypad type
            a.party.dialled.to_string(),                // 23 Keypad number
            call.ring_attempts.to_string(),             // 24 Ring attempt count
            call.cause.raw().to_string(),               // 25 Cause
            "0".to_owned(),                             // 26 Voicemail disallow
            "1".to_owned(),                             // 27 Sending complete
            if sip { "1.2" } else { "1.0" }.to_owned(), // 28 Call type & Transport type
            call.call.owner_huntgroup.to_string(),      // 29 Owner hunt group name
            call.call.original_huntgroup.to_string(),   // 30 Original hunt group name
            call.call.original_user.to_string(),        // 31 Original user name
            call.call.target_huntgroup.to_string(),     // 32 Target hunt group name
            call.call.target_user.to_string(),          // 33 Target user name
            String::new(),                              // 34 Target RAS name
            flag(internal),                             // 35 IsInternalCall
            t.to_string(),                              // 36 Timestamp (tenths)
            call.connected_at.unwrap_or(0).to_string(), // 37 Connected time
            call.ring_at.unwrap_or(0).to_string(),      // 38 Ring time
            call.connected_at.map_or(0, |c| t.saturating_sub(c) / 10).to_string(), // 39 Connected duration
            ring_duration.to_string(),                  // 40 Ring duration
            "eng".to_owned(),                           // 41 Locale
            String::new(),                              // 42 Park slot number
            "0".to_owned(),                             // 43 Call waiting
            String::new(),                              // 44 Tag
            flag(call.transferring),                    // 45 Transferring
            "0".to_owned(),                             // 46 Service active
            "0".to_owned(),                             // 47 Service quota used
            "0".to_owned(),                             // 48 Service quota time
            String::new(),                              // 49 Account code
            call.call.call_id.to_string(),              // 50 CallID
        ];
        debug_assert_eq!(fields.len(), 50);
        self.out.push(SimRecord::Delta2(Delta2::build(Delta2Kind::Status, &fields).to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use devlink3_proto::records::{Delta3, parse_delta2, parse_delta3, parse_siptrack};

    /// Starts `calls` calls, two a second, then runs far past their end.
    fn run(seed: u64, calls: u64) -> (Traffic, Vec<SimRecord>) {
        let mut traffic = Traffic::new(TrafficConfig { seed, ..TrafficConfig::default() });
        let mut out = Vec::new();
        for i in 0..calls {
            traffic.start_call(i * 5);
            traffic.advance(i * 5 + 2, &mut out);
        }
        traffic.advance(calls * 5 + 100_000, &mut out);
        (traffic, out)
    }

    #[test]
    fn same_seed_same_output() {
        let (_, a) = run(7, 100);
        let (_, b) = run(7, 100);
        assert_eq!(a, b);
        let (_, c) = run(8, 100);
        assert_ne!(a, c);
    }

    #[test]
    fn every_record_parses() {
        let (_, out) = run(1, 200);
        for record in &out {
            match record {
                SimRecord::Delta3 { text, .. } => {
                    let parsed = parse_delta3(text).unwrap_or_else(|e| panic!("{text}: {e}"));
                    assert_eq!(parsed.to_string(), *text);
                }
                SimRecord::Delta2(text) => {
                    let d2 = parse_delta2(text).unwrap();
                    if d2.kind() == Delta2Kind::Status {
                        assert_eq!(d2.fields().count(), 50, "{text}");
                    }
                    d2.call_id().unwrap();
                }
                SimRecord::SipTrack(text) => {
                    parse_siptrack(text).unwrap();
                }
                SimRecord::CmExtn(text) => assert!(text.starts_with("Extn") && text.contains("CALL LOST")),
                SimRecord::CmExtnState { v, p1, p2, extension } => {
                    assert_eq!(*v, 1);
                    assert_ne!(p1, p2);
                    assert!(extension.starts_with("Extn"));
                }
            }
        }
    }

    #[test]
    fn one_call_lost_per_party_after_its_last_detail() {
        let (_, out) = run(2, 300);
        let mut last_detail: BTreeMap<String, usize> = BTreeMap::new();
        let mut lost: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, record) in out.iter().enumerate() {
            let SimRecord::Delta3 { text, .. } = record else { continue };
            match parse_delta3(text).unwrap() {
                Delta3::Detail(d) => {
                    assert_eq!(d.party_a.end_id.len(), 16);
                    assert!(d.party_b.is_none() || d.targets.is_empty(), "PartyB and targets: {text}");
                    for party in std::iter::once(&d.party_a).chain(d.party_b.as_ref()) {
                        last_detail.insert(party.end_id.to_string(), i);
                    }
                }
                Delta3::CallLost(l) => lost.entry(l.end_id.to_string()).or_default().push(i),
                _ => {}
            }
        }
        assert!(!last_detail.is_empty());
        for (end, last) in &last_detail {
            let losses = lost.get(end).unwrap_or_else(|| panic!("no CallLost for {end}"));
            assert_eq!(losses.len(), 1, "{end}");
            assert!(losses[0] > *last, "{end}: CallLost before its last Detail");
        }
        for end in lost.keys() {
            assert!(last_detail.contains_key(end), "CallLost for {end}, never a party");
        }
    }

    #[test]
    fn calls_end() {
        let (traffic, out) = run(3, 150);
        assert_eq!(traffic.calls_in_progress(), 0);
        assert!(traffic.extn_states.is_empty(), "every extension back to idle");
        let deleted = out.iter().filter(|r| matches!(r, SimRecord::Delta2(t) if t.starts_with("CALL: D"))).count();
        assert_eq!(deleted, 150);
    }

    #[test]
    fn snapshot_has_one_detail_per_call() {
        let mut traffic = Traffic::new(TrafficConfig::default());
        let mut out = Vec::new();
        for i in 0..40 {
            traffic.start_call(i * 5);
            traffic.advance(i * 5, &mut out);
        }
        let n = traffic.calls_in_progress();
        assert!(n > 10, "{n}");
        let mut snap = Vec::new();
        traffic.snapshot(&mut snap);
        assert_eq!(snap.len(), n);
        let mut ids = Vec::new();
        for record in &snap {
            let SimRecord::Delta3 { text, .. } = record else { panic!("{record:?}") };
            let Delta3::Detail(d) = parse_delta3(text).unwrap() else { panic!("{text}") };
            ids.push(d.call.call_id);
        }
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn every_scenario_occurs() {
        let mut traffic = Traffic::new(TrafficConfig::default());
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..200 {
            traffic.start_call(i);
            seen.insert(traffic.calls.last().unwrap().truth.scenario);
        }
        assert_eq!(seen.len(), Scenario::ALL.len());
        let mut out = Vec::new();
        traffic.advance(1_000_000, &mut out);
        let texts: Vec<&str> = out
            .iter()
            .filter_map(|r| match r {
                SimRecord::Delta3 { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert!(texts.iter().any(|t| t.starts_with("<AttemptReject>") && t.contains(",dnd,")));
        assert!(texts.iter().any(|t| t.starts_with("<CallLost>") && t.contains(",126,")));
        assert!(out.iter().any(|r| matches!(r, SimRecord::SipTrack(t) if t.starts_with("START,"))));
        assert!(out.iter().any(|r| matches!(r, SimRecord::SipTrack(t) if t.starts_with("END,"))));
        assert!(out.iter().any(|r| matches!(r, SimRecord::CmExtn(_))));
    }

    #[test]
    fn call_ids_increase_and_timestamps_follow_time() {
        let (_, out) = run(4, 100);
        let mut last_id = 0;
        let mut last_t = 0;
        for record in &out {
            let SimRecord::Delta3 { text, .. } = record else { continue };
            let t = match parse_delta3(text).unwrap() {
                Delta3::Detail(d) => {
                    if d.call.call_id > last_id {
                        assert_eq!(d.call.call_id, last_id + 1, "call ids skip");
                        last_id = d.call.call_id;
                    }
                    d.call.timestamp
                }
                Delta3::CallLost(l) => l.timestamp,
                Delta3::AttemptReject(r) => r.timestamp,
                Delta3::LinkLost(l) => l.timestamp,
            };
            assert!(t >= last_t);
            last_t = t;
        }
        assert_eq!(last_id, 100);
    }

    #[test]
    fn output_does_not_depend_on_advance_granularity() {
        let mut coarse = Traffic::new(TrafficConfig::default());
        let mut fine = Traffic::new(TrafficConfig::default());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..60 {
            coarse.start_call(i * 10);
            fine.start_call(i * 10);
            coarse.advance(i * 10 + 9, &mut a);
            for t in i * 10..(i + 1) * 10 {
                fine.advance(t, &mut b);
            }
        }
        coarse.advance(10_000, &mut a);
        fine.advance(10_000, &mut b);
        assert!(a.len() > 600);
        assert_eq!(a, b);
    }

    #[test]
    fn internal_call_shape() {
        // Find an internal call and check its first records against the specification's shapes.
        let (_, out) = run(5, 50);
        let first = out
            .iter()
            .find_map(|r| match r {
                SimRecord::Delta3 { text, .. } if text.contains(",1,7,1,3,0,0,0,1,") => Some(text.clone()),
                _ => None,
            })
            .expect("an off-hook Detail");
        let Delta3::Detail(d) = parse_delta3(&first).unwrap() else { panic!() };
        assert_eq!(d.call.node, "c0a82a03");
        assert_eq!(d.party_a.state, PartyState::Dialling);
        assert_eq!(d.party_a.tone, Tone::DialTone);
        assert!(d.party_a.end_id.starts_with("c0a82a03"));
        assert!(d.party_b.is_none() && d.targets.is_empty());
    }

    #[test]
    fn hunt_group_call_shape() {
        let (_, out) = run(6, 200);
        let ringing = out
            .iter()
            .find_map(|r| match r {
                SimRecord::Delta3 { text, .. } if text.contains("<Target_list>") && text.contains(",200,200,") => {
                    match parse_delta3(text).unwrap() {
                        Delta3::Detail(d) if d.party_a.public_line && d.targets.len() > 1 => Some(d.into_owned()),
                        _ => None,
                    }
                }
                _ => None,
            })
            .expect("an incoming call ringing hunt group 200");
        assert_eq!(ringing.call.owner_huntgroup, "200");
        assert_eq!(ringing.call.target_huntgroup, "200");
        assert_eq!(ringing.call.queueing, QueueState::Queueing);
        assert!(ringing.party_a.incoming);
        assert!(matches!(ringing.party_a.equipment, EquipmentClass::IsdnTrunk | EquipmentClass::SipTrunk));
        for target in &ringing.targets {
            assert!(["4001", "4002", "4003", "4004"].contains(&target.identity.as_ref()));
            assert_eq!(target.purpose, "200");
            assert_eq!(target.called_reason, 4);
            if !ringing.party_a.cli.is_empty() {
                assert_eq!(target.cli, format!("9{}", ringing.party_a.cli));
            }
        }
        if ringing.party_a.equipment == EquipmentClass::IsdnTrunk {
            let (line, channel) = ringing.party_a.description.split_once('.').unwrap();
            assert!(line.parse::<u32>().is_ok() && channel.parse::<u32>().is_ok());
        }
    }

    #[test]
    fn siptrack_pairs_match_sip_trunk_ends() {
        let (_, out) = run(9, 200);
        let mut sip_ends: BTreeMap<String, String> = BTreeMap::new();
        let mut started: BTreeMap<String, String> = BTreeMap::new();
        let mut ended = 0;
        for record in &out {
            match record {
                SimRecord::Delta3 { text, .. } => {
                    if let Delta3::Detail(d) = parse_delta3(text).unwrap() {
                        for p in std::iter::once(&d.party_a).chain(d.party_b.as_ref()) {
                            if p.equipment == EquipmentClass::SipTrunk {
                                sip_ends.insert(p.end_id.to_string(), p.description.to_string());
                            }
                        }
                    }
                }
                SimRecord::SipTrack(text) => {
                    let track = parse_siptrack(text).unwrap();
                    let epid = track.epid.to_string();
                    assert_eq!(sip_ends.get(&epid), Some(&track.sip_call_id.to_string()), "{text}");
                    let suffix = u32::from_str_radix(&epid[8..], 16).unwrap();
                    assert_eq!(track.end_id, format!("1.{suffix}.0"));
                    match track.event {
                        SipEvent::Start => assert!(started.insert(epid, text.clone()).is_none()),
                        SipEvent::End => {
                            assert!(started.remove(&epid).is_some(), "END without START: {text}");
                            ended += 1;
                        }
                        SipEvent::Other(_) => panic!("{text}"),
                    }
                }
                _ => {}
            }
        }
        assert!(ended > 10);
        assert!(started.is_empty(), "START without END: {started:?}");
    }

    #[test]
    fn transfer_links_the_new_party_to_the_transferring_one() {
        let (_, out) = run(10, 200);
        let mut transferred = Vec::new();
        let mut related = Vec::new();
        for record in &out {
            let SimRecord::Delta3 { text, .. } = record else { continue };
            match parse_delta3(text).unwrap() {
                Delta3::CallLost(l) if l.cause == Cause::Transfer => transferred.push(l.end_id.to_string()),
                Delta3::Detail(d) => {
                    if let Some(b) = d.party_b.filter(|b| !b.related_end_id.is_empty()) {
                        assert!(transferred.contains(&b.related_end_id.to_string()), "{text}");
                        related.push(b.related_end_id.to_string());
                    }
                }
                _ => {}
            }
        }
        assert!(!transferred.is_empty());
        let related: std::collections::BTreeSet<String> = related.into_iter().collect();
        let transferred: std::collections::BTreeSet<String> = transferred.into_iter().collect();
        assert_eq!(related, transferred, "every transferring end is some new party's related end");
    }

    #[test]
    fn delta2_follows_the_calls() {
        let (_, out) = run(11, 100);
        let mut open: BTreeMap<u32, String> = BTreeMap::new();
        for record in &out {
            let SimRecord::Delta2(text) = record else { continue };
            let d2 = parse_delta2(text).unwrap();
            let id = d2.call_id().unwrap();
            match d2.kind() {
                Delta2Kind::Status => {
                    if let Some(a) = open.get(&id) {
                        assert_eq!(a, d2.a_call_id(), "A end changed: {text}");
                    }
                    open.insert(id, d2.a_call_id().to_owned());
                    assert!(d2.a_name().starts_with("Extn") || d2.a_name().starts_with("Line "));
                    d2.a_state().unwrap();
                    d2.cause().unwrap();
                }
                Delta2Kind::Deleted => {
                    assert_eq!(open.remove(&id).as_deref(), Some(d2.a_call_id()), "{text}");
                }
                Delta2Kind::EndsSwapped => panic!("not generated: {text}"),
            }
        }
        assert!(open.is_empty());
    }
}
