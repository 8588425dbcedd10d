"""Base classes of the coded-field enums.

The enums themselves (``PartyState``, ``Cause``...) are generated at import from the Rust
code tables by ``make``, so the two can never disagree. A value the specification does not
document is still a member: ``PartyState(42)`` is ``PartyState.UNDOCUMENTED_42``, as the
PBX may send codes newer than this library.
"""

from __future__ import annotations

import enum
from typing import Dict, Optional, Sequence, Tuple, Union, cast


class Code(enum.IntEnum):
    """A number whose meanings the specification lists (``PartyState.CONNECTED == 2``)."""

    @classmethod
    def _missing_(cls, value: object) -> Optional[Code]:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNDOCUMENTED_{value}"
        member._value_ = value
        return cast(Code, cls._value2member_map_.setdefault(value, member))

    @property
    def label(self) -> Optional[str]:
        """The PBX's own name for the value ("Dial Initiated", "CMCauseNormal"), if documented."""
        return _LABELS.get(type(self), {}).get(int(self))


class Flags(enum.IntFlag):
    """A set of bits; undocumented bits are kept."""


class Word(str, enum.Enum):
    """A word the PBX sends (``SipEvent.START == "START"``); an unknown word is kept."""

    @classmethod
    def _missing_(cls, value: object) -> Optional[Word]:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return cast(Word, cls._value2member_map_.setdefault(value, member))


_BASES = {"Code": Code, "Flags": Flags, "Word": Word}

# The PBX's names of the values, per generated class.
_LABELS: Dict[type, Dict[int, str]] = {}


def make(
    base: str,
    name: str,
    members: Sequence[Tuple[str, Union[int, str], Optional[str]]],
) -> type:
    """Creates the enum ``name`` from ``(member name, value, PBX label)`` triples."""
    cls: type = _BASES[base](name, [(member, value) for member, value, _ in members], module="devlink3")
    _LABELS[cls] = {value: label for _, value, label in members if isinstance(value, int) and label is not None}
    return cls
