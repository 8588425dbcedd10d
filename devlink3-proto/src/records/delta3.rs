//! Delta3 records (protocol §6.7): `<Detail>`, `<CallLost>`, `<LinkLost>`, `<AttemptReject>`.
//!
//! The text is XML-ish but not XML: no attributes, no escaping, sections whose content is one
//! comma-separated line of positional fields. Fields are mapped by the tables (§6.7.2–6.7.7),
//! not by the printed examples, which lost a field per Party line (see `spec-errata.md`).

use std::borrow::Cow;
use std::fmt::{self, Display, Formatter};

use super::{Cause, Fields, RecordError, excerpt, own, parse_u32, strip_nul};

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
// A Detail is large (about 1 KiB of borrowed strings), but boxing it would cost an allocation
// per record, which the zero-copy parse exists to avoid.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, yoke::Yokeable)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum Delta3<'a> {
    /// `<Detail>`: the current state of a call.
    Detail(Detail<'a>),
    /// `<CallLost>`: a call end reported as PartyA or PartyB is gone.
    CallLost(CallLost<'a>),
    /// `<LinkLost>`: as CallLost, generated at an intermediate SCN node.
    LinkLost(LinkLost<'a>),
    /// `<AttemptReject>`: a targeted user tried to push the ringing call away.
    AttemptReject(AttemptReject<'a>),
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
    pub raw: Cow<'a, str>,
}

/// The `<Call>` section of a Detail (§6.7.2, 18 fields).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Call<'a> {
    /// 1. Node identifier: the IP Office (8 characters) reporting this view of the call.
    pub node: Cow<'a, str>,
    /// 2. CallID, local to this PBX.
    pub call_id: u32,
    /// 3. Account code.
    pub account_code: Cow<'a, str>,
    /// 4. Authorization code (masked as `*****` when present).
    pub authorization_code: Cow<'a, str>,
    /// 5. Tag: a scrap of text assigned to the call (UCID when interworking with Aura).
    pub tag: Cow<'a, str>,
    /// 6. Transfer cause (set to 0).
    pub transfer_cause: u32,
    /// 7. Owner huntgroup (extension number).
    pub owner_huntgroup: Cow<'a, str>,
    /// 8. Originally targeted huntgroup (extension number).
    pub original_huntgroup: Cow<'a, str>,
    /// 9. Originally targeted user (extension number).
    pub original_user: Cow<'a, str>,
    /// 10. Currently targeted huntgroup (extension number).
    pub target_huntgroup: Cow<'a, str>,
    /// 11. Currently targeted user (extension number).
    pub target_user: Cow<'a, str>,
    /// 12. Is a voicemail message being left (local VMPro only).
    pub voicemail_leaving: u32,
    /// 13. Length of the voicemail message left, in seconds.
    pub voicemail_length: u32,
    /// 14. Whether the call is queueing or listening to an announcement.
    pub queueing: QueueState,
    /// 15. Timestamp, in tenths of a second.
    pub timestamp: u32,
    /// 16. Huntgroup overflow.
    pub huntgroup_overflow: u32,
    /// 17. Transferred out of IVR callflow (a quoted string on the wire).
    pub ivr_transferred_out: Cow<'a, str>,
    /// 18. Time spent in the IVR callflow, in tenths of a second.
    pub ivr_time: u32,
}

/// A `<PartyA>` or `<PartyB>` section (§6.7.3, 26 fields).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Party<'a> {
    /// 1. End identifier: 16 characters, unique within the SCN; the first 8 name the node
    ///    where the end is local. Kept as sent even when its length is wrong.
    pub end_id: Cow<'a, str>,
    /// 2. Direction: `true` (1) when the call came in on this end (an incoming trunk call, or
    ///    a handset that made the call).
    pub incoming: bool,
    /// 3. State: the primary (Q931) call state.
    pub state: PartyState,
    /// 4. Audiopath: `false` when there is none (the call is on hold).
    pub audio_path: bool,
    /// 5. Tone the end is listening to.
    pub tone: Tone,
    /// 6. Remote: the end transits from another node (descriptive fields may be incomplete).
    pub remote: bool,
    /// 7. Public line: the end terminates a public line (ISDN, R2, T1, SIP).
    pub public_line: bool,
    /// 8. Flags.
    pub flags: PartyFlags,
    /// 9. Emergency location ID.
    pub emergency_location: u32,
    /// 10. Equipment classification.
    pub equipment: EquipmentClass,
    /// 11. Equipment type (e.g. 162 ACCS, 163 IPOCC for a SIP device).
    pub equipment_type: u32,
    /// 12. Description: SIP Call-ID, `lineID.BChannel`, conference role... by equipment.
    pub description: Cow<'a, str>,
    /// 13. Identity: extension number of the IP Office user on a handset.
    pub identity: Cow<'a, str>,
    /// 14. Called type.
    pub called_type: CalledType,
    /// 15. Called reason (for direction 0: why the call arrived here).
    pub called_reason: u32,
    /// 16. DID: called number received off a trunk.
    pub did: Cow<'a, str>,
    /// 17. Dialled: digits actually pressed on a local phone.
    pub dialled: Cow<'a, str>,
    /// 18. OnBehalf: apparent caller set by a bridge appearance or authorization code.
    pub on_behalf: Cow<'a, str>,
    /// 19. Target number sent to the trunk or equipment (outbound).
    pub target_number: Cow<'a, str>,
    /// 20. Target subaddress sent to the trunk or equipment (outbound).
    pub target_subaddress: Cow<'a, str>,
    /// 21. Purpose: nominal target (huntgroup, skill or diversion).
    pub purpose: Cow<'a, str>,
    /// 22. CLI: calling party number.
    pub cli: Cow<'a, str>,
    /// 23. CLI presentation.
    pub cli_presentation: CliPresentation,
    /// 24. Calling party name type.
    pub calling_name_type: CallingNameType,
    /// 25. Calling party name (a quoted string on the wire; may contain commas).
    pub calling_name: Cow<'a, str>,
    /// 26. Related end identifier (during certain transfers), 16 characters or empty.
    pub related_end_id: Cow<'a, str>,
}

/// One `<Target>` of a `<Target_list>` (§6.7.4, 14 fields): a reduced Party, direction 0.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Target<'a> {
    /// 1. End identifier.
    pub end_id: Cow<'a, str>,
    /// 2. Remote.
    pub remote: bool,
    /// 3. Public line.
    pub public_line: bool,
    /// 4. Equipment classification.
    pub equipment: EquipmentClass,
    /// 5. Equipment type.
    pub equipment_type: u32,
    /// 6. Description.
    pub description: Cow<'a, str>,
    /// 7. Identity.
    pub identity: Cow<'a, str>,
    /// 8. Called type.
    pub called_type: CalledType,
    /// 9. Called reason.
    pub called_reason: u32,
    /// 10. Target number.
    pub target_number: Cow<'a, str>,
    /// 11. Target subaddress.
    pub target_subaddress: Cow<'a, str>,
    /// 12. Purpose.
    pub purpose: Cow<'a, str>,
    /// 13. CLI.
    pub cli: Cow<'a, str>,
    /// 14. CLI presentation.
    pub cli_presentation: CliPresentation,
}

/// `<CallLost>` (§6.7.5): a call end reported as PartyA or PartyB was disconnected.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CallLost<'a> {
    /// 1. Node identifier of the node generating the record.
    pub node: Cow<'a, str>,
    /// 2. End identifier of the lost call end.
    pub end_id: Cow<'a, str>,
    /// 3. Cleared inbound: the call was cleared from this device.
    pub cleared_inbound: bool,
    /// 4. Clearing cause.
    pub cause: Cause,
    /// 5. Timestamp, in tenths of a second.
    pub timestamp: u32,
    /// The text this record was parsed from.
    pub raw: Cow<'a, str>,
}

/// `<LinkLost>` (§6.7.6): a CallLost generated at an intermediate SCN node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LinkLost<'a> {
    /// 1. Node identifier of the node generating the record.
    pub node: Cow<'a, str>,
    /// 2. End identifier of the lost call end.
    pub end_id: Cow<'a, str>,
    /// 3. Cleared inbound: the call was cleared from this device.
    pub cleared_inbound: bool,
    /// 4. Clearing cause.
    pub cause: Cause,
    /// 5. Timestamp, in tenths of a second.
    pub timestamp: u32,
    /// 6. Link local reference; matches the Party "description" field.
    pub link_ref: Cow<'a, str>,
    /// The text this record was parsed from.
    pub raw: Cow<'a, str>,
}

/// `<AttemptReject>` (§6.7.7): a targeted user tried to send the ringing call away.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AttemptReject<'a> {
    /// 1. Node identifier of the node generating the record.
    pub node: Cow<'a, str>,
    /// 2. End identifier.
    pub end_id: Cow<'a, str>,
    /// 3. The user trying to deflect the call.
    pub user: Cow<'a, str>,
    /// 4. Qualifier: how (e.g. `dnd`).
    pub qualifier: Cow<'a, str>,
    /// 5. Timestamp, in tenths of a second.
    pub timestamp: u32,
    /// The text this record was parsed from.
    pub raw: Cow<'a, str>,
}

/// Parses one Delta3 record.
///
/// Liberal in what it accepts: whitespace around tags and section texts is ignored, a trailing
/// NUL is dropped, missing trailing fields take their defaults (empty, 0), extra fields and
/// unknown sections are ignored. Fields are borrowed from `text`; a Detail without targets does
/// not allocate.
pub fn parse_delta3(text: &str) -> Result<Delta3<'_>, RecordError> {
    let raw = strip_nul(text);
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(RecordError::Empty);
    }
    if !trimmed.starts_with('<') {
        return Err(RecordError::unknown_kind(trimmed));
    }
    let (name, after) = open_tag(trimmed)?;
    if !matches!(name, "Detail" | "CallLost" | "LinkLost" | "AttemptReject") {
        return Err(RecordError::unknown_kind(name));
    }
    // The closing tag normally ends the text; check there before scanning for it.
    let at_end = after.strip_suffix('>').and_then(|t| t.strip_suffix(name)).and_then(|t| t.strip_suffix("</"));
    let body = match at_end {
        Some(body) => body,
        None => element_body(after, name)?.0,
    };
    Ok(match name {
        "Detail" => Delta3::Detail(Detail::parse(raw, body)?),
        "CallLost" => Delta3::CallLost(CallLost::parse(raw, body)?),
        "LinkLost" => Delta3::LinkLost(LinkLost::parse(raw, body)?),
        _ => Delta3::AttemptReject(AttemptReject::parse(raw, body)?),
    })
}

/// Splits `<name>rest` (with `text` starting at `<`) into the name and the rest.
fn open_tag(text: &str) -> Result<(&str, &str), RecordError> {
    let inner = &text[1..];
    match inner.find('>') {
        Some(gt) => Ok((inner[..gt].trim(), &inner[gt + 1..])),
        None => Err(RecordError::MalformedTag { tag: excerpt(text) }),
    }
}

/// Splits `content</name>rest` into the content and the rest.
fn element_body<'t>(text: &'t str, name: &str) -> Result<(&'t str, &'t str), RecordError> {
    let mut from = 0;
    // Searching for the single byte `<` is the fast path of `str::find`.
    while let Some(i) = text[from..].find('<') {
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
            let lt = self.rest.find('<')?;
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

/// Positional reader of one section's fields, naming the section and field in errors.
struct Section<'a> {
    name: &'static str,
    fields: Fields<'a>,
}

impl<'a> Section<'a> {
    fn new(name: &'static str, content: &'a str) -> Self {
        Self { name, fields: Fields::new(content.trim()) }
    }

    #[inline]
    fn take(&mut self, field: &'static str) -> Result<&'a str, RecordError> {
        self.fields.take_unquoted().map_err(|_| RecordError::UnterminatedQuote { section: self.name, field })
    }

    #[inline]
    fn text(&mut self, field: &'static str) -> Result<Cow<'a, str>, RecordError> {
        self.take(field).map(Cow::Borrowed)
    }

    #[inline]
    fn number(&mut self, field: &'static str) -> Result<u32, RecordError> {
        let value = self.take(field)?;
        parse_u32(value).ok_or_else(|| RecordError::InvalidNumber { section: self.name, field, value: excerpt(value) })
    }

    #[inline]
    fn flag(&mut self, field: &'static str) -> Result<bool, RecordError> {
        self.number(field).map(|n| n != 0)
    }

    #[inline]
    fn code<T: From<u32>>(&mut self, field: &'static str) -> Result<T, RecordError> {
        self.number(field).map(T::from)
    }
}

/// Writes a section's fields comma-separated, quoting strings that would not read back.
struct FieldWriter<'f, 'b> {
    f: &'f mut Formatter<'b>,
    first: bool,
}

impl<'f, 'b> FieldWriter<'f, 'b> {
    fn new(f: &'f mut Formatter<'b>) -> Self {
        Self { f, first: true }
    }

    fn sep(&mut self) -> fmt::Result {
        if !std::mem::take(&mut self.first) {
            self.f.write_str(",")?;
        }
        Ok(())
    }

    /// A plain string field. The PBX sends these bare; we quote one only when it would
    /// otherwise read back differently (a comma, a leading quote, edge whitespace).
    fn text(&mut self, value: &str) -> fmt::Result {
        self.sep()?;
        let needs_quotes = value.contains(',')
            || value.starts_with('"')
            || value.starts_with(char::is_whitespace)
            || value.ends_with(char::is_whitespace);
        if needs_quotes { write!(self.f, "\"{value}\"") } else { self.f.write_str(value) }
    }

    /// A field the table calls "Quoted Utf8String": quoted unless empty.
    fn quoted(&mut self, value: &str) -> fmt::Result {
        self.sep()?;
        if value.is_empty() { Ok(()) } else { write!(self.f, "\"{value}\"") }
    }

    fn number(&mut self, value: u32) -> fmt::Result {
        self.sep()?;
        write!(self.f, "{value}")
    }

    fn flag(&mut self, value: bool) -> fmt::Result {
        self.number(u32::from(value))
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
            Self::Detail(r) => Delta3::Detail(r.into_owned()),
            Self::CallLost(r) => Delta3::CallLost(r.into_owned()),
            Self::LinkLost(r) => Delta3::LinkLost(r.into_owned()),
            Self::AttemptReject(r) => Delta3::AttemptReject(r.into_owned()),
        }
    }

    /// Sets `raw` to the canonical text of the fields (for records built in code).
    pub fn with_canonical_raw(self) -> Self {
        match self {
            Self::Detail(r) => Self::Detail(r.with_canonical_raw()),
            Self::CallLost(r) => Self::CallLost(r.with_canonical_raw()),
            Self::LinkLost(r) => Self::LinkLost(r.with_canonical_raw()),
            Self::AttemptReject(r) => Self::AttemptReject(r.with_canonical_raw()),
        }
    }
}

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

impl<'a> Detail<'a> {
    #[inline]
    fn parse(raw: &'a str, body: &'a str) -> Result<Self, RecordError> {
        // Sections are parsed straight into the record rather than into `Option`s first: a
        // Detail is about 1 KiB, and each avoided move is measurable at millions per second.
        let mut detail = Detail { raw: Cow::Borrowed(raw), ..Detail::default() };
        let (mut has_call, mut has_party_a) = (false, false);
        for element in (Elements { rest: body }) {
            let (name, content) = element?;
            match name {
                "Call" => {
                    detail.call = Call::parse(content)?;
                    has_call = true;
                }
                "PartyA" => {
                    detail.party_a = Party::parse("PartyA", content)?;
                    has_party_a = true;
                }
                "PartyB" => detail.party_b = Some(Party::parse("PartyB", content)?),
                // §6.7 calls the list `<Targets>`, the examples `<Target_list>`.
                "Target_list" | "Targets" => {
                    for target in (Elements { rest: content }) {
                        let (name, content) = target?;
                        if name == "Target" {
                            detail.targets.push(Target::parse(content)?);
                        }
                    }
                }
                _ => {} // a section from a newer release
            }
        }
        if !has_call {
            return Err(RecordError::MissingSection { section: "Call" });
        }
        if !has_party_a {
            return Err(RecordError::MissingSection { section: "PartyA" });
        }
        Ok(detail)
    }

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

impl<'a> Call<'a> {
    #[inline]
    fn parse(content: &'a str) -> Result<Self, RecordError> {
        let mut s = Section::new("Call", content);
        // Struct fields are evaluated in the order written, i.e. the wire order.
        Ok(Self {
            node: s.text("Node identifier")?,
            call_id: s.number("CallID")?,
            account_code: s.text("Account code")?,
            authorization_code: s.text("Authorization code")?,
            tag: s.text("Tag")?,
            transfer_cause: s.number("Transfer cause")?,
            owner_huntgroup: s.text("Owner huntgroup")?,
            original_huntgroup: s.text("Originally targeted huntgroup")?,
            original_user: s.text("Originally targeted user")?,
            target_huntgroup: s.text("Currently targeted huntgroup")?,
            target_user: s.text("Currently targeted user")?,
            voicemail_leaving: s.number("Is a voicemail message being left")?,
            voicemail_length: s.number("Length of voicemail message left")?,
            queueing: s.code("Is call queueing or listening to announcement")?,
            timestamp: s.number("Timestamp")?,
            huntgroup_overflow: s.number("Huntgroup Overflow")?,
            ivr_transferred_out: s.text("Transferred out of IVR Callflow")?,
            ivr_time: s.number("Time spent in IVR Callflow")?,
        })
    }

    /// The owned form, independent of the parsed text.
    pub fn into_owned(self) -> Call<'static> {
        Call {
            node: own(self.node),
            call_id: self.call_id,
            account_code: own(self.account_code),
            authorization_code: own(self.authorization_code),
            tag: own(self.tag),
            transfer_cause: self.transfer_cause,
            owner_huntgroup: own(self.owner_huntgroup),
            original_huntgroup: own(self.original_huntgroup),
            original_user: own(self.original_user),
            target_huntgroup: own(self.target_huntgroup),
            target_user: own(self.target_user),
            voicemail_leaving: self.voicemail_leaving,
            voicemail_length: self.voicemail_length,
            queueing: self.queueing,
            timestamp: self.timestamp,
            huntgroup_overflow: self.huntgroup_overflow,
            ivr_transferred_out: own(self.ivr_transferred_out),
            ivr_time: self.ivr_time,
        }
    }
}

impl Display for Call<'_> {
    /// The section's 18 fields, comma-separated (without the `<Call>` tags).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut w = FieldWriter::new(f);
        w.text(&self.node)?;
        w.number(self.call_id)?;
        w.text(&self.account_code)?;
        w.text(&self.authorization_code)?;
        w.text(&self.tag)?;
        w.number(self.transfer_cause)?;
        w.text(&self.owner_huntgroup)?;
        w.text(&self.original_huntgroup)?;
        w.text(&self.original_user)?;
        w.text(&self.target_huntgroup)?;
        w.text(&self.target_user)?;
        w.number(self.voicemail_leaving)?;
        w.number(self.voicemail_length)?;
        w.number(self.queueing.raw())?;
        w.number(self.timestamp)?;
        w.number(self.huntgroup_overflow)?;
        w.quoted(&self.ivr_transferred_out)?;
        w.number(self.ivr_time)
    }
}

impl<'a> Party<'a> {
    #[inline]
    fn parse(section: &'static str, content: &'a str) -> Result<Self, RecordError> {
        let mut s = Section::new(section, content);
        Ok(Self {
            end_id: s.text("End identifier")?,
            incoming: s.flag("Direction")?,
            state: s.code("State")?,
            audio_path: s.flag("Audiopath")?,
            tone: s.code("Tone")?,
            remote: s.flag("Remote")?,
            public_line: s.flag("Public line")?,
            flags: s.code("Flags")?,
            emergency_location: s.number("Emergency location")?,
            equipment: s.code("Equipment classification")?,
            equipment_type: s.number("Equipment type")?,
            description: s.text("Description")?,
            identity: s.text("Identity")?,
            called_type: s.code("Called Type")?,
            called_reason: s.number("Called Reason")?,
            did: s.text("DID")?,
            dialled: s.text("Dialled")?,
            on_behalf: s.text("OnBehalf")?,
            target_number: s.text("Target number")?,
            target_subaddress: s.text("Target subaddr")?,
            purpose: s.text("Purpose")?,
            cli: s.text("CLI")?,
            cli_presentation: s.code("CLI Presentation")?,
            calling_name_type: s.code("Calling party name type")?,
            calling_name: s.text("Calling party name")?,
            related_end_id: s.text("Related End identifier")?,
        })
    }

    /// The owned form, independent of the parsed text.
    pub fn into_owned(self) -> Party<'static> {
        Party {
            end_id: own(self.end_id),
            incoming: self.incoming,
            state: self.state,
            audio_path: self.audio_path,
            tone: self.tone,
            remote: self.remote,
            public_line: self.public_line,
            flags: self.flags,
            emergency_location: self.emergency_location,
            equipment: self.equipment,
            equipment_type: self.equipment_type,
            description: own(self.description),
            identity: own(self.identity),
            called_type: self.called_type,
            called_reason: self.called_reason,
            did: own(self.did),
            dialled: own(self.dialled),
            on_behalf: own(self.on_behalf),
            target_number: own(self.target_number),
            target_subaddress: own(self.target_subaddress),
            purpose: own(self.purpose),
            cli: own(self.cli),
            cli_presentation: self.cli_presentation,
            calling_name_type: self.calling_name_type,
            calling_name: own(self.calling_name),
            related_end_id: own(self.related_end_id),
        }
    }
}

impl Display for Party<'_> {
    /// The section's 26 fields, comma-separated (without the `<PartyA>`/`<PartyB>` tags).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut w = FieldWriter::new(f);
        w.text(&self.end_id)?;
        w.flag(self.incoming)?;
        w.number(self.state.raw())?;
        w.flag(self.audio_path)?;
        w.number(self.tone.raw())?;
        w.flag(self.remote)?;
        w.flag(self.public_line)?;
        w.number(self.flags.bits())?;
        w.number(self.emergency_location)?;
        w.number(self.equipment.raw())?;
        w.number(self.equipment_type)?;
        w.text(&self.description)?;
        w.text(&self.identity)?;
        w.number(self.called_type.raw())?;
        w.number(self.called_reason)?;
        w.text(&self.did)?;
        w.text(&self.dialled)?;
        w.text(&self.on_behalf)?;
        w.text(&self.target_number)?;
        w.text(&self.target_subaddress)?;
        w.text(&self.purpose)?;
        w.text(&self.cli)?;
        w.number(self.cli_presentation.raw())?;
        w.number(self.calling_name_type.raw())?;
        w.quoted(&self.calling_name)?;
        w.text(&self.related_end_id)
    }
}

impl<'a> Target<'a> {
    fn parse(content: &'a str) -> Result<Self, RecordError> {
        let mut s = Section::new("Target", content);
        Ok(Self {
            end_id: s.text("End identifier")?,
            remote: s.flag("Remote")?,
            public_line: s.flag("Public line")?,
            equipment: s.code("Equipment classification")?,
            equipment_type: s.number("Equipment type")?,
            description: s.text("Description")?,
            identity: s.text("Identity")?,
            called_type: s.code("Called Type")?,
            called_reason: s.number("Called Reason")?,
            target_number: s.text("Target number")?,
            target_subaddress: s.text("Target subaddr")?,
            purpose: s.text("Purpose")?,
            cli: s.text("CLI")?,
            cli_presentation: s.code("CLI Presentation")?,
        })
    }

    /// The owned form, independent of the parsed text.
    pub fn into_owned(self) -> Target<'static> {
        Target {
            end_id: own(self.end_id),
            remote: self.remote,
            public_line: self.public_line,
            equipment: self.equipment,
            equipment_type: self.equipment_type,
            description: own(self.description),
            identity: own(self.identity),
            called_type: self.called_type,
            called_reason: self.called_reason,
            target_number: own(self.target_number),
            target_subaddress: own(self.target_subaddress),
            purpose: own(self.purpose),
            cli: own(self.cli),
            cli_presentation: self.cli_presentation,
        }
    }
}

impl Display for Target<'_> {
    /// The section's 14 fields, comma-separated (without the `<Target>` tags).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut w = FieldWriter::new(f);
        w.text(&self.end_id)?;
        w.flag(self.remote)?;
        w.flag(self.public_line)?;
        w.number(self.equipment.raw())?;
        w.number(self.equipment_type)?;
        w.text(&self.description)?;
        w.text(&self.identity)?;
        w.number(self.called_type.raw())?;
        w.number(self.called_reason)?;
        w.text(&self.target_number)?;
        w.text(&self.target_subaddress)?;
        w.text(&self.purpose)?;
        w.text(&self.cli)?;
        w.number(self.cli_presentation.raw())
    }
}

impl<'a> CallLost<'a> {
    fn parse(raw: &'a str, body: &'a str) -> Result<Self, RecordError> {
        let mut s = Section::new("CallLost", body);
        Ok(Self {
            node: s.text("Node identifier")?,
            end_id: s.text("End identifier")?,
            cleared_inbound: s.flag("Cleared Inbound")?,
            cause: s.code("Cause")?,
            timestamp: s.number("Timestamp")?,
            raw: Cow::Borrowed(raw),
        })
    }

    /// The owned form, independent of the parsed text.
    pub fn into_owned(self) -> CallLost<'static> {
        CallLost {
            node: own(self.node),
            end_id: own(self.end_id),
            cleared_inbound: self.cleared_inbound,
            cause: self.cause,
            timestamp: self.timestamp,
            raw: own(self.raw),
        }
    }

    /// Sets `raw` to the canonical text of the fields (for records built in code).
    pub fn with_canonical_raw(mut self) -> Self {
        self.raw = Cow::Owned(self.to_string());
        self
    }
}

impl Display for CallLost<'_> {
    /// The canonical text, `<CallLost>node,end,cleared,cause,timestamp</CallLost>`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("<CallLost>")?;
        let mut w = FieldWriter::new(f);
        w.text(&self.node)?;
        w.text(&self.end_id)?;
        w.flag(self.cleared_inbound)?;
        w.number(self.cause.raw())?;
        w.number(self.timestamp)?;
        f.write_str("</CallLost>")
    }
}

impl<'a> LinkLost<'a> {
    fn parse(raw: &'a str, body: &'a str) -> Result<Self, RecordError> {
        let mut s = Section::new("LinkLost", body);
        Ok(Self {
            node: s.text("Node identifier")?,
            end_id: s.text("End identifier")?,
            cleared_inbound: s.flag("Cleared Inbound")?,
            cause: s.code("Cause")?,
            timestamp: s.number("Timestamp")?,
            link_ref: s.text("Link local reference")?,
            raw: Cow::Borrowed(raw),
        })
    }

    /// The owned form, independent of the parsed text.
    pub fn into_owned(self) -> LinkLost<'static> {
        LinkLost {
            node: own(self.node),
            end_id: own(self.end_id),
            cleared_inbound: self.cleared_inbound,
            cause: self.cause,
            timestamp: self.timestamp,
            link_ref: own(self.link_ref),
            raw: own(self.raw),
        }
    }

    /// Sets `raw` to the canonical text of the fields (for records built in code).
    pub fn with_canonical_raw(mut self) -> Self {
        self.raw = Cow::Owned(self.to_string());
        self
    }
}

impl Display for LinkLost<'_> {
    /// The canonical text, `<LinkLost>node,end,cleared,cause,timestamp,link ref</LinkLost>`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("<LinkLost>")?;
        let mut w = FieldWriter::new(f);
        w.text(&self.node)?;
        w.text(&self.end_id)?;
        w.flag(self.cleared_inbound)?;
        w.number(self.cause.raw())?;
        w.number(self.timestamp)?;
        w.text(&self.link_ref)?;
        f.write_str("</LinkLost>")
    }
}

impl<'a> AttemptReject<'a> {
    fn parse(raw: &'a str, body: &'a str) -> Result<Self, RecordError> {
        let mut s = Section::new("AttemptReject", body);
        Ok(Self {
            node: s.text("Node identifier")?,
            end_id: s.text("End identifier")?,
            user: s.text("User")?,
            qualifier: s.text("Qualifier")?,
            timestamp: s.number("Timestamp")?,
            raw: Cow::Borrowed(raw),
        })
    }

    /// The owned form, independent of the parsed text.
    pub fn into_owned(self) -> AttemptReject<'static> {
        AttemptReject {
            node: own(self.node),
            end_id: own(self.end_id),
            user: own(self.user),
            qualifier: own(self.qualifier),
            timestamp: self.timestamp,
            raw: own(self.raw),
        }
    }

    /// Sets `raw` to the canonical text of the fields (for records built in code).
    pub fn with_canonical_raw(mut self) -> Self {
        self.raw = Cow::Owned(self.to_string());
        self
    }
}

impl Display for AttemptReject<'_> {
    /// The canonical text, `<AttemptReject>node,end,user,qualifier,timestamp</AttemptReject>`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("<AttemptReject>")?;
        let mut w = FieldWriter::new(f);
        w.text(&self.node)?;
        w.text(&self.end_id)?;
        w.text(&self.user)?;
        w.text(&self.qualifier)?;
        w.number(self.timestamp)?;
        f.write_str("</AttemptReject>")
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
