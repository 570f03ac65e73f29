"""The `antrian` command: one subcommand per node role and tool."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

# Each module exposes register(subparsers); its parser sets `func(args) -> int`.
SUBCOMMAND_MODULES = (
    "central.cli",
    "antrian.status_cli",
    "edge.kiosk.cli",
    "edge.display.cli",
    "edge.caller.cli",
    "provision.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="antrian",
        description="Antrian: queue system for a Mal Pelayanan Publik (kiosks, counters, "
        "hall boards and a central coordinator over MQTT).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
