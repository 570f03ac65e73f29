"""The wait estimate against simulated days: the benchmark on a small seeded scenario."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.eta import SEEDS, figures, shares, simulate, within, within_strict, without_plan
from central import estimate
from central.config import load_catalogue
from central.hall import Hall
from central.testing import DEMO_CATALOGUE
from protocol import messages as m
from sim import SITUATIONS, HallDriver, generate_day, situation

CAT = load_catalogue(DEMO_CATALOGUE)
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_within_criterion() -> None:
    assert within(10, 15) and within(10, 5)  # 5 minutes either way
    assert within(40, 50) and not within(40, 51)  # 25 % of the estimate
    assert not within(0, 6)
    assert within_strict(40, 46) and not within_strict(40, 46.1)  # the issue's 15 %
    assert within_strict(20, 25) and not within_strict(20, 25.1)


def test_estimator_over_the_five_situations() -> None:
    # The benchmark's days (the constants were chosen on 5001-5030). Measured: MAE 14.3
    # minutes against the naive estimate's 46.3, the range holding 0.78 of the waits
    # (docs/reports.md); the issue's 8 minutes is not reached.
    every = []
    for name in SITUATIONS:
        samples = simulate(CAT, SEEDS, situation(name))
        f = figures(samples)
        assert f.mae_min < 0.45 * f.naive_mae_min, name
        assert 0.68 <= f.coverage <= 0.88, name
        every.extend(samples)
    f = figures(every)
    assert f.tickets > 12000
    assert f.mae_min < 16 and f.mae_min < 0.35 * f.naive_mae_min
    assert 0.75 <= f.coverage <= 0.85


def test_knowing_the_break_plan_helps() -> None:
    seeds = range(300, 306)
    told, _ = shares(simulate(CAT, seeds))
    blind, _ = shares(simulate(CAT, seeds, hall_catalogue=without_plan(CAT)))
    assert told > blind


def test_cached_pace_gives_the_estimate_a_fresh_scan_gives() -> None:
    day = generate_day(CAT, T0.date(), 21)
    hall = Hall(CAT, day.day)
    checked = 0
    for req, out in HallDriver(hall, day).run():
        if not isinstance(req, (m.IssueTicket, m.FinishService, m.CallNext)) or not out.reply.ok:
            continue
        hall.refresh_pace()  # central's idle time: the pace follows the changed counters
        for q in ("dukcapil", "skck", "pos"):
            cached = hall.estimate_wait_min(q, len(hall.waiting[q]))
            hall.waits.pace = None
            assert hall.estimate_wait_min(q, len(hall.waiting[q])) == cached
        checked += 1
    assert checked > 500


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
    # priority tickets still to come: one in five tickets so far (this one not counted),
    # five tickets spread over at least an hour, so one an hour, the rate fading over
    # 90 minutes: 0.32 of them in the wait, each 5 minutes of the pair's time: a mean
    # of 21.6 minutes, printed as 22.
    assert n.people_ahead == 5 and n.estimated_wait_min == 22


def test_kth_start_matches_a_step_by_step_run() -> None:
    free = [0.0, 130.0, 45.0]
    for k in range(12):
        starts = sorted(f + j * 100.0 for f in free for j in range(12))
        assert estimate._kth_start(free, 100.0, k) == starts[k]


def test_kth_start_with_breaks_matches_a_step_by_step_run() -> None:
    free = [0.0, 130.0, 45.0]
    plans = [[(250.0, 600.0)], [], [(90.0, 100.0), (700.0, 1000.0)]]
    starts = []
    for f, plan in zip(free, plans, strict=True):
        t = f
        for _ in range(30):
            for b0, b1 in plan:
                if b0 <= t < b1:
                    t = b1  # free during the break: back at its end
            starts.append(t)
            t += 100.0
    starts.sort()
    for k in range(20):
        assert estimate._kth_start(free, 100.0, k, plans) == starts[k]


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=CAT.tz)


def _counter_req(
    hall: Hall, kind: type[m.PauseCounter] | type[m.CallNext], c: str, at: datetime
) -> None:
    req = kind(request_id=f"req-{hall.seq:06d}-{c}", node_id="caller-1", sent_at=at, counter=c)
    assert hall.apply(req, at).reply.ok


def test_a_planned_break_ahead_delays_the_wait() -> None:
    # loket-4 alone serves samsat and pos and closes 12:00-12:30 by plan (6-minute standard).
    hall = Hall(CAT, _at(11, 0).date())
    blind = Hall(without_plan(CAT), _at(11, 0).date())
    for h in (hall, blind):
        for i in range(10):
            _issue(h, "samsat", _at(11, 10) + timedelta(seconds=i))
    # Nine ahead of the tenth at 6 minutes: a mean of 54, the minute printed.
    assert blind.estimate_wait_min("samsat", 9) == 54
    # With the plan the ninth is called at 48 min = 11:58; the tenth after the officer
    # has finished it and come back at 12:30: 80 minutes (11:10 -> 12:30).
    assert hall.estimate_wait_min("samsat", 9) == 80
    low, high = hall.estimate_wait("samsat", 9).low_min, hall.estimate_wait("samsat", 9).high_min
    assert low < 80 < high and low % 5 == 0 and high % 5 == 0


def test_a_counter_on_its_break_is_back_at_its_end() -> None:
    hall = Hall(CAT, _at(12, 0).date())
    _counter_req(hall, m.PauseCounter, "loket-4", _at(12, 5))
    t = _issue(hall, "pos", _at(12, 10))
    assert t.estimated_wait_min == 20  # back at 12:30
    # Paused outside the plan: back after a typical short pause.
    hall = Hall(CAT, _at(10, 0).date())
    _counter_req(hall, m.PauseCounter, "loket-4", _at(10, 5))
    t = _issue(hall, "pos", _at(10, 6))
    assert t.estimated_wait_min == 9


def _sign_in(hall: Hall, counter: str, officer: str, at: datetime) -> None:
    req = m.SignIn(
        request_id=f"req-{hall.seq:06d}-{counter}-in",
        node_id="caller-1",
        sent_at=at,
        counter=counter,
        officer=officer,
    )
    assert hall.apply(req, at).reply.ok


def test_a_counter_nobody_signed_in_at_does_not_count() -> None:
    # Dukcapil has loket-1 and loket-2; only loket-1's officer has come in.
    hall = Hall(CAT, _at(8, 0).date())
    both = Hall(CAT, _at(8, 0).date())
    _sign_in(hall, "loket-1", "budi", _at(8, 0))
    for h in (hall, both):
        for i in range(4):
            _issue(h, "dukcapil", _at(8, 1) + timedelta(seconds=i))
    # Four ahead at the 10-minute standard: one counter 40 minutes, two counters 20.
    assert hall.estimate_wait_min("dukcapil", 4) == 40
    assert both.estimate_wait_min("dukcapil", 4) == 20


def test_a_pool_with_nobody_in_yet_is_not_promised_at_once() -> None:
    # loket-3 (SKCK and SIM) has nobody at 08:20 while the hall has begun elsewhere.
    hall = Hall(CAT, _at(8, 0).date())
    _sign_in(hall, "loket-1", "budi", _at(8, 0))
    t = _issue(hall, "skck", _at(8, 20))
    assert t.estimated_wait_min is not None and t.estimated_wait_min >= 30


def _serve(hall: Hall, counter: str, minutes: float, at: datetime) -> datetime:
    _counter_req(hall, m.CallNext, counter, at)
    end = at + timedelta(minutes=minutes)
    req = m.FinishService(
        request_id=f"req-{hall.seq:06d}-f", node_id="c", sent_at=end, counter=counter
    )
    assert hall.apply(req, end).reply.ok
    return end


def test_pace_follows_the_officer_not_the_counter() -> None:
    # Dukcapil's standard is 10 minutes. Budi at loket-1 takes 16 a citizen, Sari at
    # loket-2 takes 8: after a handover at loket-1 the new officer is not charged Budi's pace.
    hall = Hall(CAT, _at(8, 0).date())
    _sign_in(hall, "loket-1", "budi", _at(8, 0))
    _sign_in(hall, "loket-2", "sari", _at(8, 0))
    for i in range(30):
        _issue(hall, "dukcapil", _at(8, 0) + timedelta(seconds=i))
    t1, t2 = _at(8, 1), _at(8, 1)
    for _ in range(6):
        t1 = _serve(hall, "loket-1", 16, t1)
        t2 = _serve(hall, "loket-2", 8, t2)
    # Six services each, shrunk towards the queue's pace as if 16 more ran at it.
    assert hall.waits.current_pace(t1).officer_pace["budi"] > 1.05
    assert hall.waits.current_pace(t1).officer_pace["sari"] < 0.95
    ahead = len(hall.waiting["dukcapil"])
    slow = hall.estimate_wait_min("dukcapil", ahead)
    _sign_in(hall, "loket-1", "andi", t1)  # a new officer: the queue's pace
    assert hall.estimate_wait_min("dukcapil", ahead) < slow
