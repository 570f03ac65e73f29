"""Big ledgers for benchmarks: one real day copied to earlier days, cached under var/bench.

A seeded MPP Palembang day (sim.day, about 2,500 tickets) is played through Hall.apply and
committed with Ledger.commit, so every row is one central wrote. That day's rows are then
copied to as many earlier days as the wanted ticket count needs: dates in ids, times and
bodies are rewritten to the copy's day, event seqs continue from the day before, and event
bodies and replies are deflated as central does to a closed day when idle. The ledger ends
with the seed day; its meta `day` is the seed day.

A built ledger is kept at var/bench/ledger-<tickets>-s<schema>-g<generator>.sqlite3 and
reused until the ledger's schema version or this generator changes. Build one by hand:

    .venv/bin/python -m bench.bigledger 1000000
"""

from __future__ import annotations

import sqlite3
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from antrian.devbroker import REPO_ROOT
from central.config import load_catalogue
from central.hall import Hall
from central.ledger import SCHEMA_VERSION, Codec, Ledger
from sim.day import generate_day
from sim.driver import play

GENERATOR_VERSION = 1
CATALOGUE = REPO_ROOT / "firmware_configs" / "mpp-palembang" / "catalogue.yaml"
SEED_DAY = date(2026, 6, 30)
CACHE = REPO_ROOT / "var" / "bench"

# Every text column that may hold a date: copies rewrite them all.
_TEXT_COLUMNS = {
    "tickets": (
        "id", "day", "origin_queue", "queue", "number", "prefix", "priority", "status",
        "issued_at", "offline", "node_id", "request_id", "counter", "officer", "called_at",
        "started_at", "finished_at", "recalls", "transfers", "rating",
    ),
    "numbering": ("day", "queue", "next"),
    "leases": ("id", "node_id", "queue", "day", "first", "last", "granted_at"),
    "requests": ("id", "node_id", "at", "kind", "ticket_id", "reply"),
}  # fmt: skip
_REWRITTEN = {
    "id", "day", "issued_at", "request_id", "called_at", "started_at", "finished_at",
    "granted_at", "at", "ticket_id", "reply", "body",
}  # fmt: skip


def path_for(tickets: int) -> Path:
    return CACHE / f"ledger-{tickets}-s{SCHEMA_VERSION}-g{GENERATOR_VERSION}.sqlite3"


def seed_day(path: Path) -> int:
    """Play the seed day into a new ledger at `path`; returns its ticket count."""
    catalogue = load_catalogue(CATALOGUE)
    hall = Hall(catalogue, SEED_DAY)
    applied = play(hall, generate_day(catalogue, SEED_DAY, 1))
    ledger = Ledger(path)
    # Batches like central's group commit under load.
    for i in range(0, len(applied), 50):
        ledger.commit(applied[i : i + 50], hall.day, hall.seq)
    ledger.checkpoint()
    ledger.close()
    return len(hall.tickets)


def _copy_day(db: sqlite3.Connection, day: date, seq_offset: int) -> None:
    """The seed day's rows as `day`'s, event bodies and replies deflated as central leaves
    a closed day (central.ledger.Ledger.compact)."""
    sd, dd = SEED_DAY.isoformat(), day.isoformat()
    sc, dc = SEED_DAY.strftime("%Y%m%d"), day.strftime("%Y%m%d")

    def rewrite(col: str) -> str:
        if col not in _REWRITTEN:
            return col
        text = f"replace(replace({col}, '{sd}', '{dd}'), '{sc}', '{dc}')"
        return f"deflate({text})" if col == "reply" else text

    for table, cols in _TEXT_COLUMNS.items():
        db.execute(
            f"INSERT INTO main.{table} ({', '.join(cols)}) "
            f"SELECT {', '.join(rewrite(c) for c in cols)} FROM seed.{table}"
        )
    db.execute(
        "INSERT INTO main.events (seq, at, day, kind, body) "
        f"SELECT seq + {seq_offset}, {rewrite('at')}, '{dd}', kind, "
        f"deflate(json_set({rewrite('body')}, '$.seq', seq + {seq_offset})) "
        "FROM seed.events ORDER BY seq"
    )


def build(path: Path, tickets: int, out: object = None) -> dict[str, float]:
    """A ledger of at least `tickets` tickets at `path` (replaced); returns figures."""
    t0 = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    seed = path.with_suffix(".seed.sqlite3")
    tmp = path.with_suffix(".building.sqlite3")
    for p in (seed, tmp):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{p}{suffix}").unlink(missing_ok=True)
    per_day = seed_day(seed)
    days = -(-tickets // per_day)
    Ledger(tmp).close()  # the current schema, page size and journal mode
    db = sqlite3.connect(tmp, isolation_level=None)
    codec = Codec(db)
    db.create_function("deflate", 1, lambda text: codec.encode(text.encode()), deterministic=True)
    db.execute("PRAGMA synchronous=OFF")  # a benchmark artefact: rebuilt if a build dies
    db.execute("PRAGMA cache_size=-200000")
    db.execute("ATTACH ? AS seed", (str(seed),))
    seq_per_day = int(db.execute("SELECT MAX(seq) FROM seed.events").fetchone()[0])
    first = SEED_DAY - timedelta(days=days - 1)
    db.execute("BEGIN")
    for k in range(days):
        _copy_day(db, first + timedelta(days=k), k * seq_per_day)
        if k % 20 == 19:
            db.execute("COMMIT")
            db.execute("BEGIN")
    for table in ("counters", "nodes", "removed_nodes"):
        db.execute(f"INSERT INTO main.{table} SELECT * FROM seed.{table}")
    last_seq = str(days * seq_per_day)
    last_rowid = str(db.execute("SELECT MAX(rowid) FROM main.requests").fetchone()[0])
    db.executemany(
        "INSERT OR REPLACE INTO main.meta (key, value) VALUES (?, ?)",
        [
            ("seq", last_seq),
            ("published_seq", last_seq),
            ("day", SEED_DAY.isoformat()),
            # Every day is closed and deflated (the bench runs central on a later day).
            ("compact_seq", last_seq),
            ("compact_seq_upto", last_seq),
            ("compact_rowid", last_rowid),
            ("compact_rowid_upto", last_rowid),
        ],
    )
    db.execute("COMMIT")
    db.execute("DETACH seed")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{seed}{suffix}").unlink(missing_ok=True)
    tmp.replace(path)  # only a finished build gets the cache's name
    return {"tickets": per_day * days, "days": days, "build_s": time.perf_counter() - t0}


def cached(tickets: int) -> tuple[Path, dict[str, float] | None]:
    """The cached ledger for `tickets`, built first if missing (then with its figures).
    Older versions of it are removed: a 1M ledger takes gigabytes."""
    path = path_for(tickets)
    if path.is_file():
        return path, None
    for stale in CACHE.glob(f"ledger-{tickets}-s*-g*.sqlite3*"):
        stale.unlink()
    return path, build(path, tickets)


def main(argv: list[str]) -> int:
    for arg in argv or ["1000000"]:
        path, figures = cached(int(arg))
        print(path, figures or "(cached)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
