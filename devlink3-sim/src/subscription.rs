//! What a connection's event request asked for (§6.4.1), and how its events look.
//!
//! Flags are read like an IP Office does: `-SCN -CD2 -CONN -TEXT _SIPTrack _CMExtn`, with
//! either prefix and any case (the specification's own example writes `-CMExtn`).
//! Unknown flags are left out of the accepted list, and so is `-SCN` next to `-CD2`.

use devlink3_proto::wire::{EncodeError, ResultCode, TupleWriter};

use super::feed::{RecordClass, RecordCounts};
use super::traffic::SimRecord;

/// The event stream one connection asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Subscription {
    /// `-SCN`: every node of the network. The simulator is a single node, so this changes
    /// nothing but the accepted flags.
    pub scn: bool,
    /// `-CD2`: Delta2 call records instead of Delta3.
    pub delta2: bool,
    /// `-TEXT`: Delta2 as UTF-8 rather than UTF-16.
    pub text: bool,
    /// `-CONN`: Delta3 records only once the call has been connected.
    pub connected_only: bool,
    /// `_SIPTrack`.
    pub siptrack: bool,
    /// `_CMExtn`: plain and extension-state CMExtn events.
    pub cmextn: bool,
}

/// The answer to an event request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlagsVerdict {
    pub result: ResultCode,
    /// The accepted flags, as the client spelled them.
    pub accepted: String,
    /// `None` when nothing was accepted (UNKNOWN_FLAG).
    pub subscription: Option<Subscription>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flag {
    Scn,
    Cd2,
    Conn,
    Text,
    SipTrack,
    CmExtn,
}

impl Flag {
    fn parse(token: &str) -> Option<Flag> {
        let name = token.strip_prefix(['-', '_'])?;
        [
            ("SCN", Flag::Scn),
            ("CD2", Flag::Cd2),
            ("CONN", Flag::Conn),
            ("TEXT", Flag::Text),
            ("SIPTrack", Flag::SipTrack),
            ("CMExtn", Flag::CmExtn),
        ]
        .into_iter()
        .find_map(|(spelling, flag)| spelling.eq_ignore_ascii_case(name).then_some(flag))
    }
}

/// Decides an event request's flags.
pub(crate) fn parse_flags(flags: &str) -> FlagsVerdict {
    let tokens: Vec<(&str, Option<Flag>)> = flags.split_whitespace().map(|t| (t, Flag::parse(t))).collect();
    let delta2 = tokens.iter().any(|(_, flag)| *flag == Some(Flag::Cd2));
    let mut subscription = Subscription::default();
    let mut accepted = Vec::new();
    let mut rejected = 0;
    for (token, flag) in tokens {
        let setting = match flag {
            Some(Flag::Scn) if delta2 => None,
            Some(Flag::Scn) => Some(&mut subscription.scn),
            Some(Flag::Cd2) => Some(&mut subscription.delta2),
            Some(Flag::Conn) => Some(&mut subscription.connected_only),
            Some(Flag::Text) => Some(&mut subscription.text),
            Some(Flag::SipTrack) => Some(&mut subscription.siptrack),
            Some(Flag::CmExtn) => Some(&mut subscription.cmextn),
            None => None,
        };
        match setting {
            Some(on) => {
                *on = true;
                accepted.push(token);
            }
            None => rejected += 1,
        }
    }
    let (result, subscription) = match (accepted.is_empty(), rejected) {
        (_, 0) => (ResultCode::Success, Some(subscription)),
        (false, _) => (ResultCode::PartialSuccess, Some(subscription)),
        (true, _) => (ResultCode::UnknownFlag, None),
    };
    FlagsVerdict { result, accepted: accepted.join(" "), subscription }
}

impl Subscription {
    pub(crate) fn wants(&self, class: RecordClass) -> bool {
        match class {
            RecordClass::Delta3Unconnected => !self.delta2 && !self.connected_only,
            RecordClass::Delta3Connected => !self.delta2,
            RecordClass::Delta2 => self.delta2,
            RecordClass::SipTrack => self.siptrack,
            RecordClass::CmExtn => self.cmextn,
        }
    }

    pub(crate) fn wants_record(&self, record: &SimRecord) -> bool {
        self.wants(RecordClass::of(record))
    }

    /// How many events of `counts` this connection would have been sent.
    pub(crate) fn eligible(&self, counts: &RecordCounts) -> u64 {
        RecordClass::ALL.into_iter().filter(|&class| self.wants(class)).map(|class| counts[class]).sum()
    }

    /// Writes `record` as this connection's event tuple.
    pub(crate) fn write_record(&self, tuples: &mut TupleWriter<'_>, record: &SimRecord) -> Result<(), EncodeError> {
        match record {
            SimRecord::Delta3 { text, .. } => tuples.delta3(text),
            SimRecord::Delta2(text) => tuples.delta2(text, self.text),
            SimRecord::SipTrack(text) => tuples.siptrack(text),
            SimRecord::CmExtn(text) => tuples.cmextn(text),
            SimRecord::CmExtnState { v, p1, p2, extension } => tuples.cmextn_state(*v, *p1, *p2, extension),
        }
        .map(drop)
    }

    /// Writes a call record in this connection's format: Delta3, or Delta2 under `-CD2`.
    pub(crate) fn write_call_record(&self, tuples: &mut TupleWriter<'_>, text: &str) -> Result<(), EncodeError> {
        let written = if self.delta2 { tuples.delta2(text, self.text) } else { tuples.delta3(text) };
        written.map(drop)
    }
}

/// Checks that `record` can be encoded for every kind of subscription (a tuple holds at
/// most 64 KiB), so that a bad injection is refused up front rather than by each connection.
pub(crate) fn check_encodable(record: &SimRecord) -> Result<(), EncodeError> {
    let utf16 = Subscription { delta2: true, ..Subscription::default() };
    let utf8 = Subscription { text: true, ..utf16 };
    let mut scratch = Vec::new();
    for subscription in [utf16, utf8] {
        subscription.write_record(&mut TupleWriter::new(&mut scratch), record)?;
        scratch.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(flags: &str) -> (ResultCode, String, Option<Subscription>) {
        let v = parse_flags(flags);
        (v.result, v.accepted, v.subscription)
    }

    #[test]
    fn known_flags_with_either_prefix_in_any_case() {
        let (result, accepted, sub) = verdict("-CD2 -TEXT _siptrack -CMExtn _CMEXTN -conn");
        assert_eq!(result, ResultCode::Success);
        assert_eq!(accepted, "-CD2 -TEXT _siptrack -CMExtn _CMEXTN -conn");
        let sub = sub.unwrap();
        assert!(sub.delta2 && sub.text && sub.siptrack && sub.cmextn && sub.connected_only && !sub.scn);
    }

    #[test]
    fn empty_flags_mean_delta3() {
        assert_eq!(verdict(""), (ResultCode::Success, String::new(), Some(Subscription::default())));
    }

    #[test]
    fn unknown_flags_and_scn_with_cd2_are_left_out() {
        let (result, accepted, sub) = verdict("-SCN -FOO -CD2 SIPTrack");
        assert_eq!((result, accepted.as_str()), (ResultCode::PartialSuccess, "-CD2"));
        assert!(!sub.unwrap().scn);
        assert_eq!(verdict("-FOO +CD2"), (ResultCode::UnknownFlag, String::new(), None));
        assert_eq!(verdict("-SCN").0, ResultCode::Success);
    }

    #[test]
    fn filtering_and_gap_accounting_agree() {
        let conn = Subscription { connected_only: true, siptrack: true, ..Subscription::default() };
        let mut counts = RecordCounts::default();
        for class in RecordClass::ALL {
            counts.add(class);
        }
        counts.add(RecordClass::SipTrack);
        assert_eq!(conn.eligible(&counts), 3, "connected Delta3 and two SIPTrack");
        let cd2 = Subscription { delta2: true, ..Subscription::default() };
        assert_eq!(cd2.eligible(&counts), 1);
    }

    #[test]
    fn oversized_records_are_refused() {
        let long = "x".repeat(40_000);
        assert!(check_encodable(&SimRecord::Delta2(long.clone())).is_err(), "80 000 octets as UTF-16");
        assert!(check_encodable(&SimRecord::Delta3 { text: long, connected: true }).is_ok());
    }
}
