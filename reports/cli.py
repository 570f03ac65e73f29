"""`antrian report`: a hall manager's report from central's ledger (read-only)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from antrian.config import ConfigError
from central.config import load_catalogue, load_central_config
from reports import skm
from reports._ledger import LedgerError, LedgerStream, business_day
from reports.figures import DEFAULT_TZ, build_report
from reports.productivity import officer_times, with_productivity
from reports.render import empty_notice, stem, to_table, write_csv, write_png, write_xlsx

if TYPE_CHECKING:
    from antrian.catalogue import Catalogue

FORMATS = ("table", "csv", "xlsx", "png")


def _day(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text} is not a day of the calendar: that month has no day {text[8:]}"
        ) from None


def _month(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}", text) or not 1 <= int(text[5:]) <= 12:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month: use YYYY-MM, e.g. 2026-11")
    return date(int(text[:4]), int(text[5:]), 1)


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _fail(message: str) -> int:
    """A bad input: one plain line on stderr (no log timestamp) and exit code 2."""
    print(f"antrian report: {message}", file=sys.stderr)
    return 2


def _now(tz: tzinfo) -> datetime:
    return datetime.now(tz)  # a seam for tests: the hour of the day matters


def _today(catalogue: Catalogue | None, ledger: Path) -> date:
    """Today in the hall, not on the server's clock: servers run UTC, and between 00:00 and
    07:00 WIB the UTC date is still yesterday."""

    if catalogue is not None:
        return _now(catalogue.tz).date()
    # Without a catalogue, the business day central itself last recorded.
    return business_day(ledger) or _now(DEFAULT_TZ).date()


def _out_problem(out: Path) -> str | None:
    """Why files cannot go to --out, checked before any work."""
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a directory: pass a directory for the report files"
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        return f"--out {out}: {existing} is a file, not a directory"
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        return f"--out {out}: cannot write in {existing}; pass a directory you may write to"
    return None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="service report for hall managers: waits, service times, no-shows, IKM",
        description="Per agency, service, counter and officer: tickets issued, served, "
        "no-shows, transfers, mean and P90 wait and service time, share within the service "
        "standard, IKM satisfaction; tickets per hour; fairness. Reads central's ledger "
        "read-only. Example: antrian report --date 2026-11-23 --config "
        "firmware_configs/demo/central.yaml --format xlsx --out var/reports",
    )
    when = p.add_mutually_exclusive_group()
    when.add_argument(
        "--date",
        type=_day,
        help="one business day, YYYY-MM-DD (default: today in the hall's time zone)",
    )
    when.add_argument("--from", dest="start", type=_day, help="first day of a range")
    when.add_argument(
        "--month",
        type=_month,
        help="a calendar month, YYYY-MM, with the previous month beside it per agency and service",
    )
    p.add_argument("--to", dest="end", type=_day, help="last day of the range (with --from)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--config", type=Path, help="central's YAML: its ledger and catalogue")
    src.add_argument("--ledger", type=Path, help="central's ledger.sqlite3")
    p.add_argument(
        "--catalogue", type=Path, help="with --ledger: names and service standards (optional)"
    )
    p.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=FORMATS,
        help="table (default), csv, xlsx or png; repeat for several",
    )
    p.add_argument("--lang", choices=("id", "en"), default="id", help="labels (default: id)")
    p.add_argument("--out", type=Path, default=Path("."), help="directory for files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.end and args.month:
        return _fail("--to goes with --from, not --month: antrian report --month 2026-11 ...")
    if args.end and not args.start:
        return _fail("--to needs --from: antrian report --from 2026-11-01 --to 2026-11-30 ...")
    if args.start and args.end and args.end < args.start:
        return _fail(
            f"--to {args.end} is before --from {args.start}: give the first day with --from "
            f"and the last with --to (--from {args.end} --to {args.start})"
        )
    formats = list(dict.fromkeys(args.formats or ["table"]))
    if formats != ["table"] and (problem := _out_problem(args.out)):
        return _fail(problem)
    catalogue: Catalogue | None
    try:
        if args.config:
            if not args.config.is_file():
                return _fail(f"{args.config} not found: check the --config path")
            cfg, catalogue = load_central_config(args.config)
            ledger = cfg.ledger_path
        else:
            ledger = args.ledger
            if args.catalogue and not args.catalogue.is_file():
                return _fail(f"{args.catalogue} not found: check the --catalogue path")
            catalogue = load_catalogue(args.catalogue) if args.catalogue else None
        start = args.month or args.start or args.date or _today(catalogue, ledger)
        end = _month_end(start) if args.month else (args.end or start)
        if end - start > timedelta(days=366):
            return _fail("a report covers at most a year; split the range")
        # Read a day at a time: a year's report stays within a Pi's memory (issue 15).
        report = build_report(LedgerStream(ledger, start, end), start, end, catalogue)
        report = with_productivity(report, officer_times(ledger, start, end))
        if args.month:
            p_end = start - timedelta(days=1)
            p_start = p_end.replace(day=1)
            before = build_report(LedgerStream(ledger, p_start, p_end), p_start, p_end, catalogue)
            report = replace(report, previous=before)
        # The web survey's SKM beside the counter buttons' IKM (docs/reports.md).
        surveys = skm.read_surveys(ledger, start, end)
    except (ConfigError, LedgerError) as exc:
        return _fail(str(exc))
    if not report.hall.issued and formats != ["table"]:
        # The table says so itself; files would be written without a word.
        print(f"antrian report: {empty_notice(report, args.lang)}", file=sys.stderr)
    writers = {"csv": write_csv, "xlsx": write_xlsx, "png": write_png}
    for fmt in formats:
        if fmt == "table":
            sys.stdout.write(to_table(report, args.lang))
            sys.stdout.write("\n".join(skm.to_lines(surveys, args.lang)) + "\n")
            continue
        try:
            paths = writers[fmt](report, args.lang, args.out)
            if fmt == "csv":
                paths = [*paths, skm.write_csv(surveys, args.lang, args.out, stem(report))]
        except OSError as exc:
            return _fail(f"cannot write the {fmt} files to {args.out}: {exc.strerror or exc}")
        for path in paths:
            print(path)
    return 0
