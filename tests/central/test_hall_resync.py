"""After central (re)connects, the hall snapshot follows the events closely for a while: a
board that came back after some of them has a gap only a snapshot closes (issue 13)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from antrian.devbroker import DevBroker
from central import Central
from central.service import HALL_RESYNC_S
from protocol import Topics, decode
from protocol import messages as m
from tests.central.conftest import Node

NodeFactory = Callable[..., Node]
TICKETS = 5
EVERY_S = 0.25  # between tickets: more than the resync interval, half the usual spacing
GRACE_S = 0.4  # after the last ticket, for its snapshot to arrive


def _event_seq(kiosk: Node, ticket_id: str) -> int:
    def mine() -> list[int]:
        return [e.seq for e in kiosk.events if e.ticket and e.ticket.ticket_id == ticket_id]

    with kiosk.got_event:
        kiosk.got_event.wait_for(lambda: bool(mine()), 2)
        return mine()[0]


def _snapshots_per_phase(kiosk: Node, seqs: list[int], got: threading.Condition) -> int:
    """Issue tickets EVERY_S apart; how many distinct hall snapshots showed them. Counted,
    not timed: how often central builds the snapshot does not depend on how late a loaded
    machine delivers it (a per-ticket deadline failed 3 of 5 under load)."""
    first = 0
    for i in range(TICKETS):
        start = time.monotonic()
        reply = kiosk.issue("skck")
        assert reply.ok and reply.ticket is not None
        seq = _event_seq(kiosk, reply.ticket.ticket_id)
        first = first or seq
        if i < TICKETS - 1:
            time.sleep(max(0.0, start + EVERY_S - time.monotonic()))
    time.sleep(GRACE_S)
    with got:
        return len({s for s in seqs if s >= first})


def test_hall_snapshot_follows_events_after_a_reconnect_and_is_spaced_after(
    broker: DevBroker, central: Central, node_factory: NodeFactory
) -> None:
    kiosk = node_factory("kiosk-1")
    seqs: list[int] = []
    got = threading.Condition()

    def on_hall(topic: str, payload: bytes) -> None:
        with got:
            seqs.append(decode(m.HallSnapshot, payload).seq)
            got.notify_all()

    kiosk.link.subscribe(Topics("demo").hall, on_hall)
    broker.kill()
    deadline = time.monotonic() + 5
    while central.link.connected and time.monotonic() < deadline:
        time.sleep(0.01)
    broker.start()
    assert central.link.wait_connected(5) and kiosk.link.wait_connected(5)
    back = time.monotonic()
    # Kiosks replaying, boards subscribing: each ticket is on a hall snapshot of its own.
    after_reconnect = _snapshots_per_phase(kiosk, seqs, got)
    assert time.monotonic() - back < HALL_RESYNC_S, "too slow to test the window"
    assert after_reconnect >= TICKETS - 1, f"{after_reconnect} snapshots for {TICKETS} tickets"
    # Later, the snapshot keeps off the request path: at most every HALL_MIN_INTERVAL_S.
    time.sleep(max(0.0, back + HALL_RESYNC_S + 0.2 - time.monotonic()))
    steady = _snapshots_per_phase(kiosk, seqs, got)
    assert steady <= 3, f"{steady} snapshots for {TICKETS} tickets"
