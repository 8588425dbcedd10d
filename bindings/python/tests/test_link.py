"""Links: files, users, reconnection, TLS, lifetime."""

from __future__ import annotations

import pytest

import devlink3

from conftest import CALL_LOST, wait_for, wait_state, subscribed


def test_read_file_and_users(devlink3_link: devlink3.Link) -> None:
    raw = devlink3_link.read_file("nasystem/user_list")
    assert isinstance(raw, bytes) and raw.startswith("René,4000,".encode("latin-1"))
    users = devlink3_link.users()
    assert len(users) == 40
    first = users[0]
    assert (first.name, first.extension, first.full_name) == ("René", "4000", "René Müller")
    assert first.fields == ["René", "4000", "René Müller"]
    assert first.to_dict()["extension"] == "4000"
    assert repr(first) == "User(name='René', extension='4000', full_name='René Müller')"


def test_a_custom_user_list_while_events_flow() -> None:
    rows = [[f"User{i}", str(5000 + i), f"Usér {i}"] for i in range(300)]
    with devlink3.Simulator(rate=50, user_list=rows) as sim, sim.connect() as link:
        wait_for(link, devlink3.Detail)
        users = link.users()
        assert [u.extension for u in users] == [str(5000 + i) for i in range(300)]
        assert users[7].full_name == "Usér 7"
        wait_for(link, devlink3.Detail)


def test_reconnects_after_the_simulator_drops_the_link(devlink3_sim: devlink3.Simulator) -> None:
    with devlink3_sim.connect() as link:
        wait_state(link, "operational")
        devlink3_sim.drop_connections()
        lost = wait_state(link, "no_response")
        assert lost.reason and lost.retry_in is not None and lost.retry_in >= 0
        wait_state(link, "operational")
        subscribed(devlink3_sim).inject_delta3(CALL_LOST)
        wait_for(link, devlink3.CallLost)
        assert devlink3_sim.stats().connections_accepted == 2


def test_tls_with_a_pinned_certificate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with devlink3.Simulator(tls=True, rate=20) as sim:
        assert sim.tls_target and sim.fingerprint_sha256
        pinned = devlink3.TlsOptions(pin_sha256=sim.fingerprint_sha256)
        with devlink3.connect(sim.tls_target, sim.user, sim.password, tls=pinned) as link:
            assert link.wait_operational(timeout=10).encrypted
            wait_for(link, devlink3.Detail)
        ca = tmp_path / "ipo.pem"
        ca.write_text(sim.certificate_pem or "")
        trusted = devlink3.TlsOptions(ca_file=ca, server_name="localhost")
        with devlink3.connect(sim.tls_target, sim.user, sim.password, tls=trusted) as link:
            assert link.wait_operational(timeout=10).encrypted


def test_state_repr_and_context_manager(devlink3_sim: devlink3.Simulator) -> None:
    with devlink3_sim.connect(application_name="tests") as link:
        info = link.wait_operational(timeout=10)
        assert info.pbx_type.startswith("Avaya") and info.encrypted is False
        state = link.state
        assert state.name == "operational" and state.pbx is not None
        assert state.attempt is None and state.reason is None and state.code is None
        assert str(state).startswith("operational: Avaya")
        assert repr(link) == f"<Link {devlink3_sim.target} operational>"
        assert repr(devlink3_sim).endswith("running>")
    assert link.closed
    assert repr(link).endswith("closed>")


def test_simulator_stats_and_close() -> None:
    sim = devlink3.Simulator()
    with sim.connect() as link:
        link.wait_operational(timeout=10)
        stats = sim.stats()
        assert (stats.connections_authenticated, stats.auth_attempts, stats.auth_failures) == (1, 1, 0)
        assert stats.to_dict()["users"]["devlink3"] == {"attempts": 1, "failures": 0, "locked_out": False}
    sim.close()
    sim.close()
    assert repr(sim).endswith("stopped>")


def test_websocket_with_digest_and_a_refused_password() -> None:
    with devlink3.Simulator(websocket=True, ws_path="/devlink3", rate=20) as sim:
        assert sim.ws_target and sim.ws_target.endswith("/devlink3")
        options = devlink3.WebSocketOptions(http_auth="digest", protocols=(), headers=(("X-Site", "lab"),))
        with devlink3.connect(sim.ws_target, sim.user, sim.password, websocket=options) as link:
            assert not link.wait_operational(timeout=10).encrypted
            wait_for(link, devlink3.Detail)
        with devlink3.connect(sim.ws_target, sim.user, "wrong", reconnect_delay=0.05) as link:
            with pytest.raises(devlink3.Refused, match="401"):
                link.wait_operational(timeout=10)
        assert sim.stats().http_auth_failures == 1
