"""Liveness after a broker restart: nodes that died while the broker was down (their wills
died with it) are shown offline within 10 s of its return; the others stay online."""

from __future__ import annotations

import time
from collections.abc import Callable

from antrian.devbroker import DevBroker
from central import Central
from tests.central.conftest import Node


def test_nodes_killed_while_the_broker_is_down_go_offline(
    broker: DevBroker, central: Central, node_factory: Callable[..., Node]
) -> None:
    alive, doomed = node_factory("kiosk-1"), node_factory("kiosk-2")
    deadline = time.monotonic() + 5
    while not all(n in central.fleet.nodes for n in ("kiosk-1", "kiosk-2")):
        assert time.monotonic() < deadline, "births never reached central"
        time.sleep(0.02)
    broker.kill()
    time.sleep(0.5)
    doomed.link.stop()  # dies while nobody can publish its will
    broker.start()
    back = time.monotonic()
    while central.fleet.nodes["kiosk-2"].online:
        assert time.monotonic() - back < 10, "a dead node still shown online 10 s on"
        time.sleep(0.05)
    assert central.fleet.nodes["kiosk-2"].last_error is not None
    assert alive.link.wait_connected(10)
    time.sleep(0.5)
    assert central.fleet.nodes["kiosk-1"].online
    assert any(not e.online for e in central.ledger.nodes() if e.node_id == "kiosk-2")
