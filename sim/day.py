"""A seeded simulated MPP day: who arrives when, for which queue, how long they take.

Pure data from a seed and a catalogue, with no hall, broker or clock, so that the same day
can drive the pure Hall (sim.driver) or, later, real nodes over MQTT.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from antrian.catalogue import Catalogue

# Relative arrival intensity per local hour: a morning peak and a lunch dip, the shape
# halls describe (citizens come before work, few come at midday prayer and lunch).
DEFAULT_HOURLY = {8: 1.0, 9: 1.6, 10: 1.5, 11: 1.1, 12: 0.5, 13: 0.9, 14: 0.6}


@dataclass(frozen=True)
class Profile:
    """The shape of a day; every field has a realistic default."""

    opens: time = time(8, 0)
    closes: time = time(15, 0)
    last_arrival: time = time(14, 45)
    hourly: dict[int, float] = field(default_factory=lambda: dict(DEFAULT_HOURLY))
    load: float = 0.85  # demand as a share of what the counters serve at the standard time
    priority_share: float = 0.08  # elderly, pregnant, disabled
    no_show_share: float = 0.05
    rating_share: float = 0.6  # citizens who press a rating button
    transfer_share: float = 0.03  # took a ticket for the wrong queue
    service_mean_of_standard: tuple[float, float] = (0.6, 0.95)  # per service, drawn once
    service_sigma: float = 0.45  # lognormal spread of one service's times
    walk_s: tuple[float, float] = (15.0, 75.0)  # from the call to the desk
    # Without a published break plan in the catalogue, every second counter pauses then,
    # unannounced. With a plan, officers follow it (see break_late_s, unplanned_pauses).
    lunch_gap: tuple[time, time] = (time(12, 0), time(12, 30))
    break_late_s: tuple[float, float] = (0.0, 600.0)  # back from a planned break this late
    unplanned_pauses: float = 0.5  # per counter and day: prayer, a jammed printer, an errand
    unplanned_pause_s: tuple[float, float] = (300.0, 1200.0)
    # Situations a real hall meets (SITUATIONS names the benchmark's five). None of them
    # is announced to central; each is drawn from its own random stream, so a day with
    # them has the same citizens as the day without (besides a surge's extra ones).
    surge_at: time | None = None  # a bus of citizens, a deadline: arrivals x surge_factor
    surge_minutes: float = 60.0
    surge_factor: float = 2.0
    counters_closed: int = 0  # counters nobody staffs today (only where another serves)
    late_counters: int = 0  # counters whose first officer comes only at late_until
    late_until: time = time(9, 30)
    slow_officers: int = 0  # officers whose services take slow_factor x as long
    slow_factor: tuple[float, float] = (1.6, 1.8)


@dataclass(frozen=True)
class Citizen:
    index: int
    arrives_at: datetime
    queue: str
    service: str | None
    priority: bool
    shows: bool
    walk_s: float
    service_s: float
    rating: int | None
    transfer_to: str | None = None
    transfer_service_s: float = 0.0


@dataclass(frozen=True)
class Shift:
    counter: str
    officer: str
    start: datetime
    end: datetime
    pace: float = 1.0  # this officer's service time / the citizen's generated time


# The benchmark's situations (docs/simulate.md), as Profile fields over the defaults.
SITUATIONS: dict[str, dict[str, object]] = {
    "normal": {},
    "surge": {"surge_at": time(10, 0)},
    "short": {"counters_closed": 1, "unplanned_pauses": 1.5, "break_late_s": (300.0, 1500.0)},
    "slow": {"slow_officers": 2},
    "late_start": {"late_counters": 2},
}


def situation(name: str, base: Profile | None = None) -> Profile:
    """The profile of a named situation (SITUATIONS) on top of `base`."""
    if name not in SITUATIONS:
        raise ValueError(f"unknown situation {name!r}: one of {', '.join(SITUATIONS)}")
    return replace(base or Profile(), **SITUATIONS[name])  # type: ignore[arg-type]


@dataclass(frozen=True)
class Day:
    day: date
    seed: int
    opens_at: datetime
    closes_at: datetime
    citizens: list[Citizen]
    shifts: list[Shift]
    service_mean_s: dict[str, float]  # per queue, the truth the estimator has to learn


def _lognormal(rng: random.Random, mean: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


def _rating(rng: random.Random) -> int:
    # Most citizens are satisfied; a few are not (the shape of published IKM surveys).
    return rng.choices((4, 3, 2, 1), weights=(45, 40, 10, 5))[0]


def queue_capacity(catalogue: Catalogue, profile: Profile) -> dict[str, float]:
    """Tickets per day each queue's counters could serve at the standard time."""
    minutes = (
        datetime.combine(date.min, profile.closes) - datetime.combine(date.min, profile.opens)
    ).total_seconds() / 60
    cap = {q.id: 0.0 for q in catalogue.queues}
    for c in catalogue.counters:
        for qid in c.queues:
            q = catalogue.queue(qid)
            assert q is not None
            cap[qid] += minutes / len(c.queues) / q.service_standard_min
    return cap


def generate_day(catalogue: Catalogue, day: date, seed: int, profile: Profile | None = None) -> Day:
    """One day of citizens and counter shifts, the same for the same seed."""
    p = profile or Profile()
    rng = random.Random(f"{seed}:{day.isoformat()}:{catalogue.site}")
    tz = catalogue.tz
    opens_at = datetime.combine(day, p.opens, tz)
    closes_at = datetime.combine(day, p.closes, tz)
    last_at = datetime.combine(day, p.last_arrival, tz)

    # Service ids are unique only within an agency, so means are keyed by (queue, service).
    service_mean: dict[tuple[str, str | None], float] = {}
    queue_mean: dict[str, float] = {}
    for q in catalogue.queues:
        services: list[str | None] = list(q.services) or [None]
        for s in services:
            service_mean[(q.id, s)] = (
                q.service_standard_min * 60 * rng.uniform(*p.service_mean_of_standard)
            )
        queue_mean[q.id] = sum(service_mean[(q.id, s)] for s in services) / len(services)

    hours = [h for h in sorted(p.hourly) if p.opens.hour <= h < p.closes.hour]
    peak = max(p.hourly[h] for h in hours)
    total_weight = sum(p.hourly[h] for h in hours)
    surge: tuple[datetime, datetime] | None = None
    if p.surge_at is not None:
        s0 = datetime.combine(day, p.surge_at, tz)
        surge = (s0, s0 + timedelta(minutes=p.surge_minutes))
        peak *= max(1.0, p.surge_factor)
    capacity = queue_capacity(catalogue, p)

    arrivals: list[tuple[datetime, str]] = []
    for q in catalogue.queues:
        # Expected arrivals: load x what the counters serve at the true mean service time.
        expected = p.load * capacity[q.id] * q.service_standard_min * 60 / queue_mean[q.id]
        # Non-homogeneous Poisson process by thinning, rate in arrivals per second.
        max_rate = expected * peak / total_weight / 3600
        t = opens_at
        while True:
            t += timedelta(seconds=rng.expovariate(max_rate))
            if t >= last_at:
                break
            h = t.astimezone(tz).hour
            weight = p.hourly.get(h, 0.0)
            if surge is not None and surge[0] <= t < surge[1]:
                weight *= p.surge_factor
            if rng.random() < weight / peak:
                arrivals.append((t, q.id))
    arrivals.sort()

    citizens = []
    queue_ids = [q.id for q in catalogue.queues]
    priority_allowed = {q.id: q.priority_allowed for q in catalogue.queues}
    for i, (at, qid) in enumerate(arrivals):
        spec = catalogue.queue(qid)
        assert spec is not None
        service = rng.choice(spec.services) if spec.services else None
        priority = spec.priority_allowed and rng.random() < p.priority_share
        transfer_to = None
        transfer_s = 0.0
        if rng.random() < p.transfer_share:
            targets = [o for o in queue_ids if o != qid and (not priority or priority_allowed[o])]
            transfer_to = rng.choice(targets)
            transfer_s = _lognormal(rng, queue_mean[transfer_to], p.service_sigma)
        shows = rng.random() >= p.no_show_share
        citizens.append(
            Citizen(
                index=i,
                arrives_at=at,
                queue=qid,
                service=service,
                priority=priority,
                shows=shows,
                walk_s=rng.uniform(*p.walk_s),
                # A transferred citizen spends a short while at the wrong counter.
                service_s=rng.uniform(60, 180)
                if transfer_to
                else _lognormal(rng, service_mean[(qid, service)], p.service_sigma),
                rating=_rating(rng) if shows and rng.random() < p.rating_share else None,
                transfer_to=transfer_to,
                transfer_service_s=transfer_s,
            )
        )

    planned = any(c.breaks for c in catalogue.counters)
    situ = random.Random(f"{seed}:{day.isoformat()}:{catalogue.site}:situation")
    closed = _closed_counters(catalogue, situ, p.counters_closed)
    open_ids = [c.id for c in catalogue.counters if c.id not in closed]
    late = set(situ.sample(open_ids, min(p.late_counters, len(open_ids))))
    late_at = datetime.combine(day, p.late_until, tz)
    shifts = []
    for n, c in enumerate(catalogue.counters):
        if planned:
            gaps = [
                (
                    datetime.combine(day, b.start, tz),
                    datetime.combine(day, b.end, tz)
                    + timedelta(seconds=rng.uniform(*p.break_late_s)),
                )
                for b in c.breaks
            ]
        elif n % 2:
            gaps = [
                (
                    datetime.combine(day, p.lunch_gap[0], tz),
                    datetime.combine(day, p.lunch_gap[1], tz),
                )
            ]
        else:
            gaps = []
        handover = datetime.combine(day, p.lunch_gap[0], tz)
        # The afternoon officer takes over in the first gap from an hour before the usual
        # handover on, else right at it (no gap: the shifts overlap).
        later = [g for g in gaps if g[0] >= handover - timedelta(hours=1)]
        change = later[0][0] if later else handover
        cuts = gaps if later else [*gaps, (change, change)]
        cuts = _with_unplanned(rng, cuts, opens_at, closes_at, p)
        if c.id in closed:
            continue
        own = _shifts(c.id, cuts, opens_at, closes_at, change)
        if c.id in late:
            own = [replace(sh, start=max(sh.start, late_at)) for sh in own if sh.end > late_at]
        shifts.extend(own)
    officers = sorted({sh.officer for sh in shifts})
    slow = situ.sample(officers, min(p.slow_officers, len(officers)))
    pace = {o: situ.uniform(*p.slow_factor) for o in slow}
    shifts = [replace(sh, pace=pace[sh.officer]) if sh.officer in pace else sh for sh in shifts]
    return Day(day, seed, opens_at, closes_at, citizens, shifts, queue_mean)


def _closed_counters(catalogue: Catalogue, rng: random.Random, n: int) -> set[str]:
    """n counters left empty, each only where every queue it serves keeps another counter."""
    closed: set[str] = set()
    for c in rng.sample(list(catalogue.counters), len(catalogue.counters)):
        if len(closed) >= n:
            break
        others = [o for o in catalogue.counters if o.id != c.id and o.id not in closed]
        if all(any(q in o.queues for o in others) for q in c.queues):
            closed.add(c.id)
    return closed


UNPLANNED_MARGIN = timedelta(minutes=30)  # not right at opening, closing or another pause


def _with_unplanned(
    rng: random.Random,
    gaps: list[tuple[datetime, datetime]],
    opens_at: datetime,
    closes_at: datetime,
    p: Profile,
) -> list[tuple[datetime, datetime]]:
    """The counter's gaps plus a Poisson number of short pauses that no plan announces."""
    out = [(a, b) for a, b in gaps if a <= b and opens_at < a < closes_at]
    span = (closes_at - opens_at - 2 * UNPLANNED_MARGIN).total_seconds()
    t = 0.0
    while p.unplanned_pauses > 0:
        t += rng.expovariate(p.unplanned_pauses / span)
        if t >= span:
            break
        start = opens_at + UNPLANNED_MARGIN + timedelta(seconds=t)
        end = start + timedelta(seconds=rng.uniform(*p.unplanned_pause_s))
        if all(end + UNPLANNED_MARGIN <= a or b + UNPLANNED_MARGIN <= start for a, b in out):
            out.append((start, end))
    return sorted(out)


def _shifts(
    counter: str,
    cuts: list[tuple[datetime, datetime]],
    opens_at: datetime,
    closes_at: datetime,
    change: datetime,
) -> list[Shift]:
    """Work periods between the cuts; the morning officer until `change`."""
    shifts = []
    start = opens_at
    for a, b in cuts:
        officer = "pagi" if start < change else "siang"
        shifts.append(Shift(counter, f"{counter}-{officer}", start, a))
        start = min(b, closes_at)
    shifts.append(Shift(counter, f"{counter}-siang", start, closes_at))
    return shifts
