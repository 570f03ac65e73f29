"""Kiosk rigs: the real Kiosk on gpiozero MockFactory pins and an escpos Dummy printer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory

from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings
from central import Central, load_catalogue
from central.testing import make_config
from edge.kiosk import Kiosk, KioskConfig
from edge.kiosk._escpos import EscposPrinter, SimulatedDevice
from edge.kiosk._gpio import GpioPanel, press_pin
from edge.kiosk.escpos_decode import decode_qr, decode_text
from edge.kiosk.outbox import Outbox

PINS = {"dukcapil": 5, "skck": 6, "sim": 13, "nikah": 19, "priority": 21}
LEDS = {"ready": 17, "busy": 27, "offline": 22, "fault": 23}


def kiosk_config(port: int, state_dir: Path, **overrides: Any) -> KioskConfig:
    raw: dict[str, Any] = {
        "node_id": "kiosk-t",
        "site": "demo",
        "broker": {"port": port},
        "state_dir": str(state_dir),
        "hardware": "simulated",
        "hall_name": "MPP Uji",
        "footer": ["Terima kasih"],
        "press": {"bounce_ms": 5, "repeat_guard_s": 0.3, "priority_window_s": 5},
        "lease": {"size": 10, "low_water": 3},
        "buttons": [
            {"queue": "dukcapil", "pin": 5, "key": "a", "agency": "Dukcapil", "prefix": "A"},
            {"queue": "skck", "pin": 6, "key": "b", "agency": "Polresta", "prefix": "B"},
            {"queue": "sim", "pin": 13, "key": "c", "agency": "Polresta", "prefix": "C"},
            {"queue": "nikah", "pin": 19, "key": "g", "priority_allowed": False},
        ],
        "priority_button": {"pin": 21, "key": "p"},
        "leds": LEDS,
        "buzzer": 24,
    }
    raw.update(overrides)
    return KioskConfig.model_validate(raw)


@dataclass
class Rig:
    kiosk: Kiosk
    factory: Any
    device: SimulatedDevice
    config: KioskConfig

    def press(self, key: str, hold_s: float = 0.03) -> None:
        press_pin(self.factory, PINS[key], hold_s)

    def wait_jobs(self, n: int, timeout: float = 5.0) -> list[bytes]:
        self.device.wait_jobs(n, timeout)
        return list(self.device.jobs)

    def texts(self) -> list[str]:
        return [decode_text(j) for j in self.device.jobs]

    def qrs(self) -> list[list[str]]:
        return [decode_qr(j) for j in self.device.jobs]

    def led(self, name: str) -> bool:
        return bool(self.factory.pin(LEDS[name]).state)

    def outbox(self) -> Outbox:
        """A second connection, as a technician's tool would open it."""
        return Outbox(self.config.state_dir / "outbox.sqlite3")

    def wait_for(self, cond: Callable[[], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return True
            time.sleep(0.01)
        return cond()

    def wait_leases(self, queues: tuple[str, ...] | None = None) -> None:
        """Until every queue holds a block and the kiosk's top-up is satisfied, so that no
        lease request is still in flight when a test freezes or stops central."""
        if queues is None:  # every button's queue: the top-up goes through all of them
            queues = tuple(b.queue for b in self.config.buttons)
        box = self.outbox()
        day = self.kiosk.business_day(_now())
        try:
            ok = self.wait_for(
                lambda: all(
                    box.remaining(q, day) > 0 and self.kiosk.lease_settled(q, day) for q in queues
                ),
                5,
            )
        finally:
            box.close()
        assert ok, "kiosk got no leases from central"


def _now() -> Any:
    from antrian.mqtt import now

    return now()


def make_rig(port: int, state_dir: Path, **overrides: Any) -> Rig:
    config = kiosk_config(port, state_dir, **overrides)
    factory = MockFactory()
    device = SimulatedDevice()
    kiosk = Kiosk(config, GpioPanel(config, pin_factory=factory), EscposPrinter(device))
    kiosk.start()
    assert kiosk.ready.wait(5)
    return Rig(kiosk, factory, device, config)


@pytest.fixture
def central(broker: DevBroker, tmp_path: Path) -> Iterator[Central]:
    config = make_config(broker.port, tmp_path / "central")
    c = Central(config, load_catalogue(config.catalogue))
    c.start()
    assert c.link.wait_connected(5)
    yield c
    c.stop()


@pytest.fixture
def rig_factory(broker: DevBroker, tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    rigs: list[Rig] = []

    def make(name: str = "kiosk", **overrides: Any) -> Rig:
        rig = make_rig(broker.port, tmp_path / name, **overrides)
        rigs.append(rig)
        return rig

    yield make
    for r in rigs:
        r.kiosk.stop()


@pytest.fixture
def rig(central: Central, rig_factory: Callable[..., Rig]) -> Rig:
    r = rig_factory()
    assert r.wait_for(r.kiosk.central_up, 5), "kiosk did not see central online"
    r.wait_leases()
    return r


def broker_settings(broker: DevBroker) -> BrokerSettings:
    return BrokerSettings(port=broker.port)
