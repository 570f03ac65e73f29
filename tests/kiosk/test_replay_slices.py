"""A long offline backlog goes to central in slices, and a citizen's press is served between
them: it does not wait for the whole reconciliation."""

from __future__ import annotations

import statistics
import time
from datetime import datetime
from functools import partial
from pathlib import Path

from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink, Requester, new_request_id, now
from central import Central, load_catalogue
from central.testing import make_config, unbounded_catalogue
from edge.kiosk.layout import TicketView
from edge.kiosk.outbox import Outbox
from protocol import Topics
from protocol import messages as m
from tests.kiosk.conftest import PINS, Rig, make_rig

OFFLINE_TICKETS = 1000
LEASE = 100  # central lets a kiosk hold at most 100 unused numbers of a queue without quota
KEYS = ("dukcapil", "skck", "sim")
PRESS = {"bounce_ms": 5, "repeat_guard_s": 0.05, "priority_window_s": 5}
PAIRS = 5


def _press_to_print(rig: Rig, key: str, box: Outbox) -> tuple[float, int]:
    """Milliseconds from the pin going low to the ticket's first byte, and the kiosk's
    backlog right after it printed (read through a second connection, `box`)."""
    pin = rig.factory.pin(PINS[key])
    n = len(rig.device.jobs)
    t0 = time.monotonic()
    pin.drive_low()
    assert rig.device.wait_jobs(n + 1, 5), "no ticket printed"
    ms = (rig.device.first_byte_at[n] - t0) * 1000
    backlog = box.backlog()
    pin.drive_high()
    time.sleep(0.06)  # past the repeat guard
    return ms, backlog


def _view(ticket_id: str, label: str, at: datetime) -> TicketView:
    return TicketView(ticket_id=ticket_id, label=label, hall_name="MPP Uji", agency="-",
                      queue_name="-", issued_at=at, offline=True)  # fmt: skip


def _offline_backlog(port: int, node_id: str, state_dir: Path, queues: list[str]) -> None:
    """1,000 tickets printed while central was away, in the kiosk's own outbox, from leases
    central granted to it."""
    link = MqttLink(BrokerSettings(port=port), Topics("demo"), Identity(node_id, "kiosk", 1))
    requester = Requester(link)
    link.start()
    assert link.wait_connected(5)
    leases = []
    for q in queues:
        reply = requester.call(
            m.LeaseBlock(request_id=new_request_id(node_id), node_id=node_id, sent_at=now(),
                         queue=q, size=LEASE), 5)  # fmt: skip
        assert reply.ok and reply.lease is not None, reply.refusal
        leases.append(reply.lease)
    link.stop()
    state_dir.mkdir(parents=True, exist_ok=True)
    box = Outbox(state_dir / "outbox.sqlite3")
    try:
        for lease in leases:
            box.add_lease(lease)
        for i in range(OFFLINE_TICKETS):
            lease = leases[i % len(leases)]
            wall = now()
            stored = box.issue_offline(lease.queue, lease.business_day, False, wall, node_id,
                                       None, partial(_view, at=wall))  # fmt: skip
            box.mark_printed(stored.ticket_id, wall)
        assert box.backlog() == OFFLINE_TICKETS
    finally:
        box.close()


def test_a_press_during_a_1000_ticket_replay_prints_within_3x_its_normal_latency(
    broker: DevBroker, tmp_path: Path
) -> None:
    """Normal is a kiosk with nothing to reconcile on the same central, pressed alternately
    with the busy one: both are judged at the same moments, on a machine whose load varies.
    Without slices the busy kiosk's press would wait for the whole backlog (seconds)."""
    catalogue = unbounded_catalogue(tmp_path)
    config = make_config(broker.port, tmp_path / "central", catalogue=catalogue)
    central = Central(config, load_catalogue(catalogue))
    central.start()
    rigs: list[Rig] = []
    boxes: list[Outbox] = []
    try:
        assert central.link.wait_connected(5)
        calm = make_rig(broker.port, tmp_path / "calm", node_id="kiosk-calm", press=PRESS)
        rigs.append(calm)
        assert calm.wait_for(calm.kiosk.central_up, 5)
        calm.wait_leases()
        queues = [q.id for q in load_catalogue(catalogue).queues]
        _offline_backlog(broker.port, "kiosk-t", tmp_path / "kiosk", queues)
        busy = make_rig(broker.port, tmp_path / "kiosk", press=PRESS)
        rigs.append(busy)
        calm_box, busy_box = calm.outbox(), busy.outbox()
        boxes += [calm_box, busy_box]
        assert busy.wait_for(lambda: busy_box.backlog() < OFFLINE_TICKETS - 20, 10)
        normal: list[float] = []
        during: list[tuple[float, int]] = []
        for i in range(PAIRS):
            normal.append(_press_to_print(calm, KEYS[i % 3], calm_box)[0])
            during.append(_press_to_print(busy, KEYS[i % 3], busy_box))
    finally:
        for box in boxes:
            box.close()
        for rig in rigs:
            rig.kiosk.stop()
        central.stop()

    assert all(backlog > 0 for _ms, backlog in during), ("the replay ended first", during)
    latency = statistics.median(ms for ms, _backlog in during)
    assert latency <= 3 * statistics.median(normal), (latency, normal, during)
