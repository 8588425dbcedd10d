"""Callbacks on the dispatcher thread: delivery, exceptions, closing from inside."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, List

import pytest

import devlink3

from conftest import CALL_LOST, eventually, subscribed


def test_callbacks_get_states_and_records_on_another_thread(devlink3_sim: devlink3.Simulator) -> None:
    seen: List[Any] = []
    threads = set()
    with devlink3_sim.connect() as link:

        @link.on_link_state
        def state(s: devlink3.LinkState) -> None:
            seen.append(s.name)

        @link.on_delta3
        def record(event: devlink3.Delta3Event) -> None:
            threads.add(threading.current_thread().ident)
            seen.append(event)

        subscribed(devlink3_sim).inject_delta3(CALL_LOST)  # on_delta3 subscribed the link
        eventually(lambda: any(isinstance(e, devlink3.CallLost) for e in seen), "the CallLost")
    assert seen[:2] == ["connecting", "operational"]
    assert threading.get_ident() not in threads
    count = len(seen)
    time.sleep(0.2)
    assert len(seen) == count, "no callback after close returned"


def test_iteration_is_refused_in_callback_mode(devlink3_link: devlink3.Link) -> None:
    devlink3_link.on_missed(lambda missed: None)
    with pytest.raises(devlink3.DevlinkError, match="callbacks"):
        devlink3_link.next_event(timeout=0)


def test_an_exception_in_a_callback_is_reported_and_the_stream_goes_on(
    devlink3_sim: devlink3.Simulator, devlink3_link: devlink3.Link, monkeypatch: pytest.MonkeyPatch
) -> None:
    reported: List[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    calls = []

    def flaky(event: devlink3.Delta3Event) -> None:
        calls.append(event)
        if len(calls) == 1:
            raise RuntimeError("bug in the application")

    devlink3_link.on_delta3(flaky)
    subscribed(devlink3_sim).inject_delta3(CALL_LOST)
    subscribed(devlink3_sim).inject_delta3(CALL_LOST)
    eventually(lambda: len(calls) == 2, "both records delivered")
    assert len(reported) == 1
    assert isinstance(reported[0].exc_value, RuntimeError)
    assert reported[0].object is flaky


def test_close_from_inside_a_callback() -> None:
    with devlink3.Simulator(rate=50) as sim:
        link = sim.connect()
        calls = []

        @link.on_delta3
        def first_only(event: devlink3.Delta3Event) -> None:
            calls.append(event)
            link.close()

        assert link.wait_closed(timeout=10)
        time.sleep(0.3)
        assert len(calls) == 1
        assert link.state.name == "closed"
        link.close()  # idempotent


def test_callbacks_can_be_replaced_and_removed(devlink3_sim: devlink3.Simulator, devlink3_link: devlink3.Link) -> None:
    first: List[Any] = []
    second: List[Any] = []
    devlink3_link.on_delta3(first.append)
    subscribed(devlink3_sim).inject_delta3(CALL_LOST)
    eventually(lambda: len(first) == 1, "first callback")
    devlink3_link.on_delta3(second.append)
    subscribed(devlink3_sim).inject_delta3(CALL_LOST)
    eventually(lambda: len(second) == 1, "second callback")
    devlink3_link.on_delta3(None)
    subscribed(devlink3_sim).inject_delta3(CALL_LOST)
    time.sleep(0.2)
    assert (len(first), len(second)) == (1, 1)


def test_a_callback_must_be_callable(devlink3_link: devlink3.Link) -> None:
    with pytest.raises(TypeError):
        devlink3_link.on_delta3(42)  # type: ignore[arg-type]


def test_a_link_kept_alive_only_by_its_callback_is_collected(devlink3_sim: devlink3.Simulator) -> None:
    import gc
    import weakref

    class Application:
        def __init__(self, link: devlink3.Link) -> None:
            self.link = link
            link.on_link_state(self.on_state)  # a cycle through the native link

        def on_state(self, state: devlink3.LinkState) -> None:
            pass

    application = Application(devlink3_sim.connect())
    ref = weakref.ref(application.link)
    del application
    # Collected, and Python is told it was never closed, as for a file or a socket.
    with pytest.warns(ResourceWarning, match="unclosed devlink3.Link"):
        eventually(lambda: gc.collect() >= 0 and ref() is None, "the link collected")
    eventually(lambda: devlink3_sim.stats().connections_active == 0, "its connection closed")


def test_callbacks_change_from_another_thread_while_callbacks_run(devlink3_sim: devlink3.Simulator) -> None:
    # The dispatcher holds the handler table while it waits for the GIL to call back; a
    # change made with the GIL held would wait for the table: a deadlock (this test hung).
    with devlink3_sim.connect() as link:
        received: list = []
        link.on_delta3(received.append)
        link.wait_operational(timeout=10)
        subscribed(devlink3_sim).blast(2000, CALL_LOST)
        for _ in range(300):
            link.on_link_state(lambda state: None)
            link.on_missed(lambda missed: None)
        eventually(lambda: len(received) == 2000, "every record delivered")
