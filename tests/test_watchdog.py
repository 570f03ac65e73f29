"""sd_notify over a real unix datagram socket, as systemd listens for it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from antrian.watchdog import Heartbeat, notify


def test_ready_and_pings_only_while_healthy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(2)
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        monkeypatch.setenv("WATCHDOG_USEC", "100000")  # ping every 50 ms
        healthy = [True]
        beat = Heartbeat(lambda: healthy[0])
        beat.start()
        assert server.recv(64) == b"READY=1"
        assert server.recv(64) == b"WATCHDOG=1"
        healthy[0] = False
        server.settimeout(0.3)
        late = 0  # at most the one ping already decided before the flag changed
        for _ in range(3):
            try:
                server.recv(64)
                late += 1
            except TimeoutError:
                break
        assert late <= 1
        beat.stop()
        server.settimeout(2)
        assert server.recv(64) == b"STOPPING=1"


def test_without_systemd_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify("READY=1") is False
