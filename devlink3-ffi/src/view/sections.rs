//! C views of the record sections (Delta3's) and of the records described the same way
//! (SIPTrack, CMExtn).
//!
//! @generated from the descriptions in `devlink3-proto` (`section!`, `record!`,
//! `line_record!`) by `DEVLINK3_BLESS=1 cargo test -p devlink3-proto --test c_views`; do not edit.

use devlink3_core::records::{
    AttemptRejectView, CallLostView, CallView, CmExtn, CmExtnState, LinkLostView, PartyView, SipTrack, TargetView,
};

use super::{devlink3_origin, devlink3_str};

/// The `<Call>` section of a Detail (§6.7.2, 18 fields).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_call {
    /// Node identifier: the IP Office (8 characters) reporting this view of the call.
    pub node: devlink3_str,
    /// CallID, local to this PBX.
    pub call_id: u32,
    /// Account code.
    pub account_code: devlink3_str,
    /// Authorization code (masked as `*****` when present).
    pub authorization_code: devlink3_str,
    /// Tag: a scrap of text assigned to the call (UCID when interworking with Aura).
    pub tag: devlink3_str,
    /// Transfer cause (set to 0).
    pub transfer_cause: u32,
    /// Owner huntgroup (extension number).
    pub owner_huntgroup: devlink3_str,
    /// Originally targeted huntgroup (extension number).
    pub original_huntgroup: devlink3_str,
    /// Originally targeted user (extension number).
    pub original_user: devlink3_str,
    /// Currently targeted huntgroup (extension number).
    pub target_huntgroup: devlink3_str,
    /// Currently targeted user (extension number).
    pub target_user: devlink3_str,
    /// Non-zero while a voicemail message is being left (local VMPro only).
    pub voicemail_leaving: u32,
    /// Length of the voicemail message left, in seconds.
    pub voicemail_length: u32,
    /// Whether the call is queueing or listening to an announcement.
    ///
    /// `QueueState`: 0 not queueing, 1 queueing, 3 listening to announcement; other numbers as sent.
    pub queueing: u32,
    /// Timestamp, in tenths of a second.
    pub timestamp: u32,
    /// Huntgroup overflow.
    pub huntgroup_overflow: u32,
    /// Transferred out of the IVR callflow.
    pub ivr_transferred_out: devlink3_str,
    /// Time spent in the IVR callflow, in tenths of a second.
    pub ivr_time: u32,
}

pub(crate) fn call(r: CallView<'_>) -> devlink3_call {
    devlink3_call {
        node: devlink3_str::of(r.node()),
        call_id: r.call_id(),
        account_code: devlink3_str::of(r.account_code()),
        authorization_code: devlink3_str::of(r.authorization_code()),
        tag: devlink3_str::of(r.tag()),
        transfer_cause: r.transfer_cause(),
        owner_huntgroup: devlink3_str::of(r.owner_huntgroup()),
        original_huntgroup: devlink3_str::of(r.original_huntgroup()),
        original_user: devlink3_str::of(r.original_user()),
        target_huntgroup: devlink3_str::of(r.target_huntgroup()),
        target_user: devlink3_str::of(r.target_user()),
        voicemail_leaving: r.voicemail_leaving(),
        voicemail_length: r.voicemail_length(),
        queueing: r.queueing().raw(),
        timestamp: r.timestamp(),
        huntgroup_overflow: r.huntgroup_overflow(),
        ivr_transferred_out: devlink3_str::of(r.ivr_transferred_out()),
        ivr_time: r.ivr_time(),
    }
}

/// A `<PartyA>` or `<PartyB>` section (§6.7.3, 26 fields): one end of a call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_party {
    /// End identifier: 16 characters, unique within the SCN; the first 8 name the node
    /// where the end is local. Kept as sent even when its length is wrong.
    pub end_id: devlink3_str,
    /// Direction: true when the call came in on this end (an incoming trunk call, or the
    /// handset that made the call).
    pub incoming: bool,
    /// The primary (Q931) call state.
    ///
    /// `PartyState`: 0 Idle, 1 Ringing, 2 Connected, 3 Disconnecting, 7 Dialling, 8 Dialed, 9 Dial Initiated, 15 Offering, 16 Overlap receive, 17 Accept, 18 ConnectRequest, 19 Ringback, 20 OGConnect Request, 21 IC Disconnecting, 22 Seized, 23 Completed, 24 Completed Tone, 25 Preserved; other numbers as sent.
    pub state: u32,
    /// Audiopath: false when there is none (the call is on hold).
    pub audio_path: bool,
    /// The tone the end is listening to.
    ///
    /// `Tone`: 0 no tone, 1 hold music, 2 ringback tone, 3 dial tone, 6 busy tone; other numbers as sent.
    pub tone: u32,
    /// The end transits from another node (descriptive fields may be incomplete).
    pub remote: bool,
    /// The end terminates a public line (ISDN, R2, T1, SIP).
    pub public_line: bool,
    /// Facts about the call end, a bit set (privacy, auto-answered, auto-recorded...).
    ///
    /// Bits: 0x01 PRIVACY, 0x02 AUTO_ANSWERED, 0x04 AUTO_RECORDED, 0x10 CONSENT_ANSWERED, 0x20 CONSENT_REFUSED; others as sent.
    pub flags: u32,
    /// Emergency location ID.
    pub emergency_location: u32,
    /// Equipment classification: what the call end is.
    ///
    /// `EquipmentClass`: 1 Unknown, 2 ISDNTrunk, 3 AlogTrunk, 4 H323Trunk, 5 SIPTrunk, 6 T1Trunk, 7 R2Trunk, 8 TDMPhone, 9 H323Phone, 10 SIPDevice, 11 DECTPhone, 12 Voicemail, 13 WAVDriver, 14 Router, 15 DTEPort, 16 Parkslot, 17 Conference, 18 PagingConference, 19 RecordingHandler, 20 S0Trunk, 21 MobilePhone, 22 GhostHandler, 23 IPONotificationHandler, 24 Alarm call, 25 VoiceScreening, 26 ConferenceRecorder, 27 Outdialer, 28 WebRTCPhone, 29 ListenOrCoach, 30 ConferenceMeetMe; other numbers as sent.
    pub equipment: u32,
    /// Refines `equipment` (e.g. 162 ACCS, 163 IPOCC for a SIP device).
    pub equipment_type: u32,
    /// SIP Call-ID, `line.channel`, conference role... by equipment.
    pub description: devlink3_str,
    /// Extension number of the IP Office user on a handset.
    pub identity: devlink3_str,
    /// The type of call made or received.
    ///
    /// `CalledType`: 0 Unspecified, 1 International, 2 National, 3 NetworkSpecific, 4 Subscriber, 100 Unspecified, 101 Internal, 102 Voicemail, 103 ACD, 104 Paging, 105 Direct, 106 Intrude, 107 Priority, 108 Pickup, 109 CampOn, 110 Steal, 111 Whisper, 112 Inclusionone, 113 Coverage, 114 EConf, 115 EConfDial, 116 Conf, 117 EConfInvite, 118 Restricted, 119 Emergency, 120 FNE, 121 Identifier, 122 Receiver, 123 Reminder, 124 Listen, 125 RemoteDial, 126 FaxCall, 127 WakeupCall, 129 LocalPhysExtn, 130 XferToTwinMobile, 131 Coach, 132 WhisperPage, 133 CallLog, 134 ParkCall, 135 UnParkCall, 136 Precision, 137 RequestSupervising, 138 RParkCall, 139 ACCSGroup, 140 BlendingAcquireCall; other numbers as sent.
    pub called_type: u32,
    /// Why the call arrived here (incoming ends).
    pub called_reason: u32,
    /// Called number received off a trunk.
    pub did: devlink3_str,
    /// Digits actually dialled on a local phone.
    pub dialled: devlink3_str,
    /// Apparent caller set by a bridged appearance or an authorization code.
    pub on_behalf: devlink3_str,
    /// Number sent to the trunk or equipment (outgoing).
    pub target_number: devlink3_str,
    /// Subaddress sent to the trunk or equipment (outgoing).
    pub target_subaddress: devlink3_str,
    /// Nominal target: hunt group, skill or diversion.
    pub purpose: devlink3_str,
    /// Calling party number.
    pub cli: devlink3_str,
    /// Why the CLI is or is not present.
    ///
    /// `CliPresentation`: 0 Allowed, 1 Withheld, 2 Not available, 100 Unspecified; other numbers as sent.
    pub cli_presentation: u32,
    /// Where the calling party name came from.
    ///
    /// `CallingNameType`: 0 default, 1 directory match, 2 explicitly set, 4 restricted, 5 internal user, 6 huntgroup, 8 conference, 9 external trunk, 12 voicemail callflow; other numbers as sent.
    pub calling_name_type: u32,
    /// Calling party name (may contain commas).
    pub calling_name: devlink3_str,
    /// End identifier related to this one during some transfers (16 characters or empty).
    pub related_end_id: devlink3_str,
}

pub(crate) fn party(r: PartyView<'_>) -> devlink3_party {
    devlink3_party {
        end_id: devlink3_str::of(r.end_id()),
        incoming: r.incoming(),
        state: r.state().raw(),
        audio_path: r.audio_path(),
        tone: r.tone().raw(),
        remote: r.remote(),
        public_line: r.public_line(),
        flags: r.flags().bits(),
        emergency_location: r.emergency_location(),
        equipment: r.equipment().raw(),
        equipment_type: r.equipment_type(),
        description: devlink3_str::of(r.description()),
        identity: devlink3_str::of(r.identity()),
        called_type: r.called_type().raw(),
        called_reason: r.called_reason(),
        did: devlink3_str::of(r.did()),
        dialled: devlink3_str::of(r.dialled()),
        on_behalf: devlink3_str::of(r.on_behalf()),
        target_number: devlink3_str::of(r.target_number()),
        target_subaddress: devlink3_str::of(r.target_subaddress()),
        purpose: devlink3_str::of(r.purpose()),
        cli: devlink3_str::of(r.cli()),
        cli_presentation: r.cli_presentation().raw(),
        calling_name_type: r.calling_name_type().raw(),
        calling_name: devlink3_str::of(r.calling_name()),
        related_end_id: devlink3_str::of(r.related_end_id()),
    }
}

/// One `<Target>` of a `<Target_list>` (§6.7.4, 14 fields): a call end being rung.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_target {
    /// End identifier.
    pub end_id: devlink3_str,
    /// The end transits from another node.
    pub remote: bool,
    /// The end terminates a public line.
    pub public_line: bool,
    /// Equipment classification.
    ///
    /// `EquipmentClass`: 1 Unknown, 2 ISDNTrunk, 3 AlogTrunk, 4 H323Trunk, 5 SIPTrunk, 6 T1Trunk, 7 R2Trunk, 8 TDMPhone, 9 H323Phone, 10 SIPDevice, 11 DECTPhone, 12 Voicemail, 13 WAVDriver, 14 Router, 15 DTEPort, 16 Parkslot, 17 Conference, 18 PagingConference, 19 RecordingHandler, 20 S0Trunk, 21 MobilePhone, 22 GhostHandler, 23 IPONotificationHandler, 24 Alarm call, 25 VoiceScreening, 26 ConferenceRecorder, 27 Outdialer, 28 WebRTCPhone, 29 ListenOrCoach, 30 ConferenceMeetMe; other numbers as sent.
    pub equipment: u32,
    /// Equipment type.
    pub equipment_type: u32,
    /// Description.
    pub description: devlink3_str,
    /// Identity.
    pub identity: devlink3_str,
    /// Called type.
    ///
    /// `CalledType`: 0 Unspecified, 1 International, 2 National, 3 NetworkSpecific, 4 Subscriber, 100 Unspecified, 101 Internal, 102 Voicemail, 103 ACD, 104 Paging, 105 Direct, 106 Intrude, 107 Priority, 108 Pickup, 109 CampOn, 110 Steal, 111 Whisper, 112 Inclusionone, 113 Coverage, 114 EConf, 115 EConfDial, 116 Conf, 117 EConfInvite, 118 Restricted, 119 Emergency, 120 FNE, 121 Identifier, 122 Receiver, 123 Reminder, 124 Listen, 125 RemoteDial, 126 FaxCall, 127 WakeupCall, 129 LocalPhysExtn, 130 XferToTwinMobile, 131 Coach, 132 WhisperPage, 133 CallLog, 134 ParkCall, 135 UnParkCall, 136 Precision, 137 RequestSupervising, 138 RParkCall, 139 ACCSGroup, 140 BlendingAcquireCall; other numbers as sent.
    pub called_type: u32,
    /// Called reason.
    pub called_reason: u32,
    /// Target number.
    pub target_number: devlink3_str,
    /// Target subaddress.
    pub target_subaddress: devlink3_str,
    /// Purpose: hunt group, skill or diversion.
    pub purpose: devlink3_str,
    /// Calling party number.
    pub cli: devlink3_str,
    /// CLI presentation.
    ///
    /// `CliPresentation`: 0 Allowed, 1 Withheld, 2 Not available, 100 Unspecified; other numbers as sent.
    pub cli_presentation: u32,
}

pub(crate) fn target(r: TargetView<'_>) -> devlink3_target {
    devlink3_target {
        end_id: devlink3_str::of(r.end_id()),
        remote: r.remote(),
        public_line: r.public_line(),
        equipment: r.equipment().raw(),
        equipment_type: r.equipment_type(),
        description: devlink3_str::of(r.description()),
        identity: devlink3_str::of(r.identity()),
        called_type: r.called_type().raw(),
        called_reason: r.called_reason(),
        target_number: devlink3_str::of(r.target_number()),
        target_subaddress: devlink3_str::of(r.target_subaddress()),
        purpose: devlink3_str::of(r.purpose()),
        cli: devlink3_str::of(r.cli()),
        cli_presentation: r.cli_presentation().raw(),
    }
}

/// `<CallLost>` (§6.7.5): a call end reported as PartyA or PartyB was disconnected.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_call_lost {
    /// Node identifier of the node generating the record.
    pub node: devlink3_str,
    /// End identifier of the lost call end.
    pub end_id: devlink3_str,
    /// The call was cleared from this device.
    pub cleared_inbound: bool,
    /// Clearing cause.
    ///
    /// `Cause`: 0 CMCauseUnknown, 1 CMCauseUnallocatedNumber, 2 CMCauseForceIdle, 3 CMCauseUnregister, 16 CMCauseNormal, 17 CMCauseBusy, 18 CMCauseNoUserResponding, 21 CMCauseCallRejected, 31 CMCauseNormalUnspecified, 34 CMCauseNoChannel, 38 CMCauseNetworkOOO, 88 CMCauseIncompatible, 113 CMCausePhoneInfo, 114 CMCauseReminderFree, 115 CMCauseReminderNoAns, 116 CMCauseE911Emergency, 117 CMCauseParked, 118 CMCauseUnParked, 119 CMCausePickup, 120 CMCauseReminder, 121 CMCauseRedirect, 122 CMCauseCallBarred, 123 CMCauseForwardToVoicemail, 124 CMCauseAnsweredByOther, 125 CMCauseNoAccountCode, 126 CMCauseTransfer, 127 CMCauseConferencingMove, 128 CMCauseRestrictedToPartner, 129 CMCauseHeldCall, 130 CMRingBackCheck, 131 CMCauseAppearanceCallSteal, 132 CMCauseAppearanceBridgeInto, 133 CMCauseBumpedCall, 134 CMCauseLineAppearanceCall, 135 CMCauseUnheldCall, 136 CMCauseReplaceCurrentCall, 137 CMCauseGlare, 138 CMCauseR21CompatConfMove; other numbers as sent.
    pub cause: u32,
    /// Timestamp, in tenths of a second.
    pub timestamp: u32,
}

pub(crate) fn call_lost(r: CallLostView<'_>) -> devlink3_call_lost {
    devlink3_call_lost {
        node: devlink3_str::of(r.node()),
        end_id: devlink3_str::of(r.end_id()),
        cleared_inbound: r.cleared_inbound(),
        cause: r.cause().raw(),
        timestamp: r.timestamp(),
    }
}

/// `<LinkLost>` (§6.7.6): a CallLost generated at an intermediate SCN node.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_link_lost {
    /// Node identifier of the node generating the record.
    pub node: devlink3_str,
    /// End identifier of the lost call end.
    pub end_id: devlink3_str,
    /// The call was cleared from this device.
    pub cleared_inbound: bool,
    /// Clearing cause.
    ///
    /// `Cause`: 0 CMCauseUnknown, 1 CMCauseUnallocatedNumber, 2 CMCauseForceIdle, 3 CMCauseUnregister, 16 CMCauseNormal, 17 CMCauseBusy, 18 CMCauseNoUserResponding, 21 CMCauseCallRejected, 31 CMCauseNormalUnspecified, 34 CMCauseNoChannel, 38 CMCauseNetworkOOO, 88 CMCauseIncompatible, 113 CMCausePhoneInfo, 114 CMCauseReminderFree, 115 CMCauseReminderNoAns, 116 CMCauseE911Emergency, 117 CMCauseParked, 118 CMCauseUnParked, 119 CMCausePickup, 120 CMCauseReminder, 121 CMCauseRedirect, 122 CMCauseCallBarred, 123 CMCauseForwardToVoicemail, 124 CMCauseAnsweredByOther, 125 CMCauseNoAccountCode, 126 CMCauseTransfer, 127 CMCauseConferencingMove, 128 CMCauseRestrictedToPartner, 129 CMCauseHeldCall, 130 CMRingBackCheck, 131 CMCauseAppearanceCallSteal, 132 CMCauseAppearanceBridgeInto, 133 CMCauseBumpedCall, 134 CMCauseLineAppearanceCall, 135 CMCauseUnheldCall, 136 CMCauseReplaceCurrentCall, 137 CMCauseGlare, 138 CMCauseR21CompatConfMove; other numbers as sent.
    pub cause: u32,
    /// Timestamp, in tenths of a second.
    pub timestamp: u32,
    /// Link local reference; matches a Party's `description`.
    pub link_ref: devlink3_str,
}

pub(crate) fn link_lost(r: LinkLostView<'_>) -> devlink3_link_lost {
    devlink3_link_lost {
        node: devlink3_str::of(r.node()),
        end_id: devlink3_str::of(r.end_id()),
        cleared_inbound: r.cleared_inbound(),
        cause: r.cause().raw(),
        timestamp: r.timestamp(),
        link_ref: devlink3_str::of(r.link_ref()),
    }
}

/// `<AttemptReject>` (§6.7.7): a targeted user tried to send the ringing call away.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_attempt_reject {
    /// Node identifier of the node generating the record.
    pub node: devlink3_str,
    /// End identifier.
    pub end_id: devlink3_str,
    /// The user trying to deflect the call.
    pub user: devlink3_str,
    /// How (e.g. `dnd`).
    pub qualifier: devlink3_str,
    /// Timestamp, in tenths of a second.
    pub timestamp: u32,
}

pub(crate) fn attempt_reject(r: AttemptRejectView<'_>) -> devlink3_attempt_reject {
    devlink3_attempt_reject {
        node: devlink3_str::of(r.node()),
        end_id: devlink3_str::of(r.end_id()),
        user: devlink3_str::of(r.user()),
        qualifier: devlink3_str::of(r.qualifier()),
        timestamp: r.timestamp(),
    }
}

/// A SIPTrack event (`_SIPTrack` flag, §6.5.1.3): a SIP dialog starting or ending on a
/// trunk or phone.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_siptrack {
    /// The IP Office that sent the event, and its counter.
    pub origin: devlink3_origin,
    /// The event's text as the PBX sent it.
    pub raw: devlink3_str,
    /// `START` or `END` of the SIP dialog.
    ///
    /// `SipEvent`: `START`, `END`; other words as sent.
    pub event: devlink3_str,
    /// The endpoint id (`c0a82a1f000003eb`).
    pub epid: devlink3_str,
    /// The Delta2 end id (`17.1003.1`).
    pub end_id: devlink3_str,
    /// What kind of SIP endpoint: `TRUNK` or `PHONE`.
    ///
    /// `SipType`: `TRUNK`, `PHONE`; other words as sent.
    pub sip_type: devlink3_str,
    /// `IN` (incoming) or `OUT` (outgoing).
    ///
    /// `SipDirection`: `IN`, `OUT`; other words as sent.
    pub direction: devlink3_str,
    /// The SIP Call-ID.
    pub sip_call_id: devlink3_str,
}

pub(crate) fn siptrack(origin: devlink3_origin, r: &SipTrack<'_>) -> devlink3_siptrack {
    devlink3_siptrack {
        origin,
        raw: devlink3_str::of(&r.raw),
        event: devlink3_str::of(r.event.as_str()),
        epid: devlink3_str::of(&r.epid),
        end_id: devlink3_str::of(&r.end_id),
        sip_type: devlink3_str::of(r.sip_type.as_str()),
        direction: devlink3_str::of(r.direction.as_str()),
        sip_call_id: devlink3_str::of(&r.sip_call_id),
    }
}

/// A CMExtn event (`_CMExtn` flag): plain monitor text, or (when `extended`) an
/// extension's event numbers.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct devlink3_cmextn {
    /// The IP Office that sent the event, and its counter.
    pub origin: devlink3_origin,
    /// The plain event's text as the PBX sent it; for an extended event, its monitor
    /// rendering (`v=1 State, new=Dialling old=Idle,0,0,Extn865001`).
    pub raw: devlink3_str,
    /// The text before the first `:` (`Extn4001`); empty when the text has no such prefix.
    /// Extended event: The extension's name (`Extn865001`).
    pub extension: devlink3_str,
    /// The rest, after `": "` (`CALL LOST (CMCauseForceIdle)`), or the whole text.
    /// Empty for an extended event.
    pub message: devlink3_str,
    /// An extended event: the fields below are set.
    pub extended: bool,
    /// Event kind; 1 is a state change.
    /// 0 for a plain event.
    pub v: u32,
    /// First parameter; for `v = 1` the new state.
    /// 0 for a plain event.
    pub p1: u32,
    /// Second parameter; for `v = 1` the old state.
    /// 0 for a plain event.
    pub p2: u32,
}

pub(crate) fn cmextn(origin: devlink3_origin, r: &CmExtn<'_>) -> devlink3_cmextn {
    devlink3_cmextn {
        origin,
        raw: devlink3_str::of(&r.raw),
        extension: devlink3_str::of(&r.extension),
        message: devlink3_str::of(&r.message),
        extended: false,
        v: 0,
        p1: 0,
        p2: 0,
    }
}

pub(crate) fn cmextn_state(origin: devlink3_origin, r: &CmExtnState<'_>, raw: &str) -> devlink3_cmextn {
    devlink3_cmextn {
        origin,
        raw: devlink3_str::of(raw),
        extension: devlink3_str::of(&r.extension),
        message: devlink3_str::default(),
        extended: true,
        v: r.v,
        p1: r.p1,
        p2: r.p2,
    }
}
