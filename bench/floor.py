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


class InterleavedFloor:
    """The bare MQTT floor sampled beside a path under test: one floor sample right after
    each of the path's own, with the same pacing, so that both see the machine at the same
    moments (a floor measured at another moment came out, in one run, with its two-hop p99
    below its one-hop p99: noise, not the path). hops=1 is a request and its reply through
    an echo client, the shape of a request to central; hops=2 a message relayed once (node,
    relay, subscriber), the shape of a press that reaches a board."""

    def __init__(self, port: int, hops: int, name: str = "bench-beside") -> None:
        if hops not in (1, 2):
            raise ValueError(f"hops must be 1 or 2, not {hops}")
        self.hops = hops
        self.sender, self.relay = link(port, f"{name}-node"), link(port, f"{name}-relay")
        # One hop: the relay answers the sender; two: a third client receives the relay's.
        self.receiver = self.sender if hops == 1 else link(port, f"{name}-sub")
        self.relay.subscribe(
            f"bench/{name}/1", lambda t, p: self.relay.publish(f"bench/{name}/2", p)
        )
        self.topic = f"bench/{name}/1"
        self.waiter = Waiter()
        self.receiver.subscribe(f"bench/{name}/2", self.waiter)
        self.samples: list[float] = []
        time.sleep(0.2)  # the subscriptions are in place

    def sample(self) -> float:
        """One floor sample (ms), now."""
        (ms,) = round_trips(self.sender, self.topic, self.waiter, 1)
        self.samples.append(ms)
        return ms

    def judge(self, samples: list[float], skip: int = 0) -> dict[str, Any]:
        """This run's floor beside `samples` and their ratio (the floor's first `skip`
        samples were taken beside a warm-up)."""
        return beside(samples, self.samples[skip:], self.hops)

    def stop(self) -> None:
        for lk in {id(lk): lk for lk in (self.sender, self.relay, self.receiver)}.values():
            lk.stop()


def beside(samples: list[float], floor: list[float], hops: int) -> dict[str, Any]:
    """A path's samples judged against the floor sampled beside them: the floor's figures
    and the ratio of the p99s, for one run."""
    floor_p99 = percentile(floor, 99)
    return {
        "floor": "one hop (request, reply)" if hops == 1 else "two hops (relayed once)",
        "floor_p50_ms": round(percentile(floor, 50), 3),
        "floor_p99_ms": round(floor_p99, 3),
        "floor_samples": len(floor),
        "x_floor": round(percentile(samples, 99) / floor_p99, 2),
    }


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
