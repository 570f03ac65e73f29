"""A period's tickets and their call history, read through central.ledger.LedgerReader."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from central.ledger import History, LedgerError, LedgerReader

__all__ = [
    "DayRecords",
    "LedgerData",
    "LedgerError",
    "LedgerStream",
    "TicketRecord",
    "TransferRecord",
    "business_day",
    "read_period",
]


@dataclass(frozen=True)
class TicketRecord:
    id: str
    day: date
    origin_queue: str
    queue: str  # where it ended: differs from origin_queue after a transfer
    priority: bool
    status: str
    offline: bool
    issued_at: datetime
    called_at: datetime | None  # the last call
    started_at: datetime | None
    finished_at: datetime | None
    counter: str | None
    officer: str | None
    rating: int | None
    transfers: int
    first_called_at: datetime | None  # the first call, from the event log
    wait_s: float | None  # all the time the citizen waited to be called, every leg


@dataclass(frozen=True)
class TransferRecord:
    ticket_id: str
    at: datetime
    from_queue: str
    to_queue: str
    counter: str | None
    officer: str | None


@dataclass(frozen=True)
class LedgerData:
    tickets: list[TicketRecord]
    transfers: list[TransferRecord]
    agency_of_queue: dict[str, str]  # short agency names as central published them
    # Every business day of the whole ledger that has tickets: an empty period's notice
    # names them, so the manager knows which days to ask for.
    days_held: tuple[date, ...] = field(default=())

    def by_day(self) -> Iterator[DayRecords]:
        """The tickets and transfers grouped by business day, in day order."""
        tickets: dict[date, list[TicketRecord]] = {}
        for t in self.tickets:
            tickets.setdefault(t.day, []).append(t)
        day_of = {t.id: t.day for t in self.tickets}
        transfers: dict[date, list[TransferRecord]] = {}
        for tr in self.transfers:
            if tr.ticket_id in day_of:
                transfers.setdefault(day_of[tr.ticket_id], []).append(tr)
        for day in sorted(tickets):
            yield DayRecords(day, tickets[day], transfers.get(day, []))


@dataclass(frozen=True)
class DayRecords:
    """One business day's tickets (not void) and the transfers among them."""

    day: date
    tickets: list[TicketRecord]
    transfers: list[TransferRecord]


class LedgerStream:
    """A period read one business day at a time, for reports over months: only a day's
    records are in memory at once (issue 15: a year read at once took 2.7 GB). Iterate
    by_day() once; agency_of_queue fills as the days are read."""

    def __init__(self, path: Path, start: date, end: date) -> None:
        self.path, self.start, self.end = path, start, end
        self.agency_of_queue: dict[str, str] = {}
        self._days_held: tuple[date, ...] | None = None
        History(path).close()  # a missing or foreign ledger fails here, not later

    @property
    def days_held(self) -> tuple[date, ...]:
        """Every day of the ledger and its archives with tickets: one index seek per day
        held, so only read when asked (an empty period's notice)."""
        if self._days_held is None:
            with History(self.path) as history:
                self._days_held = tuple(history.days_held())
        return self._days_held

    def by_day(self) -> Iterator[DayRecords]:
        with History(self.path) as history:
            day = self.start
            while day <= self.end:
                transfers: list[TransferRecord] = []
                reader = history.reader_for(day)
                tickets = _read_day(reader, day, transfers, self.agency_of_queue)
                if tickets:
                    ids = {t.id for t in tickets}
                    yield DayRecords(day, tickets, [tr for tr in transfers if tr.ticket_id in ids])
                day += timedelta(days=1)


def business_day(path: Path) -> date | None:
    """The business day central last recorded in its ledger (meta `day`), if any."""
    with LedgerReader(path) as ledger:
        return ledger.business_day()


def read_period(path: Path, start: date, end: date) -> LedgerData:
    """Every ticket of the business days start..end (inclusive) with its call history."""
    tickets: list[TicketRecord] = []
    transfers: list[TransferRecord] = []
    agency_of_queue: dict[str, str] = {}
    with History(path) as history:
        day = start
        while day <= end:
            tickets.extend(_read_day(history.reader_for(day), day, transfers, agency_of_queue))
            day += timedelta(days=1)
        days_held = tuple(history.days_held())
    return LedgerData(tickets, transfers, agency_of_queue, days_held)


def _read_day(
    ledger: LedgerReader,
    day: date,
    transfers: list[TransferRecord],
    agency_of_queue: dict[str, str],
) -> list[TicketRecord]:
    """One business day: its tickets, and its transfers and agencies added to the lists.
    A ticket's events all carry its own business day, so a day is read on its own."""
    calls: dict[str, list[tuple[str, datetime]]] = {}
    for ev_row in ledger.events_of_day(day, _EVENT_KINDS):
        ev = json.loads(ev_row.body)
        ticket = ev.get("ticket") or {}
        tid = ticket.get("ticket_id")
        if ticket.get("queue") and ticket.get("agency"):
            agency_of_queue.setdefault(ticket["queue"], ticket["agency"])
        if tid is None or ev_row.kind == "ticket_issued":
            continue
        at = datetime.fromisoformat(ev["at"])
        calls.setdefault(tid, []).append((ev_row.kind, at))
        if ev_row.kind == "ticket_transferred":
            transfers.append(
                TransferRecord(
                    tid, at, ev["from_queue"], ticket["queue"], ev.get("counter"), ev.get("officer")
                )
            )
    records = []
    for t in ledger.tickets_of_day(day):
        if t.status == "void":
            continue
        history = calls.get(t.id, [])
        first_call = next((at for kind, at in history if kind == "ticket_called"), t.called_at)
        records.append(
            TicketRecord(
                id=t.id,
                day=t.day,
                origin_queue=t.origin_queue,
                queue=t.queue,
                priority=t.priority,
                status=t.status,
                offline=t.offline,
                issued_at=t.issued_at,
                called_at=t.called_at,
                started_at=t.started_at,
                finished_at=t.finished_at,
                counter=t.counter,
                officer=t.officer,
                rating=t.rating,
                transfers=t.transfers,
                first_called_at=first_call,
                wait_s=_wait_s(t.issued_at, t.called_at, history),
            )
        )
    return records


_EVENT_KINDS = ("ticket_issued", "ticket_called", "ticket_transferred")


def _wait_s(
    issued: datetime, called: datetime | None, history: list[tuple[str, datetime]]
) -> float | None:
    """Waiting time over every leg: issue to first call, and each transfer to the next
    call. Without an event log, the last call stands in."""
    if not history:
        return (called - issued).total_seconds() if called else None
    total, waited = 0.0, False
    leg_start: datetime | None = issued
    for kind, at in history:
        if kind == "ticket_called" and leg_start is not None:
            total += (at - leg_start).total_seconds()
            leg_start, waited = None, True
        elif kind == "ticket_transferred":
            leg_start = at
    return total if waited else None
