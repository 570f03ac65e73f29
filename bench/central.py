"""Central's figures: issue round trip, durable ops/s under 50 nodes, restart with 100k tickets."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
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
from bench.common import BenchContext, percentile, result
from bench.devices import write_device_folder
from bench.floor import InterleavedFloor
from bench.load import closed_loop, load_node_id
from central.config import load_catalogue
from central.hall import Hall
from central.ledger import Ledger
from central.testing import DEMO_CATALOGUE, CentralProcess, make_config
from protocol import Topics
from protocol import messages as m

ISSUE_SAMPLES = 1000
RESTART_TICKETS = 100_000
LOAD_CLIENTS = 50


def _client(port: int) -> tuple[MqttLink, Requester]:
    lk = MqttLink(BrokerSettings(port=port), Topics("demo"), Identity("kiosk-bench", "kiosk", 1))
    req = Requester(lk)
    lk.start()
    lk.wait_connected(5)
    return lk, req


def _issue(req: Requester, queue: str = "samsat", timeout: float = 2.0) -> m.Reply:
    return req.call(
        m.IssueTicket(
            request_id=new_request_id("kiosk-bench"),
            node_id="kiosk-bench",
            sent_at=now(),
            queue=queue,
        ),
        timeout,
    )


def _wait_ready(req: Requester, limit: float = 30.0) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        try:
            _issue(req, timeout=0.05)
            return time.perf_counter() - t0
        except RequestTimeout:
            continue
    raise RuntimeError("central did not answer")


def _fill_ledger(path: Path, tickets: int) -> None:
    """A busy day in the ledger: `tickets` issued today, most of them already served."""
    cat = load_catalogue(DEMO_CATALOGUE)
    start = now()
    hall = Hall(cat, cat.business_day(start))
    ledger = Ledger(path)
    queues = ["samsat", "perizinan", "bpjs", "pos"]
    counters = ["loket-4", "loket-6", "loket-5"]
    batch: list[tuple[m.Request, Any]] = []
    for i in range(tickets):
        at = start + timedelta(microseconds=i)
        req: m.Request = m.IssueTicket(
            request_id=f"fill-{i:08d}", node_id="fill", sent_at=at, queue=queues[i % 4]
        )
        batch.append((req, hall.apply(req, at)))
        if i % 10 < 9:
            call = m.CallNext(
                request_id=f"fill-c{i:08d}", node_id="fill", sent_at=at, counter=counters[i % 3]
            )
            batch.append((call, hall.apply(call, at)))
        if len(batch) >= 5000:
            ledger.commit(batch, hall.day, hall.seq)
            batch = []
    ledger.commit(batch, hall.day, hall.seq)
    ledger.close()


def _issue_and_load(ctx: BenchContext, tmp: Path, authorization: bool) -> Iterator[dict[str, Any]]:
    """Issue round trip and durable ops/s, with central's authorization on (the site
    default: each request checked against its sender's device config) or off."""
    port = ctx.broker.port
    suffix = "" if authorization else "_authz_off"
    overrides: dict[str, Any] = {"authorization": authorization}
    if authorization:
        overrides["device_configs"] = write_device_folder(
            tmp / "demo",
            ["kiosk-bench", *(load_node_id(i) for i in range(LOAD_CLIENTS) if i % 5 != 4)],
            [load_node_id(i) for i in range(LOAD_CLIENTS) if i % 5 == 4],
        )
    config = make_config(port, tmp / "central", **overrides)
    proc = CentralProcess(config).start()
    lk, req = _client(port)
    floor = InterleavedFloor(port, hops=1)
    try:
        _wait_ready(req)
        for _ in range(100):
            _issue(req)
        samples = []
        for _ in range(ISSUE_SAMPLES):
            t0 = time.perf_counter()
            reply = _issue(req)
            samples.append((time.perf_counter() - t0) * 1000)
            assert reply.ok, reply.refusal
            floor.sample()
        p99 = percentile(samples, 99)
        yield result(
            f"central_issue_p99{suffix}_ms",
            p99,
            "ms",
            p50_ms=round(percentile(samples, 50), 3),
            authorization=authorization,
            target="<= 3x the one-hop floor sampled beside it",
            **floor.judge(samples),
        )
        ops = closed_loop(port, LOAD_CLIENTS, 5.0, mode="central")
        echo = ctx.results.get("mqtt_echo_ops_per_s")
        extra = {"share_of_echo": round(ops / echo, 3)} if echo else {}
        yield result(
            f"central_ops_per_s{suffix}",
            ops,
            "ops/s",
            clients=LOAD_CLIENTS,
            authorization=authorization,
            target=">= 1000 and >= 0.25 x mqtt_echo_ops_per_s",
            **extra,
        )
    finally:
        floor.stop()
        proc.stop()
        lk.stop()


def run(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    port = ctx.broker.port
    for authorization in (True, False):
        with tempfile.TemporaryDirectory(prefix="antrian-bench-") as tmp:
            yield from _issue_and_load(ctx, Path(tmp), authorization)
    lk, req = _client(port)

    with tempfile.TemporaryDirectory(prefix="antrian-bench-") as tmp:
        config = make_config(port, Path(tmp) / "central")
        _fill_ledger(config.ledger_path, RESTART_TICKETS)
        proc = CentralProcess(config).start()
        try:
            _wait_ready(req)
            t0 = time.perf_counter()
            proc.kill()
            proc.start()
            _wait_ready(req)
            ready = time.perf_counter() - t0
            yield result(
                "central_restart_ready_s", ready, "s", tickets=RESTART_TICKETS, target="<= 2 s"
            )
        finally:
            proc.stop()
            lk.stop()
