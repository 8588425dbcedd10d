"""The exceptions devlink3 raises.

Every one is a ``DevlinkError``; when the PBX refused something, ``code`` is its result
code (a ``ResultCode``, e.g. ``ResultCode.AUTHENTICATION_FAILED``), else ``None``::

    DevlinkError
    ├── ConfigError            (also a ValueError)  invalid arguments
    ├── ConnectionLost         (also a ConnectionError)  no connection, or it broke
    ├── ProtocolError          the PBX sent something that is not DevLink3
    ├── Refused                the PBX refused the link; it is not retried
    │   ├── AuthenticationFailed   wrong user or password (retrying would lock the account)
    │   └── LicenceMissing         no DevLink3 licence on the PBX
    ├── ReadFileError          the PBX refused a read_file
    ├── NotOperational         the link is not up (yet)
    ├── Timeout                (also a TimeoutError)
    └── LinkClosed             the link was closed
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from ._devlink3 import ResultCode


class DevlinkError(Exception):
    """Base of every devlink3 error."""

    code: Optional[ResultCode]
    """The PBX's result code when the PBX refused something, else ``None``."""

    def __init__(self, message: str, code: Optional[ResultCode] = None) -> None:
        super().__init__(message)
        self.code = code


class ConfigError(DevlinkError, ValueError):
    """An argument is invalid (target, credentials, TLS files, durations...)."""


class ConnectionLost(DevlinkError, ConnectionError):
    """The PBX cannot be reached, or stopped answering."""


class ProtocolError(DevlinkError):
    """The PBX sent something that is not DevLink3."""


class Refused(DevlinkError):
    """The PBX refused the link for a reason retrying cannot fix; the link has stopped."""


class AuthenticationFailed(Refused):
    """Wrong service user or password. Never retried: IP Office locks the account out."""


class LicenceMissing(Refused):
    """The PBX has no licence for DevLink3."""


class ReadFileError(DevlinkError):
    """The PBX refused to read a file (``code`` says why, e.g. not found)."""


class NotOperational(DevlinkError):
    """The link is not operational, so the request cannot be made."""


class Timeout(DevlinkError, TimeoutError):
    """A wait ran out of time."""


class LinkClosed(DevlinkError):
    """The link is closed."""
