"""A node is back on the broker soon after the broker is, however long it was away."""

from __future__ import annotations

import time

from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink
from protocol import Topics

DOWN_S = 3.2  # paho's attempts with the old 10 s cap: 0.2, 0.6, 1.4, 3.0, then 6.2 s
BACK_WITHIN_S = 1.6  # the cap (1 s), a connect, and room for a loaded machine


def test_a_node_reconnects_within_a_second_of_a_long_broker_outage(broker: DevBroker) -> None:
    # Issue 13 (chaos seed 91148): the backoff doubles while attempts fail, so after a few
    # broker restarts a board waited seconds after the broker was back, longer than the
    # 2 s it has to catch up with central. The default settings, as a device gets them.
    link = MqttLink(
        BrokerSettings(port=broker.port), Topics("demo"), Identity("display-hall", "display", 1)
    )
    link.start()
    try:
        assert link.wait_connected(5)
        broker.kill()
        deadline = time.monotonic() + 5
        while link.connected and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not link.connected
        time.sleep(DOWN_S)
        broker.start()
        back = time.monotonic()
        while not link.connected and time.monotonic() - back < 10:
            time.sleep(0.01)
        took = time.monotonic() - back
        assert link.connected, "never reconnected"
        assert took <= BACK_WITHIN_S, f"reconnected {took:.2f}s after the broker was back"
    finally:
        link.stop()
