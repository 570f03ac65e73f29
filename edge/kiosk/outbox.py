"""The kiosk's durable journal (SQLite, WAL, synchronous=FULL): leases, sent requests,
issued tickets with their print and replay state, and the cached hall names."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from edge.kiosk.layout import TicketView
from protocol import messages as m

_SCHEMA = """
CREATE TABLE IF NOT EXISTS leases (
    lease_id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    business_day TEXT NOT NULL,
    prefix TEXT NOT NULL,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL,
    next INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS intents (
    request_id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    priority INTEGER NOT NULL,
    pressed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tickets (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL CHECK (origin IN ('online', 'offline')),
    queue TEXT NOT NULL,
    number INTEGER NOT NULL,
    business_day TEXT NOT NULL,
    priority INTEGER NOT NULL,
    issued_at TEXT NOT NULL,
    lease_id TEXT,
    origin_request_id TEXT,
    view TEXT NOT NULL,
    print_attempts INTEGER NOT NULL DEFAULT 0,
    printed_at TEXT,
    replayed_at TEXT,
    replay_refusal TEXT,
    UNIQUE (queue, business_day, number)
);
CREATE TABLE IF NOT EXISTS returns (
    request_id TEXT PRIMARY KEY,
    lease_id TEXT NOT NULL,
    queue TEXT NOT NULL,
    business_day TEXT NOT NULL,
    first_unused INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class StoredTicket:
    ticket_id: str
    origin: str
    queue: str
    number: int
    business_day: date
    priority: bool
    issued_at: datetime
    lease_id: str | None
    origin_request_id: str | None
    view: TicketView
    print_attempts: int
    printed: bool
    replayed: bool

    def offline_ticket(self) -> m.OfflineTicket:
        assert self.lease_id is not None
        return m.OfflineTicket(
            ticket_id=self.ticket_id,
            queue=self.queue,
            number=self.number,
            business_day=self.business_day,
            lease_id=self.lease_id,
            priority=self.priority,
            issued_at=self.issued_at,
            origin_request_id=self.origin_request_id,
        )


@dataclass(frozen=True)
class GiveBack:
    """Numbers first_unused.. of a block this kiosk gave up; central is not told yet."""

    request_id: str
    lease_id: str
    queue: str
    business_day: date
    first_unused: int


@dataclass(frozen=True)
class Intent:
    request_id: str
    queue: str
    priority: bool
    pressed_at: datetime


class LeaseExhausted(Exception):
    """No number left in any lease of this queue for this business day."""


class Outbox:
    """One SQLite file; each public method is one transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The kiosk's one worker thread owns the connection; the CLI reads from its own.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA page_size=1024")  # a new outbox only; fewer bytes per commit
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        # SQLite's automatic checkpoint (two fsyncs) would run inside the press that crosses
        # its threshold, about one press in a hundred; the worker checkpoints when idle
        # (checkpoint()) and this larger threshold is only the safety net.
        self._db.execute("PRAGMA wal_autocheckpoint=4000")
        self._db.executescript(_SCHEMA)
        self._kv: dict[str, object] = {}

    def close(self) -> None:
        self._db.close()

    def checkpoint(self) -> None:
        """Copy the WAL into the database file while no press waits (PASSIVE: never blocks);
        the next commit then reuses the WAL from its start."""
        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

    # -- leases ---------------------------------------------------------------------

    def add_lease(self, lease: m.LeaseInfo) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO leases VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                lease.lease_id,
                lease.queue,
                lease.business_day.isoformat(),
                lease.prefix,
                lease.first,
                lease.last,
                lease.first,
            ),
        )

    def remaining(self, queue: str, day: date) -> int:
        row = self._db.execute(
            "SELECT COALESCE(SUM(last - next + 1), 0) FROM leases "
            "WHERE queue = ? AND business_day = ? AND next <= last",
            (queue, day.isoformat()),
        ).fetchone()
        return int(row[0])

    def give_back(self, queue: str, day: date) -> list[GiveBack]:
        """End each of this queue's blocks of `day` below its first unused number, and
        record that central must be told, in one transaction (FULL): from this commit on
        the kiosk never issues those numbers, whatever happens before central hears it."""
        with self._tx():
            rows = self._db.execute(
                "SELECT lease_id, next FROM leases WHERE queue = ? AND business_day = ? "
                "AND next <= last",
                (queue, day.isoformat()),
            ).fetchall()
            for lease_id, first_unused in rows:
                self._db.execute(
                    "UPDATE leases SET last = next - 1 WHERE lease_id = ?", (lease_id,)
                )
                self._db.execute(
                    "INSERT OR IGNORE INTO returns VALUES (?, ?, ?, ?, ?)",
                    (
                        give_back_request_id(lease_id, first_unused),
                        lease_id,
                        queue,
                        day.isoformat(),
                        first_unused,
                    ),
                )
        return [g for g in self.given_back() if g.queue == queue]

    def given_back(self) -> list[GiveBack]:
        """Numbers given up whose return central has not answered yet."""
        rows = self._db.execute(
            "SELECT request_id, lease_id, queue, business_day, first_unused FROM returns "
            "ORDER BY business_day, lease_id"
        ).fetchall()
        return [GiveBack(r[0], r[1], r[2], date.fromisoformat(r[3]), r[4]) for r in rows]

    def drop_given_back(self, request_id: str) -> None:
        self._db.execute("DELETE FROM returns WHERE request_id = ?", (request_id,))

    def drop_old_leases(self, today: date) -> None:
        """Unused numbers lapse at day end (design §5)."""
        self._db.execute("DELETE FROM leases WHERE business_day < ?", (today.isoformat(),))

    # -- intents: requests sent to central whose answer is not yet recorded --------------

    def add_intent(self, request_id: str, queue: str, priority: bool, at: datetime) -> None:
        """Without an fsync: the row survives a killed process (it is in the OS cache) and the
        ticket's own FULL commit a moment later syncs it too. Only a power cut in that
        millisecond loses it; central's ticket then ends as a no-show (docs/kiosk.md)."""
        self._db.execute("PRAGMA synchronous=NORMAL")
        try:
            self._db.execute(
                "INSERT OR IGNORE INTO intents VALUES (?, ?, ?, ?)",
                (request_id, queue, int(priority), at.isoformat()),
            )
        finally:
            self._db.execute("PRAGMA synchronous=FULL")

    def drop_intent(self, request_id: str) -> None:
        self._db.execute("DELETE FROM intents WHERE request_id = ?", (request_id,))

    def intents(self) -> list[Intent]:
        rows = self._db.execute(
            "SELECT request_id, queue, priority, pressed_at FROM intents ORDER BY pressed_at"
        ).fetchall()
        return [Intent(r[0], r[1], bool(r[2]), datetime.fromisoformat(r[3])) for r in rows]

    # -- tickets ----------------------------------------------------------------------

    def record_online(
        self, request_id: str, info: m.TicketInfo, view: TicketView, printing: bool
    ) -> bool:
        """Central's ticket, before printing; closes the intent. False if already recorded.
        `printing` counts the print attempt in the same commit.

        Without an fsync: central committed this ticket (synchronous=FULL) before it
        answered, so it is durable before it is printed (design.md §4); this row is the
        kiosk's print bookkeeping, which survives a killed process. A power cut in the
        millisecond after it can at worst lose the bookkeeping, and the kiosk asks central
        again with the same request id and prints that same number once more."""
        self._db.execute("PRAGMA synchronous=NORMAL")
        try:
            return self._record_online(request_id, info, view, printing)
        finally:
            self._db.execute("PRAGMA synchronous=FULL")

    def _record_online(
        self, request_id: str, info: m.TicketInfo, view: TicketView, printing: bool
    ) -> bool:
        with self._tx():
            cur = self._db.execute(
                "INSERT OR IGNORE INTO tickets (ticket_id, origin, queue, number, business_day,"
                " priority, issued_at, view, replayed_at, print_attempts) "
                "VALUES (?, 'online', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    info.ticket_id,
                    info.queue,
                    info.number,
                    info.business_day.isoformat(),
                    int(info.priority),
                    info.issued_at.isoformat(),
                    view.model_dump_json(),
                    info.issued_at.isoformat(),  # central has it: nothing to replay
                    int(printing),
                ),
            )
            self._db.execute("DELETE FROM intents WHERE request_id = ?", (request_id,))
        return cur.rowcount == 1

    def issue_offline(
        self,
        queue: str,
        day: date,
        priority: bool,
        at: datetime,
        node_id: str,
        origin_request_id: str | None,
        make_view: Callable[[str, str], TicketView],
    ) -> StoredTicket:
        """Take the next leased number and record the ticket in one transaction: a number is
        never handed out twice, even across a power cut. Raises LeaseExhausted."""
        with self._tx():
            row = self._db.execute(
                "SELECT lease_id, prefix, next FROM leases WHERE queue = ? AND business_day = ? "
                "AND next <= last ORDER BY first LIMIT 1",
                (queue, day.isoformat()),
            ).fetchone()
            if row is None:
                raise LeaseExhausted(queue)
            lease_id, prefix, number = row[0], row[1], int(row[2])
            self._db.execute("UPDATE leases SET next = next + 1 WHERE lease_id = ?", (lease_id,))
            ticket_id = offline_ticket_id(node_id, day, prefix, number)
            view = make_view(ticket_id, f"{prefix}{number:03d}")
            self._db.execute(
                "INSERT INTO tickets (ticket_id, origin, queue, number, business_day, priority,"
                " issued_at, lease_id, origin_request_id, view) "
                "VALUES (?, 'offline', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ticket_id,
                    queue,
                    number,
                    day.isoformat(),
                    int(priority),
                    at.isoformat(),
                    lease_id,
                    origin_request_id,
                    view.model_dump_json(),
                ),
            )
            if origin_request_id is not None:
                self._db.execute("DELETE FROM intents WHERE request_id = ?", (origin_request_id,))
        ticket = self.ticket(ticket_id)
        assert ticket is not None
        return ticket

    def print_attempt(self, ticket_id: str) -> int:
        """Count an attempt before sending the job: a restart then knows it may be a reprint."""
        self._db.execute(
            "UPDATE tickets SET print_attempts = print_attempts + 1 WHERE ticket_id = ?",
            (ticket_id,),
        )
        row = self._db.execute(
            "SELECT print_attempts FROM tickets WHERE ticket_id = ?", (ticket_id,)
        ).fetchone()
        return int(row[0])

    def mark_printed(self, ticket_id: str, at: datetime) -> None:
        self._db.execute(
            "UPDATE tickets SET printed_at = ? WHERE ticket_id = ?", (at.isoformat(), ticket_id)
        )

    def mark_replayed(self, ticket_id: str, at: datetime, refusal: str | None = None) -> None:
        self._db.execute(
            "UPDATE tickets SET replayed_at = ?, replay_refusal = ? WHERE ticket_id = ?",
            (at.isoformat(), refusal, ticket_id),
        )

    def backlog(self) -> int:
        """Tickets central has not got yet plus requests whose answer is not recorded."""
        row = self._db.execute(
            "SELECT (SELECT COUNT(*) FROM tickets WHERE replayed_at IS NULL)"
            " + (SELECT COUNT(*) FROM intents)"
        ).fetchone()
        return int(row[0])

    def unprinted(self) -> list[StoredTicket]:
        return self._select("printed_at IS NULL")

    def unreplayed(self, limit: int = -1) -> list[StoredTicket]:
        """The oldest tickets central has not got yet, at most `limit` (-1: all)."""
        return self._select("replayed_at IS NULL", limit=limit)

    def tickets(self) -> list[StoredTicket]:
        return self._select("1 = 1")

    def ticket(self, ticket_id: str) -> StoredTicket | None:
        found = self._select("ticket_id = ?", (ticket_id,))
        return found[0] if found else None

    def _select(
        self, where: str, args: tuple[object, ...] = (), limit: int = -1
    ) -> list[StoredTicket]:
        rows = self._db.execute(
            "SELECT ticket_id, origin, queue, number, business_day, priority, issued_at, "
            "lease_id, origin_request_id, view, print_attempts, printed_at, replayed_at "
            f"FROM tickets WHERE {where} ORDER BY issued_at, seq LIMIT ?",
            (*args, limit),
        ).fetchall()
        return [
            StoredTicket(
                ticket_id=r[0],
                origin=r[1],
                queue=r[2],
                number=r[3],
                business_day=date.fromisoformat(r[4]),
                priority=bool(r[5]),
                issued_at=datetime.fromisoformat(r[6]),
                lease_id=r[7],
                origin_request_id=r[8],
                view=TicketView.model_validate_json(r[9]),
                print_attempts=r[10],
                printed=r[11] is not None,
                replayed=r[12] is not None,
            )
            for r in rows
        ]

    # -- cached hall names --------------------------------------------------------------

    def put(self, key: str, value: object) -> None:
        self._db.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", (key, json.dumps(value)))
        self._kv.pop(key, None)

    def get(self, key: str) -> object | None:
        """Read through a cache: every ticket prints the hall's and its queue's names, and
        reading them from SQLite took a tenth of a press's own time. Only this kiosk
        writes the file (the CLI reads), so put() keeps the cache right. The value is
        shared with the cache: read it, do not change it."""
        if key not in self._kv:
            row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
            self._kv[key] = None if row is None else json.loads(row[0])
        return self._kv[key]

    def _tx(self) -> _Tx:
        return _Tx(self._db)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def offline_ticket_id(node_id: str, day: date, prefix: str, number: int) -> str:
    """Deterministic: the same leased number always gives the same id, so a replay retried
    after a crash or a lost reply is the same ticket to central."""
    return f"{node_id[:24]}-{day:%Y%m%d}-{prefix.lower() or 'x'}{number:04d}"


def replay_request_id(ticket_id: str) -> str:
    return f"replay.{ticket_id}"


def give_back_request_id(lease_id: str, first_unused: int) -> str:
    """Deterministic: a return retried after a crash or a lost reply is the same request."""
    return f"return.{lease_id[:48]}.{first_unused}"
