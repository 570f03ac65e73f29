"""systemd's notify protocol (READY, WATCHDOG) without a dependency: a unit with
WatchdogSec restarts a node whose loop stopped, not only one whose process died."""

from __future__ import annotations

import logging
import os
import socket
import threading
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
        self._stop.set()
        notify("STOPPING=1")

    def _run(self) -> None:
        assert self.interval_s is not None
        while not self._stop.wait(self.interval_s):
            if self.healthy():
                notify("WATCHDOG=1")
            else:
                log.error("unhealthy: no watchdog ping, systemd will restart this unit")
