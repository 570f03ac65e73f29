"""`antrian ledger check`: everything wrong with a ledger, read only."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import get_args

from central.ledger._reader import LedgerReader
from central.ledger._schema import SCHEMA_VERSION
from protocol import messages as m

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
