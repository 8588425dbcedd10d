"""Library logs go to Python logging, never to stdout or stderr, and never hold a password."""

from __future__ import annotations

import logging

import pytest

import devlink3

from conftest import eventually


def test_logs_reach_the_devlink3_logger(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="devlink3")
    with devlink3.Simulator(users=[("devlink3", "s3cret-pw")]) as sim:
        with devlink3.connect(sim.target, "devlink3", "s3cret-pw") as link:
            link.wait_operational(timeout=10)
    eventually(
        lambda: any(r.name == "devlink3.client" and "operational" in r.getMessage() for r in caplog.records),
        "the operational state logged",
    )
    assert any(r.name.startswith("devlink3.sim") and r.levelno == logging.INFO for r in caplog.records)
    assert "s3cret-pw" not in caplog.text
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_levels_below_the_logger_are_not_forwarded(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="devlink3")
    with devlink3.Simulator() as sim, sim.connect() as link:
        link.wait_operational(timeout=10)
    assert not [r for r in caplog.records if r.name.startswith("devlink3") and r.levelno < logging.WARNING]
