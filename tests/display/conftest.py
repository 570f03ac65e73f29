"""A hall for display tests: a real broker, central in-process, a tester that presses buttons."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from antrian.devbroker import DevBroker
from edge.display.clips import tone, write_wav
from edge.display.config import DisplayConfig
from edge.display.node import DisplayNode
from tests.running_hall import RunningHall, running_hall

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


class Hall(RunningHall):
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
    with running_hall(Hall, broker, tmp_path) as h:
        yield h


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
