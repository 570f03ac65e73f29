"""Junk on every topic central subscribes to: no crash, no state change, each one counted."""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from antrian.mqtt import now
from central import Central
from protocol import Topics, decode, encode
from protocol import messages as m
from tests.central.conftest import Node

TOPICS = Topics("demo")

VALID = json.loads(
    encode(m.IssueTicket(request_id="fuzzfuzz-0", node_id="fuzz-1", sent_at=now(), queue="pos"))
)
REQUIRED = ["v", "type", "request_id", "node_id", "sent_at", "queue"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def broken_requests(draw: st.DrawFn) -> bytes:
    """Payloads that are never a valid request: raw bytes, random JSON, or a valid request
    with a required field dropped, an unknown field added, or a field of the wrong type."""
    kind = draw(st.sampled_from(["bytes", "json", "drop", "extra", "wrong_type"]))
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    data: dict[str, Any] = dict(VALID, request_id=f"fuzz-{draw(st.integers(0, 10**9)):010d}")
    if kind == "drop":
        del data[draw(st.sampled_from(REQUIRED[1:]))]
    elif kind == "extra":
        data[draw(st.text(min_size=1, max_size=8).filter(lambda k: k not in data))] = draw(
            json_values
        )
    else:
        field = draw(st.sampled_from(["queue", "sent_at", "priority", "node_id"]))
        data[field] = draw(st.lists(st.integers(), min_size=1, max_size=3))
    return json.dumps(data).encode()


def test_junk_requests_and_statuses(central: Central, node_factory: Any) -> None:
    fuzzer: Node = node_factory("fuzz-1")
    replies: list[m.Reply] = []
    fuzzer.link.subscribe(TOPICS.reply("fuzz-1"), lambda t, p: replies.append(decode(m.Reply, p)))
    time.sleep(0.1)
    seq = central.hall.seq

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(payload=broken_requests(), status_junk=st.binary(max_size=40))
    def fuzz(payload: bytes, status_junk: bytes) -> None:
        n, errors = len(replies), central.errors["invalid_status"]
        fuzzer.link.publish(TOPICS.request("fuzz-1"), payload)
        fuzzer.link.publish(TOPICS.status("fuzz-1"), status_junk + b"{")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and (
            len(replies) == n or central.errors["invalid_status"] == errors
        ):
            time.sleep(0.002)
        assert len(replies) == n + 1, f"no error reply to {payload!r}"
        assert not replies[-1].ok and replies[-1].refusal is not None
        assert central.errors["invalid_status"] == errors + 1

    fuzz()
    assert central.hall.seq == seq and not central.hall.tickets
    # Central still works.
    assert fuzzer.issue("pos").ok
