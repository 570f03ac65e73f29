"""A hall for display tests: a real broker, central in-process, a tester that presses buttons."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink, Requester, new_request_id, now
from central import Central, load_catalogue
from central.testing import DEMO_CATALOGUE, make_config
from edge.display.clips import tone, write_wav
from edge.display.config import DisplayConfig
from edge.display.node import DisplayNode
from protocol import Topics
from protocol import messages as m

# Each word of "nomor antrian A satu, silakan menuju loket satu" as its own pitch, so that
# the captured audio can be read back word by word.
TONES: dict[str, tuple[str, float, int]] = {
    "chime": ("", 500.0, 200),
    "nomor_antrian": ("id", 700.0, 120),
    "a": ("id", 900.0, 120),
    "satu": ("id", 1100.0, 120),
    "silakan_menuju": ("id", 1300.0, 120),
    "loket": ("id", 1500.0, 120),
}
RATE = 22050


def write_tone_clips(root: Path) -> Path:
    for name, (voice, freq, ms) in TONES.items():
        path = root / voice / f"{name}.wav" if voice else root / f"{name}.wav"
        write_wav(path, tone(freq, ms, RATE, 0.5), RATE)
    return root


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

    def display_config(self, **overrides: Any) -> DisplayConfig:
        raw: dict[str, Any] = {
            "node_id": "display-test",
            "site": "demo",
            "broker": {"port": self.broker.port},
            "state_dir": str(self.tmp / "display"),
            "screen": {"width": 1280, "height": 720, "fullscreen": False},
            "voice": {"clips": str(self.tmp / "no-clips"), "build_if_missing": False},
        }
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(raw.get(key), dict):
                raw[key] = {**raw[key], **value}
            else:
                raw[key] = value
        return DisplayConfig.model_validate(raw)


@pytest.fixture
def hall(broker: DevBroker, tmp_path: Path) -> Iterator[Hall]:
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
        yield Hall(broker, tmp_path, central, link, requester)
    finally:
        link.stop()
        central.stop()


def pump(node: DisplayNode, until: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Run the display's loop until `until()` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        node.step(0.02)
        if until():
            return True
    return False


@pytest.fixture
def nodes() -> Iterator[list[DisplayNode]]:
    started: list[DisplayNode] = []
    yield started
    for n in started:
        n.stop()
