"""Fixtures for central: a running Central on a real broker and node clients."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink, Requester, new_request_id, now
from central import Central, load_catalogue
from central.config import CentralConfig
from central.testing import make_config
from protocol import Topics, decode
from protocol import messages as m


@dataclass
class Node:
    """A bare node on the broker: sends requests, records events and retained state."""

    link: MqttLink
    requester: Requester
    events: list[m.Event] = field(default_factory=list)
    retained: dict[str, bytes] = field(default_factory=dict)
    got_event: threading.Condition = field(default_factory=threading.Condition)

    @property
    def node_id(self) -> str:
        return self.link.identity.node_id

    def base(self) -> dict[str, object]:
        return {
            "request_id": new_request_id(self.node_id),
            "node_id": self.node_id,
            "sent_at": now(),
        }

    def call(self, req: m.RequestBase, timeout: float = 3.0) -> m.Reply:
        return self.requester.call(req, timeout)

    def issue(self, queue: str, priority: bool = False) -> m.Reply:
        return self.call(m.IssueTicket(queue=queue, priority=priority, **self.base()))

    def next(self, counter: str) -> m.Reply:
        return self.call(m.CallNext(counter=counter, **self.base()))

    def wait_events(self, n: int, timeout: float = 3.0) -> list[m.Event]:
        with self.got_event:
            self.got_event.wait_for(lambda: len(self.events) >= n, timeout)
        return list(self.events)


def connect_node(
    broker: BrokerSettings, node_id: str, role: m.Role = "kiosk", session: int = 1
) -> Node:
    topics = Topics("demo")
    link = MqttLink(broker, topics, Identity(node_id, role, session))
    node = Node(link, Requester(link))

    def on_event(topic: str, payload: bytes) -> None:
        with node.got_event:
            node.events.append(decode(m.Event, payload))
            node.got_event.notify_all()

    def on_state(topic: str, payload: bytes) -> None:
        node.retained[topic] = payload

    link.subscribe(topics.events, on_event)
    link.subscribe(f"{topics.base}/state/#", on_state)
    link.start()
    assert link.wait_connected(5), "node could not connect to the test broker"
    return node


@pytest.fixture
def central_config(broker: DevBroker, tmp_path: Path) -> CentralConfig:
    return make_config(broker.port, tmp_path / "central")


@pytest.fixture
def central(central_config: CentralConfig) -> Iterator[Central]:
    c = Central(central_config, load_catalogue(central_config.catalogue))
    c.start()
    assert c.link.wait_connected(5)
    yield c
    c.stop()


@pytest.fixture
def node_factory(broker: DevBroker) -> Iterator[object]:
    nodes: list[Node] = []

    def make(node_id: str, role: m.Role = "kiosk", session: int = 1) -> Node:
        node = connect_node(BrokerSettings(port=broker.port), node_id, role, session)
        nodes.append(node)
        return node

    yield make
    for n in nodes:
        n.link.stop()
