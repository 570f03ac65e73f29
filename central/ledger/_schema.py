"""The ledger's schema: the tables of a new ledger and the numbered forward migrations
that bring an older one to them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from central.ledger._codec import CODEC_ID, ZDICT

PAGE_SIZE = 1024

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
    add_codecs(db)


def add_codecs(db: sqlite3.Connection) -> None:
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
    add_codecs(db)
