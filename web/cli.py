"""`antrian web`: the hall on the web (ticket pages, the public hall page, the dashboard)."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import uvicorn

from antrian import gctune
from antrian.config import ConfigError, load_yaml, resolve
from antrian.watchdog import Heartbeat
from web.app import build_app
from web.config import WebConfig
from web.node import WebNode

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "web",
        help="run the web node: citizens' ticket pages, the public hall page, the dashboard",
        description="Serve the hall on the web: each citizen's ticket page (from the QR on "
        "the ticket), the public hall page and the supervisors' dashboard, kept live from "
        "the hall's broker. Put it behind a reverse proxy with HTTPS (docs/deploy.md). "
        "Example: antrian web --config firmware_configs/demo/web.yaml",
    )
    p.add_argument("--config", required=True, type=Path, help="the web node's YAML config")
    p.add_argument("--port", type=int, help="override broker.port (development)")
    p.add_argument("--listen-port", type=int, help="override listen_port (0: any free port)")
    p.set_defaults(func=run_web)


def load_config(path: Path) -> WebConfig:
    cfg = load_yaml(path, WebConfig)
    update: dict[str, object] = {"state_dir": resolve(path, cfg.state_dir)}
    b = cfg.broker
    if b.password_file:
        password_file = str(resolve(path, Path(b.password_file)))
        update["broker"] = b.model_copy(update={"password_file": password_file})
    return cfg.model_copy(update=update)


def run_web(args: argparse.Namespace) -> int:
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    if args.port:
        cfg = cfg.model_copy(update={"broker": cfg.broker.model_copy(update={"port": args.port})})
    if args.listen_port is not None:
        cfg = cfg.model_copy(update={"listen_port": args.listen_port})
    return asyncio.run(serve(cfg))


async def serve(cfg: WebConfig) -> int:

    node = WebNode(cfg)
    app = build_app(node)
    server = _Server(
        uvicorn.Config(
            app,
            host=cfg.listen_host,
            port=cfg.listen_port,
            log_level="warning",
            access_log=False,
            proxy_headers=cfg.trusted_proxy,
            lifespan="on",
        )
    )
    heartbeat = Heartbeat(lambda: server.started and not server.should_exit)
    server.on_exit = heartbeat.stop
    # uvicorn handles SIGTERM and SIGINT: the lifespan's shutdown says goodbye on MQTT.
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.05)
    if server.started:
        host, port = _bound(server, cfg)
        # The address on its own line: the demo and the tests read it from the log.
        log.info("web: serving http://%s:%d/", host, port)
        # What the node loaded (templates, models, modules) is never garbage: frozen, it
        # is no longer walked by every full collection (antrian/gctune.py).
        gctune.settle()
        heartbeat.start()
    await task
    heartbeat.stop()
    return 0 if server.started else 1


class _Server(uvicorn.Server):
    """uvicorn raises SIGTERM again once it has shut down, so the process dies by it before
    serve() returns: systemd hears STOPPING=1 when the signal arrives instead."""

    on_exit: Callable[[], None] = staticmethod(lambda: None)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.on_exit()
        super().handle_exit(sig, frame)


def _bound(server: object, cfg: WebConfig) -> tuple[str, int]:
    for s in getattr(server, "servers", []):
        for sock in s.sockets:
            addr = sock.getsockname()
            return str(addr[0]), int(addr[1])
    return cfg.listen_host, cfg.listen_port
