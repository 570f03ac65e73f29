"""`antrian central`: run the hall's coordinator."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

from antrian import gctune
from antrian.config import ConfigError
from antrian.watchdog import Heartbeat
from central.config import load_central_config
from central.service import Central

# Only central's start-up reads the site's device files (with the provisioning tool's
# loader); central itself and every other node stay free of provision.
from provision.delivery import device_configs

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "central",
        help="run the hall's coordinator (the only writer of queue state)",
        description="Run central: loads the catalogue, rebuilds state from the SQLite ledger, "
        "connects to the broker and answers requests from kiosks and callers. "
        "Example: antrian central --config firmware_configs/demo/central.yaml",
    )
    p.add_argument("--config", required=True, type=Path, help="central's YAML config file")
    p.add_argument("--port", type=int, help="override broker.port (development)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        cfg, catalogue = load_central_config(args.config)
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    if args.port:
        cfg = cfg.model_copy(update={"broker": cfg.broker.model_copy(update={"port": args.port})})
    central = Central(cfg, catalogue, device_configs=device_configs)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    central.start()
    gctune.settle()  # the ledger is loaded: keep it out of every later collection
    heartbeat = Heartbeat(central.healthy)
    heartbeat.start()
    log.info(
        "central for %s (%s) running: ledger %s, broker %s:%s",
        catalogue.hall_name,
        catalogue.site,
        cfg.ledger_path,
        cfg.broker.host,
        cfg.broker.port,
    )
    while not done.wait(0.5):
        if central.failed.is_set():
            log.error("central stopped after an internal error; exiting so that it restarts")
            heartbeat.stop()
            central.stop()
            return 70
    heartbeat.stop()
    central.stop()
    return 0
