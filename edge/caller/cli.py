"""`antrian caller`: run a caller node, or sign an officer in or out of a counter."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from antrian.config import ConfigError
from antrian.delivery import cached_config_version
from antrian.mqtt import Identity, MqttLink, Requester, RequestTimeout, new_request_id, now
from antrian.runtime import run_node
from antrian.session import next_session
from edge.caller._gpio import GpioPanels
from edge.caller._keyboard import STDIN_HELP, StdinKeyboard
from edge.caller._wiring import build_node
from edge.caller.config import CallerConfig, load_config
from edge.caller.selftest import run_selftest
from protocol import Topics
from protocol import messages as m
from protocol.topics import signin_id

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "caller",
        help="run a counter's caller node (officers' buttons, LEDs, counter screen)",
        description="Runs the buttons, LEDs and screen of one or several counters. "
        "`signin`/`signout` change the officer at a counter (shift handover).",
    )
    p.add_argument("--config", type=Path, required=False, help="caller YAML config")
    p.set_defaults(func=_run)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    for name, helptext in (
        ("signin", "sign an officer in at a counter"),
        ("signout", "sign the officer out of a counter"),
    ):
        a = actions.add_parser(name, help=helptext)
        # SUPPRESS keeps a --config given before the action.
        a.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="caller config")
        a.add_argument("--counter", required=True, help="counter id, e.g. loket-1")
        if name == "signin":
            a.add_argument("--officer", required=True, help="officer code, e.g. budi")
        a.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for central")
        a.set_defaults(func=_sign)
    t = actions.add_parser(
        "selftest",
        help="technician's check: LEDs in turn, each button reported, screen test card",
        description="Lights each LED of each counter in turn, shows the test card on the "
        "counter screen (when configured) and prints every button pressed with its counter "
        "and action, until Ctrl-C or --seconds. Needs neither central nor the broker.",
    )
    t.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="caller config")
    t.add_argument("--seconds", type=float, help="stop reporting buttons after this")
    t.set_defaults(func=_selftest)


def _load(args: argparse.Namespace) -> CallerConfig | None:
    if getattr(args, "config", None) is None:
        print("antrian caller: --config FILE is required (a caller YAML, see docs/caller.md)")
        return None
    try:
        return load_config(args.config)
    except ConfigError as exc:
        print(exc)
        return None


def _selftest(args: argparse.Namespace) -> int:
    cfg = _load(args)
    if cfg is None:
        return 2

    hardware = GpioPanels(cfg)
    screen = None
    if cfg.screen.mode != "none":
        # pygame only with a screen: a caller with screen.mode none never loads it.
        from edge.caller._keyboard import KeyboardPins
        from edge.caller._pygame_screen import PygameScreen

        shown = cfg.screen.counters or [c.id for c in cfg.counters]
        screen = PygameScreen(cfg.screen, shown, cfg.language)
        first = cfg.counter(shown[0])
        if cfg.pins == "mock" and first is not None:
            screen.on_key = KeyboardPins(hardware, first)

    def keyboard() -> None:
        if cfg.pins == "mock" and hardware.pin_factory is not None:
            StdinKeyboard(cfg, hardware.pin_factory).start()
            print(f"simulated pins: {STDIN_HELP}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    report = run_selftest(
        cfg,
        hardware,
        screen,
        out=lambda line: print(line, flush=True),
        seconds=args.seconds,
        stop=stop,
        config_version=cached_config_version(cfg.state_dir),
        on_started=keyboard,
    )
    return 1 if report.problems else 0


def _run(args: argparse.Namespace) -> int:
    cfg = _load(args)
    if cfg is None:
        return 2

    node = build_node(cfg)

    def keyboard() -> None:
        factory = getattr(node.hardware, "pin_factory", None)
        if cfg.pins == "mock" and factory is not None:
            StdinKeyboard(cfg, factory).start()
            log.info("simulated pins: %s", STDIN_HELP)

    banner = f"caller {cfg.node_id} serving {', '.join(node.panels)}"
    return run_node(node, banner, started=keyboard)


def sign(cfg: CallerConfig, counter: str, officer: str | None, timeout: float = 5.0) -> m.Reply:
    """Send one SignIn/SignOut for a counter of this config; retries reuse the request id."""
    if cfg.counter(counter) is None:
        served = ", ".join(c.id for c in cfg.counters)
        raise ValueError(f"counter {counter!r} is not in this config (it serves: {served})")
    node_id = signin_id(cfg.node_id)
    rid = new_request_id(node_id)
    req: m.RequestBase
    try:
        if officer is None:
            req = m.SignOut(request_id=rid, node_id=node_id, sent_at=now(), counter=counter)
        else:
            req = m.SignIn(
                request_id=rid, node_id=node_id, sent_at=now(), counter=counter, officer=officer
            )
    except ValidationError:
        raise ValueError(
            f"officer code {officer!r} is not valid: use lowercase letters, digits, '-' or '_'"
        ) from None
    link = MqttLink(
        broker=cfg.broker,
        topics=Topics(cfg.site),
        identity=Identity(node_id, "tool", next_session(cfg.state_dir / "signin")),
    )
    requester = Requester(link, expiry_s=max(1, int(timeout)))
    link.start()
    try:
        if not link.wait_connected(timeout):
            raise RequestTimeout(f"broker {cfg.broker.host}:{cfg.broker.port} not reachable")
        return requester.call(req, timeout)
    finally:
        link.stop()


def _sign(args: argparse.Namespace) -> int:
    cfg = _load(args)
    if cfg is None:
        return 2
    officer = getattr(args, "officer", None)
    try:
        reply = sign(cfg, args.counter, officer, args.timeout)
    except ValueError as exc:
        print(f"antrian caller {args.action}: {exc}")
        return 2
    except RequestTimeout as exc:
        print(f"antrian caller {args.action}: no answer from central ({exc}); try again")
        return 1
    if not reply.ok:
        r = reply.refusal
        why = (r.text_id if cfg.language == "id" else r.text_en) if r else "unknown reason"
        print(f"antrian caller {args.action}: refused: {why}")
        return 1
    info = reply.counter
    who = info.officer if info and info.officer else "-"
    print(f"{args.counter}: officer {who}")
    return 0
