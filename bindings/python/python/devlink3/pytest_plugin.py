"""pytest fixtures for code that uses devlink3, against the embedded simulator.

Enable them in a ``conftest.py``::

    pytest_plugins = ["devlink3.pytest_plugin"]

    def test_my_handler(devlink3_sim, devlink3_link):
        devlink3_sim.inject_delta3("<CallLost>c0a82a03,c0a82a0300000413,1,16</CallLost>")
        ...
"""

from __future__ import annotations

from typing import Iterator

import pytest

import devlink3


@pytest.fixture
def devlink3_sim() -> Iterator[devlink3.Simulator]:
    """A running simulator that generates no traffic: the test injects what it needs."""
    with devlink3.Simulator() as sim:
        yield sim


@pytest.fixture
def devlink3_link(devlink3_sim: devlink3.Simulator) -> Iterator[devlink3.Link]:
    """An operational link to ``devlink3_sim``, subscribed to events (so records the test
    injects reach it), closed after the test."""
    with devlink3_sim.connect() as link:
        link.wait_operational(timeout=10)
        link.subscribe()
        assert devlink3_sim.wait_subscribed(1, timeout=10), "the link did not subscribe"
        yield link
