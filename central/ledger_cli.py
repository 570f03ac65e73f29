"""`antrian ledger`: back up, check and archive central's ledger, also while central runs."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

from antrian.config import ConfigError
from central.config import CentralConfig, load_central_config
from central.ledger import LedgerError, LedgerReader, archive, backup, check


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "ledger",
        help="back up, check and archive central's ledger (also while central runs)",
        description="Tools for central's SQLite ledger. Example: antrian ledger backup "
        "/mnt/usb/ledger-2026-12-03.sqlite3 --config /etc/antrian/central.yaml",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    b = actions.add_parser(
        "backup",
        help="a consistent copy of the ledger, while central runs (SQLite online backup)",
        description="Copy the ledger with SQLite's online backup: one consistent snapshot, "
        "taken while central keeps serving; the copy is checked before the command ends.",
    )
    b.add_argument("dest", type=Path, help="the backup file to write (replaced if it exists)")
    _source(b)
    b.set_defaults(func=run_backup)
    c = actions.add_parser(
        "check",
        help="SQLite integrity and the ledger's own rules; exit 1 on a problem",
        description="Check a ledger (central's, or a backup before restoring it): SQLite's "
        "integrity check, the schema version, contiguous event numbers, readable bodies, "
        "tickets that requests and counters refer to. Reads only.",
    )
    _source(c)
    c.set_defaults(func=run_check)
    a = actions.add_parser(
        "archive",
        help="move closed business days into monthly archive files (reports still read them)",
        description="Move every business day before --before (or, with --config, older than "
        "its archive_after_days) out of the ledger into archive/ledger-YYYY-MM.sqlite3 "
        "beside it. antrian report reads them as before. The open business day is never "
        "moved; safe to interrupt and run again, also while central runs.",
    )
    a.add_argument(
        "--before",
        type=date.fromisoformat,
        help="first day to keep, YYYY-MM-DD (default: archive_after_days from --config)",
    )
    _source(a)
    a.set_defaults(func=run_archive)


def _source(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--config", type=Path, help="central's YAML config (its ledger)")
    src.add_argument("--ledger", type=Path, help="a ledger file (central's, or a backup)")


def _ledger_path(args: argparse.Namespace) -> Path:
    if args.ledger is not None:
        return Path(args.ledger)
    return _config(args).ledger_path


def _config(args: argparse.Namespace) -> CentralConfig:
    if not args.config.is_file():
        raise ConfigError(f"{args.config} not found: check the --config path")
    cfg, _catalogue = load_central_config(args.config)
    return cfg


def _fail(message: str) -> int:
    print(f"antrian ledger: {message}", file=sys.stderr)
    return 2


def _summary(path: Path) -> str:
    with LedgerReader(path) as ledger:
        days = ledger.days_held()
        tickets = ledger.db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        span = f"{days[0]} .. {days[-1]}" if days else "no tickets"
        return (
            f"schema {ledger.version}, {tickets} tickets, {len(days)} days ({span}), "
            f"business day {ledger.business_day()}, {path.stat().st_size / 1e6:.1f} MB"
        )


def run_backup(args: argparse.Namespace) -> int:
    try:
        source = _ledger_path(args)
        if args.dest.resolve() == source.resolve():
            return _fail(f"{args.dest} is the ledger itself: give another file")
        backup(source, args.dest)
        problems = check(args.dest)
        if problems:
            print(f"backup written to {args.dest}, but its check failed:", file=sys.stderr)
            for problem in problems:
                print(f"  - {problem}", file=sys.stderr)
            return 1
        print(f"{args.dest}: {_summary(args.dest)}")
    except (ConfigError, LedgerError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {args.dest}: {exc.strerror or exc}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    try:
        path = _ledger_path(args)
        problems = check(path)
        summary = _summary(path)
    except (ConfigError, LedgerError) as exc:
        return _fail(str(exc))
    if problems:
        print(f"{path}: {len(problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"{path}: ok; {summary}")
    return 0


def run_archive(args: argparse.Namespace) -> int:
    try:
        path = _ledger_path(args)
        before = args.before
        if before is None:
            keep = _config(args).archive_after_days if args.config else None
            if keep is None:
                return _fail("give --before YYYY-MM-DD, or --config with archive_after_days set")
            with LedgerReader(path) as ledger:
                today = ledger.business_day()
            if today is None:
                print(f"{path}: no business day yet, nothing to archive")
                return 0
            before = today - timedelta(days=keep)
        moved = archive(path, before)
    except (ConfigError, LedgerError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write the archive: {exc.strerror or exc}")
    if not moved:
        print(f"{path}: no day before {before} to archive")
    return 0
