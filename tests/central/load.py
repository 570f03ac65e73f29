"""Kiosks and callers that issue and call against central from threads, for the kill and
backup tests."""

from __future__ import annotations

import random
import threading
import time

from antrian.mqtt import BrokerSettings, RequestTimeout, new_request_id, now
from protocol import messages as m
from tests.central.conftest import Node, connect_node

QUEUES = ["dukcapil", "skck", "sim", "samsat", "bpjs"]
COUNTERS = ["loket-1", "loket-2", "loket-3", "loket-4"]


def connect_nodes(port: int, kiosks: int, callers: int) -> list[Node]:
    """`kiosks` kiosk nodes, then `callers` caller nodes, on the broker at `port`."""
    settings = BrokerSettings(port=port)
    nodes = [connect_node(settings, f"kiosk-{i}") for i in range(kiosks)]
    return nodes + [connect_node(settings, f"caller-{i}", "caller") for i in range(callers)]


def wait_ready(node: Node) -> None:
    for _ in range(100):
        try:
            node.call(m.SignOut(counter="loket-6", **node.base()), timeout=0.5)
            return
        except RequestTimeout:
            continue
    raise AssertionError("central did not answer")


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


class Load:
    """Every node in a thread of its own; `acked` holds each request with its answer."""

    def __init__(self, nodes: list[Node]) -> None:
        self.acked: list[tuple[m.RequestBase, m.Reply]] = []
        self._stop, self._lock = threading.Event(), threading.Lock()
        self._threads = [
            threading.Thread(
                target=run_client,
                args=(n, n.node_id.startswith("caller"), self._stop, self.acked, self._lock),
            )
            for n in nodes
        ]

    def start(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def answered(self) -> int:
        with self._lock:
            return len(self.acked)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=10)
