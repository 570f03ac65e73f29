"""Refusals from central reach the citizen as a short slip in Indonesian (or English)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from antrian.devbroker import DevBroker
from central import Central, load_catalogue
from central.testing import DEMO_CATALOGUE, make_config

from .conftest import Rig


@pytest.fixture
def small_quota_central(broker: DevBroker, tmp_path: Path) -> Iterator[Central]:
    raw = yaml.safe_load(DEMO_CATALOGUE.read_text())
    for q in raw["queues"]:
        if q["id"] == "skck":
            q["daily_quota"] = 2  # the kiosk leases 2 (a block is at most a tenth of the quota,
            # at least 1): one online ticket is left
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw))
    config = make_config(broker.port, tmp_path / "central", catalogue=path)
    c = Central(config, load_catalogue(path))
    c.start()
    yield c
    c.stop()


@pytest.mark.parametrize("language", ["id", "en"])
def test_quota_reached_slip(
    small_quota_central: Central, rig_factory: Callable[..., Rig], language: str
) -> None:
    rig = rig_factory(language=language)
    assert rig.wait_for(rig.kiosk.central_up)
    rig.wait_leases(("skck",))
    for n in (1, 2, 3):
        rig.press("skck")
        rig.wait_jobs(n)
        time.sleep(rig.config.press.repeat_guard_s + 0.05)
    first, second, slip = rig.texts()
    assert "B001" in first.splitlines()
    # Central had no number left outside the kiosk's block: the kiosk issued number 2 of
    # the quota from it, online (no "offline" line), and central has it.
    assert "B002" in second.splitlines()
    assert not any("offline" in line for line in second.splitlines())
    if language == "id":
        assert "Kuota hari ini habis." in slip.splitlines()
        assert "MAAF" in slip
    else:
        assert "Today's quota is used up." in slip.splitlines()
        assert "TICKET NUMBER" in first
    assert rig.kiosk.last_refusal == "quota_reached"
    assert rig.wait_for(lambda: len(small_quota_central.hall.tickets) == 2)


def test_refusal_led_pattern_without_slip(
    small_quota_central: Central, rig_factory: Callable[..., Rig]
) -> None:
    rig = rig_factory(refusal_slip=False)
    assert rig.wait_for(rig.kiosk.central_up)
    rig.wait_leases(("skck",))
    for n in (1, 2):  # the second from the kiosk's block: the quota's last number
        rig.press("skck")
        rig.wait_jobs(n)
        time.sleep(rig.config.press.repeat_guard_s + 0.05)
    rig.press("skck")
    assert rig.wait_for(lambda: rig.kiosk.last_refusal == "quota_reached")
    # The fault LED blinks fast for a few seconds: it toggles, it is not steady.
    pin = rig.factory.pin(23)
    start = len(pin.states)
    time.sleep(0.5)
    assert len(pin.states) - start >= 3
    assert len(rig.device.jobs) == 2
