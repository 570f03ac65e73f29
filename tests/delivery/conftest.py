"""A publisher standing in for central: retains DeviceConfig messages as provision/delivery
does, and watches the node's birth on status/{node_id}."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from antrian.delivery import config_digest
from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink, now
from protocol import Topics, decode, encode
from protocol import messages as m

SITE = "demo"


@dataclass
class Publisher:
    link: MqttLink
    births: list[m.NodeStatus] = field(default_factory=list)
    seen: threading.Condition = field(default_factory=threading.Condition)

    def watch(self, node_id: str) -> None:
        def on_status(topic: str, payload: bytes) -> None:
            if payload:
                with self.seen:
                    self.births.append(decode(m.NodeStatus, payload))
                    self.seen.notify_all()

        self.link.subscribe(self.link.topics.status(node_id), on_status)

    def deliver(self, node_id: str, role: m.Role, version: int, config: dict[str, Any]) -> None:
        msg = m.DeviceConfig(
            node_id=node_id,
            role=role,
            version=version,
            sha256=config_digest(config),
            issued_at=now(),
            config=config,
        )
        assert self.link.publish(self.link.topics.config(node_id), encode(msg), retain=True)

    def wait_birth(
        self, pred: Callable[[m.NodeStatus], bool], timeout: float = 5.0
    ) -> m.NodeStatus:
        with self.seen:
            ok = self.seen.wait_for(
                lambda: bool(self.births) and self.births[-1].online and pred(self.births[-1]),
                timeout,
            )
            assert ok, f"no such birth; last: {self.births[-1] if self.births else None}"
            return self.births[-1]


@pytest.fixture
def central(broker: DevBroker) -> Iterator[Publisher]:
    # Not named "central": its birth would tell the nodes that central is up.
    settings = BrokerSettings(port=broker.port)
    link = MqttLink(settings, Topics(SITE), Identity("config-publisher", "tool", 1))
    link.start()
    assert link.wait_connected(5)
    yield Publisher(link)
    link.stop()
