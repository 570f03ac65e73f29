"""SIGKILL central in a loop under load, with a persistent-session subscriber on `events`:
every committed seq is delivered at least once, and new seqs arrive in order (a consumer
that skips seqs it has keeps a gap-free feed)."""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from antrian.devbroker import DevBroker
from central.testing import CentralProcess, make_config
from protocol import Topics
from tests.central.load import Load, connect_nodes, wait_ready

KILLS = 5
SEED = 91313


class Subscriber:
    """A consumer with a persistent session (clean_start false, long expiry), QoS 1."""

    def __init__(self, port: int) -> None:
        self.seqs: list[int] = []
        self.lock = threading.Lock()
        self.client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id="events-archive",
            protocol=paho.MQTTv5,
        )
        self.client.on_message = self._on_message
        self.client.on_connect = self._on_connect
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = 3600
        self.client.connect("127.0.0.1", port, clean_start=False, properties=props)
        self.subscribed = threading.Event()
        self.client.loop_start()

    def _on_connect(self, client: paho.Client, *_args: object) -> None:
        client.subscribe(Topics("demo").events, qos=1)
        self.subscribed.set()

    def _on_message(self, client: paho.Client, userdata: object, msg: paho.MQTTMessage) -> None:
        with self.lock:
            self.seqs.append(int(json.loads(msg.payload)["seq"]))

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.mark.slow
def test_every_committed_seq_reaches_a_persistent_subscriber(
    broker: DevBroker, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    config = make_config(broker.port, tmp_path / "central")
    sub = Subscriber(broker.port)
    assert sub.subscribed.wait(5)
    time.sleep(0.2)
    proc = CentralProcess(config).start()
    nodes = connect_nodes(broker.port, kiosks=8, callers=2)
    wait_ready(nodes[0])
    load = Load(nodes).start()
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.3, 1.2))
            proc.kill()  # SIGKILL: mid-commit, mid-publish, wherever it is
            time.sleep(rng.uniform(0.05, 0.3))
            proc.start()
        time.sleep(1.5)
    finally:
        load.stop()
    # Let the last central publish what it committed, then stop it cleanly.
    time.sleep(1.0)
    proc.stop()
    for n in nodes:
        n.link.stop()
    time.sleep(0.3)
    sub.stop()

    db = sqlite3.connect(config.ledger_path)
    committed = [int(s) for (s,) in db.execute("SELECT seq FROM events ORDER BY seq")]
    db.close()
    assert len(committed) > 50
    with sub.lock:
        got = list(sub.seqs)
    missing = sorted(set(committed) - set(got))
    assert not missing, f"{len(missing)} committed events never delivered: {missing[:20]}"
    # In order: skipping seqs it has, the consumer sees each new one right after the last.
    last = 0
    for seq in got:
        if seq <= last:
            continue
        assert seq == last + 1, f"seq {seq} arrived before {last + 1}"
        last = seq
