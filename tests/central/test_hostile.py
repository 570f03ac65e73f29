"""Hostile input through a real Mosquitto: every bad-input class of issue 13, sent as a
device with its own id would. Central stays up, answers a fresh request within 1 s after
each, and its ledger changes only by valid requests; a retained poison does not stop it."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from antrian.mqtt import new_request_id, now
from central import Central, load_catalogue
from central.config import CentralConfig
from protocol import Topics, decode, encode
from protocol import messages as m
from tests.central.conftest import Node

TOPICS = Topics("demo")
SEED = 13013
FIELDS = ["v", "type", "request_id", "node_id", "sent_at", "queue", "priority"]


def _valid(node: str) -> dict[str, Any]:
    req = m.IssueTicket(request_id=new_request_id(node), node_id=node, sent_at=now(), queue="pos")
    return dict(json.loads(encode(req)))


def hostile_payloads(rng: random.Random, node: str) -> Iterator[tuple[str, bytes]]:
    """(class, payload) for every class of bad input, with seeded variation."""
    depth = rng.randint(3000, 6000)
    yield "nested", b'{"v":1,"type":' + b"[" * depth + b"]" * depth + b"}"
    yield "nested_object", b'{"a":' * depth + b"1" + b"}" * depth
    for field in FIELDS:
        data = _valid(node)
        data[field] = "__RAW__"  # an int of 5,000 digits is too long for int() to build
        digits = "9" * rng.randint(4400, 5200)
        yield f"huge_int_in_{field}", json.dumps(data).replace('"__RAW__"', digits).encode()
        data = _valid(node)
        data[field] = "x" * rng.randint(600, 3000)
        yield f"long_string_in_{field}", json.dumps(data).encode()
        data = _valid(node)
        data[field] = {"k" * rng.randint(200, 900): ["y" * 700]}
        yield f"object_in_{field}", json.dumps(data).encode()
    data = _valid(node)
    data["z" * rng.randint(500, 2000)] = 1
    yield "long_unknown_field", json.dumps(data).encode()
    yield "binary", rng.randbytes(rng.randint(1, 300))
    yield "oversize", b'{"v":1,"pad":"' + b"p" * 100_000 + b'"}'
    valid = json.dumps(_valid(node)).encode()
    yield "bom", b"\xef\xbb\xbf" + valid
    yield "utf16", valid.decode().encode("utf-16")
    for field, value in [
        ("priority", "yes"),
        ("priority", 1),
        ("priority", "true"),
        ("sent_at", int(time.time())),
        ("sent_at", str(int(time.time()))),
        ("v", "1"),
        ("queue", 4),
    ]:
        data = _valid(node)
        data[field] = value
        yield f"coerce_{field}_{value!r}", json.dumps(data).encode()
    data = _valid(node)
    data["sent_at"] = (now() + timedelta(days=rng.randint(1, 3650))).isoformat()
    yield "far_future", json.dumps(data).encode()


def _ledger_counts(central: Central) -> tuple[int, int]:
    db = sqlite3.connect(central.config.ledger_path)
    try:
        tickets = db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        events = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        return int(tickets), int(events)
    finally:
        db.close()


def test_every_bad_input_class_leaves_central_serving(
    central: Central, node_factory: Callable[..., Node]
) -> None:
    rng = random.Random(SEED)
    fuzzer = node_factory("kiosk-9")
    probe = node_factory("kiosk-1")
    replies: list[m.Reply] = []
    fuzzer.link.subscribe(TOPICS.reply("kiosk-9"), lambda t, p: replies.append(decode(m.Reply, p)))
    time.sleep(0.1)

    for cls, payload in hostile_payloads(rng, "kiosk-9"):
        before = _ledger_counts(central)
        fuzzer.link.publish(TOPICS.request("kiosk-9"), payload)
        fuzzer.link.publish(TOPICS.status("kiosk-9"), payload)
        started = time.monotonic()
        reply = probe.issue("skck")
        assert reply.ok, f"{cls}: a fresh request was refused: {reply.refusal}"
        assert time.monotonic() - started < 1.0, f"{cls}: no answer within 1 s"
        tickets, events = _ledger_counts(central)
        assert (tickets, events) == (before[0] + 1, before[1] + 1), f"{cls} changed the ledger"
        assert central.healthy(), cls
    time.sleep(0.2)
    # Every request that could be answered was refused, each refusal buildable and short.
    assert replies and all(not r.ok and r.refusal is not None for r in replies)
    assert all(len(r.refusal.text_en) <= 500 for r in replies if r.refusal)
    codes = {r.refusal.code for r in replies if r.refusal}
    assert codes <= {"invalid_request", "unsupported_version"}
    assert central.errors["invalid_status"] > 20
    assert central.errors["internal_error"] == 0
    assert sum(1 for t in central.hall.tickets.values() if t.queue == "pos") == 0


def test_a_retained_poison_on_a_status_topic_does_not_stop_central(
    central_config: CentralConfig, node_factory: Callable[..., Node]
) -> None:
    attacker = node_factory("kiosk-9")
    poison = b'{"v":1,"node_id":' + b"[" * 5000 + b"]" * 5000 + b"}"
    attacker.link.publish(TOPICS.status("kiosk-9"), poison, retain=True)
    attacker.link.publish(TOPICS.request("kiosk-9"), poison, retain=True)
    time.sleep(0.2)
    for _ in range(3):  # every start reads the retained poison first
        central = Central(central_config, load_catalogue(central_config.catalogue))
        central.start()
        try:
            assert central.link.wait_connected(5)
            reply = attacker.issue("skck")
            assert reply.ok and central.healthy()
            assert central.errors["invalid_status"] >= 1
        finally:
            central.stop()


def test_a_handler_bug_is_refused_logged_counted_and_central_serves_on(
    central: Central, node_factory: Callable[..., Node], monkeypatch: pytest.MonkeyPatch
) -> None:
    kiosk = node_factory("kiosk-1")
    assert kiosk.issue("dukcapil").ok
    hall = central.hall
    real_issue = hall.issue

    def half_applied_then_broken(req: m.IssueTicket, at: Any) -> Any:
        out = real_issue(req, at)  # changes the hall in memory, then fails
        if req.queue == "skck":
            raise RuntimeError("a bug")
        return out

    monkeypatch.setitem(hall._handlers, m.IssueTicket, half_applied_then_broken)
    broken = kiosk.issue("skck")
    assert not broken.ok and broken.refusal is not None
    assert broken.refusal.code == "invalid_request" and "bug" in broken.refusal.text_en
    assert central.errors["internal_error"] == 1 and central.healthy()
    # The half-applied ticket was rolled back (the hall was rebuilt from the ledger): the
    # next one in that queue is B001.
    assert central.hall is not hall
    again = kiosk.issue("skck")
    assert again.ok and again.ticket is not None and again.ticket.label == "B001"
    assert kiosk.issue("dukcapil").ticket.label == "A002"  # type: ignore[union-attr]
