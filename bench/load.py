"""Closed-loop load from N simulated nodes: each sends its next request when its reply arrives.
Used for both the bare echo rate and central's durable rate, so the two compare fairly."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from typing import Literal

from antrian.mqtt import BrokerSettings, Identity, MqttLink, new_request_id, now
from protocol import Topics, encode
from protocol import messages as m

Mode = Literal["echo", "central"]
ISSUE_QUEUES = ("samsat", "perizinan", "bpjs", "pos")
CALL_COUNTERS = ("loket-4", "loket-5", "loket-6")


def _request(node_id: str, i: int, caller: bool) -> bytes:
    base = {"request_id": new_request_id(node_id), "node_id": node_id, "sent_at": now()}
    if caller:
        return encode(m.CallNext(counter=CALL_COUNTERS[i % len(CALL_COUNTERS)], **base))
    return encode(m.IssueTicket(queue=ISSUE_QUEUES[i % len(ISSUE_QUEUES)], **base))


def load_node_id(i: int) -> str:
    """Client i's node id; one in five is an officer pressing NEXT (bench/devices.py gives
    each its device config when central authorizes)."""
    return f"caller-load-{i}" if i % 5 == 4 else f"kiosk-load-{i}"


def closed_loop(port: int, clients: int, seconds: float, mode: Mode, site: str = "demo") -> float:
    """Replies per second over `seconds`, after a one-second warm-up."""
    topics = Topics(site)
    counting = threading.Event()
    lock = threading.Lock()
    count = [0]
    links: list[MqttLink] = []
    starters: list[Callable[[], None]] = []
    for i in range(clients):
        node_id = load_node_id(i)
        caller = mode == "central" and i % 5 == 4  # one in five is an officer pressing NEXT
        lk = MqttLink(BrokerSettings(port=port), topics, Identity(node_id, "tool", 1))
        if mode == "echo":
            req_topic, rep_topic = f"bench/echo/req/{node_id}", f"bench/echo/rep/{node_id}"
        else:
            req_topic, rep_topic = topics.request(node_id), topics.reply(node_id)

        def send(
            lk: MqttLink = lk,
            node_id: str = node_id,
            req_topic: str = req_topic,
            caller: bool = caller,
            i: int = i,
        ) -> None:
            lk.publish(req_topic, _request(node_id, i, caller))

        def on_reply(topic: str, payload: bytes, send: Callable[[], None] = send) -> None:
            if counting.is_set():
                with lock:
                    count[0] += 1
            send()

        lk.subscribe(rep_topic, on_reply)
        lk.start()
        links.append(lk)
        starters.append(send)
    for lk in links:
        if not lk.wait_connected(10):
            raise RuntimeError("load client could not connect")
    time.sleep(0.3)
    for start in starters:
        start()
    time.sleep(1.0)
    counting.set()
    t0 = time.perf_counter()
    time.sleep(seconds)
    counting.clear()
    elapsed = time.perf_counter() - t0
    total = count[0]
    for lk in links:
        lk.stop()
    return total / elapsed


def echo_server(port: int) -> None:
    lk = MqttLink(BrokerSettings(port=port), Topics("bench"), Identity("echo-server", "tool", 1))
    lk.subscribe(
        "bench/echo/req/+",
        lambda t, p: lk.publish(t.replace("/req/", "/rep/"), p),
    )
    lk.start()
    lk.wait_connected(10)
    time.sleep(0.3)
    print("ready", flush=True)
    threading.Event().wait()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["echo-server"])
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()
    echo_server(args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
