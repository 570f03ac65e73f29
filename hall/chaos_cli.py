"""`antrian chaos`: seeded fault-injection runs over a whole simulated hall (docs/chaos.md)."""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from antrian.devbroker import REPO_ROOT
from hall.chaos import RunResult, run_seeds


def register(sub: Any) -> None:
    p = sub.add_parser(
        "chaos",
        help="seeded fault injection over a simulated hall; checks nothing is lost",
        description="For each seed: starts Mosquitto, central, kiosks and callers as their "
        "own processes and a hall board, presses buttons while killing, freezing and "
        "restarting them (and the broker) and republishing copies of requests, all drawn "
        "from random.Random(seed). Then checks central's ledger, the kiosks' outboxes and "
        "their printed jobs. Exits 1 on any violation and names the seed to reproduce.",
    )
    p.add_argument("--seeds", type=int, default=20, help="how many seeds to run (default 20)")
    p.add_argument("--first", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--steps", type=int, default=40, help="actions per seed (default 40)")
    p.add_argument("--run-dir", type=Path, default=REPO_ROOT / "var" / "chaos")
    p.add_argument("--no-display", action="store_true", help="leave out the hall board")
    p.add_argument("--keep", action="store_true", help="keep run folders of passing seeds")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.seeds < 1 or args.steps < 1:
        print("antrian chaos: --seeds and --steps must be at least 1")
        return 2
    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)  # the nodes' reconnect chatter

    def line(r: RunResult) -> None:
        f = r.findings
        state = "ok" if not r.violations else f"{len(r.violations)} VIOLATION(S)"
        print(
            f"seed {r.seed}: {state}; {sum(r.faults.values())} faults, {f.tickets} tickets "
            f"({f.offline} offline), {f.calls} calls, {r.seconds:.1f}s",
            flush=True,
        )
        for v in r.violations:
            print(f"    {v}")

    seeds = range(args.first, args.first + args.seeds)
    results = run_seeds(seeds, args.steps, args.run_dir, not args.no_display, args.keep, line)
    faults: Counter[str] = Counter()
    for r in results:
        faults.update(r.faults)
    bad = [r for r in results if r.violations]
    recoveries = sorted(x for r in results for x in r.recoveries)
    print(f"runs: {len(results)}  steps per run: {args.steps}")
    print("faults: " + ", ".join(f"{k} {v}" for k, v in sorted(faults.items())))
    print(
        f"tickets: {sum(r.findings.tickets for r in results)} "
        f"(offline {sum(r.findings.offline for r in results)}, "
        f"voided {sum(r.findings.voided for r in results)}, "
        f"superseded {sum(r.findings.superseded for r in results)}); "
        f"presses {sum(r.presses for r in results)}, "
        f"officer presses {sum(r.officer_requests for r in results)}, "
        f"calls {sum(r.findings.calls for r in results)}, "
        f"copies of requests {sum(r.copies for r in results)}"
    )
    if recoveries:
        worst = recoveries[-1]
        print(
            f"display back to central's snapshot: {len(recoveries)} recoveries, worst {worst:.2f}s"
        )
    print(f"violations: {sum(len(r.violations) for r in results)}")
    for r in bad:
        print(
            f"  seed {r.seed} ({r.run_dir}): reproduce with "
            f"`antrian chaos --seeds 1 --first {r.seed} --steps {args.steps}`"
        )
    return 1 if bad else 0
