"""A removed device leaves the fleet list: `antrian provision remove` clears its retained
status, and central forgets it, also across a restart, also when the device's last words
(its will, or a clean stop's offline status) come after the removal."""

from __future__ import annotations

import time
from pathlib import Path

from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink
from central import Central, load_catalogue
from central.testing import make_config
from protocol import Topics
from tests.waiting import eventually


def _link(port: int, node: str, role: str, session: int) -> MqttLink:
    link = MqttLink(BrokerSettings(port=port), Topics("demo"), Identity(node, role, session))  # type: ignore[arg-type]
    link.start()
    assert link.wait_connected(5)
    return link


def test_a_cleared_status_takes_the_device_out_of_the_fleet(
    broker: DevBroker, tmp_path: Path
) -> None:
    config = make_config(broker.port, tmp_path / "central")
    catalogue = load_catalogue(config.catalogue)
    central = Central(config, catalogue)
    central.start()
    try:
        kiosk = _link(broker.port, "kiosk-9", "kiosk", 5)
        assert eventually(lambda: "kiosk-9" in central.fleet.nodes)
        tool = _link(broker.port, "t", "tool", 1)
        tool.publish(Topics("demo").status("kiosk-9"), b"", retain=True)  # what remove does
        assert eventually(lambda: "kiosk-9" not in central.fleet.nodes)
        tool.stop()
        # Still running when removed: its clean stop publishes a retained offline status
        # of the same session afterwards, which must not bring the row back.
        kiosk.stop()
        time.sleep(0.3)
        assert "kiosk-9" not in central.fleet.nodes
    finally:
        central.stop()
    again = Central(config, catalogue)
    again.start()
    try:
        assert again.link.wait_connected(5)
        time.sleep(0.3)  # the retained offline status comes again to the new central
        assert "kiosk-9" not in again.fleet.nodes
        # Provisioned again under the same id on a fresh SD card: its session starts again
        # at 1, below the tombstone; its birth is a new life and is listed.
        fresh = _link(broker.port, "kiosk-9", "kiosk", 1)
        assert eventually(lambda: "kiosk-9" in again.fleet.nodes)
        fresh.stop()
    finally:
        again.stop()
