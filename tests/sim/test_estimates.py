"""The replay that gives a simulated day's estimates in simulated minutes (sim/estimates.py)."""

from __future__ import annotations

from datetime import date

from central.config import load_catalogue
from central.hall import Hall
from central.testing import DEMO_CATALOGUE
from protocol import messages as m
from sim import HallDriver, generate_day, situation
from sim.estimates import figures, replay

CAT = load_catalogue(DEMO_CATALOGUE)


def test_replaying_a_days_events_gives_the_estimates_the_hall_printed() -> None:
    day = generate_day(CAT, date(2026, 11, 23), 31, situation("slow"))
    hall = Hall(CAT, day.day)
    events: list[m.Event] = []
    printed: dict[str, tuple[int | None, int | None, int | None]] = {}
    for req, out in HallDriver(hall, day).run():
        hall.refresh_pace()  # central's idle time, as the replay does
        events.extend(out.events)
        t = out.reply.ticket
        if isinstance(req, m.IssueTicket) and t is not None:
            printed[t.ticket_id] = (
                t.estimated_wait_min,
                t.estimated_wait_low_min,
                t.estimated_wait_high_min,
            )
    result = replay(events, CAT, day.day)
    assert result.mismatched == 0
    assert len(printed) > 200 and set(result.promises) == set(printed)
    for tid, p in result.promises.items():
        assert (p.minutes, p.low_min, p.high_min) == printed[tid]
        assert p.called_at is not None
    fig = figures(result.promises.values())
    assert fig["tickets"] == len(printed)
    assert fig["mae_min"] > 0 and 0 < fig["range_coverage"] <= 1


def test_a_ticket_the_replay_cannot_reproduce_is_counted() -> None:
    day = generate_day(CAT, date(2026, 11, 23), 32)
    hall = Hall(CAT, day.day)
    events = [e for _, out in HallDriver(hall, day).run() for e in out.events]
    # Drop the first issue: every later ticket of that queue gets another number.
    first = next(i for i, e in enumerate(events) if e.kind == "ticket_issued")
    result = replay(events[:first] + events[first + 1 :], CAT, day.day)
    assert result.mismatched > 0
