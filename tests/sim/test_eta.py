"""The wait estimate against simulated days: the benchmark on a small seeded scenario."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.eta import shares, simulate, within
from central import estimate
from central.config import load_catalogue
from central.hall import Hall
from central.testing import DEMO_CATALOGUE
from protocol import messages as m

CAT = load_catalogue(DEMO_CATALOGUE)
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_within_criterion() -> None:
    assert within(10, 15) and within(10, 5)  # 5 minutes either way
    assert within(40, 50) and not within(40, 51)  # 25 % of the estimate
    assert not within(0, 6)


def test_estimator_beats_naive_on_seeded_days() -> None:
    samples = simulate(CAT, range(100, 103))
    est, naive = shares(samples)
    assert len(samples) > 500
    assert est > naive + 0.15
    assert est > 0.6


def _issue(hall: Hall, queue: str, at: datetime, priority: bool = False) -> m.TicketInfo:
    req = m.IssueTicket(
        request_id=f"req-{len(hall.tickets):06d}",
        node_id="kiosk-1",
        sent_at=at,
        queue=queue,
        priority=priority,
    )
    info = hall.apply(req, at).reply.ticket
    assert info is not None
    return info


def test_shared_counter_counts_the_other_queue() -> None:
    # loket-3 is the only counter for SKCK and SIM: SIM's earlier tickets come first.
    hall = Hall(CAT, CAT.business_day(T0))
    for i in range(3):
        _issue(hall, "sim", T0 + timedelta(seconds=i))
    skck = _issue(hall, "skck", T0 + timedelta(seconds=10))
    assert skck.people_ahead == 0
    # Three SIM tickets at the 15-minute standard, one counter, nobody served yet.
    assert skck.estimated_wait_min == 45
    naive = estimate.naive_wait_min(0, [], 8 * 60, 1)
    assert naive == 0


def test_priority_ticket_waits_only_for_priority_ahead() -> None:
    hall = Hall(CAT, CAT.business_day(T0))
    for i in range(4):
        _issue(hall, "dukcapil", T0 + timedelta(seconds=i))
    p = _issue(hall, "dukcapil", T0 + timedelta(seconds=5), priority=True)
    assert p.people_ahead == 0 and p.estimated_wait_min == 0
    n = _issue(hall, "dukcapil", T0 + timedelta(seconds=6))
    # Five ahead on two idle counters at 10 minutes: starts at 0, 0, 10, 10, 20, 20; and
    # priority tickets still to come, at the rate seen (one, spread over at least an
    # hour), each taking 10 minutes of one of the two counters: 20 / (1 - 1/12) = 21.8.
    assert n.people_ahead == 5 and n.estimated_wait_min == 22


def test_kth_start_matches_a_step_by_step_run() -> None:
    free = [0.0, 130.0, 45.0]
    for k in range(12):
        starts = sorted(f + j * 100.0 for f in free for j in range(12))
        assert estimate._kth_start(free, 100.0, k) == starts[k]
