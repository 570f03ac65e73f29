"""systemd's notify protocol (READY, WATCHDOG) without a dependency: a unit with
WatchdogSec restarts a node whose loop stopped, not only one whose process died."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


def notify(message: str) -> bool:
    """Send one sd_notify message; False when not run by systemd (NOTIFY_SOCKET unset)."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(address)
            sock.sendall(message.encode())
        except OSError as exc:
            log.warning("sd_notify %r failed: %s", message, exc)
            return False
    return True


class Heartbeat:
    """Tells systemd READY=1 once, then WATCHDOG=1 at half the unit's WatchdogSec for as
    long as `healthy()` holds. When it stops holding, the pings stop and systemd restarts
    the unit (Restart=on-failure), which rebuilds from disk."""

    def __init__(self, healthy: Callable[[], bool]) -> None:
        self.healthy = healthy
        self._stop = threading.Event()
        usec = os.environ.get("WATCHDOG_USEC", "")
        self.interval_s = int(usec) / 2e6 if usec.isdigit() and int(usec) > 0 else None

    def start(self) -> None:
        notify("READY=1")
        if self.interval_s is not None:
            threading.Thread(target=self._run, name="sd-watchdog", daemon=True).start()

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        notify("STOPPING=1")

    def _run(self) -> None:
        assert self.interval_s is not None
        while not self._stop.wait(self.interval_s):
            if self.healthy():
                notify("WATCHDOG=1")
            else:
                log.error("unhealthy: no watchdog ping, systemd will restart this unit")


class StartupGrace:
    """While a node starts, asks systemd every few seconds for more start time
    (EXTEND_TIMEOUT_USEC): central bringing a big ledger's schema forward or loading it
    from a slow SD card must not be killed at TimeoutStartSec and restarted in a loop
    (issue 15). Only up to `limit_s` in all, so a start that hangs still ends in a restart.
    Use it as a context manager around the node's start."""

    def __init__(self, step_s: float = 10.0, limit_s: float = 1800.0) -> None:
        self.step_s, self.limit_s = step_s, limit_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StartupGrace:
        if os.environ.get("NOTIFY_SOCKET"):
            self._thread = threading.Thread(target=self._run, name="sd-startup", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        t0 = time.monotonic()
        # Every half step: a message always arrives before the extension runs out.
        while not self._stop.wait(self.step_s / 2):
            took = time.monotonic() - t0
            if took + self.step_s > self.limit_s:
                log.error("still starting after %.0f s: no more time asked of systemd", took)
                return
            notify(f"EXTEND_TIMEOUT_USEC={int(self.step_s * 1e6)}")
            notify(f"STATUS=starting ({took:.0f} s)")
