"""Copies of a ledger: a consistent backup while central writes, and the simulator's
copy in simulated time."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

from central.ledger._schema import LedgerError, schema_version


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
