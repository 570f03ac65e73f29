"""Supervisors' actions in the hall domain and the ledger: what each changes, what it
refuses without changing anything, and what survives a restart or a new day."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from central.hall import Hall
from central.ledger import Ledger
from central.records import Outcome
from protocol import messages as m
from tests.central.test_hall import CAT, DAY, T0, call, issue, rid

SUP = "siti"


def sup(hall: Hall, kind: type[m.SupervisorRequest], **kw: Any) -> Outcome:
    req = kind(request_id=rid(), node_id="web-1", sent_at=T0, supervisor=SUP, **kw)
    return hall.apply(req, T0)  # type: ignore[arg-type]


def queue_snap(hall: Hall, queue: str) -> m.QueueSnapshot:
    return next(q for q in hall.hall_snapshot(T0).queues if q.queue == queue)


def test_supervisor_pause_stops_calls_and_names_the_supervisor() -> None:
    hall = Hall(CAT, DAY)
    issue(hall, "dukcapil", T0)
    out = sup(hall, m.SupervisorPauseCounter, counter="loket-1", reason="rapat")
    assert out.reply.ok and out.reply.counter is not None
    assert out.reply.counter.state == "paused"
    assert [(e.kind, e.counter, e.supervisor) for e in out.events] == [
        ("counter_paused", "loket-1", SUP)
    ]
    assert hall.counter_snapshot("loket-1").state == "paused"
    assert call(hall, "loket-1", T0).refusal.code == "counter_paused"  # type: ignore[union-attr]
    # Pausing again changes nothing and says nothing.
    again = sup(hall, m.SupervisorPauseCounter, counter="loket-1")
    assert again.reply.ok and again.events == []
    out = sup(hall, m.SupervisorResumeCounter, counter="loket-1")
    assert [(e.kind, e.supervisor) for e in out.events] == [("counter_resumed", SUP)]
    assert call(hall, "loket-1", T0).ok


def test_close_queue_early_refuses_tickets_and_transfers_until_reopened() -> None:
    hall = Hall(CAT, DAY)
    issue(hall, "dukcapil", T0)
    out = sup(hall, m.CloseQueue, queue="dukcapil")
    assert [(e.kind, e.queue, e.supervisor) for e in out.events] == [
        ("queue_closed", "dukcapil", SUP)
    ]
    assert out.supervision is not None and out.supervision["closed_early"] == ["dukcapil"]
    snap = queue_snap(hall, "dukcapil")
    assert (snap.open, snap.closed_early, snap.waiting) == (False, True, 1)
    assert issue(hall, "dukcapil", T0).refusal.code == "queue_closed"  # type: ignore[union-attr]
    # Tickets already issued are still called.
    assert call(hall, "loket-1", T0).counter.ticket.label == "A001"  # type: ignore[union-attr]
    issue(hall, "skck", T0)
    b = call(hall, "loket-3", T0).counter.ticket  # type: ignore[union-attr]
    assert b is not None
    moved = sup(hall, m.TransferTicket, ticket_id=b.ticket_id, to_queue="dukcapil")
    assert moved.reply.refusal is not None and moved.reply.refusal.code == "queue_closed"
    assert sup(hall, m.CloseQueue, queue="dukcapil").events == []
    out = sup(hall, m.ReopenQueue, queue="dukcapil")
    assert [e.kind for e in out.events] == ["queue_reopened"]
    assert queue_snap(hall, "dukcapil").open
    assert issue(hall, "dukcapil", T0).ticket.label == "A002"  # type: ignore[union-attr]


def test_lowered_quota_stops_issuing_and_shows_what_is_left() -> None:
    hall = Hall(CAT, DAY)
    for _ in range(2):
        issue(hall, "nikah", T0)
    out = sup(hall, m.SetQuota, queue="nikah", quota=3)
    assert [(e.kind, e.queue, e.quota, e.supervisor) for e in out.events] == [
        ("quota_changed", "nikah", 3, SUP)
    ]
    snap = queue_snap(hall, "nikah")
    assert (snap.quota, snap.quota_left) == (3, 1)
    assert issue(hall, "nikah", T0).ok
    assert issue(hall, "nikah", T0).refusal.code == "quota_reached"  # type: ignore[union-attr]
    assert queue_snap(hall, "nikah").quota_left == 0
    # Back to the catalogue's 30: the override is gone, numbering continues.
    sup(hall, m.SetQuota, queue="nikah", quota=30)
    assert hall.quota_today == {}
    assert issue(hall, "nikah", T0).ticket.label == "G004"  # type: ignore[union-attr]
    # No cap at all today.
    sup(hall, m.SetQuota, queue="nikah", quota=None)
    assert (queue_snap(hall, "nikah").quota, queue_snap(hall, "nikah").quota_left) == (None, None)


def test_raised_quota_continues_above_leased_blocks_without_reusing_a_number() -> None:
    hall = Hall(CAT, DAY)  # nikah: quota 30, a kiosk may hold 3 leased numbers
    lease = hall.apply(
        m.LeaseBlock(request_id=rid(), node_id="kiosk-1", sent_at=T0, queue="nikah", size=3), T0
    ).reply.lease
    assert lease is not None and (lease.first, lease.last) == (28, 30)
    numbers = [issue(hall, "nikah", T0).ticket.number for _ in range(27)]  # type: ignore[union-attr]
    assert issue(hall, "nikah", T0).refusal.code == "quota_reached"  # type: ignore[union-attr]
    sup(hall, m.SetQuota, queue="nikah", quota=32)
    numbers += [issue(hall, "nikah", T0).ticket.number for _ in range(2)]  # type: ignore[union-attr]
    assert numbers == [*range(1, 28), 31, 32]
    assert issue(hall, "nikah", T0).refusal.code == "quota_reached"  # type: ignore[union-attr]


def test_lowered_quota_also_caps_new_leases() -> None:
    hall = Hall(CAT, DAY)
    sup(hall, m.SetQuota, queue="nikah", quota=10)
    lease = hall.apply(
        m.LeaseBlock(request_id=rid(), node_id="kiosk-1", sent_at=T0, queue="nikah", size=3), T0
    ).reply.lease
    assert lease is not None and (lease.first, lease.last) == (10, 10)  # a tenth of 10


def test_transfer_a_waiting_ticket_keeps_its_place_by_issue_time() -> None:
    hall = Hall(CAT, DAY)
    b1 = issue(hall, "skck", T0).ticket
    issue(hall, "sim", T0 + timedelta(minutes=1))
    assert b1 is not None
    out = sup(hall, m.TransferTicket, ticket_id=b1.ticket_id, to_queue="sim")
    assert out.reply.ok and out.reply.ticket is not None
    assert (out.reply.ticket.queue, out.reply.ticket.status) == ("sim", "waiting")
    ev = out.events[0]
    assert (ev.kind, ev.from_queue, ev.counter, ev.supervisor) == (
        "ticket_transferred",
        "skck",
        None,
        SUP,
    )
    assert (queue_snap(hall, "skck").waiting, queue_snap(hall, "sim").waiting) == (0, 2)
    assert out.reply.ticket.people_ahead == 0
    refused = sup(hall, m.TransferTicket, ticket_id=b1.ticket_id, to_queue="sim")
    assert refused.reply.refusal is not None
    assert refused.reply.refusal.code == "transfer_same_queue"


def test_transfer_a_called_ticket_frees_its_counter() -> None:
    hall = Hall(CAT, DAY)
    issue(hall, "skck", T0)
    t = call(hall, "loket-3", T0).counter.ticket  # type: ignore[union-attr]
    assert t is not None
    out = sup(hall, m.TransferTicket, ticket_id=t.ticket_id, to_queue="sim")
    assert out.events[0].counter == "loket-3"
    assert hall.counter_snapshot("loket-3").state == "idle"
    assert call(hall, "loket-3", T0).counter.ticket.label == "B001"  # type: ignore[union-attr]


def test_end_ticket_waiting_called_and_serving() -> None:
    hall = Hall(CAT, DAY)
    a1, a2, a3 = (issue(hall, "dukcapil", T0 + timedelta(seconds=i)).ticket for i in range(3))
    assert a1 and a2 and a3
    out = sup(hall, m.EndTicket, ticket_id=a3.ticket_id)
    assert out.reply.ticket is not None and out.reply.ticket.status == "no_show"
    assert (out.events[0].kind, out.events[0].counter) == ("ticket_ended", None)
    assert queue_snap(hall, "dukcapil").waiting == 2
    call(hall, "loket-1", T0)
    out = sup(hall, m.EndTicket, ticket_id=a1.ticket_id)
    assert out.reply.ticket.status == "no_show"  # type: ignore[union-attr]
    assert (out.events[0].counter, out.events[0].supervisor) == ("loket-1", SUP)
    assert hall.counter_snapshot("loket-1").state == "idle"
    call(hall, "loket-1", T0)
    hall.apply(m.StartService(request_id=rid(), node_id="c", sent_at=T0, counter="loket-1"), T0)
    out = sup(hall, m.EndTicket, ticket_id=a2.ticket_id)
    assert out.reply.ticket.status == "served"  # type: ignore[union-attr]
    assert hall.tickets[a2.ticket_id].finished_at == T0


def test_refused_actions_change_nothing() -> None:
    hall = Hall(CAT, DAY)
    a1 = issue(hall, "dukcapil", T0).ticket
    assert a1 is not None
    sup(hall, m.EndTicket, ticket_id=a1.ticket_id)
    before = (hall.seq, hall.hall_snapshot(T0), hall.supervision())
    cases: list[tuple[type[m.SupervisorRequest], dict[str, Any], str]] = [
        (m.EndTicket, {"ticket_id": a1.ticket_id}, "ticket_finished"),
        (m.TransferTicket, {"ticket_id": a1.ticket_id, "to_queue": "skck"}, "ticket_finished"),
        (m.EndTicket, {"ticket_id": "20261123-nope-0001"}, "unknown_ticket"),
        (m.CloseQueue, {"queue": "nope"}, "unknown_queue"),
        (m.SetQuota, {"queue": "nope", "quota": 5}, "unknown_queue"),
        (m.SupervisorPauseCounter, {"counter": "loket-99"}, "unknown_counter"),
    ]
    for kind, kw, code in cases:
        out = sup(hall, kind, **kw)
        assert out.reply.refusal is not None and out.reply.refusal.code == code, kind
        assert out.events == [] and out.supervision is None
    assert (hall.seq, hall.hall_snapshot(T0), hall.supervision()) == before


def test_running_text_is_in_the_snapshot_and_cleared_by_empty_text() -> None:
    hall = Hall(CAT, DAY)
    out = sup(hall, m.SetRunningText, text="  Samsat tutup pukul 12.00  ")
    assert [(e.kind, e.text, e.supervisor) for e in out.events] == [
        ("running_text_changed", "Samsat tutup pukul 12.00", SUP)
    ]
    assert hall.hall_snapshot(T0).running_text == "Samsat tutup pukul 12.00"
    assert sup(hall, m.SetRunningText, text="Samsat tutup pukul 12.00").events == []
    sup(hall, m.SetRunningText, text="")
    assert hall.hall_snapshot(T0).running_text == ""


def commit(ledger: Ledger, hall: Hall, kind: type[m.SupervisorRequest], **kw: Any) -> None:
    req = kind(request_id=rid(), node_id="web-1", sent_at=T0, supervisor=SUP, **kw)
    ledger.commit([(req, hall.apply(req, T0))], hall.day, hall.seq)  # type: ignore[arg-type, list-item]


def test_ledger_keeps_todays_changes_and_the_running_text_past_the_day(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.sqlite3")
    hall = Hall(CAT, DAY)
    commit(ledger, hall, m.CloseQueue, queue="skck")
    commit(ledger, hall, m.SetQuota, queue="nikah", quota=5)
    commit(ledger, hall, m.SetRunningText, text="Selamat datang")
    commit(ledger, hall, m.SupervisorPauseCounter, counter="loket-2")
    ledger.close()

    again = Ledger(tmp_path / "l.sqlite3")
    rebuilt = again.load(CAT, DAY)
    assert rebuilt.hall_snapshot(T0) == hall.hall_snapshot(T0)
    assert rebuilt.counters["loket-2"].paused
    kinds = [
        (row[0], m.Event.model_validate_json(row[1]).supervisor)
        for row in again.db.execute("SELECT kind, body FROM events ORDER BY seq")
    ]
    assert kinds == [
        ("queue_closed", SUP),
        ("quota_changed", SUP),
        ("running_text_changed", SUP),
        ("counter_paused", SUP),
    ]
    again.close()

    # The next business day starts from the catalogue; the hall's notice stays.
    later = Ledger(tmp_path / "l.sqlite3")
    next_day = later.load(CAT, DAY)
    next_day.close_day(T0 + timedelta(days=1), DAY + timedelta(days=1))
    snap = next_day.hall_snapshot(T0 + timedelta(days=1))
    skck = next(q for q in snap.queues if q.queue == "skck")
    nikah = next(q for q in snap.queues if q.queue == "nikah")
    assert (skck.closed_early, nikah.quota, snap.running_text) == (False, 30, "Selamat datang")
    fresh = Hall(CAT, DAY + timedelta(days=1))
    fresh.load_supervision(hall.supervision())
    assert (fresh.closed_early, fresh.quota_today, fresh.running_text) == (
        set(),
        {},
        "Selamat datang",
    )


def test_a_ticket_is_named_by_its_label_or_its_id_never_both() -> None:
    hall = Hall(CAT, DAY)
    issue(hall, "skck", T0)
    b2 = issue(hall, "skck", T0).ticket
    assert b2 is not None
    out = sup(hall, m.EndTicket, label="b002")
    assert out.reply.ticket is not None and out.reply.ticket.ticket_id == b2.ticket_id
    moved = sup(hall, m.TransferTicket, label="B001", to_queue="sim")
    assert moved.reply.ticket is not None and moved.reply.ticket.label == "B001"
    unknown = sup(hall, m.EndTicket, label="B999")
    assert unknown.reply.refusal is not None and unknown.reply.refusal.code == "unknown_ticket"
    base = {"request_id": rid(), "node_id": "web-1", "sent_at": T0, "supervisor": SUP}
    for wrong in ({}, {"label": "B001", "ticket_id": b2.ticket_id}):
        with pytest.raises(ValidationError, match="either ticket_id or label"):
            m.EndTicket(**base, **wrong)


def test_queue_snapshot_says_since_when_the_longest_waiting_ticket_waits() -> None:
    hall = Hall(CAT, DAY)
    assert queue_snap(hall, "skck").oldest_waiting_at is None
    issue(hall, "skck", T0)
    issue(hall, "skck", T0 + timedelta(minutes=3), priority=True)
    assert queue_snap(hall, "skck").oldest_waiting_at == T0
    call(hall, "loket-3", T0 + timedelta(minutes=4))  # the priority ticket goes first
    assert queue_snap(hall, "skck").oldest_waiting_at == T0
    call(hall, "loket-3", T0 + timedelta(minutes=5))
    assert queue_snap(hall, "skck").oldest_waiting_at is None


def test_closing_a_queue_after_its_last_ticket_still_shows_who_closed_it() -> None:
    raw = CAT.model_dump()
    for q in raw["queues"]:
        if q["id"] == "skck":
            q["last_ticket"] = time(8, 0)  # T0 is 09:00 WIB: closed anyway
    hall = Hall(type(CAT).model_validate(raw), DAY)
    before = queue_snap(hall, "skck")
    assert (before.open, before.closed_early) == (False, False)
    sup(hall, m.CloseQueue, queue="skck")
    after = queue_snap(hall, "skck")
    assert (after.open, after.closed_early) == (False, True)
