"""`antrian ledger archive`: closed days move to monthly files that reports still read,
the open day never moves, and SIGKILL at any moment of archiving loses nothing."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from antrian.cli import main
from central.config import load_catalogue
from central.hall import Hall
from central.ledger import Codec, Ledger, LedgerReader, archive_dir, backup, check
from central.testing import DEMO_CATALOGUE
from reports import LedgerStream, build_report, read_period
from sim.day import generate_day
from sim.driver import play

CAT = load_catalogue(DEMO_CATALOGUE)
FIRST = date(2026, 11, 28)  # four closed days across a month's end, then the open one
OPEN = date(2026, 12, 2)


def played_ledger(path: Path) -> None:
    ledger = Ledger(path)
    day = FIRST
    while day <= OPEN:
        hall = Hall(CAT, day, int(ledger.meta("seq") or 0))
        applied = play(hall, generate_day(CAT, day, day.day))
        for i in range(0, len(applied), 25):
            ledger.commit(applied[i : i + 25], hall.day, hall.seq)
        day += timedelta(days=1)
    for _ in range(40):  # central compacted part of the closed days so far
        ledger.compact(limit=100)
    ledger.close()


def contents(paths: list[Path]) -> tuple[dict[str, object], dict[int, str], dict[object, bytes]]:
    """Tickets, events (seq -> JSON) and stored replies of several files together; a row
    found twice must be the same."""
    tickets: dict[str, object] = {}
    events: dict[int, str] = {}
    replies: dict[object, bytes] = {}
    for path in paths:
        with LedgerReader(path) as r:
            for t in r.all_tickets():
                assert tickets.setdefault(t.id, t) == t
            for e in r.all_events():
                assert events.setdefault(e.seq, e.body) == e.body
            codec = Codec(r.db)
            for node, rid, reply in r.db.execute("SELECT node_id, id, reply FROM requests"):
                assert replies.setdefault((node, rid), codec.decode(reply)) == codec.decode(reply)
    return tickets, events, replies


@pytest.mark.slow
def test_sigkill_while_archiving_loses_nothing(tmp_path: Path) -> None:
    live = tmp_path / "central" / "ledger.sqlite3"
    played_ledger(live)
    reference = tmp_path / "reference.sqlite3"
    backup(live, reference)
    expected = contents([reference])
    report_before = build_report(read_period(reference, FIRST, OPEN), FIRST, OPEN, CAT)

    def argv(ledger: Path) -> list[str]:
        before = OPEN.isoformat()
        return [sys.executable, "-m", "antrian.cli", "ledger", "archive", "--before", before,
                "--ledger", str(ledger)]  # fmt: skip

    # How long a whole archive takes here, on a copy: the kills land within it whatever
    # the machine's speed (fixed delays of 0.3-2.5 s missed a quiet machine's archive).
    trial = tmp_path / "trial" / "ledger.sqlite3"
    trial.parent.mkdir()
    backup(live, trial)
    t0 = time.monotonic()
    subprocess.run(argv(trial), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    whole_s = time.monotonic() - t0
    rng = random.Random(15)
    kills = 0
    for _ in range(8):
        proc = subprocess.Popen(argv(live), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 0.95) * whole_s)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        # Whatever moment the kill hit, the ledger and its archives hold every row once
        # in content, and a report reads the same.
        files = [live, *sorted(archive_dir(live).glob("*.sqlite3"))]
        assert contents(files) == expected
        assert build_report(LedgerStream(live, FIRST, OPEN), FIRST, OPEN, CAT) == report_before
    assert kills >= 2
    done = subprocess.run(argv(live), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr

    archives = sorted(p.name for p in archive_dir(live).glob("*.sqlite3"))
    assert archives == ["ledger-2026-11.sqlite3", "ledger-2026-12.sqlite3"]
    with LedgerReader(live) as r:
        assert r.days_held() == [OPEN]  # only the open day stays
    assert contents([live, *sorted(archive_dir(live).glob("*.sqlite3"))]) == expected
    for path in [live, *archive_dir(live).glob("*.sqlite3")]:
        assert check(path) == [], path
    streamed = build_report(LedgerStream(live, FIRST, OPEN), FIRST, OPEN, CAT)
    assert streamed == report_before and streamed.days_with_tickets == 5
    with LedgerReader(reference) as r:
        assert LedgerStream(live, FIRST, OPEN).days_held == tuple(r.days_held())
    # Central starts on the archived ledger and has the open day as it was.
    ledger = Ledger(live)
    hall = ledger.load(CAT, OPEN)
    assert len(hall.tickets) == sum(1 for t in expected[0] if t.startswith("20261202"))
    ledger.close()


def test_the_open_day_is_never_archived(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    live = tmp_path / "ledger.sqlite3"
    ledger = Ledger(live)
    hall = Hall(CAT, OPEN)
    ledger.commit(play(hall, generate_day(CAT, OPEN, 1))[:50], hall.day, hall.seq)
    ledger.close()
    later = (OPEN + timedelta(days=1)).isoformat()
    assert main(["ledger", "archive", "--before", later, "--ledger", str(live)]) == 2
    assert "would archive the open business day 2026-12-02" in capsys.readouterr().err
    assert main(["ledger", "archive", "--before", OPEN.isoformat(), "--ledger", str(live)]) == 0
    assert not archive_dir(live).exists() or not any(archive_dir(live).iterdir())
    with LedgerReader(live) as r:
        assert r.days_held() == [OPEN]
