"""Every unit that says Type=notify gets READY=1 and watchdog pings from its command, run
as systemd runs it (NOTIFY_SOCKET, WATCHDOG_USEC); otherwise systemd would kill it at
start or restart it every WatchdogSec."""

from __future__ import annotations

import configparser
import socket
from pathlib import Path

import pytest

from antrian.devbroker import REPO_ROOT, DevBroker, free_port
from antrian.nodeproc import NodeProcess
from hall.site import HallSite
from tests.e2e.conftest import DEMO


def _notify_roles() -> list[str]:
    roles = []
    for path in sorted((REPO_ROOT / "systemd").glob("antrian-*.service")):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.read(path)
        if unit["Service"].get("Type") == "notify":
            roles.append(path.stem.removeprefix("antrian-"))
    return roles


def test_the_node_units_use_the_watchdog() -> None:
    assert set(_notify_roles()) == {"central", "kiosk", "caller", "display", "web"}


@pytest.mark.parametrize("role", _notify_roles())
def test_command_notifies_ready_and_pings(role: str, broker: DevBroker, tmp_path: Path) -> None:
    site = HallSite(DEMO).materialize(
        tmp_path, broker.port, kiosks=["kiosk-1"], callers=["caller-loket-1"],
        displays=["display-hall"], web_port=free_port(),
    )  # fmt: skip
    config = {
        "central": site.central,
        "kiosk": site.kiosks[0],
        "caller": site.callers[0],
        "display": site.displays[0],
        "web": site.webs[0],
    }[role]
    env = {
        "NOTIFY_SOCKET": str(tmp_path / "notify.sock"),
        "WATCHDOG_USEC": "400000",  # a ping every 0.2 s
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
    }
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(env["NOTIFY_SOCKET"])
        systemd.settimeout(20)
        proc = NodeProcess(role, config, keyboard=role not in ("central", "web"), env=env).start()
        try:
            got = [systemd.recv(64) for _ in range(3)]
        finally:
            proc.stop()
        assert got == [b"READY=1", b"WATCHDOG=1", b"WATCHDOG=1"], proc.log_path.read_text()
        systemd.settimeout(0.5)
        later = []
        while True:
            try:
                later.append(systemd.recv(64))
            except TimeoutError:
                break
        assert later[-1:] == [b"STOPPING=1"], (later, proc.log_text())
        # It stopped on its own after its goodbyes, not killed by the signal (uvicorn would
        # raise SIGTERM again after shutting down; the runtime keeps the signal).
        assert proc.proc is not None and proc.proc.returncode == 0, proc.log_text()
