"""The wait estimate's model (central/estimate.py) on hand-built loads: the pooled
priority rate, the hall's pace, the priority citizens still to come, and the choice of
the printed minute."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from central import estimate
from central.estimate import CounterLoad, Forecast, QueueLoad

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@dataclass
class _Ticket:
    """A TicketLike: issued, never called."""

    queue: str
    issued_at: datetime
    priority: bool = False
    status: str = "waiting"
    transfers: int = 0
    counter: str | None = None
    called_at: datetime | None = None
    finished_at: datetime | None = None


def test_priority_share_is_pooled_over_the_queues_that_take_priority() -> None:
    # In the last two hours: 20 A tickets (4 priority), 10 B (none), 10 C (none, and C
    # takes no priority tickets). B's own count says "no priority"; the hall's says 4 in 30.
    tickets = [_Ticket("a", T0 + timedelta(minutes=5 * i), i < 4) for i in range(20)]
    tickets += [_Ticket("b", T0 + timedelta(minutes=10 * i)) for i in range(10)]
    tickets += [_Ticket("c", T0 + timedelta(minutes=10 * i)) for i in range(10)]
    now = T0 + timedelta(minutes=100)
    recent = sorted(tickets, key=lambda t: t.issued_at, reverse=True)
    h = estimate.history(recent, ["a", "b", "c"], now, priority_queues=["a", "b"])
    span = 100 * 60  # the oldest ticket was issued at T0
    assert math.isclose(h.priority_per_s("b", now), 10 / span * 4 / 30)
    assert math.isclose(h.priority_per_s("a", now), 20 / span * 4 / 30)
    assert h.priority_per_s("c", now) == 0.0


def test_the_ticket_being_estimated_does_not_count_in_the_rate() -> None:
    tickets = [_Ticket("a", T0 + timedelta(minutes=10 * i), i == 0) for i in range(6)]
    now = T0 + timedelta(minutes=70)
    h = estimate.history(reversed(tickets), ["a"], now)
    before = h.priority_per_s("a", now)
    h.issued(_Ticket("a", now))  # the ticket just issued, now being estimated
    assert h.priority_per_s("a", now) == before
    # One issued later counts: by then it is a ticket that came before.
    later = now + timedelta(minutes=1)
    assert h.priority_per_s("a", later) > 0
    assert math.isclose(h.priority_per_s("a", later), 7 / (71 * 60) * 1 / 7)


def test_a_quiet_queue_learns_the_halls_pace() -> None:
    # Queue A's officers take half its standard; B has no samples yet.
    standard = {"a": 600.0, "b": 1200.0}
    times = estimate.ticket_times({"a": [300.0] * 40, "b": []}, standard, handover_s=15.0)
    pace = (40 * 0.5 + estimate.PACE_WEIGHT) / (40 + estimate.PACE_WEIGHT)
    assert math.isclose(times["b"], 15.0 + pace * 1200.0)
    assert times["b"] < 15.0 + 1200.0
    w = estimate.STANDARD_WEIGHT
    assert math.isclose(times["a"], 15.0 + (40 * 300.0 + w * pace * 600.0) / (40 + w))
    # Nothing seen anywhere: the standards themselves.
    assert estimate.ticket_times({"a": [], "b": []}, standard, 0.0) == standard


def _one_counter(ahead: int, rate: float = 0.0) -> tuple[list[CounterLoad], dict[str, QueueLoad]]:
    counters = [CounterLoad("loket-1", ("a",))]
    return counters, {"a": QueueLoad(ahead=ahead, ticket_s=600.0, priority_per_s=rate)}


def test_priority_arrivals_fade_with_the_horizon() -> None:
    # One priority citizen an hour, each 10 minutes of the only counter.
    rate = 1 / 3600
    short = estimate.forecast("a", *_one_counter(3, rate))
    assert short.base_s == 1800.0 and short.jump_s == 600.0
    # The wait the arrivals grow: arrivals = rate x the horizon's share of that wait.
    grown = short.base_s + short.arrivals * short.jump_s
    horizon = estimate.RATE_HORIZON_S
    faded = horizon * -math.expm1(-grown / horizon)
    assert math.isclose(short.arrivals, rate * faded, rel_tol=1e-3)
    # A wait of ten hours does not expect ten hours' worth: the rate fades.
    long = estimate.forecast("a", *_one_counter(60, rate))
    assert long.arrivals < rate * horizon
    assert long.arrivals < rate * long.base_s / 4
    # A priority ticket (no rate given) expects none.
    assert estimate.forecast("a", *_one_counter(3)).arrivals == 0.0


def test_within_p_of_a_certain_wait() -> None:
    sure = Forecast(base_s=1200.0, base_var=0.0, arrivals=0.0, jump_s=0.0, jump_var=0.0)
    assert estimate.within_p(sure, 1200.0) == 1.0
    assert estimate.within_p(sure, 1200.0 - 299.0) == 1.0  # within 5 minutes
    assert estimate.within_p(sure, 1200.0 - 301.0) == 0.0  # 25 % of 899 s is less
    # 25 % of a long estimate: 6000 s is within 25 % of 4900 s ... 7900 s.
    long = Forecast(6000.0, 0.0, 0.0, 0.0, 0.0)
    assert estimate.within_p(long, 7900.0) == 1.0
    assert estimate.within_p(long, 8100.0) == 0.0


def test_within_p_adds_up_the_priority_arrivals() -> None:
    # Either nobody comes (the wait is 20 min) or someone does (30 min), each about half.
    f = Forecast(base_s=1200.0, base_var=1.0, arrivals=math.log(2), jump_s=600.0, jump_var=0.0)
    p0 = estimate.within_p(f, 1200.0)  # catches 0 arrivals only (15-25 min)
    assert math.isclose(p0, 0.5, abs_tol=1e-3)
    # 1500 s +- 25 % catches 0 or 1 arrivals (20 and 30 min), not 2 (40 min).
    both = 0.5 + 0.5 * math.log(2)
    assert math.isclose(estimate.within_p(f, 1500.0), both, abs_tol=1e-3)


def test_printed_minute_is_the_likeliest_not_the_mean() -> None:
    # Two services of a skewed length ahead: the wait's mean is 20 minutes, but a
    # 10-minute window catches most at a lower minute.
    samples = tuple([200.0] * 30 + [1400.0] * 10)  # mean 500 s, a long tail
    counters = [CounterLoad("loket-1", ("a",))]
    loads = {"a": QueueLoad(ahead=2, ticket_s=600.0, samples=samples)}
    mean_min = estimate.wait_s("a", counters, loads) / 60
    printed = estimate.wait_min("a", counters, loads)
    assert mean_min == 20.0
    assert printed < mean_min
    f = estimate.forecast("a", counters, loads)
    # It is the best of the minutes searched (half to 1.3 x the mean), but for the nudge
    # that prefers, of two about as likely, the one nearer the mean.
    nudge = estimate.TIE_PER_MIN * 10
    best = max(estimate.within_p(f, m * 60.0) for m in range(10, 27))
    assert estimate.within_p(f, printed * 60.0) >= best - nudge


def test_nothing_ahead_and_a_free_counter_prints_zero() -> None:
    assert estimate.wait_min("a", *_one_counter(0)) == 0
