"""Fixtures for the caller: a real central on a real Mosquitto, and callers on mock pins."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from gpiozero.pins.mock import MockPin

from antrian.devbroker import DevBroker
from antrian.mqtt import (
    BrokerSettings,
    Identity,
    MqttLink,
    Requester,
    RequestTimeout,
    new_request_id,
    now,
)
from central import Central, load_catalogue
from central.config import CentralConfig
from central.testing import make_config
from edge.caller import CallerNode, Led, build_node
from edge.caller._gpio import GpioPanels
from edge.caller.config import CallerConfig
from edge.caller.panel import Pattern
from protocol import Topics, decode
from protocol import messages as m

# Pins of the test counter, as in firmware_configs/demo/caller-loket-1.yaml.
NEXT, RECALL, NO_SHOW, FINISH, PAUSE, TRANSFER, TRANSFER_BAD = 17, 27, 22, 5, 6, 13, 19
RATE = {4: 12, 3: 16, 2: 20, 1: 21}
HOLD_S = 0.3
DOUBLE_PRESS_S = 0.3


def wait_for(pred: Callable[[], Any], timeout: float = 3.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"{what} not met within {timeout}s")


@dataclass
class Observer:
    """A tool on the broker: issues tickets, records events and every request sent."""

    link: MqttLink
    requester: Requester
    events: list[m.Event] = field(default_factory=list)
    requests: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, queue: str = "dukcapil", n: int = 1) -> list[str]:
        labels = []
        for _ in range(n):
            req = m.IssueTicket(
                request_id=new_request_id("observer"),
                node_id="observer",
                sent_at=now(),
                queue=queue,
            )
            labels.append(self._call(req))
        return labels

    def _call(self, req: m.IssueTicket) -> str:
        # Central may still be subscribing right after start: retry with the same id.
        for _ in range(5):
            try:
                r = self.requester.call(req, 1.0)
            except RequestTimeout:
                continue
            assert r.ok and r.ticket is not None, r
            return r.ticket.label
        raise AssertionError("central did not answer IssueTicket")

    def kinds(self, counter: str = "loket-1") -> list[str]:
        with self.lock:
            return [e.kind for e in self.events if e.counter == counter]

    def of_kind(self, kind: str) -> list[m.Event]:
        with self.lock:
            return [e for e in self.events if e.kind == kind]

    def wait_kind(self, kind: str, n: int = 1, timeout: float = 3.0) -> list[m.Event]:
        return wait_for(  # type: ignore[no-any-return]
            lambda: self.of_kind(kind) if len(self.of_kind(kind)) >= n else None,
            timeout,
            f"{n} {kind} event(s)",
        )

    def caller_requests(self) -> int:
        with self.lock:
            return len(self.requests)


@dataclass
class CentralRunner:
    config: CentralConfig
    central: Central | None = None

    def start(self) -> Central:
        c = Central(self.config, load_catalogue(self.config.catalogue))
        c.start()
        assert c.link.wait_connected(5)
        self.central = c
        return c

    def stop(self) -> None:
        if self.central is not None:
            self.central.stop()
            self.central = None


@dataclass
class Caller:
    """A running caller node on mock pins, driven like the real panel."""

    node: CallerNode
    hw: GpioPanels

    def pin(self, n: int) -> MockPin:
        assert self.hw.pin_factory is not None
        pin = self.hw.pin_factory.pin(n)
        assert isinstance(pin, MockPin)
        return pin

    def press(self, n: int, hold: float = 0.0) -> None:
        p = self.pin(n)
        p.drive_low()
        if hold:
            time.sleep(hold)
        p.drive_high()

    def bounce(self, n: int, edges: int = 4) -> None:
        """Contact bounce: the pin flickers for a few milliseconds, then settles pressed."""
        p = self.pin(n)
        for _ in range(edges):
            p.drive_low()
            time.sleep(0.001)
            p.drive_high()
            time.sleep(0.001)

    def led(self, led: Led, counter: str = "loket-1") -> Pattern | None:
        return self.hw.pattern(counter, led)

    def wait_led(
        self, led: Led, pattern: Pattern, counter: str = "loket-1", timeout: float = 3.0
    ) -> None:
        wait_for(lambda: self.led(led, counter) == pattern, timeout, f"{led} shows {pattern}")

    def snapshot(self, counter: str = "loket-1") -> m.CounterSnapshot | None:
        return self.node.inspect(lambda: self.node.panels[counter].snapshot)  # type: ignore[return-value]

    def ready(self, counter: str = "loket-1", timeout: float = 5.0) -> None:
        from edge.caller.panel import ON

        self.wait_led(Led.ONLINE, ON, counter, timeout)
        wait_for(lambda: self.snapshot(counter) is not None, timeout, "counter snapshot")


def caller_config(port: int, state_dir: Path, **overrides: Any) -> CallerConfig:
    counter: dict[str, Any] = {
        "id": "loket-1",
        "buttons": {
            "next": NEXT,
            "recall": RECALL,
            "no_show": NO_SHOW,
            "finish": FINISH,
            "pause": PAUSE,
            "transfer": [
                {"pin": TRANSFER, "to_queue": "perizinan"},
                {"pin": TRANSFER_BAD, "to_queue": "no-such-queue"},
            ],
        },
        "leds": {"online": 18, "calling": 23, "paused": 24, "error": 25},
        "rating": {
            "sangat_puas": RATE[4],
            "puas": RATE[3],
            "kurang_puas": RATE[2],
            "tidak_puas": RATE[1],
            "thanks_led": 26,
        },
    }
    counter.update(overrides.pop("counter", {}))
    raw: dict[str, Any] = {
        "node_id": "caller-test",
        "site": "demo",
        "broker": {"port": port},
        "state_dir": str(state_dir),
        "pins": "mock",
        "hold_s": HOLD_S,
        "double_press_s": DOUBLE_PRESS_S,
        "counters": [counter],
    }
    raw.update(overrides)
    return CallerConfig.model_validate(raw)


@pytest.fixture
def central_runner(broker: DevBroker, tmp_path: Path) -> Iterator[CentralRunner]:
    runner = CentralRunner(make_config(broker.port, tmp_path / "central"))
    runner.start()
    yield runner
    runner.stop()


@pytest.fixture
def observer(broker: DevBroker) -> Iterator[Observer]:
    topics = Topics("demo")
    link = MqttLink(BrokerSettings(port=broker.port), topics, Identity("observer", "tool", 1))
    obs = Observer(link, Requester(link))

    def on_event(topic: str, payload: bytes) -> None:
        event = decode(m.Event, payload)
        with obs.lock:
            # Events come at least once (docs/protocol.md): a consumer skips seqs it has.
            if all(e.seq != event.seq for e in obs.events):
                obs.events.append(event)

    def on_request(topic: str, payload: bytes) -> None:
        if topic.endswith("/caller-test"):
            with obs.lock:
                obs.requests.append(payload)

    link.subscribe(topics.events, on_event)
    link.subscribe(topics.all_requests, on_request)
    link.start()
    assert link.wait_connected(5)
    yield obs
    link.stop()


@pytest.fixture
def make_caller(broker: DevBroker, tmp_path: Path) -> Iterator[Callable[..., Caller]]:
    started: list[CallerNode] = []

    def make(**overrides: Any) -> Caller:
        cfg = caller_config(broker.port, tmp_path / f"caller{len(started)}", **overrides)
        node = build_node(cfg)
        assert isinstance(node.hardware, GpioPanels)
        node.start()
        started.append(node)
        return Caller(node, node.hardware)

    yield make
    for node in started:
        node.stop()
