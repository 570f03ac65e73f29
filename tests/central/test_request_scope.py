"""Request ids are scoped to their node, and committed events reach `events` at least once."""

from __future__ import annotations

import sqlite3
import threading

from antrian.devbroker import DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink
from central import Central, load_catalogue
from central.config import CentralConfig
from protocol import Topics, decode
from protocol import messages as m
from tests.central.test_service import NodeFactory, wait_for


def test_the_same_request_id_from_two_kiosks_is_two_requests(
    central: Central, node_factory: NodeFactory
) -> None:
    k1, k2 = node_factory("kiosk-1"), node_factory("kiosk-2")
    base = k1.base()
    first = k1.call(m.IssueTicket(queue="dukcapil", **base))
    second = k2.call(m.IssueTicket(queue="dukcapil", **{**base, "node_id": "kiosk-2"}))
    assert first.ticket is not None and second.ticket is not None
    assert (first.ticket.label, second.ticket.label) == ("A001", "A002")
    # Each node's duplicate still gets its own stored reply.
    assert k1.call(m.IssueTicket(queue="dukcapil", **base)) == first
    assert k2.call(m.IssueTicket(queue="dukcapil", **{**base, "node_id": "kiosk-2"})) == second


def test_a_callers_reused_id_is_applied_not_answered_with_a_ticket(
    central: Central, node_factory: NodeFactory
) -> None:
    kiosk, caller = node_factory("kiosk-1"), node_factory("caller-1", "caller")
    base = kiosk.base()
    issued = kiosk.call(m.IssueTicket(queue="dukcapil", **base))
    called = caller.call(m.CallNext(counter="loket-1", **{**base, "node_id": "caller-1"}))
    assert issued.ticket is not None and called.ticket is None
    assert called.ok and called.counter is not None and called.counter.ticket is not None
    assert called.counter.ticket.ticket_id == issued.ticket.ticket_id


def _events_listener(port: int, seen: list[int], lock: threading.Lock) -> MqttLink:
    topics = Topics("demo")
    link = MqttLink(BrokerSettings(port=port), topics, Identity("listener", "tool", 1))

    def on_event(topic: str, payload: bytes) -> None:
        with lock:
            seen.append(decode(m.Event, payload).seq)

    link.subscribe(topics.events, on_event)
    link.start()
    assert link.wait_connected(5)
    return link


def test_events_not_confirmed_published_go_again_on_start_in_seq_order(
    broker: DevBroker, central_config: CentralConfig, node_factory: NodeFactory
) -> None:
    central = Central(central_config, load_catalogue(central_config.catalogue))
    central.start()
    assert central.link.wait_connected(5)
    kiosk = node_factory("kiosk-1")
    for _ in range(4):
        assert kiosk.issue("skck").ok
    wait_for(lambda: central.ledger.published_seq == 4)
    central.stop()
    # As if central was killed after committing seq 3 and 4 but before the broker had
    # acknowledged their events.
    db = sqlite3.connect(central_config.ledger_path)
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('published_seq', '2')")
    db.commit()
    db.close()
    seen: list[int] = []
    lock = threading.Lock()
    listener = _events_listener(broker.port, seen, lock)
    again = Central(central_config, load_catalogue(central_config.catalogue))
    again.start()
    try:
        assert again.link.wait_connected(5)
        wait_for(lambda: len(seen) >= 2)
        assert kiosk.issue("skck").ok
        wait_for(lambda: 5 in seen)
        with lock:
            assert seen == [3, 4, 5]
        wait_for(lambda: again.ledger.published_seq == 5)
    finally:
        again.stop()
        listener.stop()


def test_events_published_while_the_broker_was_away_go_out_after_it_returns(
    broker: DevBroker, central: Central, node_factory: NodeFactory
) -> None:
    kiosk = node_factory("kiosk-1")
    assert kiosk.issue("skck").ok
    wait_for(lambda: central.ledger.published_seq == 1)
    broker.kill()
    wait_for(lambda: not central.link.connected)
    # A fact committed while the broker is down (the day's close, here a sign-out applied
    # straight through the worker's path as a request would be).
    central._submit(("request", central.topics.request("kiosk-1"), _issue_payload()))
    wait_for(lambda: central.hall.seq == 2)
    assert central.ledger.published_seq == 1
    seen: list[int] = []
    lock = threading.Lock()
    broker.start()
    listener = _events_listener(broker.port, seen, lock)
    try:
        # The listener subscribes before central's reconnect backoff ends, most times;
        # what matters is central's marker: seq 2 confirmed by the broker.
        wait_for(lambda: central.ledger.published_seq == 2, timeout=15)
    finally:
        listener.stop()


def _issue_payload() -> bytes:
    from antrian.mqtt import new_request_id, now
    from protocol import encode

    return encode(
        m.IssueTicket(
            request_id=new_request_id("kiosk-1"), node_id="kiosk-1", sent_at=now(), queue="skck"
        )
    )
