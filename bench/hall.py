"""The hall at a real MPP's size (mpp-palembang: 105 queues, 60 counters) against the demo's
8 queues: the hall snapshot's cost and an issue's round trip with 2,000 tickets today."""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from antrian.catalogue import Catalogue
from antrian.devbroker import REPO_ROOT
from antrian.mqtt import BrokerSettings, Identity, MqttLink, Requester, new_request_id, now
from bench.common import BenchContext, percentile, result
from central.config import CentralConfig, load_catalogue
from central.hall import Hall
from central.ledger import Ledger
from central.testing import DEMO_CATALOGUE, CentralProcess
from hall.site import open_all_hours
from protocol import Topics
from protocol import messages as m

LARGE_SITE = REPO_ROOT / "firmware_configs" / "mpp-palembang"
WAITING = 2000
TODAY = 2000
CHANGES = 400
ISSUES = 600


def _catalogues(tmp: Path) -> dict[str, Path]:
    """The demo's and the large site's catalogues, both open around the clock."""
    large = tmp / "large"
    large.mkdir()
    return {"demo": DEMO_CATALOGUE, "large": open_all_hours(LARGE_SITE / "catalogue.yaml", large)}


def _queues(cat: Catalogue) -> list[str]:
    # Queues without a daily quota: 2,000 tickets fit in any of them.
    return [q.id for q in cat.queues if q.daily_quota is None]


def _waiting_hall(cat: Catalogue, start: datetime, waiting: int) -> tuple[Hall, datetime]:
    """A hall with `waiting` tickets waiting, one issued a second."""
    hall = Hall(cat, cat.business_day(start))
    rnd = random.Random(16)
    queues = _queues(cat)
    at = start
    for i in range(waiting):
        at += timedelta(seconds=1)
        q = cat.queue(rnd.choice(queues))
        assert q is not None
        prio = q.priority_allowed and rnd.random() < 0.05
        req = m.IssueTicket(
            request_id=f"fill-{i:08d}", node_id="fill", sent_at=at, queue=q.id, priority=prio
        )
        assert hall.apply(req, at).reply.ok
    return hall, at


def snapshot_ms(path: Path) -> tuple[float, float, float]:
    """(median, p90, whole rebuild) of the hall snapshot after one change (a ticket issued
    or a NEXT), as central builds it: when idle, after the pace's rescan and the oldest
    estimate's refresh (idle work of its own)."""
    cat = load_catalogue(path)
    hall, at = _waiting_hall(cat, now(), WAITING)
    rnd = random.Random(7)
    queues, counters = _queues(cat), [c.id for c in cat.counters]
    t0 = time.perf_counter()
    hall.hall_snapshot(at)
    whole = (time.perf_counter() - t0) * 1000
    samples = []
    for i in range(CHANGES):
        at += timedelta(seconds=1)
        req: m.Request
        if i % 2:
            req = m.IssueTicket(
                request_id=f"snap-{i:08d}", node_id="k", sent_at=at, queue=rnd.choice(queues)
            )
        else:
            req = m.CallNext(
                request_id=f"snap-{i:08d}", node_id="c", sent_at=at, counter=rnd.choice(counters)
            )
        hall.apply(req, at)
        hall.refresh_pace()
        hall.refresh_estimates(at)
        t0 = time.perf_counter()
        hall.hall_snapshot(at)
        samples.append((time.perf_counter() - t0) * 1000)
    return percentile(samples, 50), percentile(samples, 90), whole


def issue_p99_ms(port: int, tmp: Path, name: str, path: Path) -> tuple[float, float]:
    """(p99, p50) of an issue's round trip through a real central, a third of them right
    after an officer's NEXT (a counter change)."""
    cat = load_catalogue(path)
    state = tmp / f"central-{name}"
    config = CentralConfig(
        node_id="central",
        site=cat.site,
        broker=BrokerSettings(port=port),
        state_dir=state,
        catalogue=path,
        # Both halls alike: what is compared is the catalogue's size, not authorization
        # (bench.central measures that).
        authorization=False,
    )
    _prefill(config.ledger_path, cat)
    proc = CentralProcess(config).start()
    topics = Topics(cat.site)
    kiosk = MqttLink(BrokerSettings(port=port), topics, Identity("bench-kiosk", "kiosk", 1))
    caller = MqttLink(BrokerSettings(port=port), topics, Identity("bench-caller", "caller", 1))
    kreq, creq = Requester(kiosk), Requester(caller)
    for lk in (kiosk, caller):
        lk.start()
        lk.wait_connected(5)
    rnd = random.Random(3)
    queues, counters = _queues(cat), [c.id for c in cat.counters]

    def issue() -> m.Reply:
        return kreq.call(
            m.IssueTicket(
                request_id=new_request_id("bench-kiosk"),
                node_id="bench-kiosk",
                sent_at=now(),
                queue=rnd.choice(queues),
            ),
            5.0,
        )

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                issue()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
        samples = []
        for i in range(ISSUES):
            if i % 3 == 0:
                # An officer's NEXT first: the issue that follows comes after a counter change.
                creq.call(
                    m.CallNext(
                        request_id=new_request_id("bench-caller"),
                        node_id="bench-caller",
                        sent_at=now(),
                        counter=rnd.choice(counters),
                    ),
                    5.0,
                )
            t0 = time.perf_counter()
            reply = issue()
            samples.append((time.perf_counter() - t0) * 1000)
            assert reply.ok, reply
        return percentile(samples, 99), percentile(samples, 50)
    finally:
        kiosk.stop()
        caller.stop()
        proc.stop()


def _prefill(path: Path, cat: Catalogue) -> None:
    """Today's ledger with TODAY tickets, all but 200 of them called, one a second."""
    start = now() - timedelta(seconds=TODAY + 60)
    hall = Hall(cat, cat.business_day(start))
    ledger = Ledger(path)
    rnd = random.Random(16)
    queues, counters = _queues(cat), [c.id for c in cat.counters]
    batch: list[tuple[m.Request, Any]] = []
    for i in range(TODAY):
        at = start + timedelta(seconds=i)
        req: m.Request = m.IssueTicket(
            request_id=f"fill-{i:08d}", node_id="fill", sent_at=at, queue=rnd.choice(queues)
        )
        batch.append((req, hall.apply(req, at)))
        if i < TODAY - 200:
            call = m.CallNext(
                request_id=f"fill-c{i:07d}",
                node_id="fill",
                sent_at=at,
                counter=rnd.choice(counters),
            )
            batch.append((call, hall.apply(call, at)))
    ledger.commit(batch, hall.day, hall.seq)
    ledger.close()


def run(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="antrian-bench-") as tmp:
        paths = _catalogues(Path(tmp))
        demo_med, demo_p90, demo_whole = snapshot_ms(paths["demo"])
        yield result(
            "hall_snapshot_demo_ms", demo_med, "ms", p90=round(demo_p90, 3),
            whole=round(demo_whole, 3), queues=8, waiting=WAITING,
        )  # fmt: skip
        med, p90, whole = snapshot_ms(paths["large"])
        yield result(
            "hall_snapshot_ms", med, "ms", p90=round(p90, 3), whole=round(whole, 3),
            queues=105, counters=60, waiting=WAITING, x_demo=round(med / demo_med, 2),
            target="<= 5 ms and <= 4x hall_snapshot_demo_ms",
        )  # fmt: skip
        demo_p99, demo_p50 = issue_p99_ms(ctx.broker.port, Path(tmp), "demo", paths["demo"])
        yield result("central_issue_demo_p99_ms", demo_p99, "ms", p50=round(demo_p50, 3),
                     tickets_today=TODAY)  # fmt: skip
        p99, p50 = issue_p99_ms(ctx.broker.port, Path(tmp), "large", paths["large"])
        yield result(
            "central_issue_large_p99_ms", p99, "ms", p50=round(p50, 3), queues=105, counters=60,
            tickets_today=TODAY, x_demo=round(p99 / demo_p99, 2),
            x_demo_p50=round(p50 / demo_p50, 2), target="<= 1.5x central_issue_demo_p99_ms",
        )  # fmt: skip
