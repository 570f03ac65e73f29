"""The day generator: seeded, shaped like an MPP day, within the catalogue's rules."""

from __future__ import annotations

from collections import Counter
from datetime import date

from central.config import load_catalogue
from central.testing import DEMO_CATALOGUE
from sim import Profile, generate_day

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
