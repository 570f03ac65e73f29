"""A display that restarts while the broker is away shows the hall it last knew."""

from __future__ import annotations

from antrian.devbroker import DevBroker
from edge.display.node import DisplayNode
from protocol import messages as m
from tests.display.conftest import Hall, pump


def shows_call(node: DisplayNode) -> bool:
    c = node.state.counters.get("loket-1")
    return c is not None and c.ticket is not None and c.ticket.label == "A001"


def kept_call(node: DisplayNode) -> bool:
    snap = node._latest_snapshot
    return snap is not None and any(
        c.counter == "loket-1" and c.ticket is not None and c.ticket.label == "A001"
        for c in snap.counters
    )


def test_restart_without_broker_shows_the_last_hall(
    hall: Hall, nodes: list[DisplayNode], broker: DevBroker
) -> None:
    cfg = hall.display_config(blink_s=0, voice={"enabled": False})
    first = DisplayNode(cfg)
    first.start()
    nodes.append(first)
    hall.request(m.IssueTicket, queue="dukcapil")
    assert hall.request(m.CallNext, counter="loket-1").ok
    hall.central._publish_hall()  # don't wait for central's idle snapshot

    # Stopped once the snapshot showing the call arrived (the events show it earlier):
    # that snapshot is the one kept.
    assert pump(first, lambda: shows_call(first) and kept_call(first))
    first.stop()
    nodes.remove(first)

    broker.stop()  # the site's broker is down when the board comes back
    second = DisplayNode(cfg)
    second.start()
    nodes.append(second)
    second.step(0.05)
    assert not second.broker_online
    assert shows_call(second), "the board should show the hall it last knew"
    assert second.frames >= 1
    # Its calls were heard before the restart: nothing is announced again.
    assert second.announcer is None or second.announcer.spoken == 0
