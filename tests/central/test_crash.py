"""Central killed with SIGKILL while 20 clients issue and call: nothing acknowledged is lost,
nothing is doubled, and clients that retry with the same request id get the same answer."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

import pytest

from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, RequestTimeout, new_request_id, now
from central.ledger import LedgerReader
from central.testing import CentralProcess, make_config
from protocol import messages as m
from tests.central.conftest import Node, connect_node

QUEUES = ["dukcapil", "skck", "sim", "samsat", "bpjs"]
COUNTERS = ["loket-1", "loket-2", "loket-3", "loket-4"]


def run_client(
    node: Node,
    caller: bool,
    stop: threading.Event,
    acked: list[tuple[m.RequestBase, m.Reply]],
    lock: threading.Lock,
) -> None:
    rng = random.Random(node.node_id)
    while not stop.is_set():
        base = {
            "request_id": new_request_id(node.node_id),
            "node_id": node.node_id,
            "sent_at": now(),
        }
        req: m.RequestBase
        if caller:
            req = m.CallNext(counter=rng.choice(COUNTERS), **base)
        else:
            req = m.IssueTicket(queue=rng.choice(QUEUES), priority=rng.random() < 0.1, **base)
        # Retry the same request until central answers: what a real node does.
        while not stop.is_set():
            try:
                reply = node.call(req, timeout=1.0)
            except RequestTimeout:
                continue
            with lock:
                acked.append((req, reply))
            break
        time.sleep(rng.uniform(0.0, 0.02))


@pytest.mark.slow
def test_sigkill_under_load_loses_and_doubles_nothing(broker: DevBroker, tmp_path: Path) -> None:
    config = make_config(broker.port, tmp_path / "central")
    proc = CentralProcess(config).start()
    settings = BrokerSettings(port=broker.port)
    nodes = [connect_node(settings, f"kiosk-{i}") for i in range(16)]
    nodes += [connect_node(settings, f"caller-{i}", "caller") for i in range(4)]
    # Wait until central answers.
    probe = nodes[0]
    for _ in range(50):
        try:
            probe.call(m.SignOut(counter="loket-6", **probe.base()), timeout=0.5)
            break
        except RequestTimeout:
            continue
    stop, lock = threading.Event(), threading.Lock()
    acked: list[tuple[m.RequestBase, m.Reply]] = []
    threads = [
        threading.Thread(
            target=run_client, args=(n, n.node_id.startswith("caller"), stop, acked, lock)
        )
        for n in nodes
    ]
    for t in threads:
        t.start()
    try:
        for _round in range(2):
            time.sleep(1.0)
            with lock:
                before = len(acked)
            proc.kill()
            time.sleep(0.3)
            proc.start()
            time.sleep(1.0)
            with lock:
                assert len(acked) > before, "central did not come back to answer"
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
        proc.stop()
        for n in nodes:
            n.link.stop()

    with LedgerReader(config.ledger_path) as db:
        tickets = {
            t.id: (t.id, t.origin_queue, t.number, t.status, t.counter, t.request_id)
            for t in db.all_tickets()
        }
        events = list(db.all_events())
    issued = [(req, rep) for req, rep in acked if isinstance(req, m.IssueTicket) and rep.ok]
    called = [(r, rep) for r, rep in acked if isinstance(r, m.CallNext) and rep.ok]
    assert len(issued) > 50 and len(called) > 10
    # Every acknowledged ticket is in the ledger, with the number the kiosk printed.
    for req, rep in issued:
        assert rep.ticket is not None
        row = tickets[rep.ticket.ticket_id]
        assert row[2] == rep.ticket.number and row[5] == req.request_id
    # Nothing doubled: one ticket per applied issue request, numbers unique per queue.
    request_ids = [row[5] for row in tickets.values()]
    assert len(request_ids) == len(set(request_ids))
    numbers = [(row[1], row[2]) for row in tickets.values()]
    assert len(numbers) == len(set(numbers))
    # Every acknowledged call is in the ledger at the counter that was told.
    for creq, rep in called:
        assert rep.counter is not None and rep.counter.ticket is not None
        row = tickets[rep.counter.ticket.ticket_id]
        assert row[4] == creq.counter and row[3] in ("called", "serving", "served")
    # A ticket is called at most once.
    call_events = [
        json.loads(e.body)["ticket"]["ticket_id"] for e in events if e.kind == "ticket_called"
    ]
    assert len(call_events) == len(set(call_events))
    seqs = [e.seq for e in events]
    assert seqs == list(range(1, len(seqs) + 1))
