"""Central's durable ledger in SQLite (WAL, synchronous=FULL): tickets, counters, leases,
applied requests and the event log. A batch of outcomes is one transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from antrian.catalogue import Catalogue
from central.hall import CounterRuntime, Hall, Lease, Outcome, Ticket
from protocol import codec
from protocol import messages as m
from protocol.codec import Encoded

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY, day TEXT NOT NULL, origin_queue TEXT NOT NULL, queue TEXT NOT NULL,
    number INTEGER NOT NULL, prefix TEXT NOT NULL, priority INTEGER NOT NULL,
    status TEXT NOT NULL, issued_at TEXT NOT NULL, offline INTEGER NOT NULL,
    node_id TEXT NOT NULL, request_id TEXT, counter TEXT, officer TEXT,
    called_at TEXT, started_at TEXT, finished_at TEXT,
    recalls INTEGER NOT NULL, transfers INTEGER NOT NULL, rating INTEGER,
    UNIQUE (day, origin_queue, number)
);
CREATE INDEX IF NOT EXISTS tickets_by_day ON tickets (day);
CREATE TABLE IF NOT EXISTS counters (
    id TEXT PRIMARY KEY, paused INTEGER NOT NULL, officer TEXT, ticket_id TEXT, since TEXT
);
CREATE TABLE IF NOT EXISTS numbering (
    day TEXT NOT NULL, queue TEXT NOT NULL, next INTEGER NOT NULL, PRIMARY KEY (day, queue)
);
CREATE TABLE IF NOT EXISTS leases (
    id TEXT PRIMARY KEY, node_id TEXT NOT NULL, queue TEXT NOT NULL, day TEXT NOT NULL,
    first INTEGER NOT NULL, last INTEGER NOT NULL, granted_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    id TEXT NOT NULL, node_id TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
    ticket_id TEXT, reply TEXT NOT NULL,
    PRIMARY KEY (node_id, id)
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
    node_id TEXT PRIMARY KEY, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS removed_nodes (
    node_id TEXT PRIMARY KEY, session INTEGER NOT NULL
);
"""

_TICKET_COLS = (
    "id, day, origin_queue, queue, number, prefix, priority, status, issued_at, offline, "
    "node_id, request_id, counter, officer, called_at, started_at, finished_at, recalls, "
    "transfers, rating"
)


def _ts(d: datetime | None) -> str | None:
    return d.isoformat() if d else None


def _dt(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


def _ticket_row(t: Ticket) -> tuple[object, ...]:
    return (
        t.id,
        t.day.isoformat(),
        t.origin_queue,
        t.queue,
        t.number,
        t.prefix,
        int(t.priority),
        t.status,
        t.issued_at.isoformat(),
        int(t.offline),
        t.node_id,
        t.request_id,
        t.counter,
        t.officer,
        _ts(t.called_at),
        _ts(t.started_at),
        _ts(t.finished_at),
        t.recalls,
        t.transfers,
        t.rating,
    )


def _ticket(row: tuple[object, ...]) -> Ticket:
    (
        tid,
        day,
        oq,
        q,
        num,
        prefix,
        prio,
        status,
        issued,
        offline,
        node,
        rid,
        counter,
        officer,
        called,
        started,
        finished,
        recalls,
        transfers,
        rating,
    ) = row
    issued_at = _dt(str(issued))
    assert issued_at is not None
    return Ticket(
        id=str(tid),
        origin_queue=str(oq),
        queue=str(q),
        number=int(num),  # type: ignore[call-overload]
        prefix=str(prefix),
        day=date.fromisoformat(str(day)),
        priority=bool(prio),
        status=status,  # type: ignore[arg-type]
        issued_at=issued_at,
        offline=bool(offline),
        node_id=str(node),
        request_id=rid,  # type: ignore[arg-type]
        counter=counter,  # type: ignore[arg-type]
        officer=officer,  # type: ignore[arg-type]
        called_at=_dt(called),  # type: ignore[arg-type]
        started_at=_dt(started),  # type: ignore[arg-type]
        finished_at=_dt(finished),  # type: ignore[arg-type]
        recalls=int(recalls),  # type: ignore[call-overload]
        transfers=int(transfers),  # type: ignore[call-overload]
        rating=rating,  # type: ignore[arg-type]
    )


def _scope_request_ids(db: sqlite3.Connection) -> None:
    """Forward migration for ledgers made before issue 13: their `requests` table is keyed
    by the request id alone, so one node's id answered another node's request. Rebuild it
    keyed by (node_id, id); every stored reply keeps the node that sent its request."""
    pk = [row[1] for row in db.execute("PRAGMA table_info(requests)") if row[5]]
    if pk != ["id"]:
        return
    db.executescript(
        """
        BEGIN IMMEDIATE;
        ALTER TABLE requests RENAME TO requests_by_id;
        CREATE TABLE requests (
            id TEXT NOT NULL, node_id TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
            ticket_id TEXT, reply TEXT NOT NULL,
            PRIMARY KEY (node_id, id)
        );
        INSERT INTO requests (id, node_id, at, kind, ticket_id, reply)
            SELECT id, node_id, at, kind, ticket_id, reply FROM requests_by_id;
        DROP TABLE requests_by_id;
        COMMIT;
        """
    )


PAGE_SIZE = 1024
WAL_CAP_PAGES = 4000


class Ledger:
    """The only code that writes central's database."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # isolation_level=None: transactions are explicit, one per batch.
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # A commit writes every B-tree page it touches (ticket, request, event, numbering,
        # meta and their indexes: about a dozen) to the WAL before its fsync; 1 KiB pages
        # write a quarter of the bytes of the 4 KiB default. Takes effect for a new ledger
        # only; an existing one keeps its page size.
        self.db.execute(f"PRAGMA page_size={PAGE_SIZE}")
        self.db.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit survives a power cut, not just a process crash (design.md §4).
        self.db.execute("PRAGMA synchronous=FULL")
        # SQLite's automatic checkpoint runs inside the commit that crosses its threshold and
        # made one request in eighty wait a millisecond more. Central checkpoints when idle
        # (checkpoint()); this larger threshold is only the safety net under sustained load.
        self.db.execute(f"PRAGMA wal_autocheckpoint={WAL_CAP_PAGES}")
        self.db.executescript(SCHEMA)
        _scope_request_ids(self.db)
        self.commits_since_checkpoint = 0
        # The last seq whose event the broker acknowledged (PUBACK), and every one before
        # it: written with the next transaction, so it costs no commit of its own. Events
        # after it are published again on start (at least once; consumers skip a seq they
        # have). A ledger from before this marker starts at its last seq: its events went
        # out under the old at-most-once rule and are not sent again.
        published = self.meta("published_seq")
        self.published_seq = int(published if published is not None else self.meta("seq") or 0)
        self._published_saved = self.published_seq

    def close(self) -> None:
        self.db.close()

    def checkpoint(self) -> None:
        """Copy committed WAL pages into the database file, off the request path. PASSIVE
        never waits for anyone; a commit after a complete checkpoint reuses the WAL from its
        start, so the WAL stays small and its appends do not grow the file."""
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.commits_since_checkpoint = 0

    # -- loading --------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else None

    def load(self, catalogue: Catalogue, today: date) -> Hall:
        """Rebuild the hall: the open business day's tickets, counters, numbering, leases."""
        seq = int(self.meta("seq") or 0)
        stored_day = self.meta("day")
        day = date.fromisoformat(stored_day) if stored_day else today
        hall = Hall(catalogue, day, seq)
        d = day.isoformat()
        rows = self.db.execute(
            f"SELECT {_TICKET_COLS} FROM tickets WHERE day=? ORDER BY issued_at", (d,)
        ).fetchall()
        for row in rows:
            t = _ticket(row)
            if t.queue in hall.waiting and t.origin_queue in hall.next_number:
                hall.load_ticket(t)
        for cid, paused, officer, ticket_id, since in self.db.execute(
            "SELECT id, paused, officer, ticket_id, since FROM counters"
        ):
            if ticket_id is not None and ticket_id not in hall.tickets:
                ticket_id = None
            hall.load_counter(CounterRuntime(cid, bool(paused), officer, ticket_id, _dt(since)))
        for queue, nxt in self.db.execute("SELECT queue, next FROM numbering WHERE day=?", (d,)):
            if queue in hall.next_number:
                hall.next_number[queue] = int(nxt)
        for lease in self.leases_of_day(day):
            hall.leases[lease.id] = lease
            if lease.queue in hall.lease_floor:
                hall.lease_floor[lease.queue] = min(hall.lease_floor[lease.queue], lease.first)
        for ev_body in self.db.execute(
            "SELECT body FROM events WHERE day=? AND kind IN ('ticket_called','ticket_recalled') "
            "ORDER BY seq DESC LIMIT 10",
            (d,),
        ).fetchall()[::-1]:
            hall.recent_calls.append(m.Event.model_validate_json(ev_body[0]))
        supervision = self.meta("supervision")
        if supervision:
            hall.load_supervision(json.loads(supervision))
        return hall

    def leases_of_day(self, day: date) -> list[Lease]:
        return [
            Lease(lid, node, q, date.fromisoformat(d), first, last, datetime.fromisoformat(g))
            for lid, node, q, d, first, last, g in self.db.execute(
                "SELECT id, node_id, queue, day, first, last, granted_at FROM leases WHERE day=?",
                (day.isoformat(),),
            )
        ]

    def lease(self, lease_id: str) -> Lease | None:
        row = self.db.execute(
            "SELECT id, node_id, queue, day, first, last, granted_at FROM leases WHERE id=?",
            (lease_id,),
        ).fetchone()
        if row is None:
            return None
        lid, node, q, d, first, last, g = row
        return Lease(lid, node, q, date.fromisoformat(d), first, last, datetime.fromisoformat(g))

    def stored_reply(self, node_id: str, request_id: str) -> m.Reply | None:
        """The reply stored for this node's request id; another node's same id is another
        request (issue 13: a second kiosk got the first kiosk's ticket)."""
        row = self.db.execute(
            "SELECT reply FROM requests WHERE node_id=? AND id=?", (node_id, request_id)
        ).fetchone()
        return codec.decode(m.Reply, row[0].encode()) if row else None

    def ticket_of_request(self, node_id: str, request_id: str) -> str | None:
        row = self.db.execute(
            "SELECT ticket_id FROM requests WHERE node_id=? AND id=? AND kind='issue_ticket'",
            (node_id, request_id),
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    def nodes(self) -> list[m.FleetEntry]:
        return [
            m.FleetEntry.model_validate_json(body)
            for (body,) in self.db.execute("SELECT body FROM nodes ORDER BY node_id")
        ]

    def removed_nodes(self) -> dict[str, int]:
        """Removed devices and their last session (see central.fleet.Fleet)."""
        rows = self.db.execute("SELECT node_id, session FROM removed_nodes")
        return {str(node): int(session) for node, session in rows}

    # -- writing --------------------------------------------------------------------

    @contextmanager
    def _transaction(self, day: date, seq: int) -> Iterator[sqlite3.Cursor]:
        """One durable transaction that also records the hall's day and last seq."""
        cur = self.db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
            rows = [("seq", str(seq)), ("day", day.isoformat())]
            published = self.published_seq
            if published != self._published_saved:
                rows.append(("published_seq", str(published)))
            cur.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", rows)
            cur.execute("COMMIT")
            self._published_saved = published
            self.commits_since_checkpoint += 1
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    def commit(
        self,
        applied: Iterable[tuple[m.Request, Outcome]],
        day: date,
        seq: int,
        nodes: Iterable[m.FleetEntry] = (),
        encoded: Encoded | None = None,
        removed_nodes: Iterable[tuple[str, int]] = (),
    ) -> None:
        """Persist a batch in one transaction; returns only once it is durable. `encoded`
        keeps the replies' and events' bytes for publishing them after the commit."""
        encoded = encoded if encoded is not None else Encoded()
        with self._transaction(day, seq) as cur:
            for req, out in applied:
                self._write(cur, out, encoded)
                for reply, kind in ((out.reply, req.type), *((a, "alias") for a in out.aliases)):
                    cur.execute(
                        "INSERT OR IGNORE INTO requests (id, node_id, at, kind, ticket_id, "
                        "reply) VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            reply.request_id,
                            req.node_id,
                            req.sent_at.isoformat(),
                            kind,
                            reply.ticket.ticket_id if reply.ticket else None,
                            encoded.of(reply).decode(),
                        ),
                    )
            for node in nodes:
                cur.execute(
                    "INSERT OR REPLACE INTO nodes (node_id, body) VALUES (?, ?)",
                    (node.node_id, node.model_dump_json()),
                )
                cur.execute("DELETE FROM removed_nodes WHERE node_id = ?", (node.node_id,))
            for node_id, session in removed_nodes:
                cur.execute("DELETE FROM nodes WHERE node_id = ?", (node_id,))
                cur.execute(
                    "INSERT OR REPLACE INTO removed_nodes (node_id, session) VALUES (?, ?)",
                    (node_id, session),
                )

    def commit_outcome(self, out: Outcome, day: date, seq: int) -> None:
        """Persist an outcome that no request caused (day rollover)."""
        with self._transaction(day, seq) as cur:
            self._write(cur, out, Encoded())

    def _write(self, cur: sqlite3.Cursor, out: Outcome, encoded: Encoded) -> None:
        # Only the tables this outcome touches: an empty executemany still costs ~10 us,
        # and most requests touch two or three of the five.
        if out.tickets:
            cur.executemany(
                f"INSERT OR REPLACE INTO tickets ({_TICKET_COLS}) VALUES ({', '.join('?' * 20)})",
                [_ticket_row(t) for t in out.tickets],
            )
        if out.counters:
            cur.executemany(
                "INSERT OR REPLACE INTO counters (id, paused, officer, ticket_id, since) "
                "VALUES (?, ?, ?, ?, ?)",
                [(c.id, int(c.paused), c.officer, c.ticket_id, _ts(c.since)) for c in out.counters],
            )
        if out.supervision is not None:
            # Supervisors' settings are a handful of values: one JSON row, replaced whole.
            cur.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('supervision', ?)",
                (json.dumps(out.supervision, sort_keys=True),),
            )
        if out.numbering:
            cur.executemany(
                "INSERT OR REPLACE INTO numbering (day, queue, next) VALUES (?, ?, ?)",
                [(d.isoformat(), q, n) for (d, q), n in out.numbering.items()],
            )
        if out.leases:
            cur.executemany(
                "INSERT INTO leases (id, node_id, queue, day, first, last, granted_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        le.id,
                        le.node_id,
                        le.queue,
                        le.day.isoformat(),
                        le.first,
                        le.last,
                        le.granted_at.isoformat(),
                    )
                    for le in out.leases
                ],
            )
        if out.events:
            cur.executemany(
                "INSERT INTO events (seq, at, day, kind, body) VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        e.seq,
                        e.at.isoformat(),
                        e.business_day.isoformat(),
                        e.kind,
                        encoded.of(e).decode(),
                    )
                    for e in out.events
                ],
            )

    def events_since(self, seq: int, limit: int = 1000) -> list[m.Event]:
        return [
            m.Event.model_validate_json(body)
            for (body,) in self.db.execute(
                "SELECT body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
            )
        ]

    def event_bodies_since(self, seq: int, limit: int = 1000) -> list[tuple[int, bytes]]:
        """Committed events after `seq` as published (seq, JSON), in seq order."""
        return [
            (int(s), str(body).encode())
            for s, body in self.db.execute(
                "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
            )
        ]

    def save_published(self) -> None:
        """Record the published marker when idle, if it moved since the last transaction."""
        if self.published_seq == self._published_saved:
            return
        self.db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('published_seq', ?)",
            (str(self.published_seq),),
        )
        self._published_saved = self.published_seq

    def tickets_of_day(self, day: date) -> list[Ticket]:
        return [
            _ticket(r)
            for r in self.db.execute(
                f"SELECT {_TICKET_COLS} FROM tickets WHERE day=? ORDER BY issued_at",
                (day.isoformat(),),
            )
        ]
