"""Events as typed, immutable objects: iteration, fields, enums, dicts, reprs."""

from __future__ import annotations

import json
import time

import pytest

import devlink3
from devlink3 import (
    CalledType,
    CallingNameType,
    Cause,
    CliPresentation,
    EquipmentClass,
    PartyFlags,
    PartyState,
    QueueState,
    Tone,
)

from conftest import eventually, ANSWERED_CALL, CALL_LOST, wait_for, subscribed


def test_sync_iteration_yields_states_then_records(devlink3_sim: devlink3.Simulator) -> None:
    with devlink3_sim.connect() as link:
        states = []
        for event in link:
            if isinstance(event, devlink3.LinkState):
                states.append(event.name)
                if states == ["connecting", "operational"]:
                    subscribed(devlink3_sim).inject_delta3(CALL_LOST)
            elif isinstance(event, devlink3.CallLost):
                break
        # Operational again if the subscription came after the first report.
        assert states in (["connecting", "operational"], ["connecting", "operational", "operational"])
        assert event.end_id == "c0a82a0300000413"
        assert event.cause is Cause.NORMAL
        assert event.cause.label == "CMCauseNormal"
        assert event.cleared_inbound is True
        assert event.timestamp == 1234
        assert event.origin.pbx_ip == "192.168.42.3"


def test_iteration_ends_when_the_link_is_closed(devlink3_link: devlink3.Link) -> None:
    devlink3_link.close()
    assert list(devlink3_link) == []
    assert devlink3_link.closed
    assert devlink3_link.state.name == "closed"
    with pytest.raises(devlink3.LinkClosed):
        devlink3_link.next_event(timeout=0)


def test_next_event_times_out_with_none(devlink3_link: devlink3.Link) -> None:
    # connecting, operational, and operational again once subscribed (with the flags)
    while isinstance(devlink3_link.next_event(timeout=0.1), devlink3.LinkState):
        pass
    started = time.monotonic()
    assert devlink3_link.next_event(timeout=0.2) is None
    assert 0.15 < time.monotonic() - started < 2


def test_answered_call_detail_fields(devlink3_sim: devlink3.Simulator, devlink3_link: devlink3.Link) -> None:
    subscribed(devlink3_sim).inject_delta3(ANSWERED_CALL)
    detail = wait_for(devlink3_link, devlink3.Detail)
    assert detail.raw == ANSWERED_CALL
    assert detail.origin.counter > 0

    call = detail.call
    assert (call.node, call.call_id, call.account_code, call.tag) == ("c0a82a03", 4, "", "")
    assert (call.original_huntgroup, call.target_huntgroup, call.target_user) == ("200", "200", "")
    assert call.queueing is QueueState.NOT_QUEUEING

    a = detail.party_a
    assert a.end_id == "c0a82a030000232a"
    assert a.incoming is True and a.audio_path is True and a.public_line is True and a.remote is False
    assert a.state is PartyState.CONNECTED and a.state == 2 and a.state.label == "Connected"
    assert a.tone is Tone.NO_TONE
    assert a.flags == PartyFlags(0)
    assert a.equipment is EquipmentClass.ISDN_TRUNK and a.equipment_type == 2
    assert (a.description, a.did, a.cli) == ("5.23", "5678", "01707123456")
    assert a.called_type is CalledType.UNSPECIFIED
    assert a.cli_presentation is CliPresentation.UNSPECIFIED
    assert a.calling_name_type is CallingNameType.DEFAULT

    b = detail.party_b
    assert b is not None
    assert (b.end_id, b.identity, b.purpose, b.cli) == ("c0a82a0300000413", "4001", "200", "901707123456")
    assert b.incoming is False and b.emergency_location == 1
    assert b.equipment is EquipmentClass.TDM_PHONE and b.equipment_type == 106
    assert b.called_reason == 4
    assert detail.targets == []


def test_ringing_detail_with_targets_flags_and_a_quoted_name(
    devlink3_sim: devlink3.Simulator, devlink3_link: devlink3.Link
) -> None:
    record = (
        "<Detail><Call>c0a82a03,7,,,,0,,200,,200,</Call>"
        '<PartyA>c0a82a030000232b,1,1,1,2,0,1,5,0,5,0,abc@sip,,0,0,5678,,,,,,01707123456,100,1,"Smith, John",'
        "</PartyA><Target_list>"
        "<Target>c0a82a0300000414,0,0,8,106,,4002,0,4,,,200,01707123456,100</Target>"
        "<Target>c0a82a0300000415,0,0,9,0,,4003,0,4,,,200,01707123456,42</Target>"
        "</Target_list></Detail>"
    )
    subscribed(devlink3_sim).inject_delta3(record)
    detail = wait_for(devlink3_link, devlink3.Detail)
    a = detail.party_a
    assert a.state is PartyState.RINGING and a.tone is Tone.RINGBACK
    assert a.flags == PartyFlags.PRIVACY | PartyFlags.AUTO_RECORDED
    assert PartyFlags.PRIVACY in a.flags and PartyFlags.AUTO_ANSWERED not in a.flags
    assert a.calling_name == "Smith, John"
    assert a.calling_name_type is CallingNameType.DIRECTORY_MATCH
    assert detail.party_b is None
    assert [t.identity for t in detail.targets] == ["4002", "4003"]
    second = detail.targets[1]
    assert second.equipment is EquipmentClass.H323_PHONE
    # A value the specification does not name is kept, not refused.
    assert second.cli_presentation == 42 and second.cli_presentation.name == "UNDOCUMENTED_42"
    assert second.cli_presentation.label is None


def test_events_are_immutable(devlink3_sim: devlink3.Simulator, devlink3_link: devlink3.Link) -> None:
    subscribed(devlink3_sim).inject_delta3(ANSWERED_CALL)
    detail = wait_for(devlink3_link, devlink3.Detail)
    with pytest.raises(AttributeError):
        detail.raw = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        detail.party_a.cli = "x"  # type: ignore[misc]


def test_to_dict_is_json_and_repr_reads_well(devlink3_sim: devlink3.Simulator, devlink3_link: devlink3.Link) -> None:
    subscribed(devlink3_sim).inject_delta3(ANSWERED_CALL)
    detail = wait_for(devlink3_link, devlink3.Detail)
    # The document devlink3 tail prints: the same nesting, the PBX's spellings.
    data = detail.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert list(data) == ["type", "pbx_ip", "counter", "record"]
    assert (data["type"], data["pbx_ip"]) == ("delta3", "192.168.42.3")
    assert data["counter"] == detail.origin.counter
    record = data["record"]
    assert record["kind"] == "detail"
    assert record["call"]["call_id"] == 4
    assert record["party_a"]["state"] == "Connected"
    assert record["party_a"]["equipment"] == "ISDNTrunk"
    assert record["party_a"]["flags"] == []
    assert record["party_b"]["identity"] == "4001"
    assert record["targets"] == []
    assert "raw" not in record
    assert detail.to_dict(raw=True)["record"]["raw"] == ANSWERED_CALL
    assert set(record["party_a"]) >= {"end_id", "cli", "calling_name", "related_end_id"}
    # A section's to_dict is its part of the document.
    assert detail.party_b.to_dict() == record["party_b"]
    assert detail.origin.to_dict() == {"pbx_ip": "192.168.42.3", "counter": data["counter"]}

    text = repr(detail)
    assert text.startswith("Detail(call=Call(node='c0a82a03', call_id=4")
    assert "state=PartyState.CONNECTED" in text and "equipment=EquipmentClass.ISDN_TRUNK" in text
    assert "cli='01707123456'" in text
    assert "account_code" not in text, "empty fields are left out"


def test_delta2_under_cd2(devlink3_sim: devlink3.Simulator) -> None:
    fields = [""] * 50
    fields[0:10] = ["1.2.0", "1.3.1", "2", "1", "1", "0", "0", "0", "Extn4001", "Line 1"]
    fields[24] = "16"  # Cause
    fields[49] = "77"  # CallID
    text = "CALL: S " + ",".join(fields)
    with devlink3_sim.connect(flags="-CD2") as link:
        link.subscribe()
        subscribed(devlink3_sim)
        eventually(lambda: "-CD2" in link.wait_operational(timeout=10).accepted_flags, "-CD2 accepted")
        subscribed(devlink3_sim).inject_delta2(text)
        record = wait_for(link, devlink3.Delta2)
    assert record.raw == text
    assert record.kind is devlink3.Delta2Kind.STATUS and record.kind == "S"
    assert (record.a_call_id, record.b_call_id, record.call_id) == ("1.2.0", "1.3.1", 77)
    assert record.a_state is devlink3.Delta2State.CONNECTED
    assert record.b_state is devlink3.Delta2State.RINGING
    assert record.a_connected is True and record.b_is_music is False
    assert (record.a_name, record.b_name) == ("Extn4001", "Line 1")
    assert record.cause is Cause.NORMAL
    assert record.fields[:2] == ["1.2.0", "1.3.1"] and len(record.fields) == 50
    assert "Delta2(kind=Delta2Kind.STATUS, call_id=77" in repr(record)


def test_generated_delta2_traffic_keeps_the_text() -> None:
    with devlink3.Simulator(rate=50) as sim, sim.connect(flags=["-CD2"]) as link:
        record = wait_for(link, devlink3.Delta2)
        assert record.raw.startswith("CALL: ")


def test_siptrack_and_cmextn(devlink3_sim: devlink3.Simulator) -> None:
    with devlink3_sim.connect(flags="_SIPTrack _CMExtn") as link:
        link.wait_operational(timeout=10)
        link.subscribe()
        subscribed(devlink3_sim).inject_siptrack("START,c0a82a1f000003eb,17.1003.1,TRUNK,IN,0f5757c5c504c74197be9699697eab8d")
        subscribed(devlink3_sim).inject_cmextn("865001: Call cleared (CMCauseNormal)")
        subscribed(devlink3_sim).inject_cmextn_state(1, 2, 0, "Extn865001")
        track = wait_for(link, devlink3.SipTrack)
        assert track.event is devlink3.SipEvent.START and track.event == "START"
        assert track.sip_type is devlink3.SipType.TRUNK and track.direction is devlink3.SipDirection.IN
        assert (track.epid, track.end_id) == ("c0a82a1f000003eb", "17.1003.1")
        assert track.sip_call_id == "0f5757c5c504c74197be9699697eab8d"
        message = wait_for(link, devlink3.CmExtn)
        assert (message.extension, message.cause) == ("865001", Cause.NORMAL)
        state = wait_for(link, devlink3.CmExtnState)
        assert state.extension == "Extn865001"
        assert (state.new_state, state.old_state) == (devlink3.ExtnState.DIALLING, devlink3.ExtnState.IDLE)


def test_counter_gap_is_reported_as_missed(devlink3_sim: devlink3.Simulator, devlink3_link: devlink3.Link) -> None:
    subscribed(devlink3_sim).inject_delta3(CALL_LOST)
    wait_for(devlink3_link, devlink3.CallLost)
    devlink3_sim.skip_counter(5)
    subscribed(devlink3_sim).inject_delta3(CALL_LOST)
    missed = wait_for(devlink3_link, devlink3.Missed)
    assert (missed.count, missed.reason) == (5, devlink3.MissedReason.COUNTER_GAP)
    assert missed.to_dict() == {"type": "missed", "count": 5, "reason": "counter_gap"}
    wait_for(devlink3_link, devlink3.CallLost)


def test_a_slow_consumer_is_told_what_it_missed(devlink3_sim: devlink3.Simulator) -> None:
    with devlink3_sim.connect(queue_capacity=16) as link:
        link.wait_operational(timeout=10)
        link.subscribe()
        subscribed(devlink3_sim).blast(2000, CALL_LOST).wait(timeout=10)
        received = missed = 0
        while received + missed < 2000:
            event = link.next_event(timeout=10)
            assert event is not None, f"events stopped after {received} received, {missed} missed"
            if isinstance(event, devlink3.CallLost):
                received += 1
            elif isinstance(event, devlink3.Missed):
                assert event.reason is devlink3.MissedReason.SLOW_CONSUMER
                missed += event.count
        assert missed > 0 and received >= 16
