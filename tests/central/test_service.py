"""Central through a real Mosquitto: replies, idempotency, events, snapshots, bad input, fleet."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from antrian.mqtt import BrokerSettings, Identity, MqttLink
from central import Central
from protocol import Topics, decode, encode
from protocol import messages as m
from tests.central.conftest import Node

NodeFactory = Callable[..., Node]


def wait_for(pred: Callable[[], Any], timeout: float = 3.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def test_issue_and_call_publish_events_in_sequence(
    central: Central, node_factory: NodeFactory
) -> None:
    kiosk, caller = node_factory("kiosk-1"), node_factory("caller-1", "caller")
    r1 = kiosk.issue("dukcapil")
    assert r1.ok and r1.ticket is not None and r1.ticket.label == "A001"
    r2 = caller.next("loket-1")
    assert r2.ok and r2.counter is not None and r2.counter.ticket is not None
    assert r2.counter.ticket.label == "A001" and r2.counter.state == "calling"
    events = caller.wait_events(2)
    assert [e.kind for e in events[:2]] == ["ticket_issued", "ticket_called"]
    assert [e.seq for e in events[:2]] == [1, 2]
    assert events[1].counter_name == "Loket 1"
    topics = Topics("demo")

    def retained(model: type[Any], topic: str, min_seq: int) -> Any:
        def get() -> Any:
            raw = caller.retained.get(topic)
            snap = decode(model, raw) if raw else None
            return snap if snap is not None and snap.seq >= min_seq else None

        return wait_for(get)

    counter = retained(m.CounterSnapshot, topics.counter("loket-1"), 2)
    assert counter.ticket is not None and counter.ticket.label == "A001"
    hall = retained(m.HallSnapshot, topics.hall, 2)
    assert hall.hall_name.startswith("Mal Pelayanan Publik")
    assert hall.recent_calls[0].ticket.label == "A001"


def test_duplicate_request_gets_stored_reply_and_changes_nothing(
    central: Central, node_factory: NodeFactory
) -> None:
    kiosk = node_factory("kiosk-1")
    req = m.IssueTicket(queue="skck", **kiosk.base())
    first = kiosk.call(req)
    again = kiosk.call(req)
    assert first == again
    assert kiosk.issue("skck").ticket.label == "B002"  # type: ignore[union-attr]


def test_malformed_and_spoofed_requests_get_clear_errors(
    central: Central, node_factory: NodeFactory
) -> None:
    kiosk = node_factory("kiosk-1")
    replies: list[m.Reply] = []
    topics = Topics("demo")
    kiosk.link.subscribe(topics.reply("kiosk-1"), lambda t, p: replies.append(decode(m.Reply, p)))
    time.sleep(0.1)
    seq_before = central.hall.seq
    bad = [
        b"not json",
        b"[1,2]",
        b'{"v": 2, "type": "issue_ticket", "request_id": "abcdefgh-1"}',
        b'{"v": 1, "type": "launch_rocket", "request_id": "abcdefgh-2"}',
        b'{"v": 1, "type": "issue_ticket", "request_id": "abcdefgh-3", "node_id": "kiosk-1",'
        b' "sent_at": "2026-01-01T00:00:00Z", "queue": "dukcapil", "colour": "red"}',
    ]
    for payload in bad:
        kiosk.link.publish(topics.request("kiosk-1"), payload)
    spoof = m.IssueTicket(queue="dukcapil", **{**kiosk.base(), "node_id": "kiosk-2"})
    kiosk.link.publish(topics.request("kiosk-1"), encode(spoof))
    unknown = kiosk.call(m.IssueTicket(queue="no-such-queue", **kiosk.base()))
    wait_for(lambda: len(replies) >= 7)
    codes = [r.refusal.code for r in replies if r.refusal]
    assert codes.count("invalid_request") == 5
    assert "unsupported_version" in codes
    assert unknown.refusal is not None and unknown.refusal.code == "unknown_queue"
    assert all(not r.ok for r in replies)
    assert central.hall.seq == seq_before and not central.hall.tickets
    assert sum(central.errors.values()) >= 7
    assert "colour" in next(r.refusal.text_en for r in replies if r.request_id == "abcdefgh-3")  # type: ignore[union-attr]


def test_stale_request_is_refused(central: Central, node_factory: NodeFactory) -> None:
    kiosk = node_factory("kiosk-1")
    from datetime import UTC, datetime

    old = m.IssueTicket(
        queue="dukcapil",
        **{
            **kiosk.base(),
            "sent_at": datetime(2020, 1, 1, tzinfo=UTC),
        },
    )
    reply = kiosk.call(old)
    assert reply.refusal is not None and reply.refusal.code == "stale_request"
    assert not central.hall.tickets


def test_fleet_tracks_births_and_wills_and_ignores_stale_wills(
    central: Central, node_factory: NodeFactory
) -> None:
    topics = Topics("demo")
    watcher = node_factory("watch-1", "tool")

    def fleet() -> m.FleetSnapshot | None:
        raw = watcher.retained.get(topics.fleet)
        return decode(m.FleetSnapshot, raw) if raw else None

    def entry(node_id: str) -> m.FleetEntry | None:
        f = fleet()
        return next((n for n in f.nodes if n.node_id == node_id), None) if f else None

    kiosk = node_factory("kiosk-7", "kiosk", session=5)
    wait_for(lambda: (e := entry("kiosk-7")) and e.online and e.session == 5)
    # A will from an older session arriving late must not mark the node offline.
    stale = m.NodeStatus(
        node_id="kiosk-7", role="kiosk", online=False, session=4, at=datetime_now()
    )
    watcher.link.publish(topics.status("kiosk-7"), encode(stale), retain=False)
    time.sleep(0.3)
    assert entry("kiosk-7").online  # type: ignore[union-attr]
    kiosk.link.stop()
    wait_for(lambda: (e := entry("kiosk-7")) and not e.online)


def test_node_crash_will_marks_offline(central: Central, broker: Any) -> None:
    topics = Topics("demo")
    link = MqttLink(
        BrokerSettings(port=broker.port, keepalive_s=5), topics, Identity("kiosk-9", "kiosk", 1)
    )
    link.start()
    assert link.wait_connected(5)
    wait_for(lambda: "kiosk-9" in central.fleet.nodes and central.fleet.nodes["kiosk-9"].online)
    # Drop the TCP connection without DISCONNECT: the broker publishes the will.
    assert link._client is not None
    link._client.socket().close()  # type: ignore[union-attr]
    wait_for(lambda: not central.fleet.nodes["kiosk-9"].online, timeout=15)
    link._client.loop_stop()


def datetime_now() -> Any:
    from antrian.mqtt import now

    return now()


def test_idle_central_checkpoints_the_ledger_wal(
    central: Central, node_factory: NodeFactory
) -> None:
    """SQLite's automatic checkpoint would run inside a request's commit; central copies the
    WAL into the database itself once no message has come for a few milliseconds."""
    kiosk = node_factory("kiosk-1")
    for _ in range(5):
        assert kiosk.issue("dukcapil").ok
    wait_for(lambda: central.ledger.commits_since_checkpoint == 0)
    with central._busy:
        busy, wal_frames, backfilled = central.ledger.db.execute(
            "PRAGMA wal_checkpoint(PASSIVE)"
        ).fetchone()
    assert busy == 0 and wal_frames > 0 and backfilled == wal_frames
