"""A running hall for node tests: a real broker, central in-process and a tester that sends
requests as a tool would (the web and display tests subclass it with their own node)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink, Requester, new_request_id, now
from central import Central, load_catalogue
from central.testing import DEMO_CATALOGUE, make_config
from protocol import Topics
from protocol import messages as m


@dataclass
class RunningHall:
    broker: DevBroker
    tmp: Path
    central: Central
    link: MqttLink
    requester: Requester

    def request(self, cls: type[m.RequestBase], **kw: Any) -> m.Reply:
        req = cls(request_id=new_request_id("tester"), node_id="tester", sent_at=now(), **kw)
        return self.requester.call(req, 5.0)


H = TypeVar("H", bound=RunningHall)


@contextmanager
def running_hall(kind: type[H], broker: DevBroker, tmp_path: Path) -> Iterator[H]:
    """The demo catalogue's hall, central subscribed before the first request."""
    central = Central(
        make_config(broker.port, tmp_path / "central"), load_catalogue(DEMO_CATALOGUE)
    )
    central.start()
    assert central.link.wait_connected(5)  # subscribed: the first request is not lost
    link = MqttLink(BrokerSettings(port=broker.port), Topics("demo"), Identity("tester", "tool", 1))
    requester = Requester(link)
    link.start()
    assert link.wait_connected(5)
    try:
        yield kind(broker, tmp_path, central, link, requester)
    finally:
        link.stop()
        central.stop()
