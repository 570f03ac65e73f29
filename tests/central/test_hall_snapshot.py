"""The hall snapshot at a real hall's size: rebuilt from the parts that changed, the same as
a whole rebuild, and an issue after a counter change does not rescan today's tickets."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from antrian.devbroker import REPO_ROOT
from central import estimate, projections, waits
from central.config import load_catalogue
from central.hall import Hall
from hall.site import open_all_hours
from protocol import messages as m

T0 = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # Monday 08:30 WIB


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Any:
    src = REPO_ROOT / "firmware_configs" / "mpp-palembang" / "catalogue.yaml"
    return load_catalogue(open_all_hours(src, tmp_path_factory.mktemp("large")))


def _request(rnd: random.Random, cat: Any, i: int, at: datetime) -> m.Request:
    base: dict[str, Any] = {"request_id": f"req-{i:08d}", "node_id": "node", "sent_at": at}
    queue = rnd.choice(cat.queues).id
    counter = rnd.choice(cat.counters).id
    sup = {**base, "supervisor": "sari"}
    kind = rnd.random()
    if kind < 0.45:
        return m.IssueTicket(queue=queue, priority=rnd.random() < 0.1, **base)
    if kind < 0.7:
        return m.CallNext(counter=counter, **base)
    if kind < 0.75:
        return m.PauseCounter(counter=counter, **base)
    if kind < 0.8:
        return m.ResumeCounter(counter=counter, **base)
    if kind < 0.85:
        return m.Transfer(counter=counter, to_queue=queue, **base)
    if kind < 0.88:
        return m.SignIn(counter=counter, officer=f"officer-{rnd.randrange(9)}", **base)
    if kind < 0.91:
        return m.CloseQueue(queue=queue, **sup)
    if kind < 0.94:
        return m.ReopenQueue(queue=queue, **sup)
    if kind < 0.97:
        return m.SetQuota(queue=queue, quota=rnd.choice([None, 5, 50]), **sup)
    return m.FinishService(counter=counter, **base)


def _whole(hall: Hall, at: datetime) -> m.HallSnapshot:
    """The snapshot rebuilt from nothing."""
    kept = hall.projections.parts
    hall.projections.parts = projections.SnapshotParts()
    try:
        return hall.hall_snapshot(at)
    finally:
        hall.projections.parts = kept


def _without_estimates_and_seq(snap: m.HallSnapshot) -> dict[str, Any]:
    raw = snap.model_dump()
    for q in raw["queues"]:
        for key in ("estimated_wait_min", "estimated_wait_low_min", "estimated_wait_high_min"):
            q.pop(key)
    for c in raw["counters"]:
        c.pop("seq")
    return raw


def test_snapshot_from_changed_parts_equals_a_whole_rebuild(large: Any) -> None:
    rnd = random.Random(16)
    hall = Hall(large, large.business_day(T0))
    at = T0
    for i in range(600):
        at += timedelta(seconds=rnd.choice([1, 5, 20]))
        out = hall.apply(_request(rnd, large, i, at), at)
        if rnd.random() < 0.3:
            continue  # several changes between two snapshots
        parts = hall.hall_snapshot(at)
        whole = _whole(hall, at)
        assert _without_estimates_and_seq(parts) == _without_estimates_and_seq(whole), i
        # A queue that this request touched has its estimate redone.
        touched = {t.queue for t in out.tickets}
        for p, w in zip(parts.queues, whole.queues, strict=True):
            if p.queue in touched:
                assert p.estimated_wait_min == w.estimated_wait_min, (i, p.queue)


def test_an_estimate_nothing_touched_is_redone_within_its_age(large: Any) -> None:
    hall = Hall(large, large.business_day(T0))
    quiet = large.queues[-1].id
    req = m.IssueTicket(request_id="req-00000001", node_id="k", sent_at=T0, queue=quiet)
    hall.apply(req, T0)
    hall.hall_snapshot(T0)
    first = hall.projections.parts.estimates[quiet][2]
    busy = large.queues[0].id
    at = T0
    for i in range(len(large.queues) + 5):
        at += timedelta(seconds=projections.ESTIMATE_MAX_AGE_S / 4)
        req = m.IssueTicket(request_id=f"req-{i + 10:08d}", node_id="k", sent_at=at, queue=busy)
        hall.apply(req, at)
        hall.hall_snapshot(at)
    assert hall.projections.parts.estimates[quiet][2] == first  # snapshots redo what changed only
    for _ in large.queues:
        at += timedelta(seconds=1)
        hall.refresh_estimates(at)  # central, when idle: the oldest past its age
    assert hall.projections.parts.estimates[quiet][2] > first
    hall.refresh_estimates(at, count=len(large.queues))
    assert hall.refresh_estimates(at) == 0  # none is old any more


def test_an_issue_after_a_counter_change_does_not_rescan_todays_tickets(
    large: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hall = Hall(large, large.business_day(T0))
    rnd = random.Random(3)
    queues = [q.id for q in large.queues if q.daily_quota is None]
    at = T0
    for i in range(2000):
        at += timedelta(seconds=1)
        req = m.IssueTicket(
            request_id=f"fill-{i:08d}", node_id="k", sent_at=at, queue=rnd.choice(queues)
        )
        hall.apply(req, at)
    hall.apply(
        m.CallNext(request_id="call-first-01", node_id="c", sent_at=at, counter="loket-1"), at
    )
    hall.refresh_pace()  # the last scan: now
    scans: list[int] = []
    real = estimate.history

    def counting(*args: Any, **kwargs: Any) -> estimate.History:
        scans.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(estimate, "history", counting)
    hall.refresh_pace()
    assert scans == []  # no counter changed since
    for i in range(20):
        at += timedelta(seconds=1)
        counter = large.counters[i].id
        hall.apply(
            m.CallNext(request_id=f"call-{i:08d}", node_id="c", sent_at=at, counter=counter), at
        )
        reply = hall.apply(
            m.IssueTicket(request_id=f"more-{i:08d}", node_id="k", sent_at=at, queue=queues[i]), at
        ).reply
        assert reply.ok and reply.ticket is not None and reply.ticket.estimated_wait_min is not None
    assert scans == []  # twenty counter changes, twenty issues, no scan
    hall.refresh_pace()  # central's worker, when idle
    assert len(scans) == 1
    # Without an idle moment, a request rescans at most every PACE_RESCAN_S.
    at += timedelta(seconds=waits.PACE_RESCAN_S + 1)
    hall.apply(
        m.CallNext(request_id="call-late-0001", node_id="c", sent_at=at, counter="loket-1"), at
    )
    hall.apply(
        m.IssueTicket(request_id="more-late-0001", node_id="k", sent_at=at, queue=queues[0]), at
    )
    assert len(scans) == 2


def test_a_snapshot_after_one_change_redoes_few_estimates(
    large: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a snapshot costs follows what changed, not the 105 queues."""
    hall = Hall(large, large.business_day(T0))
    hall.hall_snapshot(T0)
    done: list[str] = []
    real = Hall.estimate_wait

    def counting(self: Hall, queue_id: str, ahead: int) -> estimate.Estimate:
        done.append(queue_id)
        return real(self, queue_id, ahead)

    monkeypatch.setattr(Hall, "estimate_wait", counting)
    at = T0 + timedelta(seconds=1)
    hall.apply(
        m.IssueTicket(request_id="req-00000001", node_id="k", sent_at=at, queue="dukcapil-ktp"), at
    )
    hall.hall_snapshot(at)
    # The issue's own ticket estimate, then the queue's in the snapshot.
    assert done == ["dukcapil-ktp", "dukcapil-ktp"]
    done.clear()
    hall.apply(
        m.CallNext(request_id="req-00000002", node_id="c", sent_at=at, counter="loket-1"), at
    )
    hall.hall_snapshot(at)
    assert sorted(set(done)) == sorted(large.counter("loket-1").queues)
