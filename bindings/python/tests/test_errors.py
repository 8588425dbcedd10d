"""Failures as exceptions of one hierarchy, carrying the PBX's code."""

from __future__ import annotations

import pickle
import time

import pytest

import devlink3
from devlink3 import ResultCode


def test_wrong_password_fails_after_exactly_one_attempt() -> None:
    with devlink3.Simulator() as sim:
        with devlink3.connect(sim.target, "devlink3", "wrong", reconnect_delay=0.01) as link:
            with pytest.raises(devlink3.AuthenticationFailed) as failure:
                for _ in link:
                    pass
            error = failure.value
            assert error.code is ResultCode.AUTHENTICATION_FAILED
            assert "AUTHENTICATION_FAILED" in str(error)
            assert isinstance(error, devlink3.Refused) and isinstance(error, devlink3.DevlinkError)
            # The refusal is final: raised again, and never retried however long we wait.
            with pytest.raises(devlink3.AuthenticationFailed):
                link.next_event(timeout=0)
            with pytest.raises(devlink3.AuthenticationFailed):
                link.wait_operational(timeout=1)
            time.sleep(0.5)
            assert sim.stats().auth_attempts == 1
            assert sim.stats().users["devlink3"].failures == 1
            assert link.state.name == "rejected" and link.state.code is ResultCode.AUTHENTICATION_FAILED
            with pytest.raises(devlink3.NotOperational):
                link.read_file("nasystem/user_list")


def test_missing_licence() -> None:
    with devlink3.Simulator(licence_missing=True) as sim, sim.connect() as link:
        with pytest.raises(devlink3.LicenceMissing) as failure:
            link.wait_operational(timeout=10)
        assert failure.value.code is ResultCode.LICENCE_MISSING


def test_invalid_arguments_are_config_errors() -> None:
    for target in ["ftp://x", "255.255.255.255"]:
        with pytest.raises(devlink3.ConfigError):
            devlink3.connect(target, "u", "p")
    with pytest.raises(ValueError):
        devlink3.connect("127.0.0.1", "", "p")
    with pytest.raises(devlink3.ConfigError, match="password"):
        devlink3.connect("127.0.0.1", "u")
    with pytest.raises(devlink3.ConfigError, match="keepalive_interval"):
        devlink3.connect("127.0.0.1", "u", "p", keepalive_interval=-1)
    with pytest.raises(devlink3.ConfigError, match="/nonexistent/ca.pem"):
        devlink3.connect("tls://127.0.0.1", "u", "p", tls=devlink3.TlsOptions(ca_file="/nonexistent/ca.pem"))
    with pytest.raises(devlink3.ConfigError, match="fingerprint"):
        devlink3.connect("tls://127.0.0.1", "u", "p", tls=devlink3.TlsOptions(pin_sha256="abc"))


def test_user_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVLINK3_USER", "devlink3")
    with devlink3.Simulator() as sim, devlink3.connect(sim.target, password="devlink3") as link:
        link.wait_operational(timeout=10)
    monkeypatch.delenv("DEVLINK3_USER")
    with pytest.raises(devlink3.ConfigError, match="DEVLINK3_USER"):
        devlink3.connect("127.0.0.1", password="p")


def test_wait_operational_times_out() -> None:
    # Nothing listens on port 1: the link keeps trying.
    with devlink3.connect("127.0.0.1:1", "u", "p") as link:
        with pytest.raises(devlink3.Timeout) as failure:
            link.wait_operational(timeout=0.3)
        assert isinstance(failure.value, TimeoutError)
        assert link.state.name in ("connecting", "no_response")


def test_a_file_that_is_not_there(devlink3_link: devlink3.Link) -> None:
    with pytest.raises(devlink3.ReadFileError) as failure:
        devlink3_link.read_file("nasystem/nope")
    assert failure.value.code is not None and failure.value.code.name.startswith("UNDOCUMENTED_")


def test_exceptions_pickle_with_their_code() -> None:
    error = devlink3.AuthenticationFailed("refused", code=ResultCode.AUTHENTICATION_FAILED)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is devlink3.AuthenticationFailed
    assert (str(copy), copy.code) == ("refused", ResultCode.AUTHENTICATION_FAILED)


def test_hierarchy() -> None:
    assert issubclass(devlink3.ConnectionLost, ConnectionError)
    assert issubclass(devlink3.ConfigError, ValueError)
    for cls in [
        devlink3.ConfigError,
        devlink3.ConnectionLost,
        devlink3.ProtocolError,
        devlink3.Refused,
        devlink3.AuthenticationFailed,
        devlink3.LicenceMissing,
        devlink3.ReadFileError,
        devlink3.NotOperational,
        devlink3.Timeout,
        devlink3.LinkClosed,
    ]:
        assert issubclass(cls, devlink3.DevlinkError)


def test_a_simulator_with_mutual_tls_rejects_a_client_without_a_certificate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Any CA will do: this client presents no certificate at all.
    with devlink3.Simulator(tls=True) as issuer:
        ca = tmp_path / "clients-ca.pem"
        ca.write_text(issuer.certificate_pem or "")
    with devlink3.Simulator(tls=True, client_ca_file=ca) as sim:
        assert sim.tls_target and sim.fingerprint_sha256
        pinned = devlink3.TlsOptions(pin_sha256=sim.fingerprint_sha256)
        with devlink3.connect(sim.tls_target, sim.user, sim.password, tls=pinned) as link:
            with pytest.raises(devlink3.DevlinkError) as failure:
                link.wait_operational(timeout=10)
            assert "certificate" in str(failure.value), str(failure.value)
            assert link.state.name == "rejected"
        assert sim.stats().auth_attempts == 0, "refused before any login"
