"""`antrian ledger`: back up and check central's ledger, also while central runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from antrian.config import ConfigError
from central.config import load_central_config
from central.ledger import LedgerError, LedgerReader, backup, check


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "ledger",
        help="back up and check central's ledger (also while central runs)",
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


def _source(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--config", type=Path, help="central's YAML config (its ledger)")
    src.add_argument("--ledger", type=Path, help="a ledger file (central's, or a backup)")


def _ledger_path(args: argparse.Namespace) -> Path:
    if args.ledger is not None:
        return Path(args.ledger)
    if not args.config.is_file():
        raise ConfigError(f"{args.config} not found: check the --config path")
    cfg, _catalogue = load_central_config(args.config)
    return cfg.ledger_path


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
