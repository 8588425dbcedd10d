//! C views of events: `#[repr(C)]` structs of numbers and string views pointing into a
//! core [`Event`], built without copying any text.
//!
//! A `Views` holds the structs of one event. Some point at each other (a Detail at its
//! PartyB and targets), so it is filled in place and must not move while C reads it: on
//! the stack for a callback, in a `Box` for a pulled event.

#![allow(non_camel_case_types)]

use std::ffi::c_char;
use std::ptr;

use devlink3_core::client::{Event, LinkState, MissedReason, Origin};
use devlink3_core::records::{Delta3View, DetailView};

mod sections;
use sections::{attempt_reject, call, call_lost, cmextn, cmextn_state, link_lost, party, siptrack, target};
pub use sections::{
    devlink3_attempt_reject, devlink3_call, devlink3_call_lost, devlink3_cmextn, devlink3_link_lost, devlink3_party,
    devlink3_siptrack, devlink3_target,
};

/// A UTF-8 string view: `len` bytes at `ptr`, not NUL-terminated. `ptr` is never NULL
/// (an empty view points at a NUL byte). Print with `printf("%.*s", (int)s.len, s.ptr)`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_str {
    pub ptr: *const c_char,
    pub len: usize,
}

impl devlink3_str {
    /// A view of `text`, valid as long as `text` is.
    pub(crate) fn of(text: &str) -> Self {
        if text.is_empty() {
            // Not the dangling pointer of an empty `&str`: C may pass it to strlen or memcpy.
            return devlink3_str { ptr: c"".as_ptr(), len: 0 };
        }
        devlink3_str { ptr: text.as_ptr().cast(), len: text.len() }
    }
}

impl Default for devlink3_str {
    fn default() -> Self {
        devlink3_str::of("")
    }
}

/// Where a record came from.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct devlink3_origin {
    /// IPv4 address of the PBX that generated the event, as a number
    /// (192.168.42.3 is 0xC0A82A03).
    pub pbx_ip: u32,
    /// That PBX's event counter.
    pub counter: u32,
}

impl From<Origin> for devlink3_origin {
    fn from(origin: Origin) -> Self {
        devlink3_origin { pbx_ip: u32::from(origin.pbx_ip), counter: origin.counter }
    }
}

/// The state of a link.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum devlink3_state {
    /// Opening the connection (again, after a loss).
    Connecting = 0,
    /// Authenticated; events flow.
    Operational = 1,
    /// The link is down or the attempt failed; another attempt follows.
    NoResponse = 2,
    /// The PBX refused the link (wrong password, no licence...); it stays down.
    Rejected = 3,
    /// Closed by the application.
    Closed = 4,
}

impl From<&LinkState> for devlink3_state {
    fn from(state: &LinkState) -> Self {
        match state {
            LinkState::Connecting { .. } => devlink3_state::Connecting,
            LinkState::Operational(_) => devlink3_state::Operational,
            LinkState::NoResponse { .. } => devlink3_state::NoResponse,
            LinkState::Rejected { .. } => devlink3_state::Rejected,
            LinkState::Closed => devlink3_state::Closed,
        }
    }
}

/// A link-state change.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_link_state {
    pub state: devlink3_state,
    /// The PBX's result code when it refused the link (e.g. 0x80000041
    /// AUTHENTICATION_FAILED, 0x80000044 LICENCE_MISSING); 0 otherwise.
    pub pbx_code: u32,
    /// What happened, for people: "rejected: the PBX refused authentication: ...".
    pub reason: devlink3_str,
    /// For NO_RESPONSE: milliseconds until the next attempt; 0 otherwise.
    pub retry_in_ms: u64,
    /// For OPERATIONAL: the PBX's type and version, and its DevLink variant; empty otherwise.
    pub pbx_type: devlink3_str,
    pub variant: devlink3_str,
}

/// Why events were missed.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum devlink3_missed_reason {
    /// The PBX's event counter jumped: it did not send them.
    CounterGap = 0,
    /// The application took events more slowly than they arrived; the oldest were dropped.
    SlowConsumer = 1,
}

/// Events that never reached the application.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_missed {
    pub count: u64,
    pub reason: devlink3_missed_reason,
}

/// `<Detail>`: a call, its A end, and its B end or its ringing targets.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_detail {
    pub call: devlink3_call,
    pub party_a: devlink3_party,
    /// NULL until the call has a B end.
    pub party_b: *const devlink3_party,
    /// `targets_len` entries (NULL when there are none).
    pub targets: *const devlink3_target,
    pub targets_len: usize,
}

/// The kind of a Delta3 record.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum devlink3_delta3_kind {
    Detail = 0,
    CallLost = 1,
    LinkLost = 2,
    AttemptReject = 3,
}

/// A Delta3 record: exactly one of the four pointers is set, as `kind` says.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_delta3 {
    pub kind: devlink3_delta3_kind,
    pub origin: devlink3_origin,
    /// The record's text as the PBX sent it.
    pub raw: devlink3_str,
    pub detail: *const devlink3_detail,
    pub call_lost: *const devlink3_call_lost,
    pub link_lost: *const devlink3_link_lost,
    pub attempt_reject: *const devlink3_attempt_reject,
}

/// A Delta2 record (a link opened with the `-CD2` flag or `events=delta2`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_delta2 {
    pub origin: devlink3_origin,
    /// `S` (status), `D` (deleted) or `A` (ends swapped).
    pub kind: c_char,
    /// The text exactly as the PBX sent it (`CALL: S ...`), converted to UTF-8.
    pub raw: devlink3_str,
}

/// A record the library could not parse, or a tuple of a kind it does not know: delivered
/// with the reason rather than dropped.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_unparsed {
    pub origin: devlink3_origin,
    /// The tuple tag (0x00760001 Delta3, 0x00760002 Delta2...).
    pub tag: u32,
    pub text: devlink3_str,
    pub error: devlink3_str,
}

/// The kind of an event.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum devlink3_event_kind {
    LinkState = 0,
    Delta3 = 1,
    Delta2 = 2,
    Siptrack = 3,
    Cmextn = 4,
    Missed = 5,
    Unparsed = 6,
}

/// One event: exactly one of the pointers is set, as `kind` says.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_event {
    pub kind: devlink3_event_kind,
    pub link_state: *const devlink3_link_state,
    pub delta3: *const devlink3_delta3,
    pub delta2: *const devlink3_delta2,
    pub siptrack: *const devlink3_siptrack,
    pub cmextn: *const devlink3_cmextn,
    pub missed: *const devlink3_missed,
    pub unparsed: *const devlink3_unparsed,
}

impl devlink3_event {
    /// An event with no parts, to be filled in.
    pub(crate) fn empty() -> Self {
        devlink3_event {
            kind: devlink3_event_kind::LinkState,
            link_state: ptr::null(),
            delta3: ptr::null(),
            delta2: ptr::null(),
            siptrack: ptr::null(),
            cmextn: ptr::null(),
            missed: ptr::null(),
            unparsed: ptr::null(),
        }
    }
}

/// The C structs of one event. Pointers inside refer to the event's text and to this
/// value's other fields: fill it in place with [`Views::fill`], then do not move it.
#[derive(Default)]
pub(crate) struct Views {
    link_state: Option<devlink3_link_state>,
    /// Owns the text `link_state.reason` points at.
    link_state_text: String,
    delta3: Option<devlink3_delta3>,
    detail: Option<devlink3_detail>,
    party_b: Option<devlink3_party>,
    targets: Vec<devlink3_target>,
    call_lost: Option<devlink3_call_lost>,
    link_lost: Option<devlink3_link_lost>,
    attempt_reject: Option<devlink3_attempt_reject>,
    delta2: Option<devlink3_delta2>,
    siptrack: Option<devlink3_siptrack>,
    cmextn: Option<devlink3_cmextn>,
    /// Owns the rendering an extended CMExtn's `raw` points at.
    cmextn_text: String,
    missed: Option<devlink3_missed>,
    unparsed: Option<devlink3_unparsed>,
}

/// A pointer to the value in `slot`, NULL when there is none.
fn ptr_to<T>(slot: &Option<T>) -> *const T {
    slot.as_ref().map_or(ptr::null(), ptr::from_ref)
}

impl Views {
    /// Builds the views of `event`. They point into `event` (which must outlive their
    /// use) and into `self` (which must not move afterwards).
    pub fn fill(&mut self, event: &Event) {
        *self = Views::default();
        match event {
            Event::LinkState(state) => self.fill_link_state(state),
            Event::Delta3 { origin, record } => self.fill_delta3((*origin).into(), record.get()),
            Event::Delta2 { origin, record } => {
                self.delta2 = Some(devlink3_delta2 {
                    origin: (*origin).into(),
                    kind: record.kind().letter() as c_char,
                    raw: devlink3_str::of(record.raw()),
                });
            }
            Event::SipTrack { origin, record } => self.siptrack = Some(siptrack((*origin).into(), record)),
            Event::CmExtn { origin, record } => self.cmextn = Some(cmextn((*origin).into(), record)),
            Event::CmExtnState { origin, record } => {
                self.cmextn_text = record.to_string();
                self.cmextn = Some(cmextn_state((*origin).into(), record, &self.cmextn_text));
            }
            Event::Unparsed { origin, tag, text, error } => {
                self.unparsed = Some(devlink3_unparsed {
                    origin: (*origin).into(),
                    tag: *tag,
                    text: devlink3_str::of(text),
                    error: devlink3_str::of(error),
                });
            }
            Event::Missed { count, reason } => {
                let reason = match reason {
                    MissedReason::CounterGap => devlink3_missed_reason::CounterGap,
                    MissedReason::SlowConsumer => devlink3_missed_reason::SlowConsumer,
                };
                self.missed = Some(devlink3_missed { count: *count, reason });
            }
        }
        self.link();
    }

    fn fill_link_state(&mut self, state: &LinkState) {
        self.link_state_text = state.to_string();
        let (pbx_code, retry_in_ms, pbx_type, variant) = match state {
            LinkState::Rejected { code, .. } => (code.map_or(0, |c| c.raw()), 0, "", ""),
            LinkState::NoResponse { retry_in, .. } => {
                (0, u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX), "", "")
            }
            LinkState::Operational(info) => (0, 0, info.pbx_type.as_str(), info.variant.as_str()),
            LinkState::Connecting { .. } | LinkState::Closed => (0, 0, "", ""),
        };
        self.link_state = Some(devlink3_link_state {
            state: state.into(),
            pbx_code,
            reason: devlink3_str::of(&self.link_state_text),
            retry_in_ms,
            pbx_type: devlink3_str::of(pbx_type),
            variant: devlink3_str::of(variant),
        });
    }

    fn fill_delta3(&mut self, origin: devlink3_origin, record: Delta3View<'_>) {
        let kind = match record {
            Delta3View::Detail(detail) => {
                self.fill_detail(detail);
                devlink3_delta3_kind::Detail
            }
            Delta3View::CallLost(lost) => {
                self.call_lost = Some(call_lost(lost));
                devlink3_delta3_kind::CallLost
            }
            Delta3View::LinkLost(lost) => {
                self.link_lost = Some(link_lost(lost));
                devlink3_delta3_kind::LinkLost
            }
            Delta3View::AttemptReject(reject) => {
                self.attempt_reject = Some(attempt_reject(reject));
                devlink3_delta3_kind::AttemptReject
            }
        };
        self.delta3 = Some(devlink3_delta3 {
            kind,
            origin,
            raw: devlink3_str::of(record.raw()),
            // Set by `link` once everything is in place.
            detail: ptr::null(),
            call_lost: ptr::null(),
            link_lost: ptr::null(),
            attempt_reject: ptr::null(),
        });
    }

    fn fill_detail(&mut self, detail: DetailView<'_>) {
        self.party_b = detail.party_b().map(party);
        self.targets = detail.targets().map(target).collect();
        self.detail = Some(devlink3_detail {
            call: call(detail.call()),
            party_a: party(detail.party_a()),
            party_b: ptr::null(),
            targets: ptr::null(),
            targets_len: 0,
        });
    }

    /// Points the views that refer to other views at them, where they now are.
    fn link(&mut self) {
        if let Some(detail) = &mut self.detail {
            detail.party_b = ptr_to(&self.party_b);
            detail.targets = if self.targets.is_empty() { ptr::null() } else { self.targets.as_ptr() };
            detail.targets_len = self.targets.len();
        }
        if let Some(delta3) = &mut self.delta3 {
            delta3.detail = ptr_to(&self.detail);
            delta3.call_lost = ptr_to(&self.call_lost);
            delta3.link_lost = ptr_to(&self.link_lost);
            delta3.attempt_reject = ptr_to(&self.attempt_reject);
        }
    }

    pub fn link_state(&self) -> Option<&devlink3_link_state> {
        self.link_state.as_ref()
    }
    pub fn delta3(&self) -> Option<&devlink3_delta3> {
        self.delta3.as_ref()
    }
    pub fn delta2(&self) -> Option<&devlink3_delta2> {
        self.delta2.as_ref()
    }
    pub fn siptrack(&self) -> Option<&devlink3_siptrack> {
        self.siptrack.as_ref()
    }
    pub fn cmextn(&self) -> Option<&devlink3_cmextn> {
        self.cmextn.as_ref()
    }
    pub fn missed(&self) -> Option<&devlink3_missed> {
        self.missed.as_ref()
    }
    pub fn unparsed(&self) -> Option<&devlink3_unparsed> {
        self.unparsed.as_ref()
    }

    /// The event as C sees it, pointing into `self`.
    pub fn event(&self, kind: devlink3_event_kind) -> devlink3_event {
        devlink3_event {
            kind,
            link_state: ptr_to(&self.link_state),
            delta3: ptr_to(&self.delta3),
            delta2: ptr_to(&self.delta2),
            siptrack: ptr_to(&self.siptrack),
            cmextn: ptr_to(&self.cmextn),
            missed: ptr_to(&self.missed),
            unparsed: ptr_to(&self.unparsed),
        }
    }
}

/// The kind of `event`.
pub(crate) fn kind_of(event: &Event) -> devlink3_event_kind {
    match event {
        Event::LinkState(_) => devlink3_event_kind::LinkState,
        Event::Delta3 { .. } => devlink3_event_kind::Delta3,
        Event::Delta2 { .. } => devlink3_event_kind::Delta2,
        Event::SipTrack { .. } => devlink3_event_kind::Siptrack,
        Event::CmExtn { .. } | Event::CmExtnState { .. } => devlink3_event_kind::Cmextn,
        Event::Missed { .. } => devlink3_event_kind::Missed,
        Event::Unparsed { .. } => devlink3_event_kind::Unparsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use devlink3_core::records::Delta3Record;
    use std::net::Ipv4Addr;

    fn text<'a>(s: devlink3_str) -> &'a str {
        // SAFETY: the views in these tests point into values alive until the test ends.
        unsafe { std::str::from_utf8(std::slice::from_raw_parts(s.ptr.cast(), s.len)).unwrap() }
    }

    #[test]
    fn detail_views_point_at_their_parts() {
        let party = "c0a82a0300000001,1,2,1,0,0,0,0,0,8,0,,4001,101,0,,4002,,,,,4001,0,5,\"Smith, John\",";
        let raw = format!(
            "<Detail><Call>c0a82a03,42,,,,0,,,,,,0,0,0,77,0,,0</Call><PartyA>{party}</PartyA>\
             <Target_list><Target>c0a82a0300000002,0,0,8,0,,4002,101,0,4002,,,4001,0</Target></Target_list></Detail>"
        );
        let event = Event::Delta3 {
            origin: Origin { pbx_ip: Ipv4Addr::new(192, 168, 42, 3), counter: 9 },
            record: Delta3Record::parse(&raw).unwrap(),
        };
        let mut views = Box::<Views>::default();
        views.fill(&event);
        let d3 = views.delta3().unwrap();
        assert_eq!(d3.kind, devlink3_delta3_kind::Detail);
        assert_eq!(d3.origin.pbx_ip, 0xC0A8_2A03);
        assert_eq!(text(d3.raw), raw);
        assert!(d3.call_lost.is_null());
        // SAFETY: `link` pointed these at `views`, which is boxed and alive.
        let detail = unsafe { &*d3.detail };
        assert_eq!(detail.call.call_id, 42);
        assert_eq!(text(detail.party_a.calling_name), "Smith, John");
        assert!(detail.party_b.is_null());
        assert_eq!(detail.targets_len, 1);
        // SAFETY: as above; one target.
        assert_eq!(text(unsafe { (*detail.targets).identity }), "4002");
        assert_eq!(text(detail.call.tag), "");
        // SAFETY: an empty view points at a static NUL byte.
        assert_eq!(unsafe { *detail.call.tag.ptr }, 0, "empty views point at a NUL byte");
        let ev = views.event(kind_of(&event));
        assert_eq!(ev.delta3, ptr::from_ref(d3));
        assert!(ev.delta2.is_null() && ev.link_state.is_null());
    }

    #[test]
    fn link_state_view_carries_the_pbx_code() {
        use devlink3_core::wire::ResultCode;
        let event = Event::LinkState(LinkState::Rejected {
            code: Some(ResultCode::LicenceMissing),
            reason: "no licence".into(),
        });
        let mut views = Views::default();
        views.fill(&event);
        let state = views.link_state().unwrap();
        assert_eq!(state.state, devlink3_state::Rejected);
        assert_eq!(state.pbx_code, 0x8000_0044);
        assert!(text(state.reason).contains("no licence"));
    }
}
