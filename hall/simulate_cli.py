"""`antrian simulate`: a scripted MPP day through the real broker and nodes, faster than real
time (docs/simulate.md)."""

from __future__ import annotations

import argparse
import logging
from datetime import date, time
from pathlib import Path
from typing import Any

from hall.simulate import DEMO_SITE, Scenario, Simulation

SCENARIOS = ("day",)
# sim.day.SITUATIONS, spelled here so that `antrian --help` need not import the simulator.
SITUATION_NAMES = ("normal", "surge", "short", "slow", "late_start")


def _window(text: str) -> tuple[time, time]:
    try:
        opens, closes = (time.fromisoformat(p.strip()) for p in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write HH:MM-HH:MM, e.g. 08:00-15:00") from None
    if closes <= opens:
        raise argparse.ArgumentTypeError(f"{text!r}: the hall must close after it opens")
    return opens, closes


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def _speed(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = 0.0
    if not 0 < v <= 10000:
        raise argparse.ArgumentTypeError(f"{text!r}: speed is a number above 0, at most 10000")
    return v


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a whole number, at least 1")
    return int(text)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help="play a generated MPP day through the real broker and nodes, faster than real time",
        description="Generates a seeded MPP day (arrivals by hour with a morning peak and a "
        "lunch dip, service times per service, no-shows, priority citizens, transfers) and "
        "plays it through a real Mosquitto, central in its own process, and the site's "
        "kiosks and callers pressed on their simulated pins. Ends with a summary table; "
        "RUN_DIR/summary.json holds it, RUN_DIR/ledger.sqlite3 is central's ledger and "
        "RUN_DIR/ledger-simtime.sqlite3 a copy in simulated time for `antrian report "
        "--ledger`. Example: antrian simulate --scenario day --speed 300 --seed 7",
    )
    p.add_argument("--scenario", choices=SCENARIOS, default="day", help="what to play (day)")
    p.add_argument(
        "--situation",
        choices=SITUATION_NAMES,
        default="normal",
        help="what the day holds: normal, surge (10:00), short (a counter fewer, unplanned "
        "breaks, late from lunch), slow (two slow officers), late_start (two counters "
        "first staffed at 09:30)",
    )
    p.add_argument("--speed", type=_speed, required=True, help="simulated seconds per second")
    p.add_argument("--seed", type=int, default=1, help="the day's seed (default 1)")
    p.add_argument("--date", type=_day, help="the simulated date (default: today)")
    p.add_argument(
        "--window", type=_window, help="only part of the day, e.g. 11:00-13:00 (default 08-15)"
    )
    p.add_argument("--citizens", type=_positive, help="scale the day to about this many")
    p.add_argument("--site", type=Path, help="site folder (default firmware_configs/demo)")
    p.add_argument("--run-dir", type=Path, help="state, tickets, ledger (var/simulate)")
    p.add_argument("--max-seconds", type=float, help="stop after this much real time")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.verbose:
        # Every node logs each ticket; the simulation prints its own progress.
        logging.getLogger().setLevel(logging.WARNING)
    scenario = Scenario(
        speed=args.speed,
        seed=args.seed,
        day=args.date,
        window=args.window,
        citizens=args.citizens,
        site=args.site or DEMO_SITE,
        max_real_s=args.max_seconds,
        situation=args.situation,
    )
    if args.run_dir:
        scenario.run_dir = args.run_dir
    if not (scenario.site / "central.yaml").is_file():
        print(f"antrian simulate: {scenario.site} has no central.yaml: pass a site folder")
        return 2
    summary = Simulation(scenario).run()
    lost = summary["without_ticket"] or summary["hall"]["open"]
    return 1 if lost or summary["anomalies"] else 0
