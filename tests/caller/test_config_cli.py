"""Caller configs (every shipped one loads) and the `antrian caller` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from antrian.cli import main
from antrian.config import ConfigError
from antrian.devbroker import REPO_ROOT, DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink
from edge.caller import load_config
from protocol import Topics, decode
from protocol import messages as m
from tests.caller.conftest import CentralRunner, caller_config, wait_for

SHIPPED = sorted((REPO_ROOT / "firmware_configs").glob("*/caller-*.yaml"))


def test_there_are_shipped_caller_configs() -> None:
    assert len(SHIPPED) >= 2


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_config_loads(path: Path) -> None:
    cfg = load_config(path)
    assert cfg.state_dir.is_absolute()
    assert cfg.counters


def write(tmp_path: Path, raw: dict[str, object]) -> Path:
    path = tmp_path / "caller.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def base_raw() -> dict[str, object]:
    return {
        "node_id": "caller-x",
        "site": "demo",
        "state_dir": "state",
        "counters": [{"id": "loket-1", "buttons": {"next": 17}}],
    }


def test_pin_used_twice_is_named(tmp_path: Path) -> None:
    raw = base_raw()
    raw["counters"] = [
        {"id": "loket-1", "buttons": {"next": 17}},
        {"id": "loket-2", "buttons": {"next": "GPIO17"}},
    ]
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, raw))
    assert "pin GPIO17 used twice: loket-1.buttons.next and loket-2.buttons.next" in str(err.value)


def test_unknown_setting_and_bad_screen_counter(tmp_path: Path) -> None:
    raw = base_raw()
    raw["counters"] = [{"id": "loket-1", "buttons": {"next": 17, "nxet": 18}}]
    with pytest.raises(ConfigError, match="unknown setting"):
        load_config(write(tmp_path, raw))
    raw = base_raw()
    raw["screen"] = {"mode": "window", "counters": ["loket-2"]}
    with pytest.raises(ConfigError, match=r"screen\.counters"):
        load_config(write(tmp_path, raw))


def test_relative_state_dir_is_relative_to_the_file(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, base_raw()))
    assert cfg.state_dir == (tmp_path / "state").resolve()


def config_file(broker: DevBroker, tmp_path: Path) -> Path:
    cfg = caller_config(broker.port, tmp_path / "state")
    path = tmp_path / "caller.yaml"
    path.write_text(yaml.safe_dump(cfg.model_dump(mode="json", exclude_none=True)))
    return path


def test_signin_and_signout_commands(
    broker: DevBroker,
    central_runner: CentralRunner,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = config_file(broker, tmp_path)
    central = central_runner.central
    assert central is not None
    args = ["caller", "signin", "--config", str(path), "--counter", "loket-1", "--officer", "sari"]
    assert main(args) == 0
    assert "loket-1: officer sari" in capsys.readouterr().out
    assert central.hall.counters["loket-1"].officer == "sari"
    assert main(["caller", "--config", str(path), "signout", "--counter", "loket-1"]) == 0
    assert central.hall.counters["loket-1"].officer is None


def test_signin_bad_input(
    broker: DevBroker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_file(broker, tmp_path)
    common = ["caller", "signin", "--config", str(path)]
    assert main([*common, "--counter", "loket-9", "--officer", "sari"]) == 2
    assert "not in this config (it serves: loket-1)" in capsys.readouterr().out
    assert main([*common, "--counter", "loket-1", "--officer", "Sari Dewi"]) == 2
    assert "officer code 'Sari Dewi' is not valid" in capsys.readouterr().out
    assert main(["caller", "signin", "--counter", "loket-1", "--officer", "sari"]) == 2
    assert "--config FILE is required" in capsys.readouterr().out
    assert main(["caller", "--config", str(tmp_path / "missing.yaml")]) == 2
    assert "file not found" in capsys.readouterr().out


@pytest.mark.slow
def test_caller_process_announces_itself_and_stops_cleanly(
    broker: DevBroker, central_runner: CentralRunner, tmp_path: Path
) -> None:
    path = config_file(broker, tmp_path)
    statuses: list[m.NodeStatus] = []
    got = threading.Event()
    topics = Topics("demo")
    watcher = MqttLink(BrokerSettings(port=broker.port), topics, Identity("watcher", "tool", 1))

    def on_status(topic: str, payload: bytes) -> None:
        if payload:
            statuses.append(decode(m.NodeStatus, payload))
            got.set()

    watcher.subscribe(topics.status("caller-test"), on_status)
    watcher.start()
    env = dict(os.environ, GPIOZERO_PIN_FACTORY="mock", SDL_VIDEODRIVER="dummy")
    log = tmp_path / "caller.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "antrian.cli", "caller", "--config", str(path)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: any(s.online for s in statuses), 15, f"caller birth ({log})")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        wait_for(lambda: not statuses[-1].online, 5, "caller offline status")
        assert statuses[-1].role == "caller"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        watcher.stop()
