"""The counter panel's pure logic: gestures to requests, replies and timeouts to feedback."""

from __future__ import annotations

from datetime import date

import pytest

from edge.caller.panel import (
    ACK,
    BLINK,
    FAULT,
    OFF,
    ON,
    REFUSED,
    SLOW,
    Button,
    CounterPanel,
    Gesture,
    Ignored,
    Led,
    PanelSettings,
    Press,
    Rejected,
    Send,
)
from protocol import messages as m
from tests.tickets import AT, dukcapil_ticket


def ticket(label: str = "A001", status: m.TicketStatus = "called") -> m.TicketInfo:
    return dukcapil_ticket(label, status, counter="loket-1")


def snap(
    state: m.CounterState = "idle", t: m.TicketInfo | None = None, officer: str | None = "budi"
) -> m.CounterSnapshot:
    return m.CounterSnapshot(
        seq=1,
        counter="loket-1",
        name="Loket 1",
        state=state,
        officer=officer,
        ticket=t,
        queues=["dukcapil"],
    )


def panel(**settings: object) -> CounterPanel:
    p = CounterPanel("loket-1", PanelSettings(node_id="caller-1", **settings))  # type: ignore[arg-type]
    p.set_link(True)
    p.set_central(True)
    p.on_snapshot(snap())
    return p


class Ids:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"caller-1.req{self.n:04d}"


def press(p: CounterPanel, button: Button, now: float, ids: Ids, **kw: object) -> object:
    return p.press(Press("loket-1", button, **kw), now, AT, ids())  # type: ignore[arg-type]


def test_each_button_sends_its_request() -> None:
    ids = Ids()
    cases: list[tuple[Button, Gesture, dict[str, object], type[m.RequestBase]]] = [
        (Button.NEXT, Gesture.PRESS, {}, m.CallNext),
        (Button.RECALL, Gesture.PRESS, {}, m.Recall),
        (Button.RECALL, Gesture.HOLD, {}, m.StartService),
        (Button.NO_SHOW, Gesture.PRESS, {}, m.NoShow),
        (Button.FINISH, Gesture.PRESS, {}, m.FinishService),
        (Button.TRANSFER, Gesture.PRESS, {"to_queue": "skck"}, m.Transfer),
        (Button.PAUSE, Gesture.PRESS, {}, m.PauseCounter),
        (Button.PAUSE, Gesture.HOLD, {}, m.SignOut),
    ]
    for button, gesture, kw, model in cases:
        p = panel()
        out = press(p, button, 10.0, ids, gesture=gesture, **kw)
        assert isinstance(out, Send), (button, gesture)
        assert type(out.request) is model
        assert out.request.counter == "loket-1"  # type: ignore[attr-defined]
        assert out.request.node_id == "caller-1"


def test_pause_toggles_by_the_counter_state() -> None:
    ids = Ids()
    p = panel()
    p.on_snapshot(snap("paused"))
    out = press(p, Button.PAUSE, 1.0, ids)
    assert isinstance(out, Send) and isinstance(out.request, m.ResumeCounter)


def test_hold_pause_with_nobody_signed_in_signs_the_configured_officer_in() -> None:
    ids = Ids()
    p = panel(officer="sari")
    p.on_snapshot(snap(officer=None))
    out = press(p, Button.PAUSE, 1.0, ids, gesture=Gesture.HOLD)
    assert isinstance(out, Send) and isinstance(out.request, m.SignIn)
    assert out.request.officer == "sari"
    q = panel()
    q.on_snapshot(snap(officer=None))
    assert isinstance(press(q, Button.PAUSE, 1.0, ids, gesture=Gesture.HOLD), Rejected)
    assert q.leds(1.1)[Led.ERROR] == REFUSED


def test_bounce_and_double_press_send_one_request() -> None:
    ids = Ids()
    p = panel(double_press_s=0.8)
    first = press(p, Button.NEXT, 10.0, ids)
    assert isinstance(first, Send)
    assert press(p, Button.NEXT, 10.004, ids) == Ignored("double_press")
    p.on_reply("officer", m.Reply(request_id=first.request.request_id, ok=True), 10.05)
    # Answered, but still inside the double-press window: still one call.
    assert press(p, Button.NEXT, 10.5, ids) == Ignored("double_press")
    assert isinstance(press(p, Button.NEXT, 11.0, ids), Send)


def test_a_press_while_waiting_for_central_is_ignored() -> None:
    ids = Ids()
    p = panel(double_press_s=0.0)
    assert isinstance(press(p, Button.NEXT, 1.0, ids), Send)
    assert press(p, Button.RECALL, 1.1, ids) == Ignored("busy")
    # The citizens' rating panel is a separate channel and is not blocked by the officer.
    p.on_event(
        m.Event(
            seq=5,
            at=AT,
            kind="ticket_served",
            business_day=date(2025, 3, 3),
            ticket=ticket(status="served"),
            counter="loket-1",
        ),
        1.1,
    )
    assert isinstance(press(p, Button.RATE, 1.2, ids, score=4), Send)


def test_offline_press_shows_fault_at_once_and_sends_nothing() -> None:
    ids = Ids()
    p = panel()
    p.set_central(False)
    assert press(p, Button.NEXT, 5.0, ids) == Rejected("central_away")
    leds = p.leds(5.01)
    assert leds[Led.ERROR] == FAULT and leds[Led.ONLINE] == SLOW
    assert p.pending == {}
    assert p.board(5.01).offline and p.board(5.01).error
    p.set_link(False)
    assert press(p, Button.RECALL, 6.0, ids) == Rejected("broker_away")
    assert p.leds(6.0)[Led.ONLINE] == OFF
    # Back online: the error pattern ends on its own and the LEDs show the state again.
    p.set_link(True)
    p.set_central(True)
    leds = p.leds(10.0)
    assert leds[Led.ERROR] == OFF and leds[Led.ONLINE] == ON
    assert not p.board(10.0).offline


def test_timeout_shows_fault_and_is_not_retried() -> None:
    ids = Ids()
    p = panel(request_timeout_s=1.5)
    out = press(p, Button.NEXT, 1.0, ids)
    assert isinstance(out, Send)
    assert not p.expire(2.4)
    assert p.expire(2.5)
    assert p.leds(2.5)[Led.ERROR] == FAULT
    assert p.pending == {}
    # The late reply changes the screen (central's truth) but not the feedback.
    late = m.Reply(
        request_id=out.request.request_id,
        ok=True,
        counter=m.CounterInfo(
            counter="loket-1",
            name="Loket 1",
            state="calling",
            officer="budi",
            ticket=ticket(),
            queues=["dukcapil"],
        ),
    )
    p.on_reply("officer", late, 2.6)
    assert p.leds(2.6)[Led.ERROR] == FAULT
    assert p.counts["late_reply"] == 1


def test_reply_feedback_ack_and_refusal() -> None:
    ids = Ids()
    p = panel(double_press_s=0.0)
    out = press(p, Button.NEXT, 1.0, ids)
    assert isinstance(out, Send)
    info = m.CounterInfo(
        counter="loket-1",
        name="Loket 1",
        state="calling",
        officer="budi",
        ticket=ticket("A007"),
        queues=["dukcapil"],
    )
    p.on_reply("officer", m.Reply(request_id=out.request.request_id, ok=True, counter=info), 1.01)
    leds = p.leds(1.02)
    assert leds[Led.CALLING] == ACK and leds[Led.ERROR] == OFF
    assert p.leds(2.0)[Led.CALLING] == BLINK  # the ack burst is over; still calling
    assert p.snapshot is not None and p.snapshot.ticket is not None
    assert p.snapshot.ticket.label == "A007"

    # NEXT with nobody waiting still finishes A007 (central's queue_empty): not an error.
    out = press(p, Button.NEXT, 3.0, ids)
    assert isinstance(out, Send)
    refusal = m.Refusal(code="queue_empty", text_id="Tidak ada antrian menunggu.", text_en="x")
    idle = info.model_copy(update={"state": "idle", "ticket": None})
    p.on_reply(
        "officer",
        m.Reply(request_id=out.request.request_id, ok=False, refusal=refusal, counter=idle),
        3.01,
    )
    assert p.leds(3.02)[Led.ERROR] == OFF and p.leds(3.02)[Led.CALLING] == ACK
    board = p.board(3.02)
    assert board.notice == "A007 selesai. Tidak ada antrian menunggu." and not board.error
    assert p.board(6.0).notice is None

    # Again, with nobody at the desk: nothing happened, the officer sees why.
    out = press(p, Button.NEXT, 7.0, ids)
    assert isinstance(out, Send)
    p.on_reply(
        "officer", m.Reply(request_id=out.request.request_id, ok=False, refusal=refusal), 7.01
    )
    assert p.leds(7.02)[Led.ERROR] == REFUSED
    board = p.board(7.02)
    assert board.notice == "Tidak ada antrian menunggu." and board.error


def test_english_notices_by_config() -> None:
    ids = Ids()
    p = panel(language="en")
    p.set_central(False)
    press(p, Button.NEXT, 1.0, ids)
    assert p.board(1.0).notice == "Central is unreachable. Try again later."


def test_state_leds() -> None:
    p = panel()
    p.on_snapshot(snap("serving", ticket(status="serving")))
    assert p.leds(0)[Led.CALLING] == ON
    p.on_snapshot(snap("paused"))
    assert p.leds(0)[Led.PAUSED] == ON and p.leds(0)[Led.CALLING] == OFF
    p.on_snapshot(snap("idle", officer=None))
    assert p.leds(0)[Led.PAUSED] == SLOW


def served(label: str, seq: int = 5) -> m.Event:
    return m.Event(
        seq=seq,
        at=AT,
        kind="ticket_served",
        business_day=date(2025, 3, 3),
        ticket=ticket(label, status="served"),
        counter="loket-1",
    )


def test_one_rating_per_ticket() -> None:
    ids = Ids()
    p = panel(double_press_s=0.0, rating_window_s=60)
    assert press(p, Button.RATE, 0.5, ids, score=4) == Rejected("nothing_to_rate")
    p.on_event(served("A003"), 1.0)
    out = press(p, Button.RATE, 2.0, ids, score=3)
    assert isinstance(out, Send) and isinstance(out.request, m.RateService)
    assert out.request.ticket_id == "t-a003" and out.request.score == 3
    p.on_reply(
        "rating",
        m.Reply(request_id=out.request.request_id, ok=True, ticket=ticket("A003", "served")),
        2.1,
    )
    assert p.leds(2.2)[Led.THANKS] == ON
    # A second button: thanked again (the first rating counts), not told "nothing to rate".
    assert press(p, Button.RATE, 8.0, ids, score=1) == Rejected("already_rated")
    assert p.leds(8.1)[Led.THANKS] == ON
    assert p.board(8.1).notice == "Terima kasih, sudah dinilai." and not p.board(8.1).error
    # A served event seen again (e.g. after a resync) does not reopen the rating.
    p.on_event(served("A003"), 9.0)
    assert press(p, Button.RATE, 10.0, ids, score=1) == Rejected("already_rated")
    # After the ticket's rating window, a press has nothing to rate.
    assert press(p, Button.RATE, 70.0, ids, score=1) == Rejected("nothing_to_rate")


def test_the_next_citizen_is_not_thanked_for_the_last_ones_rating() -> None:
    ids = Ids()
    p = panel(double_press_s=0.0, rating_window_s=180)
    p.on_event(served("A003"), 1.0)
    out = press(p, Button.RATE, 2.0, ids, score=4)
    assert isinstance(out, Send)
    rated = m.Reply(request_id=out.request.request_id, ok=True, ticket=ticket("A003", "served"))
    p.on_reply("rating", rated, 2.1)
    called = served("A004", seq=6).model_copy(
        update={"kind": "ticket_called", "ticket": ticket("A004")}
    )
    p.on_event(called, 30.0)
    # A004's citizen, mid-service: nothing to rate yet (was "sudah dinilai", and no request).
    assert press(p, Button.RATE, 40.0, ids, score=2) == Rejected("nothing_to_rate")
    p.on_event(served("A004", seq=7), 50.0)
    out = press(p, Button.RATE, 51.0, ids, score=2)
    assert isinstance(out, Send) and isinstance(out.request, m.RateService)
    assert out.request.ticket_id == "t-a004"


def test_queue_empty_without_the_counter_finished_nothing() -> None:
    """The screen may still show A008 (its snapshot late after the day closed); central's
    plain queue_empty, with no counter in the reply, means nothing was finished."""
    ids = Ids()
    p = panel(double_press_s=0.0)
    p.on_snapshot(snap("calling", ticket("A008")))
    out = press(p, Button.NEXT, 1.0, ids)
    assert isinstance(out, Send)
    refusal = m.Refusal(code="queue_empty", text_id="Tidak ada antrian menunggu.", text_en="x")
    reply = m.Reply(request_id=out.request.request_id, ok=False, refusal=refusal)
    p.on_reply("officer", reply, 1.01)
    assert p.leds(1.02)[Led.ERROR] == REFUSED
    assert p.board(1.02).notice == "Tidak ada antrian menunggu."


def test_rating_window_closes() -> None:
    ids = Ids()
    p = panel(rating_window_s=60)
    p.on_event(served("A004"), 0.0)
    assert press(p, Button.RATE, 61.0, ids, score=2) == Rejected("nothing_to_rate")


def test_events_of_other_counters_are_ignored() -> None:
    ids = Ids()
    p = panel()
    ev = served("A005").model_copy(update={"counter": "loket-2"})
    p.on_event(ev, 0.0)
    assert press(p, Button.RATE, 1.0, ids, score=4) == Rejected("nothing_to_rate")


def test_sign_in_at_start_only_once_and_only_when_nobody_is_in() -> None:
    ids = Ids()
    p = panel(officer="budi")
    p.on_snapshot(snap(officer=None))
    first = p.sign_in_at_start(0.0, AT, ids())
    assert first is not None and isinstance(first.request, m.SignIn)
    assert p.sign_in_at_start(0.1, AT, ids()) is None
    q = panel(officer="budi")
    q.on_snapshot(snap(officer="sari"))
    assert q.sign_in_at_start(0.0, AT, ids()) is None
    r = panel(officer="budi")
    r.set_central(False)
    assert r.sign_in_at_start(0.0, AT, ids()) is None
    assert not r.auto_sign_in_done


@pytest.mark.parametrize("button", [Button.NEXT, Button.NO_SHOW, Button.FINISH])
def test_press_only_buttons_have_no_hold(button: Button) -> None:
    ids = Ids()
    p = panel()
    assert press(p, button, 1.0, ids, gesture=Gesture.HOLD) == Ignored("no_gesture")
