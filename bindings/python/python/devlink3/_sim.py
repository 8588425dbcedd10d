"""The embedded simulator, for tests."""

from __future__ import annotations

import json
from typing import Any

from . import _devlink3
from ._link import Link, _open, connect


class Simulator(_devlink3.Simulator):
    """A simulated IP Office on loopback, for tests: ``with devlink3.Simulator() as sim:``.

    Keyword arguments: ``rate`` (calls started per second by its traffic model, default 0:
    only what you inject), ``seed``, ``users`` (``[(name, password)]``, default
    ``devlink3``/``devlink3``), ``user_list`` (rows of ``nasystem/user_list``), ``tls``
    (also listen for TLS), ``lockout_after``, ``max_connections``, ``licence_missing``,
    ``script`` (calls to play as written: a list of ``{"at", "from", "to", "steps": [{"after",
    "action", "extension"}]}`` dicts, or their JSON; see the README)...
    """

    ANSWERED_CALL: str = _devlink3.ANSWERED_CALL_DETAIL
    """A Delta3 record to inject or blast: the specification's answered ISDN call (§6.7.1.3),
    with the field its printed copy lost restored."""

    def __new__(cls, **kwargs: Any) -> Simulator:
        script = kwargs.get("script")
        if script is not None and not isinstance(script, str):
            kwargs["script"] = json.dumps(script)
        return super().__new__(cls, **kwargs)

    def __init__(self, **kwargs: Any) -> None:
        _open.add(self)

    def connect(self, **options: Any) -> Link:
        """A link to this simulator as its first user. Reconnects are quick (50 ms back-off)
        unless ``options`` say otherwise; they are ``connect()``'s."""
        options.setdefault("reconnect_delay", 0.05)
        options.setdefault("reconnect_max_delay", 0.5)
        options.setdefault("retry_later_delay", 0.5)
        return connect(self.target, self.user, self.password, **options)
