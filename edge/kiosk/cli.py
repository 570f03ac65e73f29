"""`antrian kiosk`: run a kiosk, or write a PNG preview of its ticket for technicians."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from antrian.config import ConfigError
from antrian.runtime import run_node
from edge.kiosk import build
from edge.kiosk._escpos import open_printer, render
from edge.kiosk._gpio import GpioPanel, Keyboard, mock_factory
from edge.kiosk.config import TIMEZONES, load_config
from edge.kiosk.escpos_decode import decode
from edge.kiosk.layout import TicketView, ticket_layout
from edge.kiosk.preview import render_png
from edge.kiosk.selftest import run_selftest

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "kiosk",
        help="run a ticket kiosk (buttons, printer) or preview its ticket",
        description="Run a kiosk from its config file. `antrian kiosk preview` writes a PNG "
        "of the ticket layout instead; `antrian kiosk selftest` prints a test page, lights "
        "each LED, sounds the buzzer and reports each button. With `hardware: simulated` in "
        "the config, type a "
        "button's key and Enter to press it, or `printer paper_out` to drive the printer.",
    )
    p.add_argument("action", nargs="?", choices=("run", "preview", "selftest"), default="run")
    p.add_argument("--config", required=True, type=Path, help="the kiosk's YAML file")
    p.add_argument("--out", type=Path, default=Path("ticket.png"), help="preview: PNG path")
    p.add_argument("--queue", help="preview: which button's queue (default: the first)")
    p.add_argument("--label", default="A012", help="preview: the ticket number")
    p.add_argument(
        "--seconds",
        type=float,
        help="selftest: stop reporting buttons after this (default: Ctrl-C)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc)
        return 2
    if args.action == "preview":
        return _preview(config, args)
    if args.action == "selftest":
        return _selftest(config, args.seconds)
    return _run(config)


def _preview(config: Any, args: argparse.Namespace) -> int:
    button = config.button(args.queue) if args.queue else config.buttons[0]
    if button is None:
        print(f"no button for queue {args.queue!r} in {args.config}")
        return 2
    view = TicketView(
        ticket_id=f"{config.node_id}-preview",
        label=args.label,
        hall_name=config.hall_name,
        agency=button.agency or button.queue,
        queue_name=button.name,
        issued_at=datetime.now(ZoneInfo(TIMEZONES[config.timezone])),
        people_ahead=4,
        estimated_wait_min=25,
    )
    paper = config.printer
    layout = ticket_layout(view, config.language, config.footer, config.status_url,
                           columns=paper.line_columns)  # fmt: skip
    # Through the printer's bytes, as the paper gets it: its code page and columns.
    render_png(decode(render(layout, paper.line_columns, paper.code_page)),
               paper.line_columns, paper.paper_mm).save(args.out)  # fmt: skip
    print(f"wrote {args.out}")
    return 0


def _selftest(config: Any, seconds: float | None) -> int:
    """Test page, LEDs, buzzer and buttons on the configured hardware; no broker needed."""
    factory = mock_factory() if config.hardware == "simulated" else None
    printer = open_printer(config.printer)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if factory is not None:
        Keyboard(config, factory, getattr(printer.device, "drive", None)).start()
    report = run_selftest(
        config,
        GpioPanel(config, pin_factory=factory),
        printer,
        out=lambda line: print(line, flush=True),
        seconds=seconds,
        stop=stop,
    )
    return 1 if report.problems else 0


def _run(config: Any) -> int:
    kiosk, factory = build(config)

    def keyboard() -> None:
        if factory is not None:
            device = getattr(kiosk.printer, "device", None)
            Keyboard(config, factory, getattr(device, "drive", None)).start()
            log.info("simulated kiosk: type a button key and Enter to press it")

    return run_node(kiosk, f"kiosk {config.node_id} running", started=keyboard)
