"""Central's durable ledger in SQLite (WAL, synchronous=FULL): tickets, counters, leases,
applied requests and the event log. A batch of outcomes is one transaction."""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import get_args

from antrian.catalogue import Catalogue
from central.hall import CounterRuntime, Hall, Lease, Outcome, Ticket
from protocol import codec
from protocol import messages as m
from protocol.codec import Encoded

# The schema of a new ledger, at SCHEMA_VERSION (kept in PRAGMA user_version). A change
# here needs a step in MIGRATIONS that brings every older ledger to the same shape, and a
# test from the older schema (tests/central/test_ledger_migrations.py).
SCHEMA_VERSION = 5
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tickets (
    id TEXT PRIMARY KEY, day TEXT NOT NULL, origin_queue TEXT NOT NULL, queue TEXT NOT NULL,
    number INTEGER NOT NULL, prefix TEXT NOT NULL, priority INTEGER NOT NULL,
    status TEXT NOT NULL, issued_at TEXT NOT NULL, offline INTEGER NOT NULL,
    node_id TEXT NOT NULL, request_id TEXT, counter TEXT, officer TEXT,
    called_at TEXT, started_at TEXT, finished_at TEXT,
    recalls INTEGER NOT NULL, transfers INTEGER NOT NULL, rating INTEGER,
    UNIQUE (day, origin_queue, number)
);
CREATE INDEX tickets_by_day ON tickets (day);
CREATE TABLE counters (
    id TEXT PRIMARY KEY, paused INTEGER NOT NULL, officer TEXT, ticket_id TEXT, since TEXT
);
CREATE TABLE numbering (
    day TEXT NOT NULL, queue TEXT NOT NULL, next INTEGER NOT NULL, PRIMARY KEY (day, queue)
);
CREATE TABLE leases (
    id TEXT PRIMARY KEY, node_id TEXT NOT NULL, queue TEXT NOT NULL, day TEXT NOT NULL,
    first INTEGER NOT NULL, last INTEGER NOT NULL, granted_at TEXT NOT NULL
);
CREATE INDEX leases_by_day ON leases (day);
CREATE TABLE requests (
    id TEXT NOT NULL, node_id TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
    ticket_id TEXT, reply TEXT NOT NULL,
    PRIMARY KEY (node_id, id)
);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX events_by_day ON events (day, seq);
CREATE TABLE nodes (
    node_id TEXT PRIMARY KEY, body TEXT NOT NULL
);
CREATE TABLE removed_nodes (
    node_id TEXT PRIMARY KEY, session INTEGER NOT NULL
);
CREATE TABLE codecs (id INTEGER PRIMARY KEY, zdict BLOB NOT NULL);
"""


def _to_v2(db: sqlite3.Connection) -> None:
    # 9edca9a: a removed device's last session (central.fleet's tombstone).
    db.execute(
        "CREATE TABLE IF NOT EXISTS removed_nodes (node_id TEXT PRIMARY KEY, "
        "session INTEGER NOT NULL)"
    )


def _to_v3(db: sqlite3.Connection) -> None:
    # 9db2078 (issue 13): stored replies keyed by (node_id, id); keyed by the request id
    # alone, one node's id answered another node's request. Every reply keeps its node.
    db.execute("ALTER TABLE requests RENAME TO requests_by_id")
    db.execute(
        "CREATE TABLE requests (id TEXT NOT NULL, node_id TEXT NOT NULL, at TEXT NOT NULL, "
        "kind TEXT NOT NULL, ticket_id TEXT, reply TEXT NOT NULL, PRIMARY KEY (node_id, id))"
    )
    db.execute(
        "INSERT INTO requests (id, node_id, at, kind, ticket_id, reply) "
        "SELECT id, node_id, at, kind, ticket_id, reply FROM requests_by_id"
    )
    db.execute("DROP TABLE requests_by_id")


def _to_v4(db: sqlite3.Connection) -> None:
    # Per-day reads (central's start, a day's report) used to scan every event and lease
    # of the ledger's history (issue 15).
    db.execute("CREATE INDEX IF NOT EXISTS events_by_day ON events (day, seq)")
    db.execute("CREATE INDEX IF NOT EXISTS leases_by_day ON leases (day)")


def _to_v5(db: sqlite3.Connection) -> None:
    # Closed days' event bodies and replies deflated with a dictionary (see Codec).
    db.execute("CREATE TABLE IF NOT EXISTS codecs (id INTEGER PRIMARY KEY, zdict BLOB NOT NULL)")
    _add_codecs(db)


def _add_codecs(db: sqlite3.Connection) -> None:
    db.execute("INSERT OR IGNORE INTO codecs (id, zdict) VALUES (?, ?)", (CODEC_ID, ZDICT))


# MIGRATIONS[v] brings a ledger at version v-1 to version v. Ledgers written before
# user_version was kept say 0 and are recognised by their tables (schema_version).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    2: _to_v2,
    3: _to_v3,
    4: _to_v4,
    5: _to_v5,
}
assert sorted(MIGRATIONS) == list(range(2, SCHEMA_VERSION + 1))


class LedgerError(Exception):
    """The ledger cannot be used as it is; the message says what to do."""


def _tables(db: sqlite3.Connection) -> set[str]:
    return {str(r[0]) for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def schema_version(db: sqlite3.Connection) -> int:
    """The ledger's schema version; 0 for an empty database."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version:
        return version
    tables = _tables(db)
    if not tables:
        return 0
    if "tickets" not in tables or "events" not in tables:
        raise LedgerError("not an Antrian ledger (no tickets or events table)")
    # Released before user_version: 58dbf0f (version 1), 9edca9a (+ removed_nodes, 2),
    # 9db2078 (requests keyed by node and id, 3).
    pk = [row[1] for row in db.execute("PRAGMA table_info(requests)") if row[5]]
    if pk != ["id"]:
        return 3
    return 2 if "removed_nodes" in tables else 1


def migrate(db: sqlite3.Connection) -> int:
    """Create a new ledger's schema or bring an older one forward, one transaction per
    step, so a kill in between leaves a ledger at the previous or the next version.
    Returns the version found."""
    found = schema_version(db)
    if found > SCHEMA_VERSION:
        raise LedgerError(
            f"the ledger has schema version {found}, newer than this Antrian's "
            f"{SCHEMA_VERSION}: install the Antrian version that wrote it, or a newer one"
        )
    steps: list[tuple[int, Callable[[sqlite3.Connection], None]]]
    if found == 0:
        steps = [(SCHEMA_VERSION, _create)]
    else:
        steps = [(v, MIGRATIONS[v]) for v in range(found + 1, SCHEMA_VERSION + 1)]
    for version, step in steps:
        db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have done this step while this one waited for the lock.
            if schema_version(db) < version:
                step(db)
                db.execute(f"PRAGMA user_version = {version}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return found


def _create(db: sqlite3.Connection) -> None:
    # Statement by statement: executescript would commit the open transaction first.
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    _add_codecs(db)


# A ticket's events and replies are about ten JSON rows of ~600 bytes, most of it the same
# keys and names every time: deflated with a preset dictionary of typical rows they take a
# quarter (issue 15: 8 KB a ticket as text). Central writes text, as fast as before, and
# deflates closed days' rows when idle (Ledger.compact). The dictionary is stored in the
# ledger (table codecs), so a backup or an archive reads on its own; a new dictionary gets
# a new id and never replaces one. ledger_zdict_1.txt: two rows of each event and reply
# kind of a simulated MPP Palembang day (bench/bigledger.py), the most frequent last.
CODEC_ID = 1
ZDICT = Path(__file__).with_name("ledger_zdict_1.txt").read_bytes()
_WBITS = -15  # raw deflate, 32 KiB window: the whole dictionary is in reach


class Codec:
    """Stored bodies: JSON text as central wrote it, or a blob of a codec id byte then raw
    deflate with that codec's dictionary."""

    def __init__(self, db: sqlite3.Connection) -> None:
        tables = _tables(db)
        rows = db.execute("SELECT id, zdict FROM codecs") if "codecs" in tables else []
        self.zdicts = {int(i): bytes(z) for i, z in rows}
        self._base: zlib._Compress | None = None

    def decode(self, value: str | bytes) -> bytes:
        if isinstance(value, str):
            return value.encode()
        inflate = zlib.decompressobj(_WBITS, self.zdicts[value[0]])
        return inflate.decompress(value[1:]) + inflate.flush()

    def encode(self, body: bytes) -> bytes:
        if self._base is None:
            # Copying a primed compressor is cheaper than loading the dictionary again.
            self._base = zlib.compressobj(
                6, zlib.DEFLATED, _WBITS, 8, zlib.Z_DEFAULT_STRATEGY, self.zdicts[CODEC_ID]
            )
        deflate = self._base.copy()
        return bytes([CODEC_ID]) + deflate.compress(body) + deflate.flush()


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


_COMPACT_KEYS = ("compact_seq", "compact_seq_upto", "compact_rowid", "compact_rowid_upto")
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
        migrate(self.db)
        self.commits_since_checkpoint = 0
        # The last seq whose event the broker acknowledged (PUBACK), and every one before
        # it: written with the next transaction, so it costs no commit of its own. Events
        # after it are published again on start (at least once; consumers skip a seq they
        # have). A ledger from before this marker starts at its last seq: its events went
        # out under the old at-most-once rule and are not sent again.
        published = self.meta("published_seq")
        self.published_seq = int(published if published is not None else self.meta("seq") or 0)
        self._published_saved = self.published_seq
        self.codec = Codec(self.db)
        self._day = self.meta("day")
        # Compaction markers: rows up to *_upto belong to closed days, rows up to *_done
        # are deflated. Set when the day changes (_transaction), advanced when idle.
        self._compact = [int(self.meta(k) or 0) for k in _COMPACT_KEYS]

    def close(self) -> None:
        self.db.close()

    @property
    def compaction_due(self) -> bool:
        ev_done, ev_upto, rq_done, rq_upto = self._compact
        return ev_done < ev_upto or rq_done < rq_upto

    def compact(self, limit: int = 200) -> int:
        """Deflate up to `limit` event bodies and up to `limit` replies of closed days in
        one transaction; central calls it when idle. Returns the rows rewritten."""
        ev_done, ev_upto, rq_done, rq_upto = self._compact
        encode = self.codec.encode
        cur = self.db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            events = cur.execute(
                "SELECT seq, body FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                (ev_done, ev_upto, limit),
            ).fetchall()
            ev_rows = [(encode(b.encode()), s) for s, b in events if isinstance(b, str)]
            cur.executemany("UPDATE events SET body = ? WHERE seq = ?", ev_rows)
            ev_done = int(events[-1][0]) if len(events) == limit else ev_upto
            replies = cur.execute(
                "SELECT rowid, reply FROM requests WHERE rowid > ? AND rowid <= ? "
                "ORDER BY rowid LIMIT ?",
                (rq_done, rq_upto, limit),
            ).fetchall()
            rq_rows = [(encode(r.encode()), i) for i, r in replies if isinstance(r, str)]
            cur.executemany("UPDATE requests SET reply = ? WHERE rowid = ?", rq_rows)
            rq_done = int(replies[-1][0]) if len(replies) == limit else rq_upto
            cur.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                ((_COMPACT_KEYS[0], str(ev_done)), (_COMPACT_KEYS[2], str(rq_done))),
            )
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        self._compact = [ev_done, ev_upto, rq_done, rq_upto]
        self.commits_since_checkpoint += 1
        return len(ev_rows) + len(rq_rows)

    def _close_days_before(self, cur: sqlite3.Cursor, day: str, rq_upto: int) -> None:
        """The day moved on: every event of earlier days (with the expiries this
        transaction wrote for them) and every reply stored before this transaction may be
        deflated."""
        row = cur.execute(
            "SELECT seq FROM events WHERE day < ? ORDER BY day DESC, seq DESC LIMIT 1", (day,)
        ).fetchone()
        ev_upto = int(row[0]) if row else 0
        cur.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            ((_COMPACT_KEYS[1], str(ev_upto)), (_COMPACT_KEYS[3], str(rq_upto))),
        )
        self._compact[1], self._compact[3] = ev_upto, rq_upto

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
            hall.recent_calls.append(m.Event.model_validate_json(self.codec.decode(ev_body[0])))
        for (ev_body,) in self.db.execute(
            "SELECT body FROM events WHERE day=? AND kind='survey_answered'", (d,)
        ):
            answered = m.Event.model_validate_json(self.codec.decode(ev_body))
            if answered.ticket is not None:
                hall.surveyed.add(answered.ticket.ticket_id)
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
        return codec.decode(m.Reply, self.codec.decode(row[0])) if row else None

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
        d = day.isoformat()
        upto = self._compact[1], self._compact[3]
        try:
            new_day = d != self._day and self._day is not None
            if new_day:
                rq_upto = cur.execute("SELECT COALESCE(MAX(rowid), 0) FROM requests").fetchone()
            yield cur
            if new_day:
                self._close_days_before(cur, d, int(rq_upto[0]))
            rows = [("seq", str(seq)), ("day", d)]
            published = self.published_seq
            if published != self._published_saved:
                rows.append(("published_seq", str(published)))
            cur.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", rows)
            cur.execute("COMMIT")
            self._published_saved = published
            self._day = d
            self.commits_since_checkpoint += 1
        except BaseException:
            cur.execute("ROLLBACK")
            self._compact[1], self._compact[3] = upto
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
            m.Event.model_validate_json(self.codec.decode(body))
            for (body,) in self.db.execute(
                "SELECT body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
            )
        ]

    def event_bodies_since(self, seq: int, limit: int = 1000) -> list[tuple[int, bytes]]:
        """Committed events after `seq` as published (seq, JSON), in seq order."""
        return [
            (int(s), self.codec.decode(body))
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
    query they need, so that only this module knows the schema. Opened with mode=ro, it
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
            f"SELECT {_TICKET_COLS} FROM tickets WHERE day=? ORDER BY issued_at, id",
            (day.isoformat(),),
        ):
            yield _ticket(row)

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
        for row in self.db.execute(f"SELECT {_TICKET_COLS} FROM tickets ORDER BY day, issued_at"):
            yield _ticket(row)

    def all_events(self) -> Iterator[EventRow]:
        for seq, at, d, kind, body in self.db.execute(
            "SELECT seq, at, day, kind, body FROM events ORDER BY seq"
        ):
            yield EventRow(int(seq), str(at), date.fromisoformat(d), str(kind), self._text(body))


_STATUSES = frozenset(get_args(m.TicketStatus))


def check(path: Path) -> list[str]:
    """Everything wrong with the ledger at `path`, each as a sentence saying what and where;
    empty when it is sound. Reads only (for `antrian ledger check`)."""
    with LedgerReader(path) as ledger:
        db = ledger.db
        problems = [
            f"SQLite integrity: {row[0]}"
            for row in db.execute("PRAGMA integrity_check")
            if row[0] != "ok"
        ]
        if problems:
            return problems  # the rows below cannot be trusted
        problems += [
            f"foreign key: {row}" for row in db.execute("PRAGMA foreign_key_check").fetchall()
        ]
        if ledger.version < SCHEMA_VERSION:
            problems.append(
                f"schema version {ledger.version}, this Antrian writes {SCHEMA_VERSION}: central "
                "brings it forward when it starts (not a fault)"
            )
        first, last, count = db.execute(
            "SELECT MIN(seq), MAX(seq), COUNT(*) FROM events"
        ).fetchone()
        if count and last - first + 1 != count:
            problems.append(f"event seqs {first}..{last}: {last - first + 1 - count} missing")
        stored = int(ledger.meta("seq") or last or 0)  # archives keep no meta
        if last is not None and stored != last:
            problems.append(f"meta seq is {stored} but the last event is {last}")
        for seq, body in db.execute("SELECT seq, body FROM events"):
            try:
                event = json.loads(ledger.codec.decode(body))
            except (ValueError, KeyError, zlib.error) as exc:
                problems.append(f"event {seq}: body unreadable ({exc})")
                continue
            if event.get("seq") != seq:
                problems.append(f"event {seq}: body says seq {event.get('seq')}")
        for node, rid, reply in db.execute("SELECT node_id, id, reply FROM requests"):
            try:
                json.loads(ledger.codec.decode(reply))
            except (ValueError, KeyError, zlib.error) as exc:
                problems.append(f"request {node}/{rid}: stored reply unreadable ({exc})")
        problems += [
            f"ticket {tid}: unknown status {status!r}"
            for tid, status in db.execute("SELECT id, status FROM tickets")
            if status not in _STATUSES
        ]
        problems += [
            f"request {node}/{rid} issued ticket {tid}, which is not in the ledger"
            for node, rid, tid in db.execute(
                "SELECT r.node_id, r.id, r.ticket_id FROM requests r "
                "WHERE r.kind = 'issue_ticket' AND r.ticket_id IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = r.ticket_id)"
            )
        ]
        problems += [
            f"counter {cid} holds ticket {tid}, which is not in the ledger"
            for cid, tid in db.execute(
                "SELECT c.id, c.ticket_id FROM counters c WHERE c.ticket_id IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = c.ticket_id)"
            )
        ]
        return problems


def backup(path: Path, dest: Path) -> None:
    """A consistent copy of the ledger at `dest`, taken with SQLite's online backup while
    central keeps writing (WAL: the copy reads one snapshot and blocks no commit). Written
    beside `dest` and renamed into place, so `dest` is never a half copy."""
    if not path.is_file():
        raise LedgerError(f"ledger {path} not found: pass --config with central's YAML")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        schema_version(source)  # refuses a file that is not a ledger
        source.backup(target)  # all pages in one step: one read snapshot
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        target.close()
        source.close()
    with partial.open("rb+") as f:
        os.fsync(f.fileno())
    partial.replace(dest)


# Archives: closed business days moved out of the live ledger into one file per month,
# beside it (archive/ledger-YYYY-MM.sqlite3), with the same schema, so that central's
# ledger stays a few months long and a month can be copied off the Pi on its own.
_DAY_TABLES = ("tickets", "events", "numbering", "leases")
_DELETE_CHUNK = 500  # rows per transaction: central waits for at most one chunk


class History:
    """The live ledger and its monthly archives, read a business day at a time: a day is
    read from its archive when the archive holds it, else from the ledger (while a day is
    being archived it is in both, complete in the archive first)."""

    def __init__(self, path: Path) -> None:
        self.live = LedgerReader(path)
        self.path = path
        self._archives: dict[str, LedgerReader | None] = {}

    def close(self) -> None:
        self.live.close()
        for reader in self._archives.values():
            if reader is not None:
                reader.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _archive(self, month: str) -> LedgerReader | None:
        if month not in self._archives:
            file = archive_dir(self.path) / f"ledger-{month}.sqlite3"
            self._archives[month] = LedgerReader(file) if file.is_file() else None
        return self._archives[month]

    def reader_for(self, day: date) -> LedgerReader:
        archived = self._archive(f"{day:%Y-%m}")
        if archived is not None and archived.has_day(day):
            return archived
        return self.live

    def days_held(self) -> list[date]:
        days = set(self.live.days_held())
        for file in sorted(archive_dir(self.path).glob("ledger-*.sqlite3")):
            archived = self._archive(file.stem.removeprefix("ledger-"))
            if archived is not None:
                days.update(archived.days_held())
        return sorted(days)


def archive_dir(ledger_path: Path) -> Path:
    return ledger_path.parent / "archive"


def archive_file(ledger_path: Path, month: date) -> Path:
    return archive_dir(ledger_path) / f"ledger-{month:%Y-%m}.sqlite3"


def _days_before(db: sqlite3.Connection, table: str, before: str) -> list[str]:
    days: list[str] = []
    after = ""
    while True:
        row = db.execute(f"SELECT MIN(day) FROM {table} WHERE day > ?", (after,)).fetchone()
        if row[0] is None or row[0] >= before:
            return days
        after = str(row[0])
        days.append(after)


def archive(path: Path, before: date, say: Callable[[str], None] = print) -> int:
    """Move every business day before `before` out of the ledger at `path` into monthly
    archive files; returns the days moved. The open business day (meta `day`) is never
    moved. Safe to kill at any point and to run again, also while central runs: a month is
    first copied into its archive in one transaction (readers then take its days from the
    archive), and only then deleted from the ledger in small transactions."""
    if not path.is_file():
        raise LedgerError(f"ledger {path} not found: pass --config with central's YAML")
    with LedgerReader(path) as reader:
        if reader.version < SCHEMA_VERSION:
            raise LedgerError(
                f"{path} has schema version {reader.version}: start central once to bring it "
                f"to {SCHEMA_VERSION}, then archive"
            )
        open_day = reader.business_day()
    if open_day is None:
        return 0
    if before > open_day:
        raise LedgerError(
            f"--before {before} would archive the open business day {open_day}: give "
            f"{open_day} or an earlier date (days before it are closed)"
        )
    live = sqlite3.connect(path, isolation_level=None, timeout=60)
    try:
        b = before.isoformat()
        days = sorted({d for t in _DAY_TABLES for d in _days_before(live, t, b)})
        months: dict[str, list[str]] = {
            str(m): []
            for (m,) in live.execute(
                "SELECT DISTINCT substr(at, 1, 7) FROM requests WHERE substr(at, 1, 10) < ?", (b,)
            )
        }
        for d in days:
            months.setdefault(d[:7], []).append(d)
        for month, month_days in sorted(months.items()):
            first = date.fromisoformat(month + "-01")
            _copy_month(path, first, month_days, b)
            say(f"{month}: {len(month_days)} days copied to {archive_file(path, first)}")
        for d in days:
            for table in _DAY_TABLES:
                _delete_chunked(live, f"SELECT rowid FROM {table} WHERE day = ?", table, (d,))
        _delete_chunked(
            live, "SELECT rowid FROM requests WHERE substr(at, 1, 10) < ?", "requests", (b,)
        )
        if days:
            say(f"{len(days)} days before {before} removed from {path}")
    finally:
        live.close()
    return len(days)


def _copy_month(path: Path, month: date, days: list[str], before: str) -> None:
    dest = archive_file(path, month)
    if not dest.exists():
        # Created beside it and renamed: readers never find an archive without its schema.
        dest.parent.mkdir(parents=True, exist_ok=True)
        fresh = dest.with_name(dest.name + ".new")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{fresh}{suffix}").unlink(missing_ok=True)
        db = sqlite3.connect(fresh, isolation_level=None)
        db.execute(f"PRAGMA page_size={PAGE_SIZE}")
        migrate(db)
        db.close()
        fresh.replace(dest)
    db = sqlite3.connect(dest, isolation_level=None, timeout=60)
    try:
        # WAL like the ledger: a reader never meets a hot journal left by a killed run.
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        migrate(db)
        db.execute("ATTACH ? AS live", (f"file:{path.resolve()}?mode=ro",))
        db.execute("BEGIN IMMEDIATE")
        try:
            # The live ledger's dictionaries: its deflated rows are copied as they are.
            db.execute("INSERT OR IGNORE INTO main.codecs SELECT * FROM live.codecs")
            marks = ", ".join("?" * len(days))
            for table in _DAY_TABLES:
                db.execute(
                    f"INSERT OR IGNORE INTO main.{table} SELECT * FROM live.{table} "
                    f"WHERE day IN ({marks})",
                    days,
                )
            # Stored replies by the date their request was sent (node's local date).
            db.execute(
                "INSERT OR IGNORE INTO main.requests SELECT * FROM live.requests "
                "WHERE substr(at, 1, 7) = ? AND substr(at, 1, 10) < ?",
                (f"{month:%Y-%m}", before),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("DETACH live")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def _delete_chunked(
    db: sqlite3.Connection, select: str, table: str, params: tuple[object, ...]
) -> None:
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            rowids = [r[0] for r in db.execute(f"{select} LIMIT {_DELETE_CHUNK}", params)]
            db.executemany(f"DELETE FROM {table} WHERE rowid = ?", [(r,) for r in rowids])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if len(rowids) < _DELETE_CHUNK:
            return


def copy_retimed(
    src: Path, dst: Path, day: date, retime: Callable[[str], str], rebody: Callable[[str], str]
) -> None:
    """A copy of a ledger with every ticket and event on `day`, its times mapped by
    `retime` (ISO text to ISO text) and its event bodies by `rebody`: the simulator's
    ledger in simulated time. The source is only read."""
    dst.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{src.resolve()}?mode=ro", uri=True)
    target = sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()

    def ts(value: str | None) -> str | None:
        return retime(value) if value else None

    try:
        target.create_function("retime", 1, ts, deterministic=True)
        target.create_function("rebody", 1, rebody, deterministic=True)
        d = day.isoformat()
        with target:
            target.execute(
                "UPDATE tickets SET day = ?, issued_at = retime(issued_at), "
                "called_at = retime(called_at), started_at = retime(started_at), "
                "finished_at = retime(finished_at)",
                (d,),
            )
            target.execute("UPDATE events SET day = ?, at = retime(at), body = rebody(body)", (d,))
    finally:
        target.close()
