"""Supervisors' requests through a real Mosquitto: applied once, published with the name."""

from __future__ import annotations

from collections.abc import Callable

from central import Central
from protocol import Topics, decode
from protocol import messages as m
from tests.central.conftest import Node
from tests.waiting import eventually

NodeFactory = Callable[..., Node]


def test_supervisor_actions_reach_events_snapshots_and_are_idempotent(
    central: Central, node_factory: NodeFactory
) -> None:
    web = node_factory("web-1")
    topics = Topics("demo")
    pause = m.SupervisorPauseCounter(counter="loket-2", supervisor="siti", **web.base())
    first = web.call(pause)
    assert first.ok and first.counter is not None and first.counter.state == "paused"
    # The same request again (a retry after a lost reply) is answered, not applied again.
    assert web.call(pause) == first
    close = web.call(m.CloseQueue(queue="skck", supervisor="siti", **web.base()))
    text = web.call(m.SetRunningText(text="Selamat datang", supervisor="budi", **web.base()))
    assert close.ok and text.ok
    events = web.wait_events(3)
    assert [(e.kind, e.supervisor) for e in events] == [
        ("counter_paused", "siti"),
        ("queue_closed", "siti"),
        ("running_text_changed", "budi"),
    ]

    def counter() -> m.CounterSnapshot | None:
        raw = web.retained.get(topics.counter("loket-2"))
        snap = decode(m.CounterSnapshot, raw) if raw else None
        return snap if snap is not None and snap.state == "paused" else None

    assert eventually(lambda: counter() is not None, 3)

    def hall() -> m.HallSnapshot | None:
        raw = web.retained.get(topics.hall)
        snap = decode(m.HallSnapshot, raw) if raw else None
        return snap if snap is not None and snap.seq >= 3 else None

    assert eventually(lambda: hall() is not None, 3)
    snap = hall()
    assert snap is not None
    assert snap.running_text == "Selamat datang"
    skck = next(q for q in snap.queues if q.queue == "skck")
    assert (skck.open, skck.closed_early) == (False, True)
    refused = node_factory("kiosk-1").issue("skck")
    assert refused.refusal is not None and refused.refusal.code == "queue_closed"
    assert central.hall.seq == 3
