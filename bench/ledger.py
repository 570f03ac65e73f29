"""The ledger with a year of history (bench/bigledger.py): central's restart, one day's
report and the bytes a ticket takes, at 10k and 1M tickets."""

from __future__ import annotations

import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from antrian.mqtt import (
    BrokerSettings,
    Identity,
    MqttLink,
    Requester,
    RequestTimeout,
    new_request_id,
    now,
)
from bench import bigledger
from bench.common import BenchContext, result
from central.config import load_catalogue
from central.testing import CentralProcess, make_config
from protocol import Topics
from protocol import messages as m
from reports import LedgerStream, build_report

SMALL, BIG = 10_000, 1_000_000
SITE = load_catalogue(bigledger.CATALOGUE).site


def _ready_s(req: Requester, limit: float = 120.0) -> float:
    """Seconds until central answers an issue request (a refusal outside opening hours
    is an answer too)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        try:
            req.call(
                m.IssueTicket(
                    request_id=new_request_id("bench-kiosk"),
                    node_id="bench-kiosk",
                    sent_at=now(),
                    queue="samsat-drive-thru",
                ),
                0.05,
            )
            return time.perf_counter() - t0
        except RequestTimeout:
            continue
    raise RuntimeError("central did not answer")


def _restart_s(ctx: BenchContext, req: Requester, history: Path | None) -> float:
    """Kill central once it serves, start it again, time it to its first reply. With
    `history`, central's ledger is a copy of it, on today's business day with no calls."""
    with tempfile.TemporaryDirectory(prefix="antrian-bench-", dir=bigledger.CACHE) as tmp:
        config = make_config(ctx.broker.port, Path(tmp) / "central", bigledger.CATALOGUE)
        config = config.model_copy(update={"site": SITE})
        if history is not None:
            config.ledger_path.parent.mkdir(parents=True)
            shutil.copyfile(history, config.ledger_path)
            today = load_catalogue(bigledger.CATALOGUE).business_day(now())
            db = sqlite3.connect(config.ledger_path)
            with db:
                db.execute("UPDATE meta SET value = ? WHERE key = 'day'", (today.isoformat(),))
            db.close()
        proc = CentralProcess(config).start()
        try:
            _ready_s(req)
            proc.kill()
            proc.start()
            return _ready_s(req)
        finally:
            proc.stop()


def _report_s(path: Path, start: date, end: date) -> float:
    """One report (read and figures) over start..end, best of three (warm cache)."""
    catalogue = load_catalogue(bigledger.CATALOGUE)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        build_report(LedgerStream(path, start, end), start, end, catalogue)
        best = min(best, time.perf_counter() - t0)
    return best


def _report_cli(path: Path, start: date, end: date) -> tuple[float, float]:
    """`antrian report` over start..end as its own process: (seconds, peak RSS in MB)."""
    argv = [
        sys.executable, "-m", "antrian.cli", "report", "--ledger", str(path),
        "--catalogue", str(bigledger.CATALOGUE), "--from", start.isoformat(),
        "--to", end.isoformat(),
    ]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    took = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"antrian report failed: {proc.stderr[-2000:]}")
    # ru_maxrss of the children waited for: this one only, the bench starts no other.
    return took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    ledgers: dict[int, tuple[Path, int]] = {}
    for size in (SMALL, BIG):
        path, built = bigledger.cached(size)
        if built:
            yield result(
                f"ledger_build_s_{'1m' if size == BIG else '10k'}",
                built["build_s"],
                "s",
                tickets=built["tickets"],
                note=f"built once, kept as {path.relative_to(bigledger.CACHE.parent.parent)}",
            )
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            tickets = int(db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0])
        ledgers[size] = (path, tickets)

    big, big_tickets = ledgers[BIG]
    yield result(
        "ledger_bytes_per_ticket",
        big.stat().st_size / big_tickets,
        "B",
        tickets=big_tickets,
        target="<= 4000",
    )

    day = bigledger.SEED_DAY - timedelta(days=2)
    small_s = _report_s(ledgers[SMALL][0], day, day)
    yield result("report_1day_s_10k", small_s, "s", tickets=ledgers[SMALL][1])
    middle = bigledger.SEED_DAY - timedelta(days=big_tickets // 2 // 2500)
    big_s = _report_s(big, middle, middle)
    yield result(
        "report_1day_s_1m",
        big_s,
        "s",
        tickets=big_tickets,
        target="<= 1.5x report_1day_s_10k",
        x_10k=round(big_s / small_s, 2),
    )

    year_end = bigledger.SEED_DAY - timedelta(days=30)
    one_s, _rss = _report_cli(big, year_end, year_end)
    year_s, year_rss = _report_cli(big, year_end - timedelta(days=364), year_end)
    yield result(
        "report_365d_peak_rss_mb",
        year_rss,
        "MB",
        tickets=big_tickets,
        target="<= 200",
        note="antrian report --from .. --to .. (365 days) as a process",
    )
    yield result(
        "report_365d_s", year_s, "s", x_1day=round(year_s / one_s, 1), report_1day_s=round(one_s, 2)
    )

    lk = MqttLink(
        BrokerSettings(port=ctx.broker.port), Topics(SITE), Identity("bench-kiosk", "kiosk", 1)
    )
    req = Requester(lk)
    lk.start()
    lk.wait_connected(5)
    try:
        empty = _restart_s(ctx, req, None)
        yield result("central_restart_ready_s_empty", empty, "s")
        full = _restart_s(ctx, req, big)
        yield result(
            "central_restart_ready_s_1m",
            full,
            "s",
            tickets=big_tickets,
            target="<= 2 s and <= 1.5x central_restart_ready_s_empty",
            x_empty=round(full / empty, 2),
        )
    finally:
        lk.stop()
