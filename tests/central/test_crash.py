"""Central killed with SIGKILL while 20 clients issue and call: nothing acknowledged is lost,
nothing is doubled, and clients that retry with the same request id get the same answer."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from antrian.devbroker import DevBroker
from central.ledger import LedgerReader
from central.testing import CentralProcess, make_config
from protocol import messages as m
from tests.central.load import Load, connect_nodes, wait_ready


@pytest.mark.slow
def test_sigkill_under_load_loses_and_doubles_nothing(broker: DevBroker, tmp_path: Path) -> None:
    config = make_config(broker.port, tmp_path / "central")
    proc = CentralProcess(config).start()
    nodes = connect_nodes(broker.port, kiosks=16, callers=4)
    wait_ready(nodes[0])
    load = Load(nodes).start()
    try:
        for _round in range(2):
            time.sleep(1.0)
            before = load.answered()
            proc.kill()
            time.sleep(0.3)
            proc.start()
            time.sleep(1.0)
            assert load.answered() > before, "central did not come back to answer"
    finally:
        load.stop()
        proc.stop()
        for n in nodes:
            n.link.stop()

    with LedgerReader(config.ledger_path) as db:
        tickets = {
            t.id: (t.id, t.origin_queue, t.number, t.status, t.counter, t.request_id)
            for t in db.all_tickets()
        }
        events = list(db.all_events())
    acked = load.acked
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
