"""Starts a private Mosquitto from broker/'s config on a free loopback port (tests, demo, bench)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BROKER_CONF = REPO_ROOT / "broker" / "mosquitto.conf"


def find_mosquitto() -> str:
    found = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None
    )
    if not found:
        raise RuntimeError(
            "Mosquitto is not installed: run `make mosquitto` (as root) or "
            "`apt-get install mosquitto`."
        )
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def render_config(base: str, port: int, extra: str = "") -> str:
    """broker/'s config with its listener moved to `port` on loopback only."""
    out = re.sub(r"(?m)^listener\s+1883\b.*$", f"listener {port} 127.0.0.1", base)
    if f"listener {port}" not in out:
        raise ValueError("broker/mosquitto.conf has no `listener 1883` line to rewrite")
    return out + ("\n" + extra if extra else "")


@dataclass
class DevBroker:
    """A Mosquitto process owned by the caller; stop() ends it."""

    port: int = 0
    extra_config: str = ""
    host: str = "127.0.0.1"
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _dir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def start(self, timeout: float = 10.0) -> DevBroker:
        if self.running:
            # `with DevBroker().start() as b` starts it twice: a second process would fail
            # to bind and the first would outlive the with block.
            return self
        if not self.port:
            self.port = free_port()
        if self._dir is None:  # kept across kill() and start(), as a real disk would be
            self._dir = tempfile.TemporaryDirectory(prefix="antrian-broker-")
        conf = Path(self._dir.name) / "mosquitto.conf"
        conf.write_text(render_config(BROKER_CONF.read_text(), self.port, self.extra_config))
        with open(Path(self._dir.name) / "mosquitto.log", "ab") as log:
            self._proc = subprocess.Popen(
                [find_mosquitto(), "-c", str(conf)],
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: Ctrl-C reaches the owner, which stops the nodes first and
                # the broker last, instead of everything dying at once.
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited at start:\n{self.log_text()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on {self.port} within {timeout}s")

    def log_text(self) -> str:
        if self._dir is None:
            return ""
        path = Path(self._dir.name) / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def kill(self) -> None:
        """SIGKILL, as in a power cut of the site server; start() brings it back on its port."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> DevBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
