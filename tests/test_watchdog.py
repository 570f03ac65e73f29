"""sd_notify over a real unix datagram socket, as systemd listens for it."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from antrian.watchdog import Heartbeat, StartupGrace, notify


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


def test_a_long_start_asks_for_more_time_until_its_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "notify.sock"
    got: list[bytes] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(0.5)
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))

        def listen() -> None:  # as systemd does: a full socket would block the sender
            while True:
                try:
                    got.append(server.recv(64))
                except TimeoutError:
                    return

        listener = threading.Thread(target=listen)
        listener.start()
        with StartupGrace(step_s=0.1, limit_s=0.45):
            time.sleep(0.8)  # a start that takes longer than the limit
        listener.join()
    extends = [g for g in got if g.startswith(b"EXTEND_TIMEOUT_USEC=")]
    assert extends and all(g == b"EXTEND_TIMEOUT_USEC=100000" for g in extends)
    # Every 50 ms while the start may still take another step, then no more.
    assert 3 <= len(extends) <= 7
    assert any(g.startswith(b"STATUS=starting") for g in got)
