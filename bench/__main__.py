"""Runs every benchmark module against one private broker and prints JSON lines."""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback

from antrian.devbroker import DevBroker
from bench.common import BenchContext

os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

# Order matters: the floors come first so that later modules can compare with them.
MODULES = (
    "bench.floor",
    "bench.central",
    "bench.hall",
    "bench.caller",
    "bench.display",
    "bench.kiosk",
    "bench.eta",
    "bench.e2e",
    "bench.web",
    "bench.ledger",
)


def main(argv: list[str]) -> int:
    """`python -m bench [module ...]` runs only the named modules (after the floors)."""
    wanted = {f"bench.{a}" for a in argv} | {"bench.floor"}
    modules = [n for n in MODULES if not argv or n in wanted]
    unknown = wanted - set(MODULES)
    if unknown:
        print(f"unknown benchmark module(s): {sorted(unknown)}; known: {MODULES}", file=sys.stderr)
        return 2
    failed = 0
    with DevBroker() as broker:
        ctx = BenchContext(broker=broker)
        for name in modules:
            try:
                for result in importlib.import_module(name).run(ctx):
                    ctx.results[result["name"]] = float(result["value"])
                    print(json.dumps(result), flush=True)
            except Exception:
                failed += 1
                print(f"benchmark module {name} failed:", file=sys.stderr)
                traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
