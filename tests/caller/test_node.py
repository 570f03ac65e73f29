"""Mock-pin presses through a real Mosquitto and a real central."""

from __future__ import annotations

import time
from collections.abc import Callable

from antrian.mqtt import now
from edge.caller import Led
from edge.caller.panel import BLINK, FAULT, OFF, ON, REFUSED, SLOW
from protocol import Topics, encode
from protocol import messages as m
from tests.caller.conftest import (
    FINISH,
    HOLD_S,
    NEXT,
    NO_SHOW,
    PAUSE,
    RATE,
    RECALL,
    TRANSFER,
    TRANSFER_BAD,
    Caller,
    CentralRunner,
    Observer,
    wait_for,
)

MakeCaller = Callable[..., Caller]
SETTLE = 0.35  # just past the double-press window between deliberate presses


def label(c: Caller) -> str | None:
    snap = c.snapshot()
    return snap.ticket.label if snap and snap.ticket else None


def test_officer_sequence_changes_central_state(
    central_runner: CentralRunner, observer: Observer, make_caller: MakeCaller
) -> None:
    observer.issue("dukcapil", 3)
    c = make_caller()
    c.ready()
    central = central_runner.central
    assert central is not None

    c.press(NEXT)
    observer.wait_kind("ticket_called")
    wait_for(lambda: label(c) == "A001")
    c.wait_led(Led.CALLING, BLINK)
    time.sleep(SETTLE)

    c.press(RECALL)
    observer.wait_kind("ticket_recalled")
    time.sleep(SETTLE)

    c.press(RECALL, hold=HOLD_S + 0.15)  # hold: the citizen is at the desk
    observer.wait_kind("service_started")
    c.wait_led(Led.CALLING, ON)
    time.sleep(SETTLE)

    c.press(NEXT)  # serves A001, calls A002
    observer.wait_kind("ticket_called", 2)
    wait_for(lambda: label(c) == "A002")
    time.sleep(SETTLE)

    c.press(NO_SHOW)
    observer.wait_kind("ticket_no_show")
    wait_for(lambda: label(c) is None)
    time.sleep(SETTLE)

    c.press(NEXT)
    observer.wait_kind("ticket_called", 3)
    time.sleep(SETTLE)

    c.press(TRANSFER)  # A003 goes to the licensing queue, keeping its number
    moved = observer.wait_kind("ticket_transferred")[0]
    assert moved.ticket is not None and moved.ticket.label == "A003"
    assert moved.ticket.queue == "perizinan" and moved.from_queue == "dukcapil"
    time.sleep(SETTLE)

    c.press(PAUSE)
    observer.wait_kind("counter_paused")
    c.wait_led(Led.PAUSED, ON)
    time.sleep(SETTLE)

    observer.issue("dukcapil")
    c.press(NEXT)  # refused while paused: error pattern, nothing called
    c.wait_led(Led.ERROR, REFUSED)
    time.sleep(SETTLE)
    assert len(observer.of_kind("ticket_called")) == 3

    c.press(PAUSE)
    observer.wait_kind("counter_resumed")
    c.wait_led(Led.PAUSED, SLOW)  # open again; slow because nobody has signed in
    time.sleep(SETTLE)

    c.press(FINISH)  # nothing to finish: refused, no change
    c.wait_led(Led.ERROR, REFUSED)

    assert observer.kinds() == [
        "ticket_called",
        "ticket_recalled",
        "service_started",
        "ticket_served",
        "ticket_called",
        "ticket_no_show",
        "ticket_called",
        "ticket_transferred",
        "counter_paused",
        "counter_resumed",
    ]
    statuses = {t.label: t.status for t in central.hall.tickets.values()}
    assert statuses == {"A001": "served", "A002": "no_show", "A003": "waiting", "A004": "waiting"}


def test_double_press_and_bounce_call_one_ticket(
    central_runner: CentralRunner, observer: Observer, make_caller: MakeCaller
) -> None:
    observer.issue("dukcapil", 4)
    c = make_caller()
    c.ready()
    c.bounce(NEXT)
    time.sleep(0.05)
    c.press(NEXT)  # an impatient second press inside the window
    observer.wait_kind("ticket_called")
    time.sleep(0.5)
    assert len(observer.of_kind("ticket_called")) == 1
    assert observer.caller_requests() == 1
    c.press(NEXT)  # a deliberate press after the window calls the next one
    observer.wait_kind("ticket_called", 2)
    time.sleep(0.3)
    assert [e.ticket.label for e in observer.of_kind("ticket_called") if e.ticket] == [
        "A001",
        "A002",
    ]


def test_central_away_gives_error_at_once_and_queues_nothing(
    central_runner: CentralRunner, observer: Observer, make_caller: MakeCaller
) -> None:
    observer.issue("dukcapil", 2)
    c = make_caller()
    c.ready()
    central_runner.stop()
    c.wait_led(Led.ONLINE, SLOW)
    sent_before = observer.caller_requests()
    t0 = time.monotonic()
    c.press(NEXT)
    c.wait_led(Led.ERROR, FAULT, timeout=1.0)
    assert time.monotonic() - t0 < 1.0  # at once: no waiting for a timeout
    time.sleep(SETTLE)
    assert observer.caller_requests() == sent_before
    notice = c.node.inspect(lambda: c.node.panels["loket-1"].board(time.monotonic()).notice)
    assert notice == "Server pusat tidak terhubung. Coba lagi nanti."

    central_runner.start()
    c.wait_led(Led.ONLINE, ON, timeout=5)
    time.sleep(0.5)
    assert observer.of_kind("ticket_called") == []  # the offline press was not replayed
    c.press(NEXT)
    called = observer.wait_kind("ticket_called")
    assert called[0].ticket is not None and called[0].ticket.label == "A001"


def test_unanswered_press_times_out_and_is_never_applied(
    observer: Observer, make_caller: MakeCaller, central_runner: CentralRunner
) -> None:
    observer.issue("dukcapil", 1)
    c = make_caller()
    c.ready()
    # A central that looks online but does not answer (hung): stop the real one and
    # leave a birth of its session on the broker.
    central = central_runner.central
    assert central is not None
    session = central.link.identity.session
    central_runner.stop()
    c.wait_led(Led.ONLINE, SLOW)
    hung = m.NodeStatus(node_id="central", role="central", online=True, session=session, at=now())
    observer.link.publish(Topics("demo").status("central"), encode(hung), retain=True)
    c.wait_led(Led.ONLINE, ON)
    c.press(NEXT)
    wait_for(lambda: observer.caller_requests() == 1, 1.0, "the request on the broker")
    time.sleep(0.9)
    assert c.led(Led.ERROR) == OFF  # still waiting, within the 1.5 s timeout
    c.wait_led(Led.ERROR, FAULT, timeout=1.5)
    central_runner.start()  # a central that comes back never sees the timed-out press
    c.wait_led(Led.ONLINE, ON, timeout=5)
    time.sleep(0.5)
    assert observer.of_kind("ticket_called") == []
    assert observer.caller_requests() == 1


def test_broker_away_and_back(
    broker: object, central_runner: CentralRunner, observer: Observer, make_caller: MakeCaller
) -> None:
    from antrian.devbroker import DevBroker

    assert isinstance(broker, DevBroker)
    observer.issue("dukcapil", 1)
    c = make_caller()
    c.ready()
    broker.kill()
    c.wait_led(Led.ONLINE, OFF)
    c.press(NEXT)
    c.wait_led(Led.ERROR, FAULT, timeout=0.5)
    broker.stop()  # cleans up the killed broker's temp dir; start() reuses the port
    broker.start()
    # Central republishes its status and snapshots; the caller shows its state again.
    c.wait_led(Led.ONLINE, ON, timeout=15)
    c.wait_led(Led.ERROR, OFF, timeout=4)
    wait_for(lambda: observer.link.connected, 10)
    c.press(NEXT)
    wait_for(lambda: label(c) == "A001", 5)


def test_one_rating_per_ticket(
    central_runner: CentralRunner, observer: Observer, make_caller: MakeCaller
) -> None:
    observer.issue("dukcapil", 2)
    c = make_caller()
    c.ready()
    c.press(RATE[4])  # nothing served yet
    c.wait_led(Led.THANKS, REFUSED)
    c.press(NEXT)
    observer.wait_kind("ticket_called")
    time.sleep(SETTLE)
    c.press(NEXT)  # serves A001
    observer.wait_kind("ticket_served")
    time.sleep(0.1)
    c.press(RATE[3])
    rated = observer.wait_kind("ticket_rated")
    c.wait_led(Led.THANKS, ON)
    assert rated[0].score == 3 and rated[0].ticket is not None
    assert rated[0].ticket.label == "A001"
    c.press(RATE[1])  # a second rating of the same service
    c.press(RATE[2])
    time.sleep(0.5)
    assert len(observer.of_kind("ticket_rated")) == 1
    central = central_runner.central
    assert central is not None
    a001 = next(t for t in central.hall.tickets.values() if t.label == "A001")
    assert a001.rating == 3


def test_bad_input_gets_clear_feedback_and_changes_nothing(
    central_runner: CentralRunner, observer: Observer, make_caller: MakeCaller
) -> None:
    observer.issue("dukcapil", 1)
    c = make_caller()
    c.ready()
    c.press(RECALL)  # nothing called yet
    c.wait_led(Led.ERROR, REFUSED)
    notice = c.node.inspect(lambda: c.node.panels["loket-1"].board(time.monotonic()).notice)
    assert notice == "Tidak ada nomor yang sedang dilayani."
    c.press(NEXT)
    observer.wait_kind("ticket_called")
    time.sleep(SETTLE)
    c.press(TRANSFER_BAD)  # a queue the hall does not have
    c.wait_led(Led.ERROR, REFUSED)
    time.sleep(0.3)
    assert observer.of_kind("ticket_transferred") == []
    assert label(c) == "A001"

    other = make_caller(node_id="caller-test-2", counter={"id": "loket-9"})
    wait_for(lambda: other.led(Led.ONLINE, "loket-9") == ON, 5)
    other.press(NEXT)
    other.wait_led(Led.ERROR, REFUSED, counter="loket-9")
    link = other.node.link
    assert link is not None
    wait_for(lambda: "unknown_counter:loket-9" in link.faults)


def test_shift_handover_keeps_the_counter_open(
    central_runner: CentralRunner, observer: Observer, make_caller: MakeCaller
) -> None:
    from edge.caller.cli import sign

    observer.issue("dukcapil", 2)
    c = make_caller(counter={"id": "loket-1", "officer": "budi"})
    c.ready()
    wait_for(lambda: (s := c.snapshot()) is not None and s.officer == "budi")
    c.press(NEXT)
    observer.wait_kind("ticket_called")
    time.sleep(SETTLE)
    c.press(PAUSE)
    observer.wait_kind("counter_paused")
    time.sleep(SETTLE)
    c.press(PAUSE, hold=HOLD_S + 0.15)  # shift ends: budi signs out
    observer.wait_kind("officer_signed_out")
    c.wait_led(Led.PAUSED, ON)
    reply = sign(c.node.config, "loket-1", "sari", timeout=3)
    assert reply.ok and reply.counter is not None and reply.counter.officer == "sari"
    time.sleep(SETTLE)
    c.press(PAUSE)
    observer.wait_kind("counter_resumed")
    time.sleep(SETTLE)
    c.press(NEXT)
    observer.wait_kind("ticket_called", 2)
    served = observer.wait_kind("ticket_served")[0]
    called = observer.of_kind("ticket_called")
    assert served.ticket is not None and served.ticket.label == "A001"
    assert called[0].officer == "budi" and called[1].officer == "sari"
    assert served.officer == "sari"  # finished on sari's NEXT; the call names budi
    kinds = observer.kinds()
    assert kinds.index("officer_signed_in") < kinds.index("ticket_called")


def test_healthy_only_while_the_loop_comes_round(make_caller: Callable[..., Caller]) -> None:
    """What systemd's watchdog pings on (antrian caller runs a Heartbeat on it)."""
    c = make_caller()
    assert wait_for(c.node.healthy)
    c.node.loop.watch.stall_s = 0.2
    c.node.call_soon(lambda: time.sleep(0.6))  # a hung driver call on the loop
    assert wait_for(lambda: not c.node.healthy(), 2)
    assert wait_for(c.node.healthy, 2)  # came round again
    c.node.stop()
    assert not c.node.healthy()
