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
from central.hall import Hall
from central.ledger._codec import Codec
from central.ledger._rows import TICKET_COLS, dt, ticket_of_row, ticket_row, ts
from central.ledger._schema import PAGE_SIZE, migrate
from central.records import CounterRuntime, Lease, Outcome, Ticket
from protocol import codec
from protocol import messages as m
from protocol.codec import Encoded

_COMPACT_KEYS = ("compact_seq", "compact_seq_upto", "compact_rowid", "compact_rowid_upto")
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
            f"SELECT {TICKET_COLS} FROM tickets WHERE day=? ORDER BY issued_at", (d,)
        ).fetchall()
        for row in rows:
            t = ticket_of_row(row)
            if t.queue in hall.waiting and t.origin_queue in hall.next_number:
                hall.load_ticket(t)
        for cid, paused, officer, ticket_id, since in self.db.execute(
            "SELECT id, paused, officer, ticket_id, since FROM counters"
        ):
            if ticket_id is not None and ticket_id not in hall.tickets:
                ticket_id = None
            hall.load_counter(CounterRuntime(cid, bool(paused), officer, ticket_id, dt(since)))
        for queue, nxt in self.db.execute("SELECT queue, next FROM numbering WHERE day=?", (d,)):
            if queue in hall.next_number:
                hall.next_number[queue] = int(nxt)
        for lease in self.leases_of_day(day):
            hall.add_lease(lease)
        hall.rebuild_returned()
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
                f"INSERT OR REPLACE INTO tickets ({TICKET_COLS}) VALUES ({', '.join('?' * 20)})",
                [ticket_row(t) for t in out.tickets],
            )
        if out.counters:
            cur.executemany(
                "INSERT OR REPLACE INTO counters (id, paused, officer, ticket_id, since) "
                "VALUES (?, ?, ?, ?, ?)",
                [(c.id, int(c.paused), c.officer, c.ticket_id, ts(c.since)) for c in out.counters],
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
                # REPLACE: a block a kiosk gave part of back ends lower (central/_leasing.py).
                "INSERT OR REPLACE INTO leases (id, node_id, queue, day, first, last, granted_at) "
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
            ticket_of_row(r)
            for r in self.db.execute(
                f"SELECT {TICKET_COLS} FROM tickets WHERE day=? ORDER BY issued_at",
                (day.isoformat(),),
            )
        ]
