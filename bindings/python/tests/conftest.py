"""Shared helpers: the simulator fixtures come from devlink3's own pytest plugin."""

from __future__ import annotations

import time
from typing import Callable, List, Type, TypeVar

import devlink3

pytest_plugins = ["devlink3.pytest_plugin"]

WAIT = 10.0
"""Seconds any single expectation may take before a test fails."""

T = TypeVar("T")

ANSWERED_CALL = devlink3.Simulator.ANSWERED_CALL
CALL_LOST = "<CallLost>c0a82a03,c0a82a0300000413,1,16,1234</CallLost>"


def wait_for(link: devlink3.Link, kind: Type[T], timeout: float = WAIT) -> T:
    """The next event of type ``kind``, skipping others; fails after ``timeout`` seconds."""
    event = wait_until(link, lambda e: isinstance(e, kind), f"a {kind.__name__}", timeout)
    assert isinstance(event, kind)
    return event


def wait_until(link: devlink3.Link, pred: Callable[[object], bool], what: str, timeout: float = WAIT) -> object:
    """The next event for which ``pred`` holds, skipping others."""
    deadline = time.monotonic() + timeout
    seen: List[object] = []
    while (left := deadline - time.monotonic()) > 0:
        event = link.next_event(timeout=left)
        if event is not None and pred(event):
            return event
        seen.append(event)
    raise AssertionError(f"no {what} within {timeout} s; saw {seen!r}")


def wait_state(link: devlink3.Link, name: str) -> devlink3.LinkState:
    """The next link state called ``name``, skipping other events."""
    state = wait_until(link, lambda e: isinstance(e, devlink3.LinkState) and e.name == name, f"{name} state")
    assert isinstance(state, devlink3.LinkState)
    return state


def eventually(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Polls ``condition`` until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.01)


def subscribed(sim: devlink3.Simulator, count: int = 1) -> devlink3.Simulator:
    """``sim`` once ``count`` links have asked it for events (links ask when a consumer of
    records appears), so that what the test injects next reaches them."""
    assert sim.wait_subscribed(count, timeout=WAIT), f"fewer than {count} links subscribed"
    return sim
