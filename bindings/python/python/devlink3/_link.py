"""Links to an IP Office: ``connect()``, ``Link`` and its TLS options."""

from __future__ import annotations

import asyncio
import atexit
import os
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, TypeVar, Union

from . import _devlink3
from ._devlink3 import (
    AttemptReject,
    CallLost,
    CmExtn,
    CmExtnState,
    Delta2,
    Detail,
    LinkLost,
    LinkState,
    Missed,
    SipTrack,
    Unparsed,
)
from ._errors import ConfigError, LinkClosed

Delta3Event = Union[Detail, CallLost, LinkLost, AttemptReject]
"""A Delta3 record: what a link delivers by default."""

Event = Union[
    Detail, CallLost, LinkLost, AttemptReject, Delta2, SipTrack, CmExtn, CmExtnState, Unparsed, LinkState, Missed
]
"""Anything a link delivers."""

CallEvent = Dict[str, Any]
"""A call model event: ``{"event": "answered", "call": {...}}``, an extension change
``{"event": "extension", "extension": "4001", "state": "talking", "previous": "ringing"}`` or
``{"event": "unplaced", "reason": ..., "record": ...}``: the documents ``devlink3 calls``
prints."""

PathLike = Union[str, "os.PathLike[str]"]
Callback = TypeVar("Callback", bound=Optional[Callable[..., Any]])

# How long an asyncio wait occupies a worker thread before looking again (also the longest
# a cancelled wait keeps its thread).
_ASYNC_SLICE = 0.25


@dataclass(frozen=True)
class TlsOptions:
    """How to trust the PBX's certificate on a ``tls://`` link.

    By default the certificate is verified against the system's roots. An IP Office usually
    presents a self-signed certificate: trust it with ``ca_file`` (a PEM file of CA
    certificates, used instead of the system's) or pin it with ``pin_sha256`` (the SHA-256
    of the certificate, hex, colons allowed). ``danger_accept_invalid_certs`` accepts any
    certificate: for labs only, as anyone on the path can then read the password.
    """

    ca_file: Optional[PathLike] = None
    pin_sha256: Optional[str] = None
    danger_accept_invalid_certs: bool = False
    client_cert: Optional[Tuple[PathLike, PathLike]] = None
    """Certificate and key PEM files for mutual TLS."""
    server_name: Optional[str] = None
    """The name to verify instead of the target's host (when connecting by address)."""


@dataclass(frozen=True)
class WebSocketOptions:
    """Settings for ``ws://`` and ``wss://`` targets (the URL's path is site-specific).

    ``http_auth``: ``"auto"`` answers the server's challenge (Digest with MD5 preferred),
    or ``"none"``, ``"basic"``, ``"digest"``; the credentials are the service user's. Basic
    over plain ``ws://`` is refused unless ``allow_basic_over_cleartext``. ``devlink_auth``:
    run the DevLink3 login inside the WebSocket (switch off for servers that authenticate
    only at the HTTP layer). ``protocols``: ``Sec-WebSocket-Protocol`` values to offer;
    ``headers``: extra ``(name, value)`` request headers.
    """

    http_auth: str = "auto"
    allow_basic_over_cleartext: bool = False
    devlink_auth: bool = True
    protocols: Tuple[str, ...] = ()
    headers: Tuple[Tuple[str, str], ...] = ()


class Link(_devlink3.Link):
    """A link to one IP Office, kept up (reconnecting) until it is closed.

    Take events by iterating (``for event in link``, ``async for event in link``) or with
    callbacks (``link.on_delta3(fn)``), not both. Use it as a context manager, or call
    ``close()``. Create it with ``devlink3.connect()``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The native constructor has done the work; this only registers the link so that it
        # is closed at interpreter exit.
        _open.add(self)

    async def next(self) -> Event:
        """The next event, without blocking the event loop. Raises ``LinkClosed`` once the
        link is closed, ``AuthenticationFailed`` (or another ``Refused``) if the PBX refuses
        it. Cancelling it loses no event."""
        loop = asyncio.get_running_loop()
        while True:
            event = self._take()
            if event is not None:
                return event
            # The wait runs on a worker thread without the GIL; events stay in the link, so a
            # cancelled wait loses none.
            await loop.run_in_executor(_async_waits(), self._fill, _ASYNC_SLICE)

    def __aiter__(self) -> Link:
        return self

    async def __anext__(self) -> Event:
        try:
            return await self.next()
        except LinkClosed:
            raise StopAsyncIteration from None

    def calls(
        self, *, max_idle: float = 43200.0, resync_window: float = 5.0, max_calls: int = 100_000
    ) -> Calls:
        """The calls of this link, from its Delta3 records: iterate the result
        (``for event in link.calls()`` or ``async for``) for call events (``started``,
        ``ringing``, ``answered``, ``held``, ``retrieved``, ``transferred``, ``conferenced``,
        ``queued``, ``party_joined``, ``party_left``, ``ended`` with a ``summary``) and
        extension state changes, as dicts. Like iterating the link, it takes the link's
        events: use one of them, or callbacks.

        ``max_idle``: seconds without a record after which a call is ended as ``unknown``;
        ``resync_window``: seconds the PBX has to re-announce a call after a reconnect;
        ``max_calls``: calls tracked at most.
        """
        return Calls(
            super().calls(max_idle=max_idle, resync_window=resync_window, max_calls=max_calls)
        )

    # Callbacks run one at a time on the link's dispatcher thread, holding the GIL for the
    # call only. What a callback raises goes to sys.unraisablehook; the events go on. Each
    # method returns the callback, so it can be used as a decorator; None removes it.

    def on_delta3(self, callback: Callback) -> Callback:
        """Calls ``callback(event)`` for each Delta3 record (``Detail``, ``CallLost``...)."""
        return self._on("delta3", callback)

    def on_delta2(self, callback: Callback) -> Callback:
        """Calls ``callback(event)`` for each ``Delta2`` record (links opened with ``-CD2``)."""
        return self._on("delta2", callback)

    def on_siptrack(self, callback: Callback) -> Callback:
        """Calls ``callback(event)`` for each ``SipTrack`` event (``_SIPTrack``)."""
        return self._on("siptrack", callback)

    def on_cmextn(self, callback: Callback) -> Callback:
        """Calls ``callback(event)`` for each ``CmExtn`` or ``CmExtnState`` event (``_CMExtn``)."""
        return self._on("cmextn", callback)

    def on_link_state(self, callback: Callback) -> Callback:
        """Calls ``callback(state)`` for each ``LinkState`` change."""
        return self._on("link_state", callback)

    def on_missed(self, callback: Callback) -> Callback:
        """Calls ``callback(missed)`` when events were lost (``Missed``)."""
        return self._on("missed", callback)

    def on_call(self, callback: Callback) -> Callback:
        """Calls ``callback(event)`` for each call or extension event of the call model (the
        dicts ``link.calls()`` yields). Subscribes the link to Delta3 records."""
        return self._on("call", callback)

    def on_other(self, callback: Callback) -> Callback:
        """Calls ``callback(event)`` for each record that could not be parsed (``Unparsed``)."""
        return self._on("other", callback)

    def _on(self, kind: str, callback: Callback) -> Callback:
        self._set_callback(kind, callback)
        return callback


class Calls:
    """The calls of a link (``link.calls()``): an iterator of call and extension events,
    sync and async, and the state now (``calls()``, ``extensions()``)."""

    def __init__(self, native: _devlink3.Calls) -> None:
        self._native = native

    def __iter__(self) -> Iterator[CallEvent]:
        return self

    def __next__(self) -> CallEvent:
        event = self._native.__next__()
        if event is None:
            raise StopIteration
        return event

    async def next(self) -> CallEvent:
        """The next event, without blocking the event loop; raises ``LinkClosed`` once the
        link is closed."""
        loop = asyncio.get_running_loop()
        while True:
            event = self._native._take()
            if event is not None:
                return event
            if not await loop.run_in_executor(_async_waits(), self._native._fill, _ASYNC_SLICE):
                event = self._native._take()
                if event is not None:
                    return event
                raise LinkClosed("the link is closed")

    def __aiter__(self) -> Calls:
        return self

    async def __anext__(self) -> CallEvent:
        try:
            return await self.next()
        except LinkClosed:
            raise StopAsyncIteration from None

    def calls(self) -> List[Dict[str, Any]]:
        """The calls in progress now (call documents, oldest first)."""
        return self._native.calls()

    def extensions(self) -> Dict[str, str]:
        """Every extension seen in a call and its state now (``idle``, ``ringing``,
        ``dialling``, ``held``, ``talking``): a busy-lamp field."""
        return self._native.extensions()


def connect(
    target: str,
    user: Optional[str] = None,
    password: Optional[str] = None,
    *,
    flags: Union[str, Iterable[str]] = "",
    tls: Optional[TlsOptions] = None,
    websocket: Optional[WebSocketOptions] = None,
    application_name: Optional[str] = None,
    queue_capacity: int = 4096,
    keepalive_interval: float = 30.0,
    connect_timeout: float = 10.0,
    response_timeout: float = 10.0,
    reconnect_delay: float = 0.5,
    reconnect_max_delay: float = 60.0,
    retry_later_delay: float = 30.0,
) -> Link:
    """Opens a link to an IP Office and returns at once; it connects in the background.

    ``target``: ``tcp://host[:50797]``, ``tls://host[:50796]``, ``host[:port]`` (TCP), or a
    WebSocket URL ``ws://host[:80]/path`` / ``wss://host[:50796]/path`` (see ``websocket=``).
    ``user``: a service user with the DevLink3 right (default: ``$DEVLINK3_USER``).
    ``flags``: event request flags, e.g. ``"-CD2"`` for Delta2 records, ``"_SIPTrack"``,
    ``"_CMExtn"``, as a string or a list. ``queue_capacity``: events buffered for a slow
    consumer before the oldest are dropped (and reported as ``Missed``). Durations are in
    seconds. Wrong credentials raise ``AuthenticationFailed`` from the iteration (or from
    ``wait_operational()``), after exactly one attempt.
    """
    user = user if user is not None else os.environ.get("DEVLINK3_USER")
    if not user:
        raise ConfigError("no service user: pass user= or set DEVLINK3_USER")
    if password is None:
        raise ConfigError("no password given")
    return Link(
        target,
        user,
        password,
        flags=flags if isinstance(flags, str) else " ".join(flags),
        tls=tls,
        websocket=websocket,
        application_name=application_name,
        queue_capacity=queue_capacity,
        keepalive_interval=keepalive_interval,
        connect_timeout=connect_timeout,
        response_timeout=response_timeout,
        reconnect_delay=reconnect_delay,
        reconnect_max_delay=reconnect_max_delay,
        retry_later_delay=retry_later_delay,
    )


_executor: Optional[ThreadPoolExecutor] = None


def _async_waits() -> ThreadPoolExecutor:
    """The threads asyncio waits run on: one per link being awaited, not per event, and not
    the loop's default executor, which the application may need for itself."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="devlink3-async")
    return _executor


# Links and simulators still open, closed at interpreter exit.
_open: "weakref.WeakSet[Any]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """Closes what is still open at exit, so that no thread is left waiting on a link and no
    callback runs while Python finalizes; then stops forwarding log records."""
    for item in list(_open):
        item.close()
    _devlink3._drain_waits(1.0)
    _devlink3._stop_logging()
