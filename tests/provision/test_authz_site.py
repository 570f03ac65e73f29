"""Authorization on a provisioned site: the generated ACL on a real Mosquitto (TLS, one user
per device) in front of central, which checks each request against the sender's config."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from antrian.cli import main
from antrian.mqtt import BrokerSettings, Identity, MqttLink, Requester, RequestTimeout, now
from central import Central, load_catalogue
from central.testing import make_config
from protocol import Topics, decode, encode
from protocol import messages as m
from protocol.roles import PERMISSIONS
from provision.delivery import device_configs
from provision.testing import SITE, SecureSite
from tests.central.test_authz import make

T = Topics(SITE)


def settings(site: SecureSite, node: str) -> BrokerSettings:
    return BrokerSettings(
        port=site.tls_port,
        username=node,
        password=site.passwords[node],
        tls_ca=str(site.prov.paths.ca.cert),
    )


@pytest.fixture(scope="module")
def central(secure_site: SecureSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    folder: Path = secure_site.prov.configs.folder
    config = make_config(
        secure_site.tls_port,
        tmp_path_factory.mktemp("central"),
        catalogue=folder / "catalogue.yaml",
        device_configs=folder,
    ).model_copy(update={"site": SITE, "broker": settings(secure_site, "central")})
    assert config.authorization
    c = Central(config, load_catalogue(config.catalogue), device_configs=device_configs)
    c.start()
    assert c.link.wait_connected(5), secure_site.broker.log_text()
    yield c
    c.stop()


def requester(site: SecureSite, node: str, role: m.Role) -> Requester:
    link = MqttLink(settings(site, node), T, Identity(node, role, 1))
    req = Requester(link)
    link.start()
    assert link.wait_connected(5)
    return req


def ask(r: Requester, kind: type[m.RequestBase], **fields: object) -> m.Reply:
    node = r.link.identity.node_id
    rid = f"{node[:20]}.{time.monotonic_ns()}"
    return r.call(kind(request_id=rid, node_id=node, sent_at=now(), **fields), timeout=3)


def wait(pred: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def refused_as_not_allowed(reply: m.Reply) -> bool:
    return reply.refusal is not None and reply.refusal.code == "not_allowed"


def test_each_device_may_do_its_own_job_only(secure_site: SecureSite, central: Central) -> None:
    kiosk = requester(secure_site, "kiosk-lobby", "kiosk")
    caller = requester(secure_site, "caller-loket-9", "caller")
    try:
        # Own assignment: central applies it (or refuses it for a hall reason, never this).
        assert not refused_as_not_allowed(ask(kiosk, m.IssueTicket, queue="dukcapil-ktp"))
        assert not refused_as_not_allowed(ask(caller, m.CallNext, counter="loket-9"))
        # Another device's job or assignment: not_allowed, with the texts for people.
        for reply in [
            ask(kiosk, m.CallNext, counter="loket-9"),
            ask(kiosk, m.SignIn, counter="loket-9", officer="budi"),
            ask(kiosk, m.PauseCounter, counter="loket-9"),
            ask(kiosk, m.IssueTicket, queue="imigrasi"),  # kiosk-lantai-2's button
            ask(caller, m.CallNext, counter="loket-1"),
            ask(caller, m.IssueTicket, queue="dukcapil-ktp"),
        ]:
            assert refused_as_not_allowed(reply), reply
            assert reply.refusal is not None and reply.refusal.text_id.startswith("Perangkat")
        assert central.not_allowed == {"kiosk-lobby": 4, "caller-loket-9": 2}
        fleet: list[m.FleetSnapshot] = []
        probe = MqttLink(settings(secure_site, "central"), T, Identity("probe", "tool", 1))
        probe.subscribe(T.fleet, lambda t, p: fleet.append(decode(m.FleetSnapshot, p)))
        probe.start()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not (fleet and fleet[-1].not_allowed):
            time.sleep(0.05)
        probe.stop()
        assert fleet[-1].not_allowed == {"caller-loket-9": 2, "kiosk-lobby": 4}
    finally:
        kiosk.link.stop()
        caller.link.stop()


def test_a_display_cannot_even_reach_central(secure_site: SecureSite, central: Central) -> None:
    display = requester(secure_site, "display-hall", "display")
    try:
        with pytest.raises(RequestTimeout):
            ask(display, m.CallNext, counter="loket-9")  # the broker drops it (ACL)
        assert "display-hall" not in central.not_allowed
    finally:
        display.link.stop()


def _status(node: str, role: m.Role, session: int, online: bool = True) -> bytes:
    return encode(m.NodeStatus(node_id=node, role=role, online=online, session=session, at=now()))


def test_statuses_speak_only_for_their_own_node(secure_site: SecureSite, central: Central) -> None:
    kiosk = requester(secure_site, "kiosk-lobby", "kiosk")
    try:
        before = dict(central.errors)
        # Its own topic, another node's name, another role: ignored and counted.
        kiosk.link.publish(T.status("kiosk-lobby"), _status("kiosk-lantai-2", "kiosk", 1))
        kiosk.link.publish(T.status("kiosk-lobby"), _status("kiosk-lobby", "caller", 7))
        # A session far ahead would make the real device's births stale: ignored.
        kiosk.link.publish(T.status("kiosk-lobby"), _status("kiosk-lobby", "kiosk", 2**62))
        wait(lambda: central.errors["status_session_jump"] > before.get("status_session_jump", 0))
        assert central.errors["status_spoofed"] == before.get("status_spoofed", 0) + 1
        assert central.errors["status_wrong_role"] == before.get("status_wrong_role", 0) + 1
        assert "kiosk-lantai-2" not in central.fleet.nodes
        entry = central.fleet.nodes["kiosk-lobby"]
        assert entry.role == "kiosk" and entry.session == 1
        # The real device's next start is still listed.
        kiosk.link.publish(T.status("kiosk-lobby"), _status("kiosk-lobby", "kiosk", 2))
        wait(lambda: central.fleet.nodes["kiosk-lobby"].session == 2)
    finally:
        kiosk.link.stop()


def test_provision_remove_clears_a_row_of_a_node_that_is_no_device(
    secure_site: SecureSite, central: Central, tmp_path: Path
) -> None:
    admin = MqttLink(settings(secure_site, "central"), T, Identity("probe", "tool", 1))
    admin.start()
    assert admin.wait_connected(5)
    # A row from before (central's user may write any status; a device no longer can).
    admin.publish(T.status("hantu-1"), _status("hantu-1", "kiosk", 3), retain=True)
    admin.stop()
    wait(lambda: "hantu-1" in central.fleet.nodes)
    pw = tmp_path / "central-password"
    pw.write_text(secure_site.passwords["central"])
    root = secure_site.prov.configs.folder.parent
    code = main(
        [
            "provision",
            "--configs",
            str(root),
            "--secrets",
            str(secure_site.prov.paths.root.parent),
            "remove",
            SITE,
            "hantu-1",
            "--broker-port",
            str(secure_site.broker.port),
            "--password-file",
            str(pw),
        ]
    )
    assert code == 0
    wait(lambda: "hantu-1" not in central.fleet.nodes)


def test_no_device_can_take_over_another_connection(
    secure_site: SecureSite, central: Central
) -> None:
    """Client ids carry 128 random bits and the ACL hides $SYS (where Mosquitto logs them):
    a device that connects with central's node id, or any id it could know, does not
    disconnect central."""
    seen: list[str] = []
    kiosk = MqttLink(settings(secure_site, "kiosk-lobby"), T, Identity("central", "tool", 1))
    kiosk.subscribe("$SYS/#", lambda t, p: seen.append(t))
    kiosk.start()
    try:
        assert kiosk.wait_connected(5)
        time.sleep(0.5)
        assert seen == []  # no client ids to learn
        assert central.link.connected
        client = central.link._client
        assert client is not None
        own_id = client._client_id.decode()
        assert own_id.startswith("central-") and len(own_id) == len("central-") + 32
    finally:
        kiosk.stop()
    reply = requester(secure_site, "kiosk-lobby", "kiosk")
    try:
        assert not refused_as_not_allowed(ask(reply, m.IssueTicket, queue="skck"))
    finally:
        reply.link.stop()


KINDS = sorted(PERMISSIONS)


@pytest.mark.parametrize("own", [True, False])
@pytest.mark.parametrize("role", ["kiosk", "caller"])
def test_matrix_through_the_provisioned_broker(
    role: str, own: bool, secure_site: SecureSite, central: Central
) -> None:
    """Every request type from a kiosk and a caller, for their own and another assignment:
    refused not_allowed exactly where protocol/roles.py says so."""
    node = {"kiosk": "kiosk-lobby", "caller": "caller-loket-9"}[role]
    r = requester(secure_site, node, role)  # type: ignore[arg-type]
    try:
        for kind in KINDS:
            req = make(
                kind,
                node,
                own,
                queues=("dukcapil-ktp", "imigrasi"),
                counters=("loket-9", "loket-1"),
                request_id=f"{kind[:20]}.{time.monotonic_ns()}",
                at=now(),
            )
            reply = r.call(req, timeout=3)
            perm = PERMISSIONS[kind]
            allowed = perm.role == role and own
            assert refused_as_not_allowed(reply) != allowed, f"{role} {kind} own={own}: {reply}"
    finally:
        r.link.stop()
