"""A whole hall with every node in its own process over a real broker, observed from outside."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml

from antrian.devbroker import REPO_ROOT, DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink
from antrian.nodeproc import NodeProcess
from edge.display.clips import tone, write_wav
from hall.site import HallSite, RuntimeSite
from protocol import CENTRAL_ID, Topics, decode
from protocol import messages as m

DEMO = REPO_ROOT / "firmware_configs" / "demo"
RATE = 22050
# Each clip of "nomor antrian A satu, silakan menuju loket satu" as its own pitch, so that
# the audio file can be read back clip by clip (as in tests/display).
TONES: dict[str, tuple[str, float, int]] = {
    "chime": ("", 500.0, 200),
    "nomor_antrian": ("id", 700.0, 120),
    "a": ("id", 900.0, 120),
    "satu": ("id", 1100.0, 120),
    "silakan_menuju": ("id", 1300.0, 120),
    "loket": ("id", 1500.0, 120),
}


def write_tone_clips(root: Path) -> Path:
    for name, (voice, freq, ms) in TONES.items():
        path = root / voice / f"{name}.wav" if voice else root / f"{name}.wav"
        write_wav(path, tone(freq, ms, RATE, 0.5), RATE)
    return root


def edit_yaml(path: Path, **changes: Any) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict):
            raw[key] = {**raw[key], **value}
        else:
            raw[key] = value
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")


@dataclass
class Observer:
    """A read-only client: the retained statuses and counter snapshots, as they arrive."""

    link: MqttLink
    statuses: dict[str, m.NodeStatus] = field(default_factory=dict)
    counters: dict[str, m.CounterSnapshot] = field(default_factory=dict)
    events: list[m.Event] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Observer:
        t = self.link.topics
        self.link.subscribe(t.status("+"), self._status)
        self.link.subscribe(t.counter("+"), self._counter)
        self.link.subscribe(t.events, self._event)
        self.link.start()
        assert self.link.wait_connected(5)
        return self

    def _status(self, topic: str, payload: bytes) -> None:
        if payload:
            st = decode(m.NodeStatus, payload)
            with self.lock:
                self.statuses[st.node_id] = st

    def _counter(self, topic: str, payload: bytes) -> None:
        snap = decode(m.CounterSnapshot, payload)
        with self.lock:
            self.counters[snap.counter] = snap

    def _event(self, topic: str, payload: bytes) -> None:
        ev = decode(m.Event, payload)
        with self.lock:
            self.events.append(ev)

    def online(self, node_id: str) -> bool:
        st = self.statuses.get(node_id)
        return st is not None and st.online


@dataclass
class LiveHall:
    site: RuntimeSite
    observer: Observer
    procs: dict[str, NodeProcess]

    def wait(self, what: str, until: Callable[[], bool], timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if until():
                return
            time.sleep(0.02)
        logs = "\n".join(f"--- {n}\n{p.log_text()[-3000:]}" for n, p in self.procs.items())
        raise AssertionError(f"timed out waiting for {what}\n{logs}")


@pytest.fixture
def live_hall(broker: DevBroker, tmp_path: Path) -> Iterator[LiveHall]:
    """central, kiosk-1, caller-loket-1 and display-hall of the demo site, each a process;
    the display renders off screen (SDL dummy), speaks into tmp/audio.raw and captures each
    new call's frame into tmp/board/."""
    site = HallSite(DEMO).materialize(
        tmp_path, broker.port, kiosks=["kiosk-1"], callers=["caller-loket-1"],
        displays=["display-hall"],
    )  # fmt: skip
    (display_cfg,) = site.displays
    clips = write_tone_clips(tmp_path / "voice")
    edit_yaml(display_cfg, voice={"clips": str(clips), "frequency": RATE, "buffer": 512,
                                  "build_if_missing": False})  # fmt: skip
    link = MqttLink(BrokerSettings(port=broker.port), Topics("demo"), Identity("e2e", "tool", 1))
    observer = Observer(link).start()
    display_env = {
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "disk",
        "SDL_DISKAUDIOFILE": str(tmp_path / "audio.raw"),
        "ANTRIAN_DISPLAY_CAPTURE": str(tmp_path / "board"),
        "ANTRIAN_DISPLAY_FRAME_LOG": str(tmp_path / "frames.tsv"),
    }
    procs = {"central": NodeProcess("central", site.central)}
    hall = LiveHall(site, observer, procs)
    try:
        procs["central"].start()
        hall.wait("central online", lambda: observer.online(CENTRAL_ID))
        (kiosk_cfg,) = site.kiosks
        (caller_cfg,) = site.callers
        procs["kiosk-1"] = NodeProcess("kiosk", kiosk_cfg, keyboard=True).start()
        procs["caller-loket-1"] = NodeProcess("caller", caller_cfg, keyboard=True).start()
        procs["display-hall"] = NodeProcess("display", display_cfg, env=display_env).start()
        for node_id in procs:
            hall.wait(f"{node_id} online", partial(observer.online, node_id))
        yield hall
    finally:
        for proc in reversed(procs.values()):
            proc.stop()
        observer.link.stop()
