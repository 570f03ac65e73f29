"""`antrian report`: a hall manager's report from central's ledger (read-only)."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date, timedelta
from pathlib import Path

from antrian.config import ConfigError

log = logging.getLogger(__name__)

FORMATS = ("table", "csv", "xlsx", "png")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


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
    when.add_argument("--date", type=_day, help="one business day, YYYY-MM-DD (default: today)")
    when.add_argument("--from", dest="start", type=_day, help="first day of a range")
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
    from central.catalogue import Catalogue
    from central.config import load_catalogue, load_central_config
    from reports._ledger import LedgerError, read_period
    from reports.figures import build_report
    from reports.render import to_table, write_csv, write_png, write_xlsx

    if args.end and not args.start:
        log.error("--to needs --from: antrian report --from 2026-11-01 --to 2026-11-30 ...")
        return 2
    start = args.start or args.date or date.today()
    end = args.end or start
    if end < start:
        log.error("--to %s is before --from %s", end, start)
        return 2
    if end - start > timedelta(days=366):
        log.error("a report covers at most a year; split the range")
        return 2
    catalogue: Catalogue | None
    try:
        if args.config:
            cfg, catalogue = load_central_config(args.config)
            ledger = cfg.ledger_path
        else:
            ledger = args.ledger
            catalogue = load_catalogue(args.catalogue) if args.catalogue else None
        data = read_period(ledger, start, end)
    except (ConfigError, LedgerError) as exc:
        log.error("%s", exc)
        return 2
    report = build_report(data, start, end, catalogue)
    writers = {"csv": write_csv, "xlsx": write_xlsx, "png": write_png}
    for fmt in dict.fromkeys(args.formats or ["table"]):
        if fmt == "table":
            sys.stdout.write(to_table(report, args.lang))
            continue
        for path in writers[fmt](report, args.lang, args.out):
            print(path)
    return 0
