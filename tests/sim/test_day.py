"""The day generator: seeded, shaped like an MPP day, within the catalogue's rules."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, datetime, time

import pytest
from pydantic import ValidationError

from antrian.catalogue import Counter as CatalogueCounter
from central.config import load_catalogue
from central.testing import DEMO_CATALOGUE
from sim import Profile, generate_day
from sim.day import Day

CAT = load_catalogue(DEMO_CATALOGUE)
DAY = date(2026, 11, 23)


def test_same_seed_same_day_other_seed_other_day() -> None:
    a, b, c = (generate_day(CAT, DAY, s) for s in (7, 7, 8))
    assert a == b
    assert a.citizens != c.citizens


def test_morning_peak_and_lunch_dip() -> None:
    per_hour: Counter[int] = Counter()
    for seed in range(5):
        for cz in generate_day(CAT, DAY, seed).citizens:
            per_hour[cz.arrives_at.hour] += 1
    assert per_hour[9] > per_hour[8] and per_hour[10] > per_hour[12]
    assert per_hour[12] < per_hour[11] and per_hour[12] < per_hour[13]
    assert set(per_hour) <= set(range(8, 15))


def test_citizens_respect_the_catalogue() -> None:
    day = generate_day(CAT, DAY, 3)
    queues = {q.id: q for q in CAT.queues}
    assert day.citizens == sorted(day.citizens, key=lambda c: c.arrives_at)
    for cz in day.citizens:
        q = queues[cz.queue]
        assert cz.service is None or cz.service in q.services
        assert not (cz.priority and not q.priority_allowed)
        assert cz.service_s > 0 and cz.walk_s > 0
        assert cz.rating is None or (cz.shows and 1 <= cz.rating <= 4)
        assert cz.transfer_to != cz.queue
        if cz.transfer_to and cz.priority:
            assert queues[cz.transfer_to].priority_allowed


def test_shares_follow_the_profile() -> None:
    profile = Profile(priority_share=0.3, no_show_share=0.2, transfer_share=0.0)
    citizens = [c for s in range(4) for c in generate_day(CAT, DAY, s, profile).citizens]
    n = len(citizens)
    assert n > 500
    assert 0.2 < sum(c.priority for c in citizens) / n < 0.35  # nikah allows no priority
    assert 0.15 < sum(not c.shows for c in citizens) / n < 0.25
    assert not any(c.transfer_to for c in citizens)


def test_every_counter_staffed_all_day_in_two_shifts() -> None:
    day = generate_day(CAT, DAY, 1)
    for c in CAT.counters:
        shifts = sorted((s for s in day.shifts if s.counter == c.id), key=lambda s: s.start)
        assert shifts[0].start == day.opens_at
        assert shifts[-1].end == day.closes_at
        assert len({s.officer for s in shifts}) == 2


def _gaps(day: Day, counter: str) -> list[tuple[datetime, datetime]]:
    shifts = sorted((s for s in day.shifts if s.counter == counter), key=lambda s: s.start)
    return [(a.end, b.start) for a, b in itertools.pairwise(shifts) if b.start > a.end]


def test_counters_follow_the_published_break_plan_a_little_late() -> None:
    calm = Profile(unplanned_pauses=0.0)
    late = []
    for seed in range(20):
        day = generate_day(CAT, DAY, seed, calm)
        for c in CAT.counters:
            gaps = _gaps(day, c.id)
            assert len(gaps) == len(c.breaks)
            for (start, end), b in zip(gaps, c.breaks, strict=True):
                assert start == datetime.combine(DAY, b.start, CAT.tz)
                planned_end = datetime.combine(DAY, b.end, CAT.tz)
                late.append((end - planned_end).total_seconds())
    assert all(0 <= s <= 600 for s in late)
    assert 200 < sum(late) / len(late) < 400  # back up to 10 minutes late, 5 on average


def test_unplanned_pauses_come_on_top_of_the_plan() -> None:
    extra = 0
    for seed in range(40):
        day = generate_day(CAT, DAY, seed)
        for c in CAT.counters:
            for start, end in _gaps(day, c.id):
                if any(start == datetime.combine(DAY, b.start, CAT.tz) for b in c.breaks):
                    continue
                extra += 1
                assert 300 <= (end - start).total_seconds() <= 1200
                assert day.opens_at < start and end < day.closes_at
    # 0.5 per counter and day, fewer where one would crowd the lunch break.
    assert 0.25 * 40 * len(CAT.counters) < extra < 0.55 * 40 * len(CAT.counters)


def test_without_a_plan_every_second_counter_pauses_unannounced() -> None:
    counters = [c.model_copy(update={"breaks": []}) for c in CAT.counters]
    blind = CAT.model_copy(update={"counters": counters})
    day = generate_day(blind, DAY, 4, Profile(unplanned_pauses=0.0))
    lunch = (datetime.combine(DAY, time(12), CAT.tz), datetime.combine(DAY, time(12, 30), CAT.tz))
    for n, c in enumerate(CAT.counters):
        assert _gaps(day, c.id) == ([lunch] if n % 2 else [])


def test_break_plan_is_validated() -> None:
    counter = {"id": "loket-9", "name": "Loket 9", "queues": ["pos"]}
    ok = CatalogueCounter.model_validate(
        counter
        | {"breaks": [{"start": "12:00", "end": "12:30"}, {"start": "11:00", "end": "11:15"}]}
    )
    assert len(ok.breaks) == 2
    with pytest.raises(ValidationError, match="must be after its start"):
        CatalogueCounter.model_validate(counter | {"breaks": [{"start": "12:30", "end": "12:00"}]})
    with pytest.raises(ValidationError, match="breaks overlap"):
        CatalogueCounter.model_validate(
            counter
            | {"breaks": [{"start": "12:00", "end": "12:30"}, {"start": "12:15", "end": "13:00"}]}
        )


def test_situations_change_only_what_they_name() -> None:
    from sim import situation

    base = generate_day(CAT, DAY, 11)
    normal = generate_day(CAT, DAY, 11, situation("normal"))
    assert normal == base
    slow = generate_day(CAT, DAY, 11, situation("slow"))
    assert slow.citizens == base.citizens
    paces = {sh.officer: sh.pace for sh in slow.shifts if sh.pace != 1.0}
    assert len(paces) == 2 and all(1.6 <= v <= 1.8 for v in paces.values())
    late = generate_day(CAT, DAY, 11, situation("late_start"))
    firsts: dict[str, datetime] = {}
    for sh in sorted(late.shifts, key=lambda s: s.start):
        firsts.setdefault(sh.counter, sh.start)
    assert sorted(f"{t:%H:%M}" for t in firsts.values()).count("09:30") == 2
    assert sum(t == late.opens_at for t in firsts.values()) == len(CAT.counters) - 2
    short = generate_day(CAT, DAY, 11, situation("short"))
    staffed = {sh.counter for sh in short.shifts}
    # Only Dukcapil has two counters in the demo hall: one of them stays empty.
    assert len(staffed) == len(CAT.counters) - 1
    assert len(staffed & {"loket-1", "loket-2"}) == 1


def test_surge_adds_citizens_in_its_hour() -> None:
    from sim import situation

    def in_surge(d: Day) -> int:
        return sum(c.arrives_at.astimezone(CAT.tz).hour == 10 for c in d.citizens)

    base = sum(in_surge(generate_day(CAT, DAY, s)) for s in range(5))
    surge = sum(in_surge(generate_day(CAT, DAY, s, situation("surge"))) for s in range(5))
    assert surge > 1.6 * base


def test_unknown_situation_is_refused_by_name() -> None:
    from sim import situation

    with pytest.raises(ValueError, match="unknown situation 'rain'"):
        situation("rain")
