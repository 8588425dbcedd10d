"""The call model in Python: ``link.calls()`` (sync and async), ``on_call``, and the
simulator's truth."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any, Dict, List

import devlink3

from conftest import WAIT

RINGING = (
    "<Detail><Call>c0a82a03,3,,,,0,,200,,200,</Call>"
    "<PartyA>c0a82a0300002329,1,19,1,2,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA>"
    "<Target_list><Target>c0a82a0300000407,0,0,8,106,,4001,0,4,,,200,901707123456,100</Target></Target_list>"
    "</Detail>"
)
ANSWERED = (
    "<Detail><Call>c0a82a03,3,,,,0,,200,,200,</Call>"
    "<PartyA>c0a82a0300002329,1,2,1,0,0,1,0,0,2,2,5.23,,0,0,5678,,,,,,01707123456,100</PartyA>"
    "<PartyB>c0a82a0300000407,0,2,1,0,0,0,0,1,8,106,,4001,0,4,,,,,,200,901707123456,100</PartyB></Detail>"
)
GONE = [
    "<CallLost>c0a82a03,c0a82a0300000407,1,16</CallLost>",
    "<CallLost>c0a82a03,c0a82a0300002329,0,16</CallLost>",
]
SEQUENCE = [RINGING, ANSWERED, *GONE]


def call_events(events: List[Dict[str, Any]]) -> List[str]:
    return [e["event"] for e in events if e["event"] != "extension"]


def take_until_ended(calls: devlink3.Calls) -> List[Dict[str, Any]]:
    seen: List[Dict[str, Any]] = []
    deadline = time.monotonic() + WAIT
    for event in calls:
        seen.append(event)
        if event["event"] == "ended" or time.monotonic() > deadline:
            break
    return seen


def test_calls_iterates_call_documents(devlink3_sim: devlink3.Simulator) -> None:
    with devlink3_sim.connect() as link:
        calls = link.calls()
        link.subscribe()
        assert devlink3_sim.wait_subscribed(1, timeout=WAIT)
        for text in SEQUENCE:
            devlink3_sim.inject_delta3(text)
        seen = take_until_ended(calls)
    assert call_events(seen) == ["started", "ringing", "answered", "party_left", "ended"]
    ended = seen[-1]["call"]
    assert ended["direction"] == "inbound"
    assert (ended["caller"], ended["called"], ended["answered_by"]) == ("01707123456", "5678", "4001")
    assert ended["summary"]["disposition"] == "answered"
    assert ended["summary"]["cleared_by"] == "4001"
    assert ended["summary"]["cause"] == "CMCauseNormal"
    lamps = [(e["extension"], e["state"]) for e in seen if e["event"] == "extension"]
    assert lamps == [("4001", "ringing"), ("4001", "talking"), ("4001", "idle")]
    json.dumps(seen)  # plain values, as the CLI prints them


def test_calls_state_now(devlink3_sim: devlink3.Simulator) -> None:
    with devlink3_sim.connect() as link:
        calls = link.calls()
        link.subscribe()
        assert devlink3_sim.wait_subscribed(1, timeout=WAIT)
        devlink3_sim.inject_delta3(RINGING)
        for event in calls:
            if event["event"] == "ringing":
                break
        assert [c["id"] for c in calls.calls()] == ["c0a82a0300002329"]
        assert calls.extensions() == {"4001": "ringing"}


def test_calls_async(devlink3_sim: devlink3.Simulator) -> None:
    async def run() -> List[Dict[str, Any]]:
        with devlink3_sim.connect() as link:
            calls = link.calls()
            link.subscribe()
            assert devlink3_sim.wait_subscribed(1, timeout=WAIT)
            for text in SEQUENCE:
                devlink3_sim.inject_delta3(text)
            seen = []
            async for event in calls:
                seen.append(event)
                if event["event"] == "ended":
                    break
            return seen

    seen = asyncio.run(asyncio.wait_for(run(), WAIT))
    assert call_events(seen) == ["started", "ringing", "answered", "party_left", "ended"]


def test_on_call_beside_on_delta3(devlink3_sim: devlink3.Simulator) -> None:
    with devlink3_sim.connect() as link:
        got: List[Dict[str, Any]] = []
        records: List[Any] = []
        ended = threading.Event()

        @link.on_call
        def on_call(event: Dict[str, Any]) -> None:
            got.append(event)
            if event["event"] == "ended":
                ended.set()

        link.on_delta3(records.append)
        assert devlink3_sim.wait_subscribed(1, timeout=WAIT)
        for text in SEQUENCE:
            devlink3_sim.inject_delta3(text)
        assert ended.wait(WAIT)
    assert call_events(got) == ["started", "ringing", "answered", "party_left", "ended"]
    assert len(records) == 4, "the record callback still gets every record"


def test_on_call_callback_that_raises_does_not_stop_the_stream(devlink3_sim: devlink3.Simulator) -> None:
    import sys

    unraisable: List[Any] = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        with devlink3_sim.connect() as link:
            got: List[str] = []
            ended = threading.Event()

            def on_call(event: Dict[str, Any]) -> None:
                got.append(event["event"])
                if event["event"] == "ended":
                    ended.set()
                raise RuntimeError("boom")

            link.on_call(on_call)
            assert devlink3_sim.wait_subscribed(1, timeout=WAIT)
            for text in SEQUENCE:
                devlink3_sim.inject_delta3(text)
            assert ended.wait(WAIT)
    finally:
        sys.unraisablehook = old_hook
    assert "ended" in got
    assert unraisable and all(isinstance(u.exc_value, RuntimeError) for u in unraisable)


def test_calls_agree_with_the_simulators_truth() -> None:
    with devlink3.Simulator(rate=30.0, seed=7) as sim:
        with sim.connect() as link:
            ended: Dict[str, Dict[str, Any]] = {}
            calls = link.calls()
            deadline = time.monotonic() + 15
            for event in calls:
                if event["event"] == "ended":
                    ended[event["call"]["id"]] = event["call"]
                if time.monotonic() > deadline:
                    break
        truths = sim.take_truths()
    compared = 0
    for truth in truths:
        call = ended.get(truth["id"])
        if call is None:
            continue
        compared += 1
        for key in ("direction", "caller", "called", "answered_by"):
            assert call[key] == truth[key], (key, call, truth)
        assert call["summary"]["disposition"] == truth["disposition"], (call, truth)
        assert abs(call["summary"]["talk_seconds"] - truth["talk_seconds"]) <= 0.5, (call, truth)
    assert compared >= 10, f"only {compared} calls compared"


def test_calls_rejects_absurd_options(devlink3_link: devlink3.Link) -> None:
    import pytest

    with pytest.raises(ValueError, match="max_calls"):
        devlink3_link.calls(max_calls=0)
    with pytest.raises(ValueError, match="max_idle"):
        devlink3_link.calls(max_idle=-1)


SCRIPT = [
    {
        "at": 0.3,
        "from": "01632960123",
        "to": "200",
        "steps": [
            {"after": 1, "action": "answer", "extension": "4001"},
            {"after": 1, "action": "transfer", "extension": "4002"},
            {"after": 1, "action": "answer"},
            {"after": 1, "action": "hangup"},
        ],
    }
]


def test_a_scripted_call_flow_without_a_pbx() -> None:
    with devlink3.Simulator(script=SCRIPT) as sim:
        with sim.connect() as link:
            seen = take_until_ended(link.calls())
        truths = sim.take_truths()
    kinds = call_events(seen)
    assert kinds[0] == "started" and kinds[-1] == "ended", kinds
    assert "transferred" in kinds and "party_joined" in kinds, kinds
    ended = seen[-1]["call"]
    assert (ended["caller"], ended["called"], ended["answered_by"]) == ("01632960123", "200", "4001")
    assert [t["answered_by"] for t in truths] == ["4001"]


def test_a_wrong_script_is_refused_by_name() -> None:
    import pytest

    with pytest.raises(devlink3.ConfigError, match="script call 1 .*4009 does not ring"):
        devlink3.Simulator(script=[{"from": "0163", "to": "200", "steps": [{"action": "answer", "extension": "4009"}]}])
    with pytest.raises(devlink3.ConfigError, match="unknown variant `dance`"):
        devlink3.Simulator(script='[{"from": "4001", "to": "4002", "steps": [{"action": "dance"}]}]')
