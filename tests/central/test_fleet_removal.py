"""A removed device leaves the fleet list: `antrian provision remove` clears its retained
status, and central forgets it, also across a restart."""

from __future__ import annotations

from pathlib import Path

from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink
from central import Central, load_catalogue
from central.testing import make_config
from protocol import Topics
from tests.waiting import eventually


def test_a_cleared_status_takes_the_device_out_of_the_fleet(
    broker: DevBroker, tmp_path: Path
) -> None:
    config = make_config(broker.port, tmp_path / "central")
    catalogue = load_catalogue(config.catalogue)
    central = Central(config, catalogue)
    central.start()
    kiosk = MqttLink(
        BrokerSettings(port=broker.port), Topics("demo"), Identity("kiosk-9", "kiosk", 1)
    )
    kiosk.start()
    try:
        assert kiosk.wait_connected(5)
        assert eventually(lambda: "kiosk-9" in central.fleet.nodes)
        kiosk.stop()  # offline, as a device being taken down would be
        assert eventually(lambda: not central.fleet.nodes["kiosk-9"].online)
        tool = MqttLink(BrokerSettings(port=broker.port), Topics("demo"), Identity("t", "tool", 1))
        tool.start()
        assert tool.wait_connected(5)
        tool.publish(Topics("demo").status("kiosk-9"), b"", retain=True)  # what remove does
        assert eventually(lambda: "kiosk-9" not in central.fleet.nodes)
        tool.stop()
    finally:
        central.stop()
    again = Central(config, catalogue)
    again.start()
    try:
        assert again.link.wait_connected(5)
        assert "kiosk-9" not in again.fleet.nodes
    finally:
        again.stop()
