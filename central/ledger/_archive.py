"""Closed business days moved out of the live ledger into monthly archive files, and
read back a day at a time."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

from central.ledger._reader import LedgerReader
from central.ledger._schema import PAGE_SIZE, SCHEMA_VERSION, LedgerError, migrate

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
