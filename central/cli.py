"""`antrian central`: run the hall's coordinator."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from antrian.config import ConfigError
from antrian.runtime import run_node
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
    banner = (
        f"central for {catalogue.hall_name} ({catalogue.site}) running: ledger "
        f"{cfg.ledger_path}, broker {cfg.broker.host}:{cfg.broker.port}"
    )
    return run_node(central, banner, failed=central.failed)
