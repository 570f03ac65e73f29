"""The bare MQTT floor through the same broker: QoS 1 echo, two-hop relay, echo throughput."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from antrian.mqtt import BrokerSettings, Identity, MqttLink
from bench.common import BenchContext, percentile, result
from bench.load import closed_loop
from protocol import Topics

SAMPLES = 2000
PAYLOAD = b'{"v":1,"type":"issue_ticket","request_id":"bench-00000000","queue":"dukcapil"}'


def link(port: int, node_id: str) -> MqttLink:
    lk = MqttLink(BrokerSettings(port=port), Topics("bench"), Identity(node_id, "tool", 1))
    lk.start()
    if not lk.wait_connected(5):
        raise RuntimeError("bench client could not connect")
    return lk


class Waiter:
    """One outstanding message at a time: the requester blocks until it arrives."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.at = 0.0

    def __call__(self, topic: str, payload: bytes) -> None:
        self.at = time.perf_counter()
        self.event.set()


def round_trips(sender: MqttLink, topic: str, waiter: Waiter, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        waiter.event.clear()
        t0 = time.perf_counter()
        sender.publish(topic, PAYLOAD)
        if not waiter.event.wait(2):
            raise RuntimeError("floor message lost")
        samples.append((waiter.at - t0) * 1000)
    return samples


def echo_floor(port: int) -> float:
    server, client = link(port, "bench-echo"), link(port, "bench-client")
    server.subscribe("bench/echo/req", lambda t, p: server.publish("bench/echo/rep", p))
    waiter = Waiter()
    client.subscribe("bench/echo/rep", waiter)
    time.sleep(0.2)
    round_trips(client, "bench/echo/req", waiter, 200)  # warm-up
    samples = round_trips(client, "bench/echo/req", waiter, SAMPLES)
    server.stop()
    client.stop()
    return percentile(samples, 99)


def two_hop_floor(port: int) -> float:
    node, relay, sub = link(port, "bench-node"), link(port, "bench-relay"), link(port, "bench-sub")
    relay.subscribe("bench/hop/1", lambda t, p: relay.publish("bench/hop/2", p))
    waiter = Waiter()
    sub.subscribe("bench/hop/2", waiter)
    time.sleep(0.2)
    round_trips(node, "bench/hop/1", waiter, 200)
    samples = round_trips(node, "bench/hop/1", waiter, SAMPLES)
    for lk in (node, relay, sub):
        lk.stop()
    return percentile(samples, 99)


def echo_throughput(port: int, clients: int = 50, seconds: float = 4.0) -> float:
    """The bare echo rate with the same concurrency and load generator as central's."""
    responder = subprocess.Popen(
        [sys.executable, "-m", "bench.load", "echo-server", "--port", str(port)],
        stdout=subprocess.PIPE,
    )
    try:
        assert responder.stdout is not None
        responder.stdout.readline()  # "ready"

        return closed_loop(port, clients, seconds, mode="echo")
    finally:
        responder.terminate()
        responder.wait()


def run(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    port = ctx.broker.port
    yield result("mqtt_floor_p99_ms", echo_floor(port), "ms", samples=SAMPLES)
    yield result("mqtt_two_hop_floor_p99_ms", two_hop_floor(port), "ms", samples=SAMPLES)
    yield result("mqtt_echo_ops_per_s", echo_throughput(port), "ops/s", clients=50)
