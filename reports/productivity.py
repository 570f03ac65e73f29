"""Officers' time from central's event log: hours signed in at a counter, minutes paused
while signed in, and tickets served per hour at work (signed in and not paused).

A day's events are read in order. An officer's session runs from officer_signed_in to
officer_signed_out at that counter; an officer who stayed signed in over the night
(central keeps them, for night shifts) starts the day at their first event at the
counter; a session still open at the day's end ends at the day's last event there.
Pauses count for the officer signed in at the counter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from central.ledger import LedgerReader
from reports.figures import Report

# Events that name the counter's officer (central's counter events).
_KINDS = (
    "officer_signed_in",
    "officer_signed_out",
    "counter_paused",
    "counter_resumed",
    "ticket_called",
    "ticket_recalled",
    "service_started",
    "ticket_served",
    "ticket_no_show",
    "ticket_transferred",
)


@dataclass
class OfficerTime:
    signed_in_s: float = 0.0
    paused_s: float = 0.0


@dataclass
class _Desk:
    officer: str | None = None
    since: datetime | None = None
    paused_at: datetime | None = None
    last: datetime | None = None


def _close(times: dict[str, OfficerTime], desk: _Desk, at: datetime) -> None:
    if desk.officer is None or desk.since is None:
        return
    t = times.setdefault(desk.officer, OfficerTime())
    t.signed_in_s += max(0.0, (at - desk.since).total_seconds())
    if desk.paused_at is not None:
        t.paused_s += max(0.0, (at - desk.paused_at).total_seconds())
        desk.paused_at = at
    desk.officer = desk.since = None


def officer_times(path: Path, start: date, end: date) -> dict[str, OfficerTime]:
    """Each officer's signed-in and paused seconds over business days start..end."""
    times: dict[str, OfficerTime] = {}
    with LedgerReader(path) as ledger:
        day = start
        while day <= end:
            desks: dict[str, _Desk] = {}
            for row in ledger.events_of_day(day, _KINDS):
                ev = json.loads(row.body)
                counter = ev.get("counter")
                if not counter:
                    continue
                at = datetime.fromisoformat(ev["at"])
                desk = desks.setdefault(counter, _Desk())
                desk.last = at
                officer = ev.get("officer")
                if row.kind == "officer_signed_out":
                    _close(times, desk, at)
                    continue
                if officer and desk.officer != officer:
                    _close(times, desk, at)
                    desk.officer, desk.since = officer, at
                if row.kind == "counter_paused" and desk.paused_at is None:
                    desk.paused_at = at
                elif row.kind == "counter_resumed" and desk.paused_at is not None:
                    if desk.officer is not None:
                        t = times.setdefault(desk.officer, OfficerTime())
                        t.paused_s += (at - desk.paused_at).total_seconds()
                    desk.paused_at = None
            for desk in desks.values():
                if desk.last is not None:
                    _close(times, desk, desk.last)
            day += timedelta(days=1)
    return times


def with_productivity(report: Report, times: dict[str, OfficerTime]) -> Report:
    """The report with each officer's row carrying their time and tickets per hour."""
    rows = []
    for g in report.groups["officer"]:
        t = times.get(g.key)
        if t is None:
            rows.append(g)
            continue
        working_h = (t.signed_in_s - t.paused_s) / 3600
        rows.append(
            replace(
                g,
                signed_in_h=t.signed_in_s / 3600,
                paused_min=t.paused_s / 60,
                tickets_per_h=g.served / working_h if working_h > 0 else None,
            )
        )
    return replace(report, groups={**report.groups, "officer": rows})
