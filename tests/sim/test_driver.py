"""Playing a simulated day against the pure Hall: every citizen is dealt with."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from central.config import load_catalogue
from central.hall import Hall
from central.ledger import Ledger
from central.testing import DEMO_CATALOGUE
from protocol import messages as m
from sim import HallDriver, Profile, generate_day, play

CAT = load_catalogue(DEMO_CATALOGUE)
DAY = date(2026, 11, 23)


def test_a_day_ends_with_every_ticket_served_or_no_show() -> None:
    day = generate_day(CAT, DAY, 11)
    hall = Hall(CAT, DAY)
    driver = HallDriver(hall, day)
    applied = list(driver.run())
    issued = [r for r, o in applied if isinstance(r, m.IssueTicket) and o.reply.ok]
    assert len(issued) + len(driver.refused) == len(day.citizens)
    statuses = Counter(t.status for t in hall.tickets.values())
    assert set(statuses) <= {"served", "no_show"}
    assert statuses["no_show"] == sum(
        not driver.citizen_of[t].shows for t in hall.tickets if t in driver.citizen_of
    )
    # Only "nobody waiting" is ever refused, and requests come in time order.
    refusals = {o.reply.refusal.code for _, o in applied if o.reply.refusal}
    assert refusals <= {"queue_empty"}
    times = [r.sent_at for r, _ in applied]
    assert times == sorted(times)


def test_service_times_transfers_and_ratings_reach_the_hall() -> None:
    day = generate_day(CAT, DAY, 5, Profile(transfer_share=0.2))
    hall = Hall(CAT, DAY)
    driver = HallDriver(hall, day)
    applied = list(driver.run())
    transferred = [t for t in hall.tickets.values() if t.transfers]
    assert transferred and all(t.queue != t.origin_queue for t in transferred)
    rated = [t for t in hall.tickets.values() if t.rating is not None]
    expected = [c for c in day.citizens if c.rating is not None]
    assert len(rated) == len(expected)
    for t in hall.tickets.values():
        cz = driver.citizen_of[t.id]
        if t.status == "served" and not t.transfers:
            assert t.started_at and t.finished_at
            took = (t.finished_at - t.started_at).total_seconds()
            assert abs(took - cz.service_s) < 1e-3
    assert any(isinstance(r, m.PauseCounter) for r, _ in applied)  # lunch gaps
    assert any(isinstance(r, m.SignIn) and r.officer.endswith("siang") for r, _ in applied)


def test_a_played_day_commits_to_the_ledger(tmp_path: Path) -> None:
    day = generate_day(CAT, DAY, 2)
    hall = Hall(CAT, DAY)
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    ledger.commit(play(hall, day), hall.day, hall.seq)
    rows = ledger.tickets_of_day(DAY)
    ledger.close()
    assert len(rows) == len(hall.tickets)
    assert {t.status for t in rows} <= {"served", "no_show"}
