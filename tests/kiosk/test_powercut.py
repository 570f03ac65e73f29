"""Power cut: SIGKILL a real kiosk process between its outbox write and the print, 50 times.
After every restart each issued ticket is printed exactly once, or once plus marked reprints;
no ticket or number is duplicated."""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from antrian.devbroker import REPO_ROOT, DevBroker
from central import Central
from edge.kiosk.escpos_decode import decode_qr, decode_text
from edge.kiosk.outbox import Outbox

ROUNDS = 50


class KioskProcess:
    def __init__(self, config: Path) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "antrian.cli", "kiosk", "--config", str(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=REPO_ROOT,
            env={**os.environ, "GPIOZERO_PIN_FACTORY": "mock"},
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)

    def press(self, key: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(key + "\n")
        self.proc.stdin.flush()

    def wait_line(self, needle: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if needle in line:
                return line
        raise AssertionError(f"kiosk never logged {needle!r}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._reader.join(5)
        for pipe in (self.proc.stdin, self.proc.stderr):
            if pipe is not None:
                pipe.close()


def spooled(spool: Path) -> dict[str, list[bool]]:
    """ticket id -> for each printed job: was it marked as a reprint."""
    jobs: dict[str, list[bool]] = defaultdict(list)
    for path in sorted(spool.glob("*.bin")):
        data = path.read_bytes()
        [ticket_id] = decode_qr(data)
        jobs[ticket_id].append("** CETAK ULANG **" in decode_text(data).splitlines())
    return jobs


def check(outbox_path: Path, spool: Path, central: Central) -> int:
    box = Outbox(outbox_path)
    try:
        deadline = time.monotonic() + 5
        while box.unprinted() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert box.unprinted() == [], "restart did not print what was recorded"
        tickets = box.tickets()
    finally:
        box.close()
    jobs = spooled(spool)
    ids = {t.ticket_id for t in tickets}
    assert set(jobs) <= ids, "a printed ticket the outbox does not know"
    for t in tickets:
        marks = jobs[t.ticket_id]
        assert marks, f"{t.view.label} recorded but never printed"
        assert marks.count(False) <= 1, f"{t.view.label} printed twice unmarked"
    labels = [(t.queue, t.business_day, t.number) for t in tickets]
    assert len(labels) == len(set(labels)), "a number handed out twice"
    # Central's view: every ticket it holds for this kiosk was printed.
    at_central = {
        t.id for t in central.hall.tickets.values() if t.status != "void" and t.node_id == "kiosk-p"
    }
    assert at_central <= ids | {t.id for t in central.hall.tickets.values() if t.offline}
    return len(tickets)


@pytest.mark.slow
def test_sigkill_between_outbox_and_print(
    broker: DevBroker, central: Central, tmp_path: Path
) -> None:
    state = tmp_path / "kiosk"
    spool = tmp_path / "printed"
    raw = {
        "node_id": "kiosk-p",
        "site": "demo",
        "broker": {"port": broker.port},
        "state_dir": str(state),
        "hardware": "simulated",
        "press": {"bounce_ms": 0, "repeat_guard_s": 0.0, "priority_window_s": 5},
        "lease": {"size": 30, "low_water": 10},
        "buttons": [
            {"queue": "dukcapil", "pin": 5, "key": "a"},
            {"queue": "skck", "pin": 6, "key": "b"},
            {"queue": "samsat", "pin": 13, "key": "c"},
        ],
        "leds": {"ready": 17, "busy": 27, "offline": 22, "fault": 23},
        # A slow printer link: the kill lands while the job is on its way.
        "printer": {"kind": "simulated", "spool_dir": str(spool), "delay_s": 0.15},
    }
    config = tmp_path / "kiosk.yaml"
    config.write_text(yaml.safe_dump(raw))
    rnd = random.Random(7)
    recorded = 0
    for round_no in range(ROUNDS):
        kiosk = KioskProcess(config)
        try:
            kiosk.wait_line("running", 10)
            recorded = check(state / "outbox.sqlite3", spool, central)
            if round_no == 0:
                kiosk.wait_line("lease", 10)
            kiosk.press("abc"[round_no % 3])
            kiosk.wait_line("ticket recorded", 10)
            time.sleep(rnd.uniform(0, 0.1))
        finally:
            kiosk.kill()
    kiosk = KioskProcess(config)
    try:
        kiosk.wait_line("running", 10)
        recorded = check(state / "outbox.sqlite3", spool, central)
    finally:
        kiosk.kill()
    assert recorded == ROUNDS
    jobs = spooled(spool)
    assert sum(marks.count(True) for marks in jobs.values()) >= ROUNDS // 2  # kills landed
