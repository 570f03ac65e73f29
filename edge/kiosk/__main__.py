"""`python -m edge.kiosk --config FILE`: the kiosk alone, without the other subcommands'
imports (a smaller resident set on a Pi). Same options as `antrian kiosk`."""

from __future__ import annotations

import argparse
import logging
import sys

from edge.kiosk.cli import main, register


def run() -> int:
    parser = argparse.ArgumentParser(prog="python -m edge.kiosk")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(["kiosk", *sys.argv[1:]])
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return main(args)


if __name__ == "__main__":
    sys.exit(run())
