"""Every event's to_dict() is the document devlink3 tail prints, valid against the published
JSON Schema (schema/devlink3-event.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

import devlink3

from conftest import ANSWERED_CALL, CALL_LOST, subscribed, wait_until

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "schema" / "devlink3-event.schema.json").read_text())


def test_every_kind_of_event_is_a_valid_document(devlink3_sim: devlink3.Simulator) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    kinds = set()
    with devlink3_sim.connect(flags="_SIPTrack _CMExtn") as link:
        link.subscribe()
        sim = subscribed(devlink3_sim)
        sim.inject_delta3(ANSWERED_CALL)
        sim.inject_delta3(CALL_LOST)
        sim.inject_delta3("<LinkLost>c0a82a03,c0a82a0300000413,1,16,77,9</LinkLost>")
        sim.inject_delta3("<AttemptReject>c0a82a03,c0a82a0300000413,4001,2,77</AttemptReject>")
        sim.inject_delta3("<Nonsense>what</Nonsense>")
        sim.inject_siptrack("START,c0a82a1f000003eb,17.1003.1,TRUNK,IN,0f5757c5c504c74197be9699697eab8d")
        sim.inject_cmextn("865001: Call cleared (CMCauseNormal)")
        sim.inject_cmextn_state(1, 2, 0, "Extn865001")

        details = []

        def check(event: object) -> bool:
            for raw in (False, True):
                document = event.to_dict(raw=raw)  # type: ignore[attr-defined]
                errors = [f"{e.message} at {list(e.absolute_path)}" for e in validator.iter_errors(document)]
                assert not errors, f"{document}: {errors}"
            kind = document["type"]
            if kind == "delta3" and document["record"]["kind"] == "detail":
                details.append(document)
            kinds.add(kind if kind != "delta3" else "delta3 " + document["record"]["kind"])
            return len(kinds) >= 9

        wait_until(link, check, "one event of every kind")
        # The Detail injected parsed as one (not as unparsed): its sections were checked.
        assert details, "a Detail"
    assert kinds >= {"link_state", "delta3 detail", "delta3 call_lost", "delta3 link_lost", "delta3 attempt_reject",
                     "unparsed", "sip_track", "cm_extn", "cm_extn_state"}
