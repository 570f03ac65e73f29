"""Reads central's SQLite ledger read-only: the tickets of a period and their call history."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path


class LedgerError(Exception):
    """The ledger cannot be read; the message says what to do."""


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


def _dt(s: object) -> datetime | None:
    return datetime.fromisoformat(str(s)) if s else None


def connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise LedgerError(
            f"ledger {path} not found: pass --ledger with central's ledger.sqlite3, or "
            "--config with central's YAML"
        )
    # mode=ro: a report can never change the ledger, even by mistake.
    db = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        db.execute("SELECT 1 FROM tickets LIMIT 1")
    except sqlite3.DatabaseError as exc:
        db.close()
        raise LedgerError(f"{path} is not an Antrian ledger ({exc})") from exc
    return db


def business_day(path: Path) -> date | None:
    """The business day central last recorded in its ledger (meta `day`), if any."""
    db = connect_read_only(path)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'day'").fetchone()
    except sqlite3.DatabaseError:
        return None  # an older ledger without meta
    finally:
        db.close()
    try:
        return date.fromisoformat(str(row[0])) if row else None
    except ValueError:
        return None


def read_period(path: Path, start: date, end: date) -> LedgerData:
    """Every ticket of the business days start..end (inclusive) with its call history."""
    db = connect_read_only(path)
    try:
        rows = db.execute(
            "SELECT id, day, origin_queue, queue, priority, status, offline, issued_at, "
            "called_at, started_at, finished_at, counter, officer, rating, transfers "
            "FROM tickets WHERE day BETWEEN ? AND ? AND status != 'void' "
            "ORDER BY day, issued_at, id",
            (start.isoformat(), end.isoformat()),
        ).fetchall()
        events = db.execute(
            "SELECT kind, body FROM events WHERE day BETWEEN ? AND ? "
            "AND kind IN ('ticket_issued', 'ticket_called', 'ticket_transferred') ORDER BY seq",
            (start.isoformat(), end.isoformat()),
        ).fetchall()
        held = db.execute(
            "SELECT DISTINCT day FROM tickets WHERE status != 'void' ORDER BY day"
        ).fetchall()
    finally:
        db.close()

    calls: dict[str, list[tuple[str, datetime]]] = {}
    transfers: list[TransferRecord] = []
    agency_of_queue: dict[str, str] = {}
    for kind, body in events:
        ev = json.loads(body)
        ticket = ev.get("ticket") or {}
        tid = ticket.get("ticket_id")
        if ticket.get("queue") and ticket.get("agency"):
            agency_of_queue.setdefault(ticket["queue"], ticket["agency"])
        if tid is None or kind == "ticket_issued":
            continue
        at = datetime.fromisoformat(ev["at"])
        calls.setdefault(tid, []).append((kind, at))
        if kind == "ticket_transferred":
            transfers.append(
                TransferRecord(
                    tid, at, ev["from_queue"], ticket["queue"], ev.get("counter"), ev.get("officer")
                )
            )

    tickets = []
    for r in rows:
        issued = _dt(r[7])
        assert issued is not None
        called = _dt(r[8])
        history = calls.get(r[0], [])
        first_call = next((at for kind, at in history if kind == "ticket_called"), called)
        tickets.append(
            TicketRecord(
                id=r[0],
                day=date.fromisoformat(r[1]),
                origin_queue=r[2],
                queue=r[3],
                priority=bool(r[4]),
                status=r[5],
                offline=bool(r[6]),
                issued_at=issued,
                called_at=called,
                started_at=_dt(r[9]),
                finished_at=_dt(r[10]),
                counter=r[11],
                officer=r[12],
                rating=r[13],
                transfers=int(r[14]),
                first_called_at=first_call,
                wait_s=_wait_s(issued, called, history),
            )
        )
    days_held = tuple(date.fromisoformat(d) for (d,) in held)
    return LedgerData(tickets, transfers, agency_of_queue, days_held)


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
