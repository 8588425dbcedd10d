//! Delta3 records (protocol §6.7): `<Detail>`, `<CallLost>`, `<LinkLost>`, `<AttemptReject>`.
//!
//! The text is XML-ish but not XML: no attributes, no escaping, sections whose content is one
//! comma-separated line of positional fields. Fields are mapped by the tables (§6.7.2–6.7.7),
//! not by the printed examples, which lost a field per Party line (see `spec-errata.md`).

use std::borrow::Cow;
use std::fmt::{self, Display, Formatter};

use super::{Cause, Described, RecordError, SectionView, Span, excerpt, find_byte, own, strip_nul, trim};

code_enum! {
    /// Party "State" (§6.7.3): the primary (Q931) call state of a call end.
    pub enum PartyState: u32 {
        Idle = 0 => "Idle",
        Ringing = 1 => "Ringing",
        Connected = 2 => "Connected",
        Disconnecting = 3 => "Disconnecting",
        Dialling = 7 => "Dialling",
        Dialed = 8 => "Dialed",
        DialInitiated = 9 => "Dial Initiated",
        Offering = 15 => "Offering",
        OverlapReceive = 16 => "Overlap receive",
        Accept = 17 => "Accept",
        ConnectRequest = 18 => "ConnectRequest",
        Ringback = 19 => "Ringback",
        OgConnectRequest = 20 => "OGConnect Request",
        IcDisconnecting = 21 => "IC Disconnecting",
        Seized = 22 => "Seized",
        Completed = 23 => "Completed",
        CompletedTone = 24 => "Completed Tone",
        Preserved = 25 => "Preserved",
    }
}

code_enum! {
    /// Party "Tone" (§6.7.3): what the call end is listening to.
    pub enum Tone: u32 {
        NoTone = 0 => "no tone",
        HoldMusic = 1 => "hold music",
        Ringback = 2 => "ringback tone",
        DialTone = 3 => "dial tone",
        Busy = 6 => "busy tone",
    }
}

code_enum! {
    /// "Equipment classification" (§6.7.3): what the call end is.
    pub enum EquipmentClass: u32 {
        Unknown = 1 => "Unknown",
        IsdnTrunk = 2 => "ISDNTrunk",
        /// Analogue trunk (the specification spells it "Alog").
        AlogTrunk = 3 => "AlogTrunk",
        H323Trunk = 4 => "H323Trunk",
        SipTrunk = 5 => "SIPTrunk",
        T1Trunk = 6 => "T1Trunk",
        R2Trunk = 7 => "R2Trunk",
        TdmPhone = 8 => "TDMPhone",
        H323Phone = 9 => "H323Phone",
        SipDevice = 10 => "SIPDevice",
        DectPhone = 11 => "DECTPhone",
        Voicemail = 12 => "Voicemail",
        WavDriver = 13 => "WAVDriver",
        Router = 14 => "Router",
        DtePort = 15 => "DTEPort",
        Parkslot = 16 => "Parkslot",
        Conference = 17 => "Conference",
        PagingConference = 18 => "PagingConference",
        RecordingHandler = 19 => "RecordingHandler",
        S0Trunk = 20 => "S0Trunk",
        MobilePhone = 21 => "MobilePhone",
        GhostHandler = 22 => "GhostHandler",
        IpoNotificationHandler = 23 => "IPONotificationHandler",
        AlarmCall = 24 => "Alarm call",
        VoiceScreening = 25 => "VoiceScreening",
        ConferenceRecorder = 26 => "ConferenceRecorder",
        Outdialer = 27 => "Outdialer",
        WebRtcPhone = 28 => "WebRTCPhone",
        ListenOrCoach = 29 => "ListenOrCoach",
        ConferenceMeetMe = 30 => "ConferenceMeetMe",
    }
}

code_enum! {
    /// "Called Type" (§6.7.3): the type of call made or received (the list is not complete).
    ///
    /// 0–4 are the ISDN type-of-number values, 100 onwards IP Office's own call types.
    pub enum CalledType: u32 {
        Unspecified = 0 => "Unspecified",
        International = 1 => "International",
        National = 2 => "National",
        NetworkSpecific = 3 => "NetworkSpecific",
        Subscriber = 4 => "Subscriber",
        /// IP Office's own "Unspecified" (100), distinct from the ISDN one (0).
        IpoUnspecified = 100 => "Unspecified",
        Internal = 101 => "Internal",
        Voicemail = 102 => "Voicemail",
        Acd = 103 => "ACD",
        Paging = 104 => "Paging",
        Direct = 105 => "Direct",
        Intrude = 106 => "Intrude",
        Priority = 107 => "Priority",
        Pickup = 108 => "Pickup",
        CampOn = 109 => "CampOn",
        Steal = 110 => "Steal",
        Whisper = 111 => "Whisper",
        Inclusionone = 112 => "Inclusionone",
        Coverage = 113 => "Coverage",
        EConf = 114 => "EConf",
        EConfDial = 115 => "EConfDial",
        Conf = 116 => "Conf",
        EConfInvite = 117 => "EConfInvite",
        Restricted = 118 => "Restricted",
        Emergency = 119 => "Emergency",
        Fne = 120 => "FNE",
        Identifier = 121 => "Identifier",
        Receiver = 122 => "Receiver",
        Reminder = 123 => "Reminder",
        Listen = 124 => "Listen",
        RemoteDial = 125 => "RemoteDial",
        FaxCall = 126 => "FaxCall",
        WakeupCall = 127 => "WakeupCall",
        LocalPhysExtn = 129 => "LocalPhysExtn",
        XferToTwinMobile = 130 => "XferToTwinMobile",
        Coach = 131 => "Coach",
        WhisperPage = 132 => "WhisperPage",
        CallLog = 133 => "CallLog",
        ParkCall = 134 => "ParkCall",
        UnParkCall = 135 => "UnParkCall",
        Precision = 136 => "Precision",
        RequestSupervising = 137 => "RequestSupervising",
        RParkCall = 138 => "RParkCall",
        AccsGroup = 139 => "ACCSGroup",
        BlendingAcquireCall = 140 => "BlendingAcquireCall",
    }
}

code_enum! {
    /// "CLI Presentation" (§6.7.3): why the CLI is or is not present.
    pub enum CliPresentation: u32 {
        Allowed = 0 => "Allowed",
        Withheld = 1 => "Withheld",
        NotAvailable = 2 => "Not available",
        Unspecified = 100 => "Unspecified",
    }
}

code_enum! {
    /// "Calling party name type" (§6.7.3): where the calling party name came from.
    pub enum CallingNameType: u32 {
        Default = 0 => "default",
        DirectoryMatch = 1 => "directory match",
        ExplicitlySet = 2 => "explicitly set",
        Restricted = 4 => "restricted",
        InternalUser = 5 => "internal user",
        Huntgroup = 6 => "huntgroup",
        Conference = 8 => "conference",
        ExternalTrunk = 9 => "external trunk",
        VoicemailCallflow = 12 => "voicemail callflow",
    }
}

code_enum! {
    /// Call "Is call queueing or listening to announcement" (§6.7.2).
    pub enum QueueState: u32 {
        /// Neither (the field is empty or 0; the table names only 1 and 3).
        NotQueueing = 0 => "not queueing",
        Queueing = 1 => "queueing",
        Announcement = 3 => "listening to announcement",
    }
}

/// Party "Flags" (§6.7.3): a bit set of facts about a call end. Unknown bits are kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PartyFlags(u32);

impl PartyFlags {
    /// Privacy is requested by this call end.
    pub const PRIVACY: Self = Self(0x01);
    /// The call was auto-answered.
    pub const AUTO_ANSWERED: Self = Self(0x02);
    /// This call end is being auto-recorded by VMPro.
    pub const AUTO_RECORDED: Self = Self(0x04);
    /// The consent question was answered by this call end (release 11.1 onwards).
    pub const CONSENT_ANSWERED: Self = Self(0x10);
    /// Consent was refused (release 11.1 onwards).
    pub const CONSENT_REFUSED: Self = Self(0x20);

    /// Every documented flag with its name (`PRIVACY`, ...).
    pub const NAMED: [(Self, &'static str); 5] = [
        (Self::PRIVACY, "PRIVACY"),
        (Self::AUTO_ANSWERED, "AUTO_ANSWERED"),
        (Self::AUTO_RECORDED, "AUTO_RECORDED"),
        (Self::CONSENT_ANSWERED, "CONSENT_ANSWERED"),
        (Self::CONSENT_REFUSED, "CONSENT_REFUSED"),
    ];

    /// The event document's name of each flag of [`Self::NAMED`], in the same order.
    pub const DOCUMENT_NAMES: [&'static str; 5] =
        ["privacy", "auto_answered", "auto_recorded", "consent_answered", "consent_refused"];

    /// The document names of the documented flags set, in [`Self::NAMED`] order.
    pub fn document_names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMED
            .into_iter()
            .zip(Self::DOCUMENT_NAMES)
            .filter(move |((flag, _), _)| self.contains(*flag))
            .map(|(_, name)| name)
    }

    /// The bits set that no documented flag names (0 when none).
    pub fn undocumented(self) -> u32 {
        Self::NAMED.iter().fold(self.0, |rest, (flag, _)| rest & !flag.0)
    }

    /// Flags from the raw field value, undocumented bits included.
    pub const fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    /// The raw field value.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for PartyFlags {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for PartyFlags {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl From<u32> for PartyFlags {
    fn from(bits: u32) -> Self {
        Self(bits)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for PartyFlags {
    /// The names of the flags set (`["privacy", "auto_recorded"]`), unnamed bits as numbers.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(None)?;
        for name in self.document_names() {
            seq.serialize_element(name)?;
        }
        if self.undocumented() != 0 {
            seq.serialize_element(&self.undocumented())?;
        }
        seq.end()
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for PartyFlags {
    fn schema_name() -> Cow<'static, str> {
        "PartyFlags".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names = Self::DOCUMENT_NAMES;
        schemars::json_schema!({
            "description": "The names of the flags set; undocumented bits as one number.",
            "type": "array",
            "items": {"anyOf": [{"type": "string", "enum": names}, {"type": "integer", "minimum": 1}]}
        })
    }
}

impl fmt::Debug for PartyFlags {
    /// `PartyFlags(PRIVACY | AUTO_RECORDED | 0x100)`; `PartyFlags(empty)` when none is set.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("PartyFlags(")?;
        if self.is_empty() {
            f.write_str("empty")?;
        }
        let mut rest = self.0;
        let mut sep = "";
        for (flag, name) in Self::NAMED {
            if self.contains(flag) {
                write!(f, "{sep}{name}")?;
                rest &= !flag.0;
                sep = " | ";
            }
        }
        if rest != 0 {
            write!(f, "{sep}{rest:#x}")?;
        }
        f.write_str(")")
    }
}

/// A Delta3 record, borrowing from its text; `Delta3<'static>` is the owned form.
// Each record is boxed (this doc is the JSON Schema's description, hence a plain comment):
// a Detail is about 1 KiB (some fifty strings), and unboxed it was copied whole at every
// step from the parser to the queue (parse's return, the owned record's Result, the event's
// box), which cost more than the one allocation (callgrind, the callback bench: the runtime
// thread 6,190 -> 5,475 instructions an event). Boxed, the record is built where it stays,
// and a Delta3Record is small enough for an event to hold without a box of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum Delta3<'a> {
    /// `<Detail>`: the current state of a call.
    Detail(Box<Detail<'a>>),
    /// `<CallLost>`: a call end reported as PartyA or PartyB is gone.
    CallLost(Box<CallLost<'a>>),
    /// `<LinkLost>`: as CallLost, generated at an intermediate SCN node.
    LinkLost(Box<LinkLost<'a>>),
    /// `<AttemptReject>`: a targeted user tried to push the ringing call away.
    AttemptReject(Box<AttemptReject<'a>>),
}

/// `<Detail>` (§6.7.1): a call with its A end and either its B end or its ringing targets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Detail<'a> {
    /// The `<Call>` section.
    pub call: Call<'a>,
    /// The `<PartyA>` section; every call has one.
    pub party_a: Party<'a>,
    /// The `<PartyB>` section, once the call is established.
    pub party_b: Option<Party<'a>>,
    /// The `<Target_list>` entries, while the call is being established.
    pub targets: Vec<Target<'a>>,
    /// The text this record was parsed from.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "crate::records::omit_raw"))]
    pub raw: Cow<'a, str>,
}

/// The Delta3 sections, described once: for each, `$m! { section ... }` (a part of a
/// Detail) or `$m! { record ... }` (a whole record), the fields one per line as
/// `doc, pub name: Type = kind("label")`, in wire order.
///
/// This crate defines the types from it (`section!`, `record!`); the Python binding its
/// classes' getters. Everything else reads the generated `Described` impls.
#[macro_export]
#[doc(hidden)]
macro_rules! delta3_sections {
    ($m:ident) => {
        $m! { section
            /// The `<Call>` section of a Detail (§6.7.2, 18 fields).
            pub struct Call<'a> {
                /// Node identifier: the IP Office (8 characters) reporting this view of the call.
                pub node: Cow<'a, str> = text("Node identifier"),
                /// CallID, local to this PBX.
                pub call_id: u32 = number("CallID"),
                /// Account code.
                pub account_code: Cow<'a, str> = text("Account code"),
                /// Authorization code (masked as `*****` when present).
                pub authorization_code: Cow<'a, str> = text("Authorization code"),
                /// Tag: a scrap of text assigned to the call (UCID when interworking with Aura).
                pub tag: Cow<'a, str> = text("Tag"),
                /// Transfer cause (set to 0).
                pub transfer_cause: u32 = number("Transfer cause"),
                /// Owner huntgroup (extension number).
                pub owner_huntgroup: Cow<'a, str> = text("Owner huntgroup"),
                /// Originally targeted huntgroup (extension number).
                pub original_huntgroup: Cow<'a, str> = text("Originally targeted huntgroup"),
                /// Originally targeted user (extension number).
                pub original_user: Cow<'a, str> = text("Originally targeted user"),
                /// Currently targeted huntgroup (extension number).
                pub target_huntgroup: Cow<'a, str> = text("Currently targeted huntgroup"),
                /// Currently targeted user (extension number).
                pub target_user: Cow<'a, str> = text("Currently targeted user"),
                /// Non-zero while a voicemail message is being left (local VMPro only).
                pub voicemail_leaving: u32 = number("Is a voicemail message being left"),
                /// Length of the voicemail message left, in seconds.
                pub voicemail_length: u32 = number("Length of voicemail message left"),
                /// Whether the call is queueing or listening to an announcement.
                pub queueing: QueueState = code("Is call queueing or listening to announcement"),
                /// Timestamp, in tenths of a second.
                pub timestamp: u32 = number("Timestamp"),
                /// Huntgroup overflow.
                pub huntgroup_overflow: u32 = number("Huntgroup Overflow"),
                /// Transferred out of the IVR callflow.
                pub ivr_transferred_out: Cow<'a, str> = quoted("Transferred out of IVR Callflow"),
                /// Time spent in the IVR callflow, in tenths of a second.
                pub ivr_time: u32 = number("Time spent in IVR Callflow"),
            }
        }

        $m! { section
            /// A `<PartyA>` or `<PartyB>` section (§6.7.3, 26 fields): one end of a call.
            pub struct Party<'a> {
                /// End identifier: 16 characters, unique within the SCN; the first 8 name the node
                /// where the end is local. Kept as sent even when its length is wrong.
                pub end_id: Cow<'a, str> = text("End identifier"),
                /// Direction: true when the call came in on this end (an incoming trunk call, or the
                /// handset that made the call).
                pub incoming: bool = flag("Direction"),
                /// The primary (Q931) call state.
                pub state: PartyState = code("State"),
                /// Audiopath: false when there is none (the call is on hold).
                pub audio_path: bool = flag("Audiopath"),
                /// The tone the end is listening to.
                pub tone: Tone = code("Tone"),
                /// The end transits from another node (descriptive fields may be incomplete).
                pub remote: bool = flag("Remote"),
                /// The end terminates a public line (ISDN, R2, T1, SIP).
                pub public_line: bool = flag("Public line"),
                /// Facts about the call end, a bit set (privacy, auto-answered, auto-recorded...).
                pub flags: PartyFlags = flags("Flags"),
                /// Emergency location ID.
                pub emergency_location: u32 = number("Emergency location"),
                /// Equipment classification: what the call end is.
                pub equipment: EquipmentClass = code("Equipment classification"),
                /// Refines `equipment` (e.g. 162 ACCS, 163 IPOCC for a SIP device).
                pub equipment_type: u32 = number("Equipment type"),
                /// SIP Call-ID, `line.channel`, conference role... by equipment.
                pub description: Cow<'a, str> = text("Description"),
                /// Extension number of the IP Office user on a handset.
                pub identity: Cow<'a, str> = text("Identity"),
                /// The type of call made or received.
                pub called_type: CalledType = code("Called Type"),
                /// Why the call arrived here (incoming ends).
                pub called_reason: u32 = number("Called Reason"),
                /// Called number received off a trunk.
                pub did: Cow<'a, str> = text("DID"),
                /// Digits actually dialled on a local phone.
                pub dialled: Cow<'a, str> = text("Dialled"),
                /// Apparent caller set by a bridged appearance or an authorization code.
                pub on_behalf: Cow<'a, str> = text("OnBehalf"),
                /// Number sent to the trunk or equipment (outgoing).
                pub target_number: Cow<'a, str> = text("Target number"),
                /// Subaddress sent to the trunk or equipment (outgoing).
                pub target_subaddress: Cow<'a, str> = text("Target subaddr"),
                /// Nominal target: hunt group, skill or diversion.
                pub purpose: Cow<'a, str> = text("Purpose"),
                /// Calling party number.
                pub cli: Cow<'a, str> = text("CLI"),
                /// Why the CLI is or is not present.
                pub cli_presentation: CliPresentation = code("CLI Presentation"),
                /// Where the calling party name came from.
                pub calling_name_type: CallingNameType = code("Calling party name type"),
                /// Calling party name (may contain commas).
                pub calling_name: Cow<'a, str> = quoted("Calling party name"),
                /// End identifier related to this one during some transfers (16 characters or empty).
                pub related_end_id: Cow<'a, str> = text("Related End identifier"),
            }
        }

        $m! { section
            /// One `<Target>` of a `<Target_list>` (§6.7.4, 14 fields): a call end being rung.
            pub struct Target<'a> {
                /// End identifier.
                pub end_id: Cow<'a, str> = text("End identifier"),
                /// The end transits from another node.
                pub remote: bool = flag("Remote"),
                /// The end terminates a public line.
                pub public_line: bool = flag("Public line"),
                /// Equipment classification.
                pub equipment: EquipmentClass = code("Equipment classification"),
                /// Equipment type.
                pub equipment_type: u32 = number("Equipment type"),
                /// Description.
                pub description: Cow<'a, str> = text("Description"),
                /// Identity.
                pub identity: Cow<'a, str> = text("Identity"),
                /// Called type.
                pub called_type: CalledType = code("Called Type"),
                /// Called reason.
                pub called_reason: u32 = number("Called Reason"),
                /// Target number.
                pub target_number: Cow<'a, str> = text("Target number"),
                /// Target subaddress.
                pub target_subaddress: Cow<'a, str> = text("Target subaddr"),
                /// Purpose: hunt group, skill or diversion.
                pub purpose: Cow<'a, str> = text("Purpose"),
                /// Calling party number.
                pub cli: Cow<'a, str> = text("CLI"),
                /// CLI presentation.
                pub cli_presentation: CliPresentation = code("CLI Presentation"),
            }
        }

        $m! { record
            /// `<CallLost>` (§6.7.5): a call end reported as PartyA or PartyB was disconnected.
            pub struct CallLost<'a> as "CallLost" {
                /// Node identifier of the node generating the record.
                pub node: Cow<'a, str> = text("Node identifier"),
                /// End identifier of the lost call end.
                pub end_id: Cow<'a, str> = text("End identifier"),
                /// The call was cleared from this device.
                pub cleared_inbound: bool = flag("Cleared Inbound"),
                /// Clearing cause.
                pub cause: Cause = code("Cause"),
                /// Timestamp, in tenths of a second.
                pub timestamp: u32 = number("Timestamp"),
            }
        }

        $m! { record
            /// `<LinkLost>` (§6.7.6): a CallLost generated at an intermediate SCN node.
            pub struct LinkLost<'a> as "LinkLost" {
                /// Node identifier of the node generating the record.
                pub node: Cow<'a, str> = text("Node identifier"),
                /// End identifier of the lost call end.
                pub end_id: Cow<'a, str> = text("End identifier"),
                /// The call was cleared from this device.
                pub cleared_inbound: bool = flag("Cleared Inbound"),
                /// Clearing cause.
                pub cause: Cause = code("Cause"),
                /// Timestamp, in tenths of a second.
                pub timestamp: u32 = number("Timestamp"),
                /// Link local reference; matches a Party's `description`.
                pub link_ref: Cow<'a, str> = text("Link local reference"),
            }
        }

        $m! { record
            /// `<AttemptReject>` (§6.7.7): a targeted user tried to send the ringing call away.
            pub struct AttemptReject<'a> as "AttemptReject" {
                /// Node identifier of the node generating the record.
                pub node: Cow<'a, str> = text("Node identifier"),
                /// End identifier.
                pub end_id: Cow<'a, str> = text("End identifier"),
                /// The user trying to deflect the call.
                pub user: Cow<'a, str> = text("User"),
                /// How (e.g. `dnd`).
                pub qualifier: Cow<'a, str> = text("Qualifier"),
                /// Timestamp, in tenths of a second.
                pub timestamp: u32 = number("Timestamp"),
            }
        }
    };
}

/// Defines one section of [`delta3_sections!`].
macro_rules! define_section {
    (section $($description:tt)*) => {
        section! { $($description)* }
    };
    (record $($description:tt)*) => {
        record! { $($description)* }
    };
}

delta3_sections!(define_section);

/// The views of the sections and records: each field read from the text when asked.
pub type CallView<'a> = SectionView<'a, Call<'a>>;
/// A `<PartyA>` or `<PartyB>` section's view.
pub type PartyView<'a> = SectionView<'a, Party<'a>>;
/// A `<Target>`'s view.
pub type TargetView<'a> = SectionView<'a, Target<'a>>;
/// A `<CallLost>` record's view.
pub type CallLostView<'a> = SectionView<'a, CallLost<'a>>;
/// A `<LinkLost>` record's view.
pub type LinkLostView<'a> = SectionView<'a, LinkLost<'a>>;
/// An `<AttemptReject>` record's view.
pub type AttemptRejectView<'a> = SectionView<'a, AttemptReject<'a>>;

const CALL_FIELDS: usize = <Call<'static> as Described>::FIELDS.len();
const PARTY_FIELDS: usize = <Party<'static> as Described>::FIELDS.len();
const TARGET_FIELDS: usize = <Target<'static> as Described>::FIELDS.len();
/// Where a Detail's sections' spans start: Call, PartyA, PartyB (kept whether or not
/// the record has one), then the targets, one after another.
const PARTY_A_AT: usize = CALL_FIELDS;
const PARTY_B_AT: usize = PARTY_A_AT + PARTY_FIELDS;
const TARGETS_AT: usize = PARTY_B_AT + PARTY_FIELDS;

/// Which record an index is of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Kind {
    #[default]
    Detail,
    CallLost,
    LinkLost,
    AttemptReject,
}

/// Where every field of a Delta3 record lies in its text: what reading one does, in one
/// pass, checking the numbers; the fields are decoded when asked for
/// ([`Delta3Index::read`], then the view's accessors).
///
/// An index is reusable: reading the next record into it allocates nothing once it has
/// held one as large. [`Delta3Record`](super::Delta3Record) keeps a record's text and its
/// index together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta3Index {
    kind: Kind,
    has_party_b: bool,
    /// A Detail's sections whose spans are their text split at its commas, a bit each in
    /// region order: Call, PartyA, PartyB, then the targets (those past the 61st never).
    comma_separated: u64,
    spans: Vec<Span>,
}

impl Delta3Index {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Indexes `text`, a Delta3 record, and gives its view.
    ///
    /// Liberal in what it accepts: whitespace around tags and section texts is ignored, a
    /// trailing NUL is dropped, missing trailing fields read as empty (0), extra fields and
    /// unknown sections are ignored. A number field holding anything but digits, an
    /// unterminated quote, a missing `<Call>` or `<PartyA>` or closing tag are errors.
    pub fn read<'a>(&'a mut self, text: &'a str) -> Result<Delta3View<'a>, RecordError> {
        self.index(text)?;
        Ok(self.view(text))
    }

    /// Indexes `text` into `self`; on an error `self` holds nothing usable.
    pub(crate) fn index(&mut self, text: &str) -> Result<(), RecordError> {
        let (name, body) = locate(text)?;
        self.has_party_b = false;
        self.comma_separated = 0;
        // Only sized here: each section's indexer writes every slot of its section.
        let size = |index: &mut Self, len| {
            index.spans.truncate(len);
            index.spans.resize(len, Span::EMPTY);
        };
        let record =
            |index: &mut Self,
             kind,
             fields,
             read: fn(&'static str, &str, &str, &mut [Span]) -> Result<bool, RecordError>| {
                index.kind = kind;
                size(index, fields);
                read(name, text, body, &mut index.spans).map(|_| ())
            };
        match name {
            "Detail" => {
                self.kind = Kind::Detail;
                size(self, TARGETS_AT);
                self.index_detail(text, body)
            }
            "CallLost" => record(self, Kind::CallLost, <CallLost<'static> as Described>::FIELDS.len(), CallLost::index),
            "LinkLost" => record(self, Kind::LinkLost, <LinkLost<'static> as Described>::FIELDS.len(), LinkLost::index),
            _ => record(
                self,
                Kind::AttemptReject,
                <AttemptReject<'static> as Described>::FIELDS.len(),
                AttemptReject::index,
            ),
        }
    }

    /// Indexes the sections of a Detail's `body`.
    #[inline]
    fn index_detail(&mut self, text: &str, body: &str) -> Result<(), RecordError> {
        type Index = fn(&'static str, &str, &str, &mut [Span]) -> Result<bool, RecordError>;
        type ToClose = fn(&str, &str, &str, &mut [Span]) -> Option<usize>;
        let (mut has_call, mut has_party_a) = (false, false);
        let mut rest = body;
        // The child elements `<name>content</name>` in order, as `Elements` reads them,
        // with a fast path for the sections.
        loop {
            // The sections as the PBX writes them, one after another, are recognised at
            // once; anything else is looked for (text between elements is skipped).
            let known = ["<Call>", "<PartyA>", "<PartyB>"]
                .into_iter()
                .find_map(|tag| rest.strip_prefix(tag).map(|after| (&tag[1..tag.len() - 1], after)));
            let (name, after) = match known {
                Some(known) => known,
                None => {
                    let Some(lt) = find_byte(rest.as_bytes(), b'<') else { break };
                    let (name, after) = open_tag(&rest[lt..])?;
                    if name.is_empty() || name.starts_with('/') || name.ends_with('/') {
                        rest = after;
                        continue;
                    }
                    (name, after)
                }
            };
            let (section, region, slots, index, to_close): (&'static str, u32, _, Index, ToClose) = match name {
                "Call" => ("Call", 0, 0..PARTY_A_AT, Call::index, Call::index_to_close),
                "PartyA" => ("PartyA", 1, PARTY_A_AT..PARTY_B_AT, Party::index, Party::index_to_close),
                "PartyB" => ("PartyB", 2, PARTY_B_AT..TARGETS_AT, Party::index, Party::index_to_close),
                _ => {
                    let (content, next) = element_body(after, name)?;
                    // §6.7 calls the list `<Targets>`, the examples `<Target_list>`.
                    if matches!(name, "Target_list" | "Targets") {
                        self.index_targets(text, content)?;
                    }
                    // Anything else is a section from a newer release.
                    rest = next;
                    continue;
                }
            };
            let slots = &mut self.spans[slots];
            let (split, next) = match to_close(section, text, after, slots) {
                Some(read) => (true, &after[read..]),
                None => {
                    let (content, next) = element_body(after, section)?;
                    (index(section, text, content, slots)?, next)
                }
            };
            rest = next;
            // A section given twice is read as its last copy.
            self.comma_separated = self.comma_separated & !(1 << region) | u64::from(split) << region;
            match section {
                "Call" => has_call = true,
                "PartyA" => has_party_a = true,
                _ => self.has_party_b = true,
            }
        }
        if !has_call {
            return Err(RecordError::MissingSection { section: "Call" });
        }
        if !has_party_a {
            return Err(RecordError::MissingSection { section: "PartyA" });
        }
        if !self.has_party_b {
            // Not read, but an index is a function of its text.
            self.spans[PARTY_B_AT..TARGETS_AT].fill(Span::EMPTY);
        }
        Ok(())
    }

    /// Indexes the `<Target>`s of a target list's `content`, after the sections.
    fn index_targets(&mut self, text: &str, content: &str) -> Result<(), RecordError> {
        for target in (Elements { rest: content }) {
            let (name, content) = target?;
            if name == "Target" {
                let at = self.spans.len();
                self.spans.resize(at + TARGET_FIELDS, Span::EMPTY);
                let split = Target::index("Target", text, content, &mut self.spans[at..])?;
                let region = 3 + (at - TARGETS_AT) / TARGET_FIELDS;
                if split && region < 64 {
                    self.comma_separated |= 1 << region;
                }
            }
        }
        Ok(())
    }

    /// The view of `text`, which `self` indexes (as [`Self::index`] left it).
    pub(crate) fn view<'a>(&'a self, text: &'a str) -> Delta3View<'a> {
        match self.kind {
            Kind::Detail => Delta3View::Detail(DetailView { text, index: self }),
            Kind::CallLost => Delta3View::CallLost(SectionView::new(text, &self.spans)),
            Kind::LinkLost => Delta3View::LinkLost(SectionView::new(text, &self.spans)),
            Kind::AttemptReject => Delta3View::AttemptReject(SectionView::new(text, &self.spans)),
        }
    }

    /// The typed record of `text`, which `self` indexes, every field decoded.
    pub(crate) fn decode<'t>(&self, text: &'t str) -> Delta3<'t> {
        match self.kind {
            Kind::Detail => Delta3::Detail(Box::new(self.detail(text))),
            Kind::CallLost => Delta3::CallLost(Box::new(CallLost::decode(text, &self.spans))),
            Kind::LinkLost => Delta3::LinkLost(Box::new(LinkLost::decode(text, &self.spans))),
            Kind::AttemptReject => Delta3::AttemptReject(Box::new(AttemptReject::decode(text, &self.spans))),
        }
    }

    /// The typed Detail of `text`, which `self` indexes.
    fn detail<'t>(&self, text: &'t str) -> Detail<'t> {
        let spans = &self.spans;
        Detail {
            call: Call::decode(text, spans.get(..PARTY_A_AT).unwrap_or_default()),
            party_a: Party::decode(text, spans.get(PARTY_A_AT..PARTY_B_AT).unwrap_or_default()),
            party_b: self
                .has_party_b
                .then(|| Party::decode(text, spans.get(PARTY_B_AT..TARGETS_AT).unwrap_or_default())),
            targets: spans
                .get(TARGETS_AT..)
                .unwrap_or_default()
                .chunks_exact(TARGET_FIELDS)
                .map(|spans| Target::decode(text, spans))
                .collect(),
            raw: Cow::Borrowed(strip_nul(text)),
        }
    }
}

/// The name of the record in `text` and its body (the text between its tags).
fn locate(text: &str) -> Result<(&'static str, &str), RecordError> {
    // Spans are 32-bit offsets: a longer text would wrap them.
    if u32::try_from(text.len()).is_err() {
        return Err(RecordError::TooLong { len: text.len() });
    }
    let trimmed = trim(strip_nul(text));
    if trimmed.is_empty() {
        return Err(RecordError::Empty);
    }
    if !trimmed.starts_with('<') {
        return Err(RecordError::unknown_kind(trimmed));
    }
    let (name, after) = open_tag(trimmed)?;
    let name = match name {
        "Detail" => "Detail",
        "CallLost" => "CallLost",
        "LinkLost" => "LinkLost",
        "AttemptReject" => "AttemptReject",
        _ => return Err(RecordError::unknown_kind(name)),
    };
    // The closing tag normally ends the text; check there before scanning for it (a byte
    // at a time: a name is a few bytes, too few for a call to `memcmp`).
    let (bytes, name_bytes) = (after.as_bytes(), name.as_bytes());
    let close_at = bytes.len().wrapping_sub(name.len() + 3);
    let at_end = bytes.len() >= name.len() + 3
        && bytes[close_at..].starts_with(b"</")
        && bytes[bytes.len() - 1] == b'>'
        && (0..name.len()).all(|i| bytes[close_at + 2 + i] == name_bytes[i]);
    let body = match at_end {
        true => &after[..close_at],
        false => element_body(after, name)?.0,
    };
    Ok((name, body))
}

/// A Delta3 record read where it lies: its text and the index of its fields. Each
/// accessor decodes its field when called; [`decode`](Self::decode) gives the typed
/// record whole.
#[derive(Debug, Clone, Copy)]
pub enum Delta3View<'a> {
    /// `<Detail>`: the current state of a call.
    Detail(DetailView<'a>),
    /// `<CallLost>`: a call end reported as PartyA or PartyB is gone.
    CallLost(CallLostView<'a>),
    /// `<LinkLost>`: as CallLost, generated at an intermediate SCN node.
    LinkLost(LinkLostView<'a>),
    /// `<AttemptReject>`: a targeted user tried to push the ringing call away.
    AttemptReject(AttemptRejectView<'a>),
}

impl<'a> Delta3View<'a> {
    /// The record's text as the PBX sent it (without trailing NULs).
    pub fn raw(&self) -> &'a str {
        match self {
            Self::Detail(r) => r.raw(),
            Self::CallLost(r) => r.raw(),
            Self::LinkLost(r) => r.raw(),
            Self::AttemptReject(r) => r.raw(),
        }
    }

    /// The typed record, every field decoded (the strings borrowed from the text).
    pub fn decode(&self) -> Delta3<'a> {
        match self {
            Self::Detail(r) => Delta3::Detail(Box::new(r.decode())),
            Self::CallLost(r) => Delta3::CallLost(Box::new(r.decode())),
            Self::LinkLost(r) => Delta3::LinkLost(Box::new(r.decode())),
            Self::AttemptReject(r) => Delta3::AttemptReject(Box::new(r.decode())),
        }
    }
}

/// A `<Detail>` read where it lies (see [`Delta3View`]).
#[derive(Clone, Copy)]
pub struct DetailView<'a> {
    text: &'a str,
    index: &'a Delta3Index,
}

impl<'a> DetailView<'a> {
    /// The section of `region` (see `Delta3Index::comma_separated`), whose spans start at `from`.
    fn section<S>(&self, region: usize, from: usize, len: usize) -> SectionView<'a, S> {
        section_view(self.text, self.index, region, from, len)
    }

    /// The `<Call>` section.
    pub fn call(&self) -> CallView<'a> {
        self.section(0, 0, CALL_FIELDS)
    }

    /// The `<PartyA>` section; every call has one.
    pub fn party_a(&self) -> PartyView<'a> {
        self.section(1, PARTY_A_AT, PARTY_FIELDS)
    }

    /// The `<PartyB>` section, once the call is established.
    pub fn party_b(&self) -> Option<PartyView<'a>> {
        self.index.has_party_b.then(|| self.section(2, PARTY_B_AT, PARTY_FIELDS))
    }

    /// The `<Target_list>` entries, while the call is being established.
    pub fn targets(&self) -> impl ExactSizeIterator<Item = TargetView<'a>> + 'a {
        let (text, index) = (self.text, self.index);
        let count = index.spans.len().saturating_sub(TARGETS_AT) / TARGET_FIELDS;
        (0..count).map(move |i| section_view(text, index, 3 + i, TARGETS_AT + i * TARGET_FIELDS, TARGET_FIELDS))
    }

    /// The record's text as the PBX sent it (without trailing NULs).
    pub fn raw(&self) -> &'a str {
        strip_nul(self.text)
    }

    /// The typed `Detail`, every field decoded (the strings borrowed from the text).
    pub fn decode(&self) -> Detail<'a> {
        self.index.detail(self.text)
    }
}

/// The view of one of a Detail's sections: `len` spans from `from`, the section's bit in
/// `comma_separated` at `region`.
fn section_view<'a, S>(
    text: &'a str,
    index: &'a Delta3Index,
    region: usize,
    from: usize,
    len: usize,
) -> SectionView<'a, S> {
    let mut view = SectionView::new(text, index.spans.get(from..from + len).unwrap_or_default());
    view.comma_separated = region < 64 && index.comma_separated >> region & 1 == 1;
    view
}

impl Default for DetailView<'_> {
    /// A view of nothing: a Detail whose every field reads as empty (0), without PartyB or
    /// targets.
    fn default() -> Self {
        static EMPTY: Delta3Index =
            Delta3Index { kind: Kind::Detail, has_party_b: false, comma_separated: 0, spans: Vec::new() };
        Self { text: "", index: &EMPTY }
    }
}

impl fmt::Debug for DetailView<'_> {
    /// As the decoded `Detail`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.decode(), f)
    }
}

/// Parses one Delta3 record into its typed form, every field decoded.
///
/// Reads as [`Delta3Index::read`] does, which is the way to read records in bulk (the
/// index reused, each field decoded when asked). Fields are borrowed from `text`; the
/// record's box, its index and a Detail's targets list are the allocations.
pub fn parse_delta3(text: &str) -> Result<Delta3<'_>, RecordError> {
    let mut index = Delta3Index::new();
    index.index(text)?;
    Ok(index.decode(text))
}

/// Splits `<name>rest` (with `text` starting at `<`) into the name and the rest.
fn open_tag(text: &str) -> Result<(&str, &str), RecordError> {
    let inner = &text[1..];
    match find_byte(inner.as_bytes(), b'>') {
        Some(gt) => Ok((trim(&inner[..gt]), &inner[gt + 1..])),
        None => Err(RecordError::MalformedTag { tag: excerpt(text) }),
    }
}

/// Splits `content</name>rest` into the content and the rest.
fn element_body<'t>(text: &'t str, name: &str) -> Result<(&'t str, &'t str), RecordError> {
    let mut from = 0;
    while let Some(i) = find_byte(&text.as_bytes()[from..], b'<') {
        let at = from + i;
        let close =
            text[at + 1..].strip_prefix('/').and_then(|t| t.strip_prefix(name)).and_then(|t| t.strip_prefix('>'));
        if let Some(rest) = close {
            return Ok((&text[..at], rest));
        }
        from = at + 1;
    }
    Err(RecordError::MissingClosingTag { tag: excerpt(name) })
}

/// The child elements `<name>content</name>` of a body, in order.
///
/// Text between elements, stray closing tags and empty elements (`<name/>`) are skipped:
/// the PBX sends whitespace there, and a newer release may send something we do not know.
struct Elements<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Result<(&'a str, &'a str), RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let lt = find_byte(self.rest.as_bytes(), b'<')?;
            let (name, after) = match open_tag(&self.rest[lt..]) {
                Ok(tag) => tag,
                Err(e) => {
                    self.rest = "";
                    return Some(Err(e));
                }
            };
            self.rest = after;
            if name.is_empty() || name.starts_with('/') || name.ends_with('/') {
                continue;
            }
            return Some(match element_body(after, name) {
                Ok((content, rest)) => {
                    self.rest = rest;
                    Ok((name, content))
                }
                Err(e) => {
                    self.rest = "";
                    Err(e)
                }
            });
        }
    }
}

impl<'a> Delta3<'a> {
    /// The text the record was parsed from.
    pub fn raw(&self) -> &str {
        match self {
            Self::Detail(r) => &r.raw,
            Self::CallLost(r) => &r.raw,
            Self::LinkLost(r) => &r.raw,
            Self::AttemptReject(r) => &r.raw,
        }
    }

    /// The owned form, independent of the parsed text.
    pub fn into_owned(self) -> Delta3<'static> {
        match self {
            Self::Detail(r) => Delta3::Detail(Box::new(r.into_owned())),
            Self::CallLost(r) => Delta3::CallLost(Box::new(r.into_owned())),
            Self::LinkLost(r) => Delta3::LinkLost(Box::new(r.into_owned())),
            Self::AttemptReject(r) => Delta3::AttemptReject(Box::new(r.into_owned())),
        }
    }

    /// Sets `raw` to the canonical text of the fields (for records built in code).
    pub fn with_canonical_raw(mut self) -> Self {
        // The record's own `Display` writes that text; set it in place, in the same box.
        let text = Cow::Owned(self.to_string());
        match &mut self {
            Self::Detail(r) => r.raw = text,
            Self::CallLost(r) => r.raw = text,
            Self::LinkLost(r) => r.raw = text,
            Self::AttemptReject(r) => r.raw = text,
        }
        self
    }
}

/// `Delta3::from(detail)`: each kind of record boxed into its variant.
macro_rules! delta3_from {
    ($($kind:ident),*) => {$(
        impl<'a> From<$kind<'a>> for Delta3<'a> {
            fn from(record: $kind<'a>) -> Self {
                Delta3::$kind(Box::new(record))
            }
        }
    )*};
}

delta3_from!(Detail, CallLost, LinkLost, AttemptReject);

impl Display for Delta3<'_> {
    /// The canonical single-line text, as the IP Office sends it.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Detail(r) => r.fmt(f),
            Self::CallLost(r) => r.fmt(f),
            Self::LinkLost(r) => r.fmt(f),
            Self::AttemptReject(r) => r.fmt(f),
        }
    }
}

impl Detail<'_> {
    /// The owned form, independent of the parsed text.
    pub fn into_owned(self) -> Detail<'static> {
        Detail {
            call: self.call.into_owned(),
            party_a: self.party_a.into_owned(),
            party_b: self.party_b.map(Party::into_owned),
            targets: self.targets.into_iter().map(Target::into_owned).collect(),
            raw: own(self.raw),
        }
    }

    /// Sets `raw` to the canonical text of the fields (for records built in code).
    pub fn with_canonical_raw(mut self) -> Self {
        self.raw = Cow::Owned(self.to_string());
        self
    }
}

impl Display for Detail<'_> {
    /// The canonical single-line text: every section with all its fields; `<PartyB>` only
    /// when present, `<Target_list>` only when there are targets.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "<Detail><Call>{}</Call>", self.call)?;
        write!(f, "<PartyA>{}</PartyA>", self.party_a)?;
        if let Some(party_b) = &self.party_b {
            write!(f, "<PartyB>{party_b}</PartyB>")?;
        }
        if !self.targets.is_empty() {
            f.write_str("<Target_list>")?;
            for target in &self.targets {
                write!(f, "<Target>{target}</Target>")?;
            }
            f.write_str("</Target_list>")?;
        }
        f.write_str("</Detail>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_document_names() {
        for ((_, name), document) in PartyFlags::NAMED.iter().zip(PartyFlags::DOCUMENT_NAMES) {
            assert_eq!(name.to_ascii_lowercase(), document);
        }
        let flags = PartyFlags::PRIVACY | PartyFlags::CONSENT_REFUSED | PartyFlags::from_bits(0x100);
        assert_eq!(flags.document_names().collect::<Vec<_>>(), ["privacy", "consent_refused"]);
        assert_eq!(flags.undocumented(), 0x100);
        assert_eq!(PartyFlags::AUTO_ANSWERED.undocumented(), 0);
    }

    #[test]
    fn flags_debug() {
        let flags = PartyFlags::PRIVACY | PartyFlags::CONSENT_REFUSED | PartyFlags::from_bits(0x100);
        assert_eq!(format!("{flags:?}"), "PartyFlags(PRIVACY | CONSENT_REFUSED | 0x100)");
        assert_eq!(format!("{:?}", PartyFlags::default()), "PartyFlags(empty)");
        assert!(flags.contains(PartyFlags::PRIVACY));
        assert!(!flags.contains(PartyFlags::AUTO_ANSWERED));
    }

    #[test]
    fn elements_skip_noise() {
        let body = " x <A>1</A>\n</Stray><B/><C> 2 </C>";
        let got: Vec<_> = Elements { rest: body }.map(Result::unwrap).collect();
        assert_eq!(got, [("A", "1"), ("C", " 2 ")]);
    }

    #[test]
    fn detail_without_targets_borrows() {
        let text = "<Detail><Call>n,1</Call><PartyA>e,1</PartyA></Detail>";
        let Delta3::Detail(d) = parse_delta3(text).unwrap() else { panic!("not a Detail") };
        assert!(matches!(d.raw, Cow::Borrowed(_)));
        assert!(matches!(d.call.node, Cow::Borrowed(_)));
        assert!(matches!(d.party_a.end_id, Cow::Borrowed(_)));
        assert_eq!(d.targets.capacity(), 0);
    }
}
