"""Every role x every topic family x publish and subscribe, against a real Mosquitto running the
generated password file, ACL and TLS listener. Expectations are the design's, written out here."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from antrian.mqtt import BrokerSettings, Identity, MqttLink
from protocol import Topics
from protocol.topics import signin_id
from provision.testing import SITE, SecureSite

T = Topics(SITE)
OTHER = "kiosk-lantai-2"  # some other device's per-node topics

# role -> the node that plays it in the provisioned site
NODES = {
    "central": "central",
    "kiosk": "kiosk-lobby",
    "caller": "caller-loket-9",
    "display": "display-hall",
    "web": "web",
}


def families(me: str) -> dict[str, str]:
    return {
        "request/self": T.request(me),
        "request/other": T.request(OTHER),
        "reply/self": T.reply(me),
        "reply/other": T.reply(OTHER),
        "events": T.events,
        "state/hall": T.hall,
        "state/counter/own": T.counter("loket-9"),  # the caller's counter
        "state/counter/other": T.counter("loket-1"),
        "state/fleet": T.fleet,
        "status/self": T.status(me),
        "status/other": T.status(OTHER),
        "status/central": T.status("central"),
        "config/self": T.config(me),
        "config/other": T.config(OTHER),
        # `antrian caller signin` beside a caller, with the caller's password
        "request/signin": T.request(signin_id(me)),
        "reply/signin": T.reply(signin_id(me)),
        "status/signin": T.status(signin_id(me)),
    }


ALL = set(families("x"))
CAN_PUBLISH = {
    "central": ALL,
    "kiosk": {"request/self", "status/self"},
    "caller": {"request/self", "status/self", "request/signin", "status/signin"},
    "display": {"status/self"},  # only its own birth; everything else it only reads
    "web": {"request/self", "status/self"},  # asks central like a node, follows like a display
}
CAN_READ = {
    "central": ALL,
    "kiosk": {"reply/self", "state/hall", "status/central", "config/self"},
    "caller": {
        "reply/self",
        "reply/signin",
        "events",
        "state/counter/own",
        "status/central",
        "config/self",
    },
    "display": {
        "events",
        "state/hall",
        "state/counter/own",
        "state/counter/other",
        "status/central",
        "config/self",
    },
    "web": {
        "reply/self",
        "events",
        "state/hall",
        "state/counter/own",
        "state/counter/other",
        "status/central",
        "state/fleet",
        "config/self",
    },
}


class Inbox:
    def __init__(self) -> None:
        self.got: list[tuple[str, bytes]] = []
        self.cond = threading.Condition()

    def __call__(self, topic: str, payload: bytes) -> None:
        with self.cond:
            self.got.append((topic, payload))
            self.cond.notify_all()

    def wait_for(self, payload: bytes, timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: any(p == payload for _t, p in self.got), timeout)

    def payloads(self) -> set[bytes]:
        with self.cond:
            return {p for _t, p in self.got}


def connect(
    site: SecureSite, node: str, role: str, subs: list[tuple[str, Inbox]] | None = None
) -> MqttLink:
    broker = BrokerSettings(
        port=site.tls_port,
        username=node,
        password=site.passwords[node],
        tls_ca=str(site.prov.paths.ca.cert),
    )
    link = MqttLink(broker, T, Identity(f"{node}", role, 1))  # type: ignore[arg-type]
    for topic_filter, inbox in subs or []:
        link.subscribe(topic_filter, inbox)
    link.start()
    assert link.wait_connected(5), site.broker.log_text()
    return link


@pytest.fixture(scope="module")
def observer(secure_site: SecureSite) -> Iterator[tuple[MqttLink, Inbox]]:
    inbox = Inbox()
    link = connect(secure_site, "central", "central", [(f"{T.base}/#", inbox)])
    yield link, inbox
    link.stop()


def fence(link: MqttLink, topic: str, inbox: Inbox) -> None:
    """Publish a marker until it arrives: subscriptions are live and earlier messages are in
    (one publisher, one subscriber: Mosquitto keeps the order)."""
    marker = f"fence-{uuid.uuid4().hex}".encode()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        link.publish(topic, marker)
        if inbox.wait_for(marker, 0.3):
            return
    raise AssertionError(f"fence on {topic} never arrived")


@pytest.mark.parametrize("role", list(NODES))
def test_publish(role: str, secure_site: SecureSite, observer: tuple[MqttLink, Inbox]) -> None:
    _central, seen = observer
    node = NODES[role]
    link = connect(secure_site, node, role)
    try:
        sent: dict[str, bytes] = {}
        for name, topic in families(node).items():
            sent[name] = f"{role}:{name}:{uuid.uuid4().hex}".encode()
            link.publish(topic, sent[name])
        fence(link, T.status(node), seen)
        delivered = {name for name, payload in sent.items() if payload in seen.payloads()}
        assert delivered == CAN_PUBLISH[role]
    finally:
        link.stop()


@pytest.mark.parametrize("role", list(NODES))
def test_subscribe(role: str, secure_site: SecureSite, observer: tuple[MqttLink, Inbox]) -> None:
    central, _seen = observer
    node = NODES[role]
    inboxes = {name: Inbox() for name in families(node)}
    topics = families(node)
    # status/central last: once it delivers, the broker has handled every earlier SUBSCRIBE.
    order = sorted(topics, key=lambda n: n == "status/central")
    link = connect(secure_site, node, role, [(topics[n], inboxes[n]) for n in order])
    try:
        fence(central, T.status("central"), inboxes["status/central"])
        sent = {}
        for name, topic in topics.items():
            sent[name] = f"to-{role}:{name}:{uuid.uuid4().hex}".encode()
            central.publish(topic, sent[name])
        fence(central, T.status("central"), inboxes["status/central"])
        delivered = {n for n in topics if sent[n] in inboxes[n].payloads()}
        assert delivered == CAN_READ[role]
    finally:
        link.stop()


def test_wildcard_subscription_gets_only_what_the_role_may_read(
    secure_site: SecureSite, observer: tuple[MqttLink, Inbox]
) -> None:
    central, _seen = observer
    everything = Inbox()
    link = connect(secure_site, "kiosk-lobby", "kiosk", [(f"{T.base}/#", everything)])
    try:
        reads = Inbox()
        link.subscribe(T.status("central"), reads)
        fence(central, T.status("central"), reads)
        sent = {}
        for name, topic in families("kiosk-lobby").items():
            sent[name] = f"wild:{name}:{uuid.uuid4().hex}".encode()
            central.publish(topic, sent[name])
        fence(central, T.status("central"), reads)
        delivered = {n for n, p in sent.items() if p in everything.payloads()}
        assert delivered == CAN_READ["kiosk"]
    finally:
        link.stop()


def refused(site: SecureSite, broker: BrokerSettings) -> bool:
    link = MqttLink(broker, T, Identity("intruder", "tool", 1))
    link.start()
    try:
        return not link.wait_connected(1.5)
    finally:
        link.stop()


def test_anonymous_and_wrong_password_are_refused(secure_site: SecureSite) -> None:
    ca = str(secure_site.prov.paths.ca.cert)
    tls, plain = secure_site.tls_port, secure_site.broker.port
    assert refused(secure_site, BrokerSettings(port=plain))
    assert refused(secure_site, BrokerSettings(port=tls, tls_ca=ca))
    assert refused(
        secure_site,
        BrokerSettings(port=tls, tls_ca=ca, username="kiosk-lobby", password="not-the-password"),
    )
    # Another device's password does not open this one's account.
    assert refused(
        secure_site,
        BrokerSettings(
            port=tls,
            tls_ca=ca,
            username="kiosk-lobby",
            password=secure_site.passwords["display-hall"],
        ),
    )
    # The right one does (the refusals above are about credentials, not the setup).
    assert not refused(
        secure_site,
        BrokerSettings(
            port=tls,
            tls_ca=ca,
            username="kiosk-lobby",
            password=secure_site.passwords["kiosk-lobby"],
        ),
    )
