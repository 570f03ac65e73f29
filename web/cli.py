"""`antrian web`: the hall on the web (ticket pages, the public hall page, the dashboard)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from antrian.config import ConfigError, load_yaml, resolve
from antrian.runtime import run_async_node
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
    service = WebService(cfg)

    # The address on its own line: the demo and the tests read it from the log.
    def banner() -> str:
        host, port = service.address
        return f"web: serving http://{host}:{port}/"

    return await run_async_node(service, banner, failed=service.failed)


class WebService:
    """The web node as the runtime runs it: the MQTT side (WebNode, started and stopped by
    the app's lifespan, which says goodbye on MQTT) behind uvicorn."""

    def __init__(self, cfg: WebConfig) -> None:
        self.cfg = cfg
        self.node = WebNode(cfg)
        self.server = _Server(
            uvicorn.Config(
                build_app(self.node),
                host=cfg.listen_host,
                port=cfg.listen_port,
                log_level="warning",
                access_log=False,
                proxy_headers=cfg.trusted_proxy,
                lifespan="on",
            )
        )
        self.failed = asyncio.Event()  # uvicorn ended without being asked to
        self._task: asyncio.Task[None] | None = None
        self.address = (cfg.listen_host, cfg.listen_port)

    async def start(self) -> None:
        task = self._task = asyncio.create_task(self.server.serve(), name="uvicorn")
        while not self.server.started and not task.done():
            await asyncio.sleep(0.05)
        if not self.server.started:
            raise RuntimeError(
                f"could not listen on {self.cfg.listen_host}:{self.cfg.listen_port} "
                "(another process on that port? see the log above)"
            )
        task.add_done_callback(self._ended)
        self.address = _bound(self.server, self.cfg)

    def _ended(self, task: asyncio.Task[None]) -> None:
        if not self.server.should_exit:
            self.failed.set()  # uvicorn ended on its own: exit so that systemd restarts it

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._task
            self._task = None

    def healthy(self) -> bool:
        task = self._task
        return self.server.started and not self.server.should_exit and (
            task is not None and not task.done())  # fmt: skip


class _Server(uvicorn.Server):
    """Signals are the runtime's (run_async_node): uvicorn would install its own and raise
    SIGTERM again once shut down, killing the process before its goodbyes are done."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bound(server: uvicorn.Server, cfg: WebConfig) -> tuple[str, int]:
    for s in getattr(server, "servers", []):
        for sock in s.sockets:
            addr = sock.getsockname()
            return str(addr[0]), int(addr[1])
    return cfg.listen_host, cfg.listen_port
