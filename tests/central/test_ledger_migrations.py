"""Every released ledger schema migrates forward to the current one with its rows intact,
and central then rebuilds the same hall from it."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from central.config import load_catalogue
from central.hall import Hall
from central.ledger import (
    SCHEMA_VERSION,
    Ledger,
    LedgerError,
    LedgerReader,
    migrate,
    schema_version,
)
from central.testing import DEMO_CATALOGUE
from protocol import messages as m
from tests.central.test_hall import DAY, T0, rid

CAT = load_catalogue(DEMO_CATALOGUE)
SCHEMAS = Path(__file__).parent / "ledger_schemas"
RELEASED = sorted(SCHEMAS.glob("v*.sql"))


def shape(db: sqlite3.Connection) -> dict[str, object]:
    """Tables and indexes with their columns, not their SQL text (a migration's
    CREATE ... IF NOT EXISTS reads differently from a new ledger's CREATE)."""
    out: dict[str, object] = {}
    for kind, name in db.execute("SELECT type, name FROM sqlite_master ORDER BY name"):
        pragma = "table_xinfo" if kind == "table" else "index_xinfo"
        out[f"{kind} {name}"] = db.execute(f"PRAGMA {pragma}({name})").fetchall()
    return out


def busy_ledger(path: Path) -> Hall:
    """A current ledger with every kind of row: tickets, calls, a pause, a lease, a node."""
    ledger = Ledger(path)
    hall = Hall(CAT, DAY)
    reqs: list[m.Request] = [
        m.IssueTicket(
            request_id=rid(), node_id="k", sent_at=T0 + timedelta(seconds=i), queue=q, priority=p
        )
        for i, (q, p) in enumerate([("dukcapil", False), ("dukcapil", True), ("skck", False)])
    ]
    reqs += [
        m.CallNext(request_id=rid(), node_id="c", sent_at=T0, counter="loket-1"),
        m.PauseCounter(request_id=rid(), node_id="c", sent_at=T0, counter="loket-2"),
        m.LeaseBlock(request_id=rid(), node_id="k", sent_at=T0, queue="skck", size=20),
    ]
    for r in reqs:
        ledger.commit([(r, hall.apply(r, r.sent_at))], hall.day, hall.seq)
    ledger.close()
    return hall


def released_copy(current: Path, schema: Path, dst: Path) -> None:
    """The current ledger's rows in a database created with a released schema."""
    db = sqlite3.connect(dst)
    db.executescript(schema.read_text())
    db.execute("ATTACH ? AS cur", (str(current),))
    for (table,) in db.execute("SELECT name FROM main.sqlite_master WHERE type='table'"):
        db.execute(f"INSERT INTO main.{table} SELECT * FROM cur.{table}")
    db.commit()
    db.execute("DETACH cur")
    db.close()


@pytest.mark.parametrize("schema", RELEASED, ids=lambda p: p.stem)
def test_released_schema_migrates_with_rows_intact(tmp_path: Path, schema: Path) -> None:
    hall = busy_ledger(tmp_path / "current.sqlite3")
    old = tmp_path / "old.sqlite3"
    released_copy(tmp_path / "current.sqlite3", schema, old)
    db = sqlite3.connect(old)
    assert schema_version(db) == int(schema.stem[1:])
    before = {
        t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
        for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    }
    db.close()

    ledger = Ledger(old)  # central's start migrates
    assert ledger.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    fresh = sqlite3.connect(tmp_path / "current.sqlite3")
    assert shape(ledger.db) == shape(fresh)
    for table, rows in before.items():
        assert ledger.db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() == rows
    assert ledger.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert ledger.codec.zdicts == Ledger(tmp_path / "current.sqlite3").codec.zdicts != {}
    rebuilt = ledger.load(CAT, DAY)
    assert rebuilt.seq == hall.seq and rebuilt.next_number == hall.next_number
    assert rebuilt.counter_snapshot("loket-1") == hall.counter_snapshot("loket-1")
    assert set(rebuilt.leases) == set(hall.leases)
    assert [e.seq for e in rebuilt.recent_calls] == [e.seq for e in hall.recent_calls]
    ledger.close()
    with LedgerReader(old) as reader:
        assert [t.id for t in reader.tickets_of_day(DAY)] == [
            t.id for t in sorted(hall.tickets.values(), key=lambda t: (t.issued_at, t.id))
        ]


def test_a_migrated_ledger_is_not_migrated_again(tmp_path: Path) -> None:
    busy_ledger(tmp_path / "l.sqlite3")
    db = sqlite3.connect(tmp_path / "l.sqlite3", isolation_level=None)
    assert migrate(db) == SCHEMA_VERSION
    assert migrate(db) == SCHEMA_VERSION


def test_a_newer_ledger_is_refused_with_what_to_do(tmp_path: Path) -> None:
    busy_ledger(tmp_path / "l.sqlite3")
    db = sqlite3.connect(tmp_path / "l.sqlite3")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(LedgerError, match="newer than this Antrian"):
        Ledger(tmp_path / "l.sqlite3")
    with pytest.raises(LedgerError, match="newer than this Antrian"):
        LedgerReader(tmp_path / "l.sqlite3")


def test_released_schemas_are_the_ones_in_history() -> None:
    # One file per released schema, numbered without gaps up to the one before the current.
    assert [p.stem for p in RELEASED] == [f"v{v}" for v in range(1, len(RELEASED) + 1)]
    assert len(RELEASED) < SCHEMA_VERSION
