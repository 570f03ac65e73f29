"""Junk on every topic a kiosk, a caller and a hall display subscribe to: no crash, no state
change, each message counted. Central's own topics: tests/central/test_fuzz.py.

The nodes run in this process (their real adapters on mock pins, an escpos simulated printer
and SDL's dummy video) against a real broker and a real central; the junk travels through
Mosquitto like any message."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from antrian.board_state import Update
from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink, Requester, new_request_id, now
from central import Central, load_catalogue
from central.testing import make_config
from edge.caller._wiring import build_node
from edge.caller.config import load_config as load_caller
from edge.caller.node import CallerNode
from edge.display.config import DisplayConfig
from edge.display.node import DisplayNode
from edge.kiosk import Kiosk, build
from edge.kiosk._gpio import press_pin
from edge.kiosk.config import load_config as load_kiosk
from edge.kiosk.outbox import Outbox
from hall.site import HallSite
from protocol import CENTRAL_ID, ProtocolError, Topics, decode, encode
from protocol import messages as m
from tests.e2e.conftest import DEMO
from tests.waiting import eventually

TOPICS = Topics("demo")
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def junk(draw: st.DrawFn, valid: dict[str, Any]) -> bytes:
    """Never a valid message (the test checks that with the protocol's own decoder): raw
    bytes, random JSON, or a real message of the topic's type with a field dropped, an
    unknown field added, a field of the wrong type, another schema version or type."""
    kind = draw(st.sampled_from(["bytes", "json", "drop", "extra", "wrong_type", "v", "type"]))
    if kind == "bytes":
        return draw(st.binary(min_size=1, max_size=96))
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    data = dict(valid)
    keys = sorted(data)
    if kind == "drop":
        del data[draw(st.sampled_from(keys))]
    elif kind == "extra":
        name = draw(st.text(min_size=1, max_size=8).filter(lambda k: k not in data))
        data[name] = draw(json_values)
    elif kind == "wrong_type":
        # An object where a scalar, a list or a strict model is expected.
        data[draw(st.sampled_from(keys))] = {"\u0000junk": draw(json_values)}
    elif kind == "v":
        data["v"] = draw(st.integers().filter(lambda v: v != 1) | st.text(max_size=4))
    else:
        data["type"] = draw(st.text(max_size=12).filter(lambda t: t != valid.get("type")))
    return json.dumps(data).encode()


def _invalid(model: type[BaseModel], payload: bytes) -> bool:
    try:
        decode(model, payload)
    except ProtocolError:
        return True
    return False


@dataclass
class Nodes:
    tester: MqttLink
    requester: Requester
    kiosk: Kiosk
    kiosk_pins: Any
    kiosk_outbox: Outbox
    caller: CallerNode
    display: DisplayNode
    port: int
    valid: dict[str, dict[str, Any]] = field(default_factory=dict)

    def request(self, cls: type[m.RequestBase], **kw: Any) -> m.Reply:
        req = cls(request_id=new_request_id("fuzzer"), node_id="fuzzer", sent_at=now(), **kw)
        return self.requester.call(req, 5.0)

    def send_junk(self, topic: str, payload: bytes, counted: Callable[[], int]) -> None:
        before = counted()
        assert self.tester.publish(topic, payload)
        counted_once = eventually(lambda: counted() == before + 1)
        assert counted_once, f"junk on {topic} not counted: {payload!r}"

    # What each node holds; junk must leave all of it as it was.
    def kiosk_state(self) -> object:
        k, box = self.kiosk, self.kiosk_outbox
        tickets = [(t.ticket_id, t.printed, t.replayed) for t in box.tickets()]
        counters = {n: v for n, v in k.counters.items() if n != "malformed"}
        return (k._central_online, k.printer_status, tickets, box.get("hall_name"),
                box.get("queues"), counters)  # fmt: skip

    def caller_state(self) -> object:
        def read() -> object:
            return [(p.snapshot, p.link_up, p.central_online, dict(p.pending), p.rateable,
                     dict(p.counts)) for p in self.caller.panels.values()]  # fmt: skip

        return self.caller.inspect(read)

    def display_state(self) -> object:
        d, s = self.display, self.display.state
        calls = [e.seq for e in s.recent_calls]
        return (s.seq, s.hall_name, s.business_day, s.open, dict(s.counters), dict(s.queues),
                calls, s.gaps, d.central_online, d.broker_online)  # fmt: skip


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    tmp = tmp_path_factory.mktemp("fuzz")
    with DevBroker() as broker:
        site = HallSite(DEMO).materialize(
            tmp, broker.port, kiosks=["kiosk-1"], callers=["caller-loket-1"],
            displays=["display-hall"],
        )  # fmt: skip
        central = Central(make_config(broker.port, tmp / "central"), load_catalogue(site.catalogue))
        central.start()
        tester = MqttLink(BrokerSettings(port=broker.port), TOPICS, Identity("fuzzer", "tool", 1))
        requester = Requester(tester)
        valid: dict[str, dict[str, Any]] = {}

        def keep(name: str) -> Callable[[str, bytes], None]:
            # The first real message of each kind: the template the junk is made from.
            def handler(topic: str, payload: bytes) -> None:
                if payload and name not in valid:
                    valid[name] = json.loads(payload)

            return handler

        tester.subscribe(TOPICS.status(CENTRAL_ID), keep("status"))
        tester.subscribe(TOPICS.hall, keep("hall"))
        tester.subscribe(TOPICS.counter("loket-1"), keep("counter"))
        tester.subscribe(TOPICS.events, keep("event"))
        tester.start()
        assert tester.wait_connected(5)

        kiosk, factory = build(load_kiosk(site.kiosks[0]))
        kiosk.start()
        caller = build_node(load_caller(site.callers[0]))
        caller.start()
        raw = yaml.safe_load(site.displays[0].read_text(encoding="utf-8"))
        raw["voice"]["enabled"] = False  # the board is what junk could break; speech is tested
        display = DisplayNode(DisplayConfig.model_validate(raw))
        display.start()
        runner = threading.Thread(target=display.run, name="display-loop", daemon=True)
        runner.start()
        box = Outbox(site.state_dir("kiosk-1") / "outbox.sqlite3")
        n = Nodes(tester, requester, kiosk, factory, box, caller, display, broker.port, valid)
        try:
            # A hall with something to lose: tickets waiting, one called at the caller's
            # counter, each node showing it.
            for _ in range(3):
                assert n.request(m.IssueTicket, queue="dukcapil").ok
            assert eventually(lambda: caller.panels["loket-1"].central_online, 10)
            assert n.request(m.CallNext, counter="loket-1").ok
            assert eventually(lambda: display.state.seq is not None
                         and display.state.queues["dukcapil"].waiting == 2, 10)  # fmt: skip
            assert eventually(lambda: (s := caller.panels["loket-1"].snapshot) is not None
                         and s.ticket is not None, 10)  # fmt: skip
            assert eventually(lambda: kiosk._central_online is True and kiosk.idle.is_set(), 10)
            assert eventually(lambda: box.get("queues") is not None, 5)  # the hall's names cached
            assert eventually(lambda: {"status", "hall", "counter", "event"} <= set(valid), 5)
            valid["reply"] = json.loads(encode(m.Reply(request_id="fuzz-reply-0", ok=True)))
            valid["config"] = json.loads(encode(m.DeviceConfig(
                node_id="kiosk-1", role="kiosk", version=99, sha256="0" * 64, issued_at=now(),
                config={"node_id": "kiosk-1"})))  # fmt: skip
            yield n
        finally:
            display.stopped.set()
            runner.join(5)
            display.stop()
            caller.stop()
            kiosk.stop()
            box.close()
            tester.stop()
            central.stop()


# -- the kiosk: status/central, state/hall, reply/kiosk-1 ------------------------------------

KIOSK_TOPICS: dict[str, tuple[str, type[BaseModel]]] = {
    "status": (TOPICS.status(CENTRAL_ID), m.NodeStatus),
    "hall": (TOPICS.hall, m.HallSnapshot),
    "reply": (TOPICS.reply("kiosk-1"), m.Reply),
    "config": (TOPICS.config("kiosk-1"), m.DeviceConfig),
}


@pytest.mark.parametrize("which", sorted(KIOSK_TOPICS))
@pytest.mark.slow
def test_kiosk_counts_and_ignores_junk(nodes: Nodes, which: str) -> None:
    topic, model = KIOSK_TOPICS[which]
    k = nodes.kiosk
    counted = {
        "reply": lambda: k.requester.malformed,
        "config": lambda: k.config_receiver.rejected,
    }.get(which, lambda: k.counters["malformed"])
    config = k.config
    before = nodes.kiosk_state()

    @FUZZ
    @given(payload=junk(nodes.valid[which]))
    def fuzz(payload: bytes) -> None:
        if not _invalid(model, payload):
            return
        nodes.send_junk(topic, payload, counted)
        assert nodes.kiosk_state() == before

    fuzz()
    assert k.config == config
    assert k.loop.healthy()  # its worker runs on


# -- the caller: status/central, state/counter/loket-1, events, reply/caller-loket-1 ----------

CALLER_TOPICS: dict[str, tuple[str, type[BaseModel]]] = {
    "status": (TOPICS.status(CENTRAL_ID), m.NodeStatus),
    "counter": (TOPICS.counter("loket-1"), m.CounterSnapshot),
    "event": (TOPICS.events, m.Event),
    "reply": (TOPICS.reply("caller-loket-1"), m.Reply),
    "config": (TOPICS.config("caller-loket-1"), m.DeviceConfig),
}


@pytest.mark.parametrize("which", sorted(CALLER_TOPICS))
@pytest.mark.slow
def test_caller_counts_and_ignores_junk(nodes: Nodes, which: str) -> None:
    topic, model = CALLER_TOPICS[which]
    c = nodes.caller
    requester = c._requester
    assert requester is not None
    receiver = c.config_receiver
    assert receiver is not None
    counted = {
        "reply": lambda: requester.malformed,
        "config": lambda: receiver.rejected,
    }.get(which, lambda: c.malformed)
    config = c.config
    before = nodes.caller_state()

    @FUZZ
    @given(payload=junk(nodes.valid[which]))
    def fuzz(payload: bytes) -> None:
        if not _invalid(model, payload):
            return
        nodes.send_junk(topic, payload, counted)
        assert nodes.caller_state() == before

    fuzz()
    assert c.config == config
    assert c.loop.healthy()  # its loop runs on


# -- the hall display: events, state/hall, status/central --------------------------------------

DISPLAY_TOPICS: dict[str, tuple[str, type[BaseModel]]] = {
    "status": (TOPICS.status(CENTRAL_ID), m.NodeStatus),
    "hall": (TOPICS.hall, m.HallSnapshot),
    "event": (TOPICS.events, m.Event),
    "config": (TOPICS.config("display-hall"), m.DeviceConfig),
}


@pytest.mark.parametrize("which", sorted(DISPLAY_TOPICS))
@pytest.mark.slow
def test_display_counts_and_ignores_junk(nodes: Nodes, which: str) -> None:
    topic, model = DISPLAY_TOPICS[which]
    d = nodes.display
    before = nodes.display_state()
    frames = d.frames
    receiver = d.config_receiver
    assert receiver is not None
    counted = (lambda: receiver.rejected) if which == "config" else (lambda: d.malformed)
    config = d.config

    @FUZZ
    @given(payload=junk(nodes.valid[which]))
    def fuzz(payload: bytes) -> None:
        if not _invalid(model, payload):
            return
        nodes.send_junk(topic, payload, counted)
        assert nodes.display_state() == before

    fuzz()
    assert d.config == config
    assert not d.stopped.is_set()
    assert d.frames >= frames


@pytest.mark.slow
def test_after_the_junk_every_node_still_works(nodes: Nodes) -> None:
    """Runs after the fuzzing above (same module fixture): a real call still reaches the
    caller and the board, and a real press still prints."""
    assert nodes.request(m.IssueTicket, queue="dukcapil").ok
    reply = nodes.request(m.CallNext, counter="loket-1")
    assert reply.ok and reply.counter is not None and reply.counter.ticket is not None
    label = reply.counter.ticket.label
    d, panel = nodes.display, nodes.caller.panels["loket-1"]
    assert eventually(lambda: bool(d.state.recent_calls) and d.state.recent_calls[0].ticket
                 is not None and d.state.recent_calls[0].ticket.label == label)  # fmt: skip
    assert eventually(lambda: panel.snapshot is not None and panel.snapshot.ticket is not None
                 and panel.snapshot.ticket.label == label)  # fmt: skip
    printed = len(nodes.kiosk_outbox.tickets())
    press_pin(nodes.kiosk_pins, nodes.kiosk.config.buttons[0].pin)
    assert eventually(lambda: len(nodes.kiosk_outbox.tickets()) == printed + 1
                 and all(t.printed for t in nodes.kiosk_outbox.tickets()), 5)  # fmt: skip


def test_a_resync_does_not_double_the_hall_handler(nodes: Nodes, tmp_path: Path) -> None:
    """The display's resync path on its own link, without a screen: one junk snapshot after
    a resync must reach the display's inbox once. (Found by the fuzzing above: each resync
    added the handler again, so later snapshots were handled and counted twice.)"""
    cfg = nodes.display.config.model_copy(
        update={"node_id": "display-resync", "state_dir": tmp_path / "display"}
    )
    node = DisplayNode(cfg)
    link = MqttLink(BrokerSettings(port=nodes.port), TOPICS, Identity(cfg.node_id, "display", 1))
    node.link = link
    link.subscribe(TOPICS.hall, node._receive)  # as start() does
    link.start()
    try:
        assert link.wait_connected(5)
        assert eventually(lambda: not node.inbox.empty())  # the retained snapshot
        node._apply(Update(resync=True))  # what a sequence gap does
        assert eventually(lambda: node.inbox.qsize() >= 2)  # the snapshot, sent again
        assert nodes.tester.publish(TOPICS.hall, b"junk")
        time.sleep(0.3)
        # Central may publish a fresh snapshot meanwhile; the junk must arrive exactly once.
        received = []
        while not node.inbox.empty():
            received.append(node.inbox.get_nowait())
        assert received.count((TOPICS.hall, b"junk")) == 1
    finally:
        link.stop()
