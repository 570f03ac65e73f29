"""After central (re)connects, the hall snapshot follows the events closely for a while: a
board that came back after some of them has a gap only a snapshot closes (issue 13)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial

from antrian.devbroker import DevBroker
from central import Central
from central.service import HALL_RESYNC_S
from protocol import Topics, decode
from protocol import messages as m
from tests.central.conftest import Node

NodeFactory = Callable[..., Node]
TICKETS = 5
EVERY_S = 0.25  # between tickets: more than the resync interval, half the usual spacing
WITHIN_S = 0.2  # the ticket's snapshot arrived this soon after its reply


def _shows(seqs: list[int], seq: int) -> bool:
    return bool(seqs) and max(seqs) >= seq


def _event_seq(kiosk: Node, ticket_id: str) -> int:
    def mine() -> list[int]:
        return [e.seq for e in kiosk.events if e.ticket and e.ticket.ticket_id == ticket_id]

    with kiosk.got_event:
        kiosk.got_event.wait_for(lambda: bool(mine()), 2)
        return mine()[0]


def _snapshots_in_time(kiosk: Node, seqs: list[int], got: threading.Condition) -> int:
    """Issue tickets EVERY_S apart; how many had a hall snapshot showing them WITHIN_S."""
    prompt = 0
    for _ in range(TICKETS):
        start = time.monotonic()
        reply = kiosk.issue("skck")
        assert reply.ok and reply.ticket is not None
        seq = _event_seq(kiosk, reply.ticket.ticket_id)
        with got:
            if got.wait_for(partial(_shows, seqs, seq), WITHIN_S):
                prompt += 1
        time.sleep(max(0.0, start + EVERY_S - time.monotonic()))
    return prompt


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
    # Kiosks replaying, boards subscribing: each ticket is on the hall snapshot at once.
    after_reconnect = _snapshots_in_time(kiosk, seqs, got)
    assert time.monotonic() - back < HALL_RESYNC_S, "too slow to test the window"
    assert after_reconnect >= TICKETS - 1, f"{after_reconnect} of {TICKETS} in time"
    # Later, the snapshot keeps off the request path: at most every HALL_MIN_INTERVAL_S.
    time.sleep(max(0.0, back + HALL_RESYNC_S + 0.2 - time.monotonic()))
    steady = _snapshots_in_time(kiosk, seqs, got)
    assert steady <= 3, f"{steady} of {TICKETS} snapshots right after their ticket"
