"""The wait estimate's model (central/estimate.py) on hand-built loads: the pooled
priority rate, the hall's pace, the priority citizens still to come, and the choice of
the printed minute and range, the officers' paces."""

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


def test_quantiles_of_a_known_mixture() -> None:
    # Either nobody comes (the wait is 20 min) or someone does (30 min), each half.
    f = Forecast(base_s=1200.0, base_var=1.0, arrivals=math.log(2), jump_s=600.0, jump_var=0.0)
    assert math.isclose(estimate.quantile_s(f, 0.25, within_s=1.0), 1200.0, abs_tol=1.0)
    assert math.isclose(estimate.quantile_s(f, 0.75, within_s=1.0), 1800.0, abs_tol=1.0)


def test_printed_minute_is_the_mean_and_the_range_holds_most_waits() -> None:
    # Two services of a skewed length ahead: the mean is 20 minutes.
    samples = tuple([200.0] * 30 + [1400.0] * 10)  # mean 500 s, a long tail
    counters = [CounterLoad("loket-1", ("a",))]
    loads = {"a": QueueLoad(ahead=2, ticket_s=600.0, samples=samples)}
    e = estimate.estimate("a", counters, loads)
    assert e.minutes == 20
    f = estimate.forecast("a", counters, loads)
    p10, p90 = estimate.quantile_s(f, 0.1) / 60, estimate.quantile_s(f, 0.9) / 60
    assert p10 < 20 < p90
    # Rounded outwards to 5 minutes.
    assert e.low_min == 5 * math.floor(p10 / 5) and e.high_min == 5 * math.ceil(p90 / 5)


def test_a_slow_officer_takes_longer_and_counts_as_less_than_one() -> None:
    loads = {"a": QueueLoad(ahead=4, ticket_s=600.0)}
    ordinary = [CounterLoad("l1", ("a",)), CounterLoad("l2", ("a",))]
    slow = [CounterLoad("l1", ("a",)), CounterLoad("l2", ("a",), pace=1.7)]
    # Two ordinary counters: the fifth ticket is called at 20 minutes.
    assert estimate.wait_s("a", ordinary, loads) == 1200.0
    # With one at 1.7 x: l1 calls at 0, 10, 20, 30; l2 at 0 and 17: the fifth at 20.
    assert estimate.wait_s("a", slow, loads) == 1200.0
    loads = {"a": QueueLoad(ahead=6, ticket_s=600.0)}
    # The seventh: l1 at 0, 10, 20, 30, 40; l2 at 0, 17, 34: the seventh at 34.
    assert estimate.wait_s("a", slow, loads) == 34 * 60.0


def test_paced_samples_give_an_ordinary_officers_mean() -> None:
    samples = {"a": [900.0, 900.0, 900.0, 900.0, 500.0, 500.0, 500.0, 500.0]}
    who: list[str | None] = ["slow", "slow", "slow", "slow", "quick", "quick", "quick", "quick"]
    officers = {"a": who}
    _, paces, plain = estimate.paced_ticket_times(samples, officers, {"a": 600.0}, 0.0)
    # Shrunk towards 1.0 as if OFFICER_WEIGHT more samples ran at the queue's pace.
    assert paces["slow"] > 1.05 > 0.95 > paces["quick"]
    # Each at an ordinary pace: the slow officer's shorter, the quick one's longer.
    assert all(x < 900 for x in plain["a"][:4]) and all(x > 500 for x in plain["a"][4:])


def test_nothing_ahead_and_a_free_counter_prints_zero() -> None:
    assert estimate.estimate("a", *_one_counter(0)).minutes == 0
