"""Any node as a child process (`antrian ROLE --config FILE`), for tests, chaos and the demo."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from antrian.devbroker import REPO_ROOT


class NodeProcess:
    """start() / kill() (SIGKILL, a power cut) / stop() (SIGTERM, a clean shutdown).
    With `keyboard`, lines written by press() reach the node's simulated keyboard."""

    def __init__(
        self,
        role: str,
        config: Path,
        keyboard: bool = False,
        env: dict[str, str] | None = None,
        log: Path | None = None,
    ) -> None:
        self.role = role
        self.config_path = config
        self.keyboard = keyboard
        self.env = env or {}
        self.log_path = log or config.with_suffix(".log")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> NodeProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "antrian.cli", self.role, "--config", str(self.config_path)],
                env={**os.environ, **self.env},
                cwd=REPO_ROOT,
                stdin=subprocess.PIPE if self.keyboard else subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # stopped by its owner, in order, on Ctrl-C
            )
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def press(self, line: str) -> None:
        """Type a line on the node's keyboard (a button key, or a simulator command)."""
        assert self.proc is not None and self.proc.stdin is not None, "started with keyboard"
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._close()

    def stop(self, timeout: float = 10.0) -> None:
        if self.running:
            assert self.proc is not None
            self.proc.terminate()
            deadline = time.monotonic() + timeout
            while self.proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self._close()

    def _close(self) -> None:
        if self.proc is not None and self.proc.stdin is not None:
            self.proc.stdin.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> NodeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
