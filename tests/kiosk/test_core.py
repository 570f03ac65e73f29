"""The kiosk's pure core: presses, answers and printer statuses in, decisions and lights out.
No broker, no printer, no pins, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from edge.kiosk.core import Accept, CoreSettings, Ignore, Issue, KioskCore, Refuse
from edge.kiosk.gate import Press, PressGate
from edge.kiosk.hardware import PRIORITY, PrinterStatus
from protocol import messages as m

WIB = ZoneInfo("Asia/Jakarta")
TOKEN = "k" * 22  # a ticket page token


def _core(**settings: object) -> KioskCore:
    s = CoreSettings(language="id", accept_on_paper_low=False, refusal_slip=True)
    for k, v in settings.items():
        setattr(s, k, v)
    core = KioskCore(s, PressGate(repeat_guard_s=0.3, priority_window_s=5))
    core.printer(PrinterStatus.OK)
    return core


def _ticket() -> m.TicketInfo:
    return m.TicketInfo(
        ticket_id="t-a001", label="A001", queue="dukcapil", queue_name="KTP-el",
        agency="Dukcapil", number=1, business_day=date(2026, 12, 3), priority=False,
        status="waiting", issued_at=datetime(2026, 12, 3, 1, 0, tzinfo=UTC), offline=False,
        people_ahead=3, estimated_wait_min=20, estimated_wait_low_min=15,
        estimated_wait_high_min=25,
    )  # fmt: skip


def _reply(**kw: object) -> m.Reply:
    return m.Reply.model_validate({"request_id": "r-1", **kw})


def test_a_press_issues_once_then_the_repeat_guard_ignores_the_bounce() -> None:
    core = _core()
    assert core.press("dukcapil", 10.0) == Issue(Press("dukcapil", False))
    core.gate.done(10.01)
    assert core.press("dukcapil", 10.1) == Ignore()  # within the guard: no beep
    assert isinstance(core.press("dukcapil", 10.5), Issue)


def test_ready_stays_off_through_the_repeat_guard() -> None:
    # A press in the guard is dropped: the ready LED must not invite it.
    core = _core()
    assert isinstance(core.press("dukcapil", 10.0), Issue)
    core.gate.done(10.01)
    guard = core.gate.repeat_guard_s
    assert core.lights(10.01 + guard / 2, central_up=True, backlog=False)["ready"] == "off"
    assert core.lights(10.02 + guard, central_up=True, backlog=False)["ready"] == "on"


def test_priority_arms_the_next_press_and_blinks_ready() -> None:
    core = _core()
    assert core.press(PRIORITY, 1.0) == Ignore()
    assert core.lights(1.5, central_up=True, backlog=False)["ready"] == "blink"
    assert core.press("dukcapil", 2.0) == Issue(Press("dukcapil", True))


def test_printer_down_beeps_twice_on_a_press_and_three_times_when_it_goes() -> None:
    core = _core()
    assert core.printer(PrinterStatus.PAPER_OUT) == 3
    assert core.printer(PrinterStatus.COVER_OPEN) == 0  # already down
    assert core.press("dukcapil", 1.0) == Ignore(beeps=2)
    lights = core.lights(1.0, central_up=True, backlog=False)
    assert lights == {"busy": "off", "ready": "off", "offline": "off", "fault": "on"}


def test_paper_low_prints_only_when_the_config_accepts_it() -> None:
    strict, lenient = _core(), _core(accept_on_paper_low=True)
    assert strict.printer(PrinterStatus.PAPER_LOW) == 3
    assert lenient.printer(PrinterStatus.PAPER_LOW) == 0
    assert isinstance(lenient.press("dukcapil", 1.0), Issue)


def test_an_issued_ticket_is_laid_out_in_the_halls_time_with_its_range() -> None:
    core = _core()
    answer = core.answered(_reply(ok=True, ticket=_ticket(), page_token=TOKEN),
                           "dukcapil", "MPP Uji", WIB, 1.0)  # fmt: skip
    assert isinstance(answer, Accept) and answer.printing
    view = answer.view
    assert (view.label, view.hall_name, view.page_token) == ("A001", "MPP Uji", TOKEN)
    assert view.issued_at.hour == 8 and view.estimated_wait_range == (15, 25)
    core.printer(PrinterStatus.PAPER_OUT)
    again = core.answered(_reply(ok=True, ticket=_ticket()), "dukcapil", "MPP Uji", WIB, 2.0)
    assert isinstance(again, Accept) and not again.printing  # recorded, printed on recovery


def test_a_refusal_says_centrals_text_flashes_the_fault_led_and_prints_a_slip() -> None:
    core = _core()
    refusal = m.Refusal(code="quota_reached", text_id="Kuota hari ini habis.",
                        text_en="Today's quota is used up.")  # fmt: skip
    answer = core.answered(_reply(ok=False, refusal=refusal), "dukcapil", "MPP", WIB, 5.0)
    assert answer == Refuse("dukcapil", "quota_reached", "Kuota hari ini habis.", slip=True)
    assert core.last_refusal == "quota_reached" and core.refusals == 1
    assert core.lights(6.0, central_up=True, backlog=False)["fault"] == "blink_fast"
    assert core.lights(8.1, central_up=True, backlog=False)["fault"] == "off"
    own = core.refuse("nikah", "lease_exhausted", "", 9.0)
    assert own.reason and own.reason != "lease_exhausted"  # the kiosk's own Indonesian text
    core.printer(PrinterStatus.PAPER_OUT)
    assert not core.refuse("nikah", "lease_exhausted", "", 10.0).slip  # nothing to print on


def test_offline_shows_on_and_a_waiting_backlog_blinks() -> None:
    core = _core()
    assert core.lights(1.0, central_up=False, backlog=True)["offline"] == "on"
    assert core.lights(1.0, central_up=True, backlog=True)["offline"] == "blink"
    assert core.lights(1.0, central_up=True, backlog=False)["offline"] == "off"
    core.gate.busy = True
    assert core.lights(1.0, central_up=True, backlog=False)["busy"] == "on"
    assert core.lights(1.0, central_up=True, backlog=False)["ready"] == "off"
