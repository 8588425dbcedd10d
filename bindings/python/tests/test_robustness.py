"""Issue 11: nothing lost before the application is ready, bounded memory, no secret in
any log, and links that close when they should."""

from __future__ import annotations

import base64
import logging
import threading
import time

import pytest

import devlink3

from conftest import WAIT, eventually


def test_records_before_the_record_callback_are_not_lost() -> None:
    # Calls start at once: by the time on_delta3 is set there are calls in progress (the
    # PBX's snapshot) and records flowing.
    with devlink3.Simulator(rate=50) as sim, sim.connect() as link:
        states: list = []
        link.on_link_state(states.append)
        link.wait_operational(timeout=WAIT)
        time.sleep(0.3)
        assert sim.stats().connections_subscribed == 0, "no consumer of records yet, no event request"
        assert sim.stats().calls_in_progress > 0
        received: list = []
        link.on_delta3(received.append)
        assert sim.wait_subscribed(1, timeout=WAIT)
        time.sleep(0.3)
        sim.set_rate(0)
        eventually(lambda: len(received) == sim.stats().events_sent > 0, "every record sent reached on_delta3")
        assert isinstance(received[0], devlink3.Detail), "the snapshot comes first"


def test_iteration_subscribes_and_gets_the_snapshot() -> None:
    with devlink3.Simulator(rate=50) as sim, sim.connect() as link:
        link.wait_operational(timeout=WAIT)
        time.sleep(0.3)
        in_progress = sim.stats().calls_in_progress
        assert in_progress > 0 and sim.stats().connections_subscribed == 0
        sim.set_rate(0)
        first = next(e for e in link if not isinstance(e, devlink3.LinkState))
        assert isinstance(first, devlink3.Detail)


@pytest.mark.parametrize("capacity", [0, -1, 1_048_577, 100_000_000, 4_000_000_000, 2**70])
def test_absurd_queue_capacities_are_refused(capacity: int) -> None:
    with devlink3.Simulator() as sim:
        with pytest.raises((ValueError, OverflowError), match="queue_capacity|out of range|too large"):
            devlink3.connect(sim.target, sim.user, sim.password, queue_capacity=capacity)


def test_a_float_queue_capacity_is_a_type_error() -> None:
    with devlink3.Simulator() as sim:
        with pytest.raises(TypeError):
            devlink3.connect(sim.target, sim.user, sim.password, queue_capacity=4e9)  # type: ignore[arg-type]


def test_the_largest_queue_allocates_nothing_up_front() -> None:
    with devlink3.Simulator() as sim:
        links = [devlink3.connect(sim.target, sim.user, sim.password, queue_capacity=1_048_576) for _ in range(10)]
        try:
            with open("/proc/self/statm") as statm:
                resident = int(statm.read().split()[1]) * 4096
            assert resident < 1 << 30, f"{resident >> 20} MiB resident with 10 idle links"
        finally:
            for link in links:
                link.close()


@pytest.mark.parametrize("scheme", ["ws", "wss"])
def test_no_password_in_logs_at_the_most_verbose_level(scheme: str, caplog: pytest.LogCaptureFixture) -> None:
    password = "s3cret-Pw-4711"
    basic = base64.b64encode(f"devlink3:{password}".encode()).decode()
    caplog.set_level(1)
    logging.getLogger().setLevel(1)
    tls = scheme == "wss"
    with devlink3.Simulator(
        websocket=True, tls=tls, ws_auth="basic", users=[("devlink3", password)], rate=0
    ) as sim:
        target = sim.wss_target if tls else sim.ws_target
        assert target
        options = devlink3.WebSocketOptions(http_auth="basic", allow_basic_over_cleartext=True)
        tls_options = devlink3.TlsOptions(pin_sha256=sim.fingerprint_sha256) if tls else None
        with devlink3.connect(target, "devlink3", password, websocket=options, tls=tls_options) as link:
            link.wait_operational(timeout=WAIT)
    eventually(lambda: any("operational" in r.getMessage() for r in caplog.records), "logs forwarded")
    assert any(r.levelno < logging.DEBUG for r in caplog.records), "trace records were forwarded"
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert password not in text
    assert basic not in text


def test_wait_closed_blocks_until_close() -> None:
    with devlink3.Simulator() as sim:
        link = sim.connect()
        assert link.wait_closed(timeout=0.05) is False
        threading.Timer(0.2, link.close).start()
        started = time.monotonic()
        assert link.wait_closed(timeout=WAIT) is True
        assert time.monotonic() - started < 5
