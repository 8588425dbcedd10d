//! Every event shape and its fields, in the order JS objects list them. The Delta3
//! sections' fields come from their descriptions in `devlink3-proto` (`section!`): a field
//! added there reaches the decoder and the TypeScript types with `npm run generate`; the
//! other shapes are written here.
//!
//! The shapes are the event's document (`devlink3_core::document`, what `devlink3 tail`
//! prints and Python's `to_dict()` gives) with camelCase keys: `type`, `pbxIp`, `counter`
//! and the `record` with its `kind`; the same values and spellings. A few fields follow the
//! document's as conveniences it does not carry (the named Delta2 fields, a CMExtn's
//! `cause`, a state change's `newState`/`oldState`, a refusal's `pbxCode`); `raw` is
//! always there.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::sync::Mutex;

use devlink3_core::client::{Event, LinkState, MissedReason, Origin, PbxInfo};
use devlink3_core::records::{
    AttemptRejectView, CallLostView, CmExtn, CmExtnState, Delta2, Delta2Kind, Delta3Record, Delta3View, Described,
    DetailView, Field, FieldKind, FieldVisitor, LinkLostView, PartyFlags, SipTrack, parse_siptrack,
};

use super::{Coded, Sink, Words};

/// The shapes events take in JS, one TypeScript interface each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Detail,
    CallLost,
    LinkLost,
    AttemptReject,
    Delta2,
    SipTrack,
    CmExtn,
    CmExtnState,
    Unparsed,
    Connecting,
    Operational,
    NoResponse,
    Rejected,
    Closed,
    Missed,
}

impl Shape {
    /// In tape order: a shape's index is its number on the tape.
    pub const ALL: [Shape; 15] = [
        Shape::Detail,
        Shape::CallLost,
        Shape::LinkLost,
        Shape::AttemptReject,
        Shape::Delta2,
        Shape::SipTrack,
        Shape::CmExtn,
        Shape::CmExtnState,
        Shape::Unparsed,
        Shape::Connecting,
        Shape::Operational,
        Shape::NoResponse,
        Shape::Rejected,
        Shape::Closed,
        Shape::Missed,
    ];

    /// The TypeScript interface of this shape.
    pub fn interface(self) -> &'static str {
        match self {
            Shape::Detail => "Delta3DetailEvent",
            Shape::CallLost => "Delta3CallLostEvent",
            Shape::LinkLost => "Delta3LinkLostEvent",
            Shape::AttemptReject => "Delta3AttemptRejectEvent",
            Shape::Delta2 => "Delta2Event",
            Shape::SipTrack => "SipTrackEvent",
            Shape::CmExtn => "CmExtnEvent",
            Shape::CmExtnState => "CmExtnStateEvent",
            Shape::Unparsed => "UnparsedEvent",
            Shape::Connecting => "ConnectingState",
            Shape::Operational => "OperationalState",
            Shape::NoResponse => "NoResponseState",
            Shape::Rejected => "RejectedState",
            Shape::Closed => "ClosedState",
            Shape::Missed => "MissedEvent",
        }
    }

    /// Whether JS reads this shape with `lib/detail.js` rather than a generated decoder:
    /// the Detail, whose sections JS decodes when first read (see `Tape::detail`).
    pub fn lazy(self) -> bool {
        self == Shape::Detail
    }

    /// An event of this shape with default fields, for describing it.
    pub fn sample(self) -> Event {
        let origin = Origin { pbx_ip: Ipv4Addr::UNSPECIFIED, counter: 0 };
        let delta3 = |text| {
            let record = Delta3Record::parse(text).expect("a valid Delta3 sample");
            Event::Delta3 { origin, record }
        };
        match self {
            Shape::Detail => delta3("<Detail><Call></Call><PartyA></PartyA></Detail>"),
            Shape::CallLost => delta3("<CallLost></CallLost>"),
            Shape::LinkLost => delta3("<LinkLost></LinkLost>"),
            Shape::AttemptReject => delta3("<AttemptReject></AttemptReject>"),
            Shape::Delta2 => Event::Delta2 { origin, record: Box::new(Delta2::deleted("", "", 0)) },
            Shape::SipTrack => {
                let record = parse_siptrack("START,,,TRUNK,IN,").expect("a valid SIPTrack text").into_owned();
                Event::SipTrack { origin, record: Box::new(record) }
            }
            Shape::CmExtn => Event::CmExtn { origin, record: Box::default() },
            Shape::CmExtnState => Event::CmExtnState { origin, record: Box::default() },
            Shape::Unparsed => Event::Unparsed { origin, tag: 0, text: String::new(), error: String::new() },
            Shape::Connecting => Event::LinkState(LinkState::Connecting { attempt: 0 }),
            Shape::Operational => Event::LinkState(LinkState::Operational(PbxInfo::default())),
            Shape::NoResponse => {
                Event::LinkState(LinkState::NoResponse { reason: String::new(), retry_in: Default::default() })
            }
            Shape::Rejected => Event::LinkState(LinkState::Rejected { code: None, reason: String::new() }),
            Shape::Closed => Event::LinkState(LinkState::Closed),
            Shape::Missed => Event::Missed { count: 0, reason: MissedReason::CounterGap },
        }
    }
}

const DELTA2_KIND: Words = Words::closed::<Delta2Kind>();
const MISSED_REASON: Words = Words::closed::<MissedReason>();

/// Writes one event.
pub(crate) fn event<S: Sink>(s: &mut S, event: &Event) {
    match event {
        Event::Delta3 { origin, record: delta3 } => match delta3.get() {
            Delta3View::Detail(r) => {
                record(s, Shape::Detail, event, origin, |s| s.object("record", "DetailRecord", &r, detail))
            }
            Delta3View::CallLost(r) => {
                record(s, Shape::CallLost, event, origin, |s| s.object("record", "CallLostRecord", &r, whole_record))
            }
            Delta3View::LinkLost(r) => {
                record(s, Shape::LinkLost, event, origin, |s| s.object("record", "LinkLostRecord", &r, whole_record))
            }
            Delta3View::AttemptReject(r) => record(s, Shape::AttemptReject, event, origin, |s| {
                s.object("record", "AttemptRejectRecord", &r, whole_record)
            }),
        },
        Event::Delta2 { origin, record: r } => {
            record(s, Shape::Delta2, event, origin, |s| s.object("record", "Delta2Record", &**r, delta2))
        }
        Event::SipTrack { origin, record: r } => {
            record(s, Shape::SipTrack, event, origin, |s| s.object("record", "SipTrackRecord", &**r, siptrack))
        }
        Event::CmExtn { origin, record: r } => {
            record(s, Shape::CmExtn, event, origin, |s| s.object("record", "CmExtnRecord", &**r, cmextn))
        }
        Event::CmExtnState { origin, record: r } => record(s, Shape::CmExtnState, event, origin, |s| {
            s.object("record", "CmExtnStateRecord", &**r, cmextn_state)
        }),
        Event::Unparsed { origin, tag, text, error } => record(s, Shape::Unparsed, event, origin, |s| {
            s.number("tag", *tag);
            s.text("text", text);
            s.text("error", error);
        }),
        Event::LinkState(state) => link_state(s, event, state),
        Event::Missed { count, reason } => {
            begin(s, Shape::Missed, event);
            s.doc("Events that never reached the application.");
            s.number("count", u32::try_from(*count).unwrap_or(u32::MAX));
            s.doc("`counter_gap`: the PBX did not send them; `slow_consumer`: the application took events more slowly than they came.");
            s.word("reason", reason.as_str(), MISSED_REASON);
        }
    }
}

/// Starts an event: its shape, then the tags that identify it (`type` is also the
/// EventEmitter event), in the document's words.
fn begin<S: Sink>(s: &mut S, shape: Shape, event: &Event) {
    s.shape(shape);
    s.tag("type", event.type_name());
    if let Event::LinkState(state) = event {
        s.tag("state", state.name());
    }
}

/// A record event: where it came from, then its `record`.
pub(crate) fn record<S: Sink>(s: &mut S, shape: Shape, event: &Event, origin: &Origin, fields: impl FnOnce(&mut S)) {
    begin(s, shape, event);
    s.doc("The IP Office that generated the event.");
    s.address("pbxIp", origin.pbx_ip);
    s.doc("That IP Office's event counter: consecutive, a gap is reported as `missed`.");
    s.number("counter", origin.counter);
    fields(s);
}

fn detail<S: Sink>(s: &mut S, r: &DetailView) {
    s.tag("kind", "detail");
    s.object("call", "Call", &r.call(), wire_section);
    s.object("partyA", "Party", &r.party_a(), wire_section);
    s.optional_object("partyB", "Party", r.party_b().as_ref(), wire_section);
    s.list("targets", "Target", r.targets(), wire_section);
    s.doc("The record's text as the PBX sent it.");
    s.text("raw", r.raw());
}

/// A record section (a Delta3 `Call`, `Party`, `Target`) as its description lists it:
/// the same fields in the same order as the document and every other face.
pub(crate) fn section<S: Sink, T: Described>(s: &mut S, value: &T) {
    value.visit(&mut Fields(s));
}

/// A Delta3 Detail's section, whose description lists its fields in wire order.
pub(crate) fn wire_section<S: Sink, T: Described>(s: &mut S, value: &T) {
    s.wire_order();
    section(s, value);
}

/// A whole Delta3 record made of one section (`CallLost`...): its kind, fields and text.
fn whole_record<S: Sink, T: Described + WholeRecord>(s: &mut S, r: &T) {
    s.tag("kind", T::KIND);
    section(s, r);
    s.doc("The record's text as the PBX sent it.");
    s.text("raw", r.raw());
}

/// The Delta3 records made of one section: their document `kind`, and their text.
trait WholeRecord {
    const KIND: &'static str;
    fn raw(&self) -> &str;
}

macro_rules! whole_record {
    ($($ty:ident => $kind:literal),*) => {$(
        impl WholeRecord for $ty<'_> {
            const KIND: &'static str = $kind;
            fn raw(&self) -> &str {
                $ty::raw(self)
            }
        }
    )*};
}

whole_record!(CallLostView => "call_lost", LinkLostView => "link_lost", AttemptRejectView => "attempt_reject");

/// A section's values handed on to a sink, with their camelCase names and docs when the
/// sink describes (made once per name: the schema runs at build time and at load).
struct Fields<'s, S>(&'s mut S);

impl<S: Sink> Fields<'_, S> {
    fn name(&mut self, field: &'static Field) -> &'static str {
        if !S::DESCRIBES {
            return field.name;
        }
        self.0.doc(intern(field.doc_text()));
        intern(super::camel_case(field.name))
    }
}

impl<S: Sink> FieldVisitor for Fields<'_, S> {
    fn text(&mut self, field: &'static Field, value: &str) {
        let name = self.name(field);
        self.0.text(name, value);
    }

    fn number(&mut self, field: &'static Field, value: u32) {
        let name = self.name(field);
        self.0.number(name, value);
    }

    fn flag(&mut self, field: &'static Field, value: bool) {
        let name = self.name(field);
        self.0.flag(name, value);
    }

    fn code<C: Coded>(&mut self, field: &'static Field, value: C) {
        let name = self.name(field);
        self.0.code(name, value);
    }

    fn maybe_number(&mut self, field: &'static Field, value: Option<u32>) {
        let name = self.name(field);
        self.0.optional(name, value, S::number);
    }

    fn maybe_flag(&mut self, field: &'static Field, value: Option<bool>) {
        let name = self.name(field);
        self.0.optional(name, value, S::flag);
    }

    fn maybe_code<C: Coded>(&mut self, field: &'static Field, value: Option<C>) {
        let name = self.name(field);
        self.0.optional(name, value, S::code::<C>);
    }

    /// A word, with the words its field documents (others may come too).
    fn word(&mut self, field: &'static Field, value: &str) {
        let name = self.name(field);
        let FieldKind::Word { name: type_name, words } = field.kind else {
            unreachable!("a word field is described as FieldKind::Word")
        };
        self.0.word(name, value, Words { name: type_name, words, open: true });
    }

    /// The flags set by their document names; an undocumented bit as its number.
    fn flags(&mut self, field: &'static Field, value: PartyFlags) {
        let name = self.name(field);
        self.0.flags(name, value);
    }
}

/// A `'static` copy of `text`, made once per distinct text.
fn intern(text: String) -> &'static str {
    static TEXTS: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut texts = TEXTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = texts.get(text.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(text.into_boxed_str());
    texts.insert(leaked);
    leaked
}

/// Delta2: as the document, the kind's letter, every field by position and the text; then
/// the call ids and the named S fields from their description (empty or 0 on D and A
/// records; `null` when a number field does not hold a number), and `bList` split.
fn delta2<S: Sink>(s: &mut S, r: &Delta2) {
    s.word("kind", r.kind().as_str(), DELTA2_KIND);
    s.doc("Every field by position (`fields[0]` is field 1).");
    s.texts("fields", r.fields());
    s.doc("The record's text as the PBX sent it.");
    s.text("raw", r.raw());
    s.doc("S field 50, D and A field 3; `null` when not a number.");
    s.optional("callId", r.call_id().ok(), S::number);
    s.text("aCallId", r.a_call_id());
    s.text("bCallId", r.b_call_id());
    section(s, r);
    s.doc("`bList` split at its semicolons.");
    s.texts("bTargets", r.b_targets());
}

/// SIPTrack: its fields as described, then its text.
fn siptrack<S: Sink>(s: &mut S, r: &SipTrack) {
    section(s, r);
    s.doc("The event's text as the PBX sent it.");
    s.text("raw", &r.raw);
}

/// A plain CMExtn event: its fields as described, its text, and the cause its message names.
fn cmextn<S: Sink>(s: &mut S, r: &CmExtn) {
    section(s, r);
    s.text("raw", &r.raw);
    s.doc("The cause named at the end of the message, if any.");
    s.optional("cause", r.cause(), S::code);
}

/// An extended CMExtn event: its fields as described, then a state change's states.
fn cmextn_state<S: Sink>(s: &mut S, r: &CmExtnState) {
    section(s, r);
    let change = r.state_change();
    s.doc("For a state change (`v` = 1): `p1` as a state.");
    s.optional("newState", change.map(|(new, _)| new), S::code);
    s.doc("For a state change (`v` = 1): `p2` as a state.");
    s.optional("oldState", change.map(|(_, old)| old), S::code);
}

fn owned_text<S: Sink>(s: &mut S, name: &'static str, value: String) {
    s.text(name, &value);
}

fn link_state<S: Sink>(s: &mut S, event: &Event, state: &LinkState) {
    match state {
        LinkState::Connecting { attempt } => {
            begin(s, Shape::Connecting, event);
            s.doc("1 for the first.");
            s.number("attempt", *attempt);
        }
        LinkState::Operational(info) => {
            begin(s, Shape::Operational, event);
            s.text("pbxType", &info.pbx_type);
            s.text("variant", &info.variant);
            s.doc("The event flags the PBX accepted.");
            s.texts("acceptedFlags", info.accepted_flags.iter().map(String::as_str));
            s.doc("Requested flags it did not accept.");
            s.texts("rejectedFlags", info.rejected_flags.iter().map(String::as_str));
            s.flag("encrypted", info.encrypted);
        }
        LinkState::NoResponse { reason, retry_in } => {
            begin(s, Shape::NoResponse, event);
            s.text("reason", reason);
            s.doc("The next attempt follows after this delay.");
            s.number("retryInMs", u32::try_from(retry_in.as_millis()).unwrap_or(u32::MAX));
        }
        LinkState::Rejected { code, reason } => {
            begin(s, Shape::Rejected, event);
            s.doc("The PBX result's name (`AUTHENTICATION_FAILED`...); `null` when the PBX gave none or one without a name (then `pbxCode` has its number).");
            let name = code.and_then(|code| code.name()).map(str::to_string);
            s.optional("code", name, owned_text);
            s.text("reason", reason);
            s.doc("The PBX result's number, when it gave one.");
            s.optional("pbxCode", code.map(|code| code.raw()), S::number);
        }
        LinkState::Closed => begin(s, Shape::Closed, event),
    }
}
