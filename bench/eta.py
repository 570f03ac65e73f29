"""Wait estimates against simulated days, per situation (sim.day.SITUATIONS) and over
all five: the printed minute's mean absolute error beside the naive people-ahead
estimate's, the share within 5 minutes or 15 %, and how often the printed range held the
wait; on the benchmark's seeds and on held-out seeds (the estimator was tuned on
5001-5030, never on these); and its cost."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from antrian.catalogue import Catalogue
from bench.common import BenchContext, result
from central.config import load_catalogue
from central.estimate import naive_wait_min
from central.hall import Hall
from central.testing import DEMO_CATALOGUE
from protocol import messages as m
from sim import SITUATIONS, HallDriver, Profile, generate_day, situation

SEEDS = range(1, 11)
# Days the estimator's constants were never chosen on (they were tuned on 5001-5030).
HELD_OUT = range(1001, 1011)
COST_WAITING = 200
FIRST_DAY = date(2026, 11, 23)
TOLERANCE_MIN = 5.0
TOLERANCE_SHARE = 0.25  # the earlier criterion (docs/reports.md), kept for comparison
STRICT_SHARE = 0.15  # the issue's: within 5 minutes or 15 %


@dataclass
class Sample:
    ticket_id: str
    queue: str
    priority: bool
    issued_at: datetime
    estimate_min: int
    naive_min: int
    low_min: int = 0
    high_min: int = 0
    called_at: datetime | None = None

    @property
    def wait_min(self) -> float:
        assert self.called_at is not None
        return (self.called_at - self.issued_at).total_seconds() / 60


def within(estimate_min: float, actual_min: float) -> bool:
    """The issue's criterion: off by at most 5 minutes or by at most 25 % of the estimate."""
    off = abs(actual_min - estimate_min)
    return off <= TOLERANCE_MIN or off <= TOLERANCE_SHARE * estimate_min


def within_strict(estimate_min: float, actual_min: float) -> bool:
    """Off by at most 5 minutes or by at most 15 % of the estimate."""
    return abs(actual_min - estimate_min) <= max(TOLERANCE_MIN, STRICT_SHARE * estimate_min)


@dataclass(frozen=True)
class Figures:
    tickets: int
    mae_min: float
    bias_min: float  # estimate - wait: negative when the waits ran longer
    naive_mae_min: float
    within_share: float  # within 5 minutes or 15 %
    coverage: float  # share of waits within the printed range


def figures(samples: list[Sample]) -> Figures:
    if not samples:
        raise ValueError("no called tickets")
    n = len(samples)
    return Figures(
        n,
        sum(abs(s.estimate_min - s.wait_min) for s in samples) / n,
        sum(s.estimate_min - s.wait_min for s in samples) / n,
        sum(abs(s.naive_min - s.wait_min) for s in samples) / n,
        sum(within_strict(s.estimate_min, s.wait_min) for s in samples) / n,
        sum(s.low_min <= s.wait_min <= s.high_min for s in samples) / n,
    )


def naive_for(hall: Hall, queue: str, ahead: int) -> int:
    samples = list(hall.recent_service_s[queue])
    spec = hall.cat.queue(queue)
    assert spec is not None
    open_counters = sum(
        1 for c in hall.cat.counters if queue in c.queues and not hall.counters[c.id].paused
    )
    return naive_wait_min(ahead, samples, spec.service_standard_min * 60, open_counters)


def without_plan(catalogue: Catalogue) -> Catalogue:
    """The same hall with its break plan kept from central (the counters still pause)."""
    counters = [c.model_copy(update={"breaks": []}) for c in catalogue.counters]
    return catalogue.model_copy(update={"counters": counters})


def simulate(
    catalogue: Catalogue,
    seeds: range,
    profile: Profile | None = None,
    first: date = FIRST_DAY,
    hall_catalogue: Catalogue | None = None,
) -> list[Sample]:
    """Play one seeded day per seed; every called ticket with its two estimates. The day
    follows `catalogue`; central may be given another view of it (`hall_catalogue`)."""
    samples: list[Sample] = []
    for n, seed in enumerate(seeds):
        day = generate_day(catalogue, first + timedelta(days=n), seed, profile)
        hall = Hall(hall_catalogue or catalogue, day.day)
        by_id: dict[str, Sample] = {}
        for req, out in HallDriver(hall, day).run():
            # Central rescans the pace when idle, which it is between most requests.
            hall.refresh_pace()
            if isinstance(req, m.IssueTicket) and out.reply.ticket is not None:
                t = out.reply.ticket
                assert t.estimated_wait_min is not None
                rng = hall.estimate_wait(t.queue, t.people_ahead)
                by_id[t.ticket_id] = Sample(
                    t.ticket_id,
                    t.queue,
                    t.priority,
                    t.issued_at,
                    t.estimated_wait_min,
                    naive_for(hall, t.queue, t.people_ahead),
                    rng.low_min,
                    rng.high_min,
                )
            elif isinstance(req, m.CallNext) and out.reply.counter and out.reply.counter.ticket:
                s = by_id.get(out.reply.counter.ticket.ticket_id)
                if s is not None and s.called_at is None:
                    s.called_at = req.sent_at
        samples.extend(s for s in by_id.values() if s.called_at is not None)
    return samples


def shares(samples: list[Sample]) -> tuple[float, float]:
    """(estimator share, naive share) within the tolerance."""
    if not samples:
        raise ValueError("no called tickets")
    ok = sum(within(s.estimate_min, s.wait_min) for s in samples)
    naive = sum(within(s.naive_min, s.wait_min) for s in samples)
    return ok / len(samples), naive / len(samples)


def cost_ms(catalogue: Catalogue, waiting: int = COST_WAITING) -> tuple[float, float]:
    """Milliseconds per estimate with `waiting` tickets waiting mid-morning: (a ticket
    issued, the pace cached; the first estimate after a counter changed, rescanned)."""
    day = generate_day(catalogue, FIRST_DAY, 1)
    hall = Hall(catalogue, day.day)
    now = day.opens_at
    for req, _ in HallDriver(hall, day).run():
        now = req.sent_at
        if catalogue.local(now).hour >= 11:
            break
    queues = [q.id for q in catalogue.queues]
    n = 0
    while sum(len(w) for w in hall.waiting.values()) < waiting:
        req = m.IssueTicket(
            request_id=f"eta-cost-{n:06d}",
            node_id="bench-kiosk",
            sent_at=now,
            queue=queues[n % len(queues)],
            priority=False,
        )
        hall.apply(req, now)
        n += 1
    rounds = 2000
    t0 = time.perf_counter()
    for i in range(rounds):
        q = queues[i % len(queues)]
        hall.estimate_wait_min(q, len(hall.waiting[q]))
    cached = (time.perf_counter() - t0) / rounds * 1e3
    t0 = time.perf_counter()
    for i in range(rounds // 10):
        hall.waits.pace = None  # as after a finish: the pace is read again from the tickets
        q = queues[i % len(queues)]
        hall.estimate_wait_min(q, len(hall.waiting[q]))
    rescan = (time.perf_counter() - t0) / (rounds // 10) * 1e3
    return cached, rescan


def run(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    catalogue = load_catalogue(DEMO_CATALOGUE)
    for label, seeds in (("bench", SEEDS), ("held_out", HELD_OUT)):
        every: list[Sample] = []
        for name in SITUATIONS:
            samples = simulate(catalogue, seeds, situation(name))
            every.extend(samples)
            yield from _figures(figures(samples), name, label, seeds)
        yield from _figures(figures(every), "all", label, seeds)
    cached, rescan = cost_ms(catalogue)
    yield result(
        "eta_estimate_ms",
        cached,
        "ms",
        waiting=COST_WAITING,
        after_counter_change_ms=round(rescan, 4),
    )


def _figures(f: Figures, name: str, label: str, seeds: range) -> Iterator[dict[str, Any]]:
    common = {
        "situation": name,
        "seeds": f"{seeds.start}-{seeds.stop - 1}",
        "set": label,
        "tickets": f.tickets,
    }
    everything = name == "all"
    yield result(
        "eta_mae_min",
        f.mae_min,
        "min",
        bias_min=round(f.bias_min, 2),
        **({"target": "<= 8"} if everything else {}),
        **common,
    )
    yield result(
        "eta_naive_mae_min",
        f.naive_mae_min,
        "min",
        ratio=round(f.mae_min / f.naive_mae_min, 3),
        **({"target": "ratio <= 0.5"} if everything else {}),
        **common,
    )
    yield result("eta_within_5min_or_15pct_share", f.within_share, "share", **common)
    yield result(
        "eta_interval_coverage",
        f.coverage,
        "share",
        **({"target": "0.80 +- 0.05"} if everything else {}),
        **common,
    )
