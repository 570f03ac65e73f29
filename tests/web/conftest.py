"""A hall for web tests: a real broker, central in-process, a tester that presses buttons,
and the web node served by uvicorn on a free port (a real HTTP server for live streams
and the browser)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from antrian.devbroker import DevBroker
from tests.running_hall import RunningHall, running_hall
from web.app import build_app
from web.config import WebConfig
from web.node import WebNode


class Clock:
    """A monotonic clock the test moves by hand (`clock.t += 60`)."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


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
            uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=0,
                log_level="warning",
                lifespan="on",
                # As web/cli.py serves it: X-Forwarded-For only believed behind a proxy.
                proxy_headers=config.trusted_proxy,
            )
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


class Hall(RunningHall):
    def web(self, **overrides: Any) -> WebServer:
        return WebServer(web_config(self.broker.port, self.tmp / "web", **overrides))


@pytest.fixture
def hall(broker: DevBroker, tmp_path: Path) -> Iterator[Hall]:
    with running_hall(Hall, broker, tmp_path) as h:
        yield h


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
