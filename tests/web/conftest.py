"""A hall for web tests: a real broker, central in-process, a tester that presses buttons,
and the web node served by uvicorn on a free port (a real HTTP server for live streams
and the browser)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink, Requester, new_request_id, now
from central import Central, load_catalogue
from central.testing import DEMO_CATALOGUE, make_config
from protocol import Topics
from protocol import messages as m
from web.app import build_app
from web.config import WebConfig
from web.node import WebNode


def web_config(port: int, state_dir: Path, **overrides: Any) -> WebConfig:
    return WebConfig.model_validate(
        {
            "node_id": "web",
            "site": "demo",
            "broker": {"port": port},
            "state_dir": str(state_dir),
            "listen_port": 0,
            **overrides,
        }
    )


class WebServer:
    """The web app under uvicorn in a thread with its own event loop."""

    def __init__(self, config: WebConfig) -> None:
        self.node = WebNode(config)
        self.app = build_app(self.node)
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self._run, name="web-test", daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve())

    def start(self) -> WebServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "web server did not start"
            time.sleep(0.02)
        return self

    @property
    def url(self) -> str:
        sock = self.server.servers[0].sockets[0]
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class Hall:
    broker: DevBroker
    tmp: Path
    central: Central
    link: MqttLink
    requester: Requester

    def request(self, cls: type[m.RequestBase], **kw: Any) -> m.Reply:
        req = cls(request_id=new_request_id("tester"), node_id="tester", sent_at=now(), **kw)
        return self.requester.call(req, 5.0)

    def web(self, **overrides: Any) -> WebServer:
        return WebServer(web_config(self.broker.port, self.tmp / "web", **overrides))


@pytest.fixture
def hall(broker: DevBroker, tmp_path: Path) -> Iterator[Hall]:
    central = Central(
        make_config(broker.port, tmp_path / "central"), load_catalogue(DEMO_CATALOGUE)
    )
    central.start()
    assert central.link.wait_connected(5)
    link = MqttLink(BrokerSettings(port=broker.port), Topics("demo"), Identity("tester", "tool", 1))
    requester = Requester(link)
    link.start()
    assert link.wait_connected(5)
    try:
        yield Hall(broker, tmp_path, central, link, requester)
    finally:
        link.stop()
        central.stop()


@pytest.fixture
def web(hall: Hall) -> Iterator[WebServer]:
    server = hall.web().start()
    try:
        yield server
    finally:
        server.stop()


def wait_for(until: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if until():
            return True
        time.sleep(0.02)
    return until()
