"""devlink3: Avaya IP Office DevLink3 call events (every call, ring, transfer as it happens).

    import devlink3

    with devlink3.connect("tls://ipo.example.com", "devlink", password, tls=tls) as link:
        for event in link:
            if isinstance(event, devlink3.Detail):
                print(event.call.call_id, event.party_a.state.name, event.party_a.cli)

``async for event in link`` works the same way under asyncio, and ``link.on_delta3(fn)``
delivers to a callback instead. ``devlink3.Simulator`` is an IP Office for tests. Library
logs go to the ``devlink3`` logger.
"""

from . import _devlink3
from ._devlink3 import (
    AttemptReject,
    Blast,
    BlastReport,
    Call,
    CalledType,
    CallingNameType,
    CallLost,
    Cause,
    CliPresentation,
    CmExtn,
    CmExtnState,
    Delta2,
    Delta2Kind,
    Delta2State,
    Detail,
    EquipmentClass,
    ExtnState,
    LinkLost,
    LinkState,
    Missed,
    MissedReason,
    Origin,
    Party,
    PartyFlags,
    PartyState,
    PbxInfo,
    QueueState,
    ResultCode,
    SimStats,
    SipDirection,
    SipEvent,
    SipTrack,
    SipType,
    Target,
    Tone,
    Unparsed,
    User,
    UserStats,
)
from ._errors import (
    AuthenticationFailed,
    ConfigError,
    ConnectionLost,
    DevlinkError,
    LicenceMissing,
    LinkClosed,
    NotOperational,
    ProtocolError,
    ReadFileError,
    Refused,
    Timeout,
)
from ._link import CallEvent, Calls, Delta3Event, Event, Link, TlsOptions, WebSocketOptions, connect
from ._sim import Simulator

__version__: str = _devlink3.__version__

__all__ = [
    # Links
    "connect",
    "Link",
    "Calls",
    "CallEvent",
    "TlsOptions",
    "WebSocketOptions",
    "Simulator",
    # Events
    "Event",
    "Delta3Event",
    "Detail",
    "Call",
    "Party",
    "Target",
    "CallLost",
    "LinkLost",
    "AttemptReject",
    "Delta2",
    "SipTrack",
    "CmExtn",
    "CmExtnState",
    "Unparsed",
    "LinkState",
    "PbxInfo",
    "Missed",
    "Origin",
    "User",
    # Coded fields
    "PartyState",
    "Tone",
    "EquipmentClass",
    "CalledType",
    "CliPresentation",
    "CallingNameType",
    "QueueState",
    "PartyFlags",
    "Cause",
    "Delta2Kind",
    "Delta2State",
    "ExtnState",
    "SipEvent",
    "SipType",
    "SipDirection",
    "MissedReason",
    "ResultCode",
    # Errors
    "DevlinkError",
    "ConfigError",
    "ConnectionLost",
    "ProtocolError",
    "Refused",
    "AuthenticationFailed",
    "LicenceMissing",
    "ReadFileError",
    "NotOperational",
    "Timeout",
    "LinkClosed",
    # Simulator results
    "SimStats",
    "UserStats",
    "Blast",
    "BlastReport",
]
