"""The `antrian` command: one subcommand per node role and tool."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

# command -> (module, one-line help). Each module exposes register(subparsers) and sets
# `func(args) -> int` on its parsers. Only the chosen command's module is imported: a
# kiosk on a Pi must not pay (in start time and ~55 MB) for pygame and the report tools.
COMMANDS: dict[str, tuple[str, str]] = {
    "central": ("central.cli", "run the hall's coordinator (the only writer of queue state)"),
    "status": ("antrian.status_cli", "print every node of the hall: online, since, faults"),
    "kiosk": ("edge.kiosk.cli", "run a ticket kiosk (buttons, printer), or preview a ticket"),
    "caller": ("edge.caller.cli", "run an officers' caller for one or more counters"),
    "display": ("edge.display.cli", "run a hall board or a counter board with voice calls"),
    "voice": ("edge.display.cli", "voice clip sets: build the default set with espeak-ng"),
    "web": ("web.cli", "serve ticket pages, the public hall page and the supervisors' dashboard"),
    "provision": ("provision.cli", "device configs, credentials, ACLs and certificates"),
    "report": ("reports.cli", "reports for hall managers from central's ledger"),
    "ledger": (
        "central.ledger_cli",
        "back up, check and archive central's ledger (also while it runs)",
    ),
    "demo": ("hall.cli", "run a whole simulated hall on this machine (make demo)"),
    "chaos": ("hall.chaos_cli", "seeded fault injection over a simulated hall (make chaos)"),
    "simulate": ("hall.simulate_cli", "play a generated MPP day through the real nodes, fast"),
}


def _chosen(argv: Sequence[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="antrian",
        description="Antrian: queue system for a Mal Pelayanan Publik (kiosks, counters, "
        "hall boards and a central coordinator over MQTT).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = _chosen(argv)
    if chosen in COMMANDS:
        importlib.import_module(COMMANDS[chosen][0]).register(sub)
    for name, (_module, helptext) in COMMANDS.items():
        if name not in sub.choices:
            sub.add_parser(name, help=helptext)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,  # python-escpos calls basicConfig() when imported
    )
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
