"""Coded fields as enums, and the type stubs against the runtime."""

from __future__ import annotations

import ast
import enum
import pathlib
import pickle
from typing import Dict, Set

import devlink3
from devlink3 import _devlink3

STUB = pathlib.Path(devlink3.__file__).with_name("_devlink3.pyi")


def test_codes_are_int_enums_with_the_pbx_labels() -> None:
    assert devlink3.PartyState.CONNECTED == 2 and devlink3.PartyState(2) is devlink3.PartyState.CONNECTED
    assert devlink3.PartyState.DIAL_INITIATED.label == "Dial Initiated"
    assert devlink3.EquipmentClass.ISDN_TRUNK.label == "ISDNTrunk"
    assert devlink3.Cause.FORWARD_TO_VOICEMAIL.label == "CMCauseForwardToVoicemail"
    assert devlink3.ResultCode.AUTHENTICATION_FAILED == 0x80000041
    # Two values the PBX spells alike stay two members.
    assert devlink3.CalledType.UNSPECIFIED != devlink3.CalledType.IPO_UNSPECIFIED
    assert devlink3.CalledType.IPO_UNSPECIFIED.label == "Unspecified"


def test_undocumented_values_are_kept() -> None:
    odd = devlink3.Tone(250)
    assert odd == 250 and odd.name == "UNDOCUMENTED_250" and odd.label is None
    assert devlink3.Tone(250) is odd
    assert devlink3.PartyFlags(0x101) & devlink3.PartyFlags.PRIVACY
    assert devlink3.SipEvent("HOLD") == "HOLD"


def test_codes_pickle() -> None:
    for member in [devlink3.PartyState.RINGING, devlink3.PartyFlags.PRIVACY, devlink3.SipType.TRUNK]:
        assert pickle.loads(pickle.dumps(member)) is member


def stub_classes() -> Dict[str, ast.ClassDef]:
    tree = ast.parse(STUB.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def test_stub_enums_match_the_runtime() -> None:
    for name, node in stub_classes().items():
        runtime = getattr(_devlink3, name)
        if not (isinstance(runtime, type) and issubclass(runtime, enum.Enum)):
            continue
        stub_members = {
            target.id: ast.literal_eval(item.value)
            for item in node.body
            if isinstance(item, ast.Assign)
            for target in item.targets
            if isinstance(target, ast.Name)
        }
        assert stub_members == {m.name: m.value for m in runtime}, name


def public(names: Set[str]) -> Set[str]:
    return {n for n in names if not (n.startswith("__") and n.endswith("__"))}


def test_stub_classes_match_the_runtime() -> None:
    classes = stub_classes()
    runtime_classes = {
        name
        for name, value in vars(_devlink3).items()
        if isinstance(value, type) and not name.startswith("_")
    }
    assert set(classes) == runtime_classes
    for name, node in classes.items():
        runtime = getattr(_devlink3, name)
        if issubclass(runtime, enum.Enum):
            continue
        declared = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
        assert public(declared) == public(set(dir(runtime))) - public(set(dir(object))), name
