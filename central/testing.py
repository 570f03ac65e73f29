"""Running central for tests, benchmarks and the demo: in-process or as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from antrian.devbroker import REPO_ROOT
from antrian.mqtt import BrokerSettings
from central.config import CentralConfig

DEMO_CATALOGUE = REPO_ROOT / "firmware_configs" / "demo" / "catalogue.yaml"


def make_config(
    broker_port: int, state_dir: Path, catalogue: Path | None = None, **overrides: object
) -> CentralConfig:
    """A central config for the demo hall (open around the clock) on a test broker."""
    return CentralConfig(
        node_id="central",
        site="demo",
        broker=BrokerSettings(port=broker_port),
        state_dir=state_dir,
        catalogue=catalogue or DEMO_CATALOGUE,
        **overrides,
    )


def write_config(config: CentralConfig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config.model_dump(mode="json", exclude_none=True)))
    return path


class CentralProcess:
    """`antrian central` as a child process, for crash tests (SIGKILL) and benchmarks."""

    def __init__(self, config: CentralConfig | Path) -> None:
        if isinstance(config, CentralConfig):
            config.state_dir.mkdir(parents=True, exist_ok=True)
            config = write_config(config, config.state_dir / "central.yaml")
        self.config_path = config
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> CentralProcess:
        log = open(self.config_path.with_suffix(".log"), "ab")  # noqa: SIM115 - child keeps it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "antrian.cli", "central", "--config", str(self.config_path)],
            env=dict(os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            deadline = time.monotonic() + timeout
            while self.proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            if self.proc.poll() is None:
                self.kill()

    def __enter__(self) -> CentralProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
