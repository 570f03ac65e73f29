"""Read-only access to a ledger, for reports, checks, the simulator and tests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from central.ledger._codec import Codec
from central.ledger._rows import TICKET_COLS, ticket_of_row
from central.ledger._schema import SCHEMA_VERSION, LedgerError, schema_version
from central.records import Ticket


@dataclass(frozen=True)
class EventRow:
    """An event as stored: its body is the JSON central published."""

    seq: int
    at: str
    day: date
    kind: str
    body: str


class LedgerReader:
    """Read-only access to a ledger for reports, checks, the simulator and tests: every
    query they need, so that only this package knows the schema. Opened with mode=ro, it
    can never change the ledger, even by mistake."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise LedgerError(
                f"ledger {path} not found: pass --ledger with central's ledger.sqlite3, or "
                "--config with central's YAML"
            )
        self.path = path
        self.db = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        try:
            self.version = schema_version(self.db)
            if self.version == 0:
                raise LedgerError("it is empty")
        except (sqlite3.DatabaseError, LedgerError) as exc:
            self.db.close()
            raise LedgerError(f"{path} is not an Antrian ledger ({exc})") from exc
        if self.version > SCHEMA_VERSION:
            self.db.close()
            raise LedgerError(
                f"{path} has schema version {self.version}, newer than this Antrian's "
                f"{SCHEMA_VERSION}: read it with the Antrian version that wrote it"
            )
        self.codec = Codec(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> LedgerReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else None

    def business_day(self) -> date | None:
        """The business day central last recorded, if any."""
        value = self.meta("day")
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    def days_held(self) -> list[date]:
        """Every business day with a ticket that was not voided. One index seek per day
        instead of a scan of every ticket of the ledger's history."""
        days: list[date] = []
        after = ""
        while True:
            row = self.db.execute("SELECT MIN(day) FROM tickets WHERE day > ?", (after,)).fetchone()
            if row[0] is None:
                return days
            after = str(row[0])
            if self.db.execute(
                "SELECT 1 FROM tickets WHERE day = ? AND status != 'void' LIMIT 1", (after,)
            ).fetchone():
                days.append(date.fromisoformat(after))

    def has_day(self, day: date) -> bool:
        return (
            self.db.execute(
                "SELECT 1 FROM tickets WHERE day = ? LIMIT 1", (day.isoformat(),)
            ).fetchone()
            is not None
        )

    def tickets_of_day(self, day: date) -> Iterator[Ticket]:
        """A day's tickets in the order they were issued (void ones too)."""
        for row in self.db.execute(
            f"SELECT {TICKET_COLS} FROM tickets WHERE day=? ORDER BY issued_at, id",
            (day.isoformat(),),
        ):
            yield ticket_of_row(row)

    def events_of_day(self, day: date, kinds: Iterable[str] = ()) -> Iterator[EventRow]:
        """A day's events in seq order, only the given kinds if any are given."""
        kinds = tuple(kinds)
        where = f" AND kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        for seq, at, d, kind, body in self.db.execute(
            f"SELECT seq, at, day, kind, body FROM events WHERE day = ?{where} ORDER BY seq",
            (day.isoformat(), *kinds),
        ):
            yield EventRow(int(seq), str(at), date.fromisoformat(d), str(kind), self._text(body))

    def _text(self, body: str | bytes) -> str:
        return body if isinstance(body, str) else self.codec.decode(body).decode()

    def all_tickets(self) -> Iterator[Ticket]:
        """Every ticket of the ledger (for checks that span days)."""
        for row in self.db.execute(f"SELECT {TICKET_COLS} FROM tickets ORDER BY day, issued_at"):
            yield ticket_of_row(row)

    def all_events(self) -> Iterator[EventRow]:
        for seq, at, d, kind, body in self.db.execute(
            "SELECT seq, at, day, kind, body FROM events ORDER BY seq"
        ):
            yield EventRow(int(seq), str(at), date.fromisoformat(d), str(kind), self._text(body))
