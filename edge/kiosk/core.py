"""The kiosk's decisions as a pure state machine: presses, central's answers and the
printer's status in; what to do, print, refuse and light out.

No clock, no broker, no pins, no printer, no outbox: the node passes monotonic time in,
does the I/O the commands name, and keeps the tickets durable in its outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Literal

from edge.kiosk.gate import Press, PressGate
from edge.kiosk.hardware import LedMode, LedName, PrinterStatus
from edge.kiosk.layout import TicketView
from edge.kiosk.texts import Language, has, text
from protocol import messages as m

SIGNAL_S = 3.0  # how long a refusal's LED pattern shows


@dataclass(frozen=True)
class Issue:
    """Take a ticket for this press: from central when it is up, else from the lease."""

    press: Press


@dataclass(frozen=True)
class Ignore:
    """No ticket for this press; `beeps` tells the citizen why (2: the printer is down)."""

    beeps: int = 0


@dataclass(frozen=True)
class Refuse:
    """Tell the citizen no: one beep, the fault LED flashing, and a slip when `slip`."""

    queue: str
    code: str
    reason: str  # central's text in the kiosk's language, or the kiosk's own
    slip: bool


@dataclass(frozen=True)
class Accept:
    """Central issued the ticket: record it, and print it when `printing`."""

    view: TicketView
    printing: bool


@dataclass
class CoreSettings:
    language: Language
    accept_on_paper_low: bool
    refusal_slip: bool


class KioskCore:
    """One kiosk's state: the press gate, the printer's last status and the refusal signal."""

    def __init__(self, settings: CoreSettings, gate: PressGate) -> None:
        self.settings = settings
        self.gate = gate
        self.printer_status = PrinterStatus.UNKNOWN
        self.signal_until = 0.0
        self.refusals = 0
        self.last_refusal: str | None = None

    def printable(self, status: PrinterStatus | None = None) -> bool:
        """A ticket can be printed now (paper low counts when the config accepts it)."""
        status = self.printer_status if status is None else status
        ok = (PrinterStatus.OK, PrinterStatus.PAPER_LOW)
        return status in (ok if self.settings.accept_on_paper_low else ok[:1])

    def printer(self, status: PrinterStatus) -> int:
        """The printer's status as last read; returns how many beeps to give (three when a
        printable printer just stopped being so)."""
        was = self.printable()
        self.printer_status = status
        return 3 if was and not self.printable() else 0

    def press(self, key: str, at: float, now: float | None = None) -> Issue | Ignore:
        """A button went down at `at`; the node takes it at `now` (later while it was
        behind). The node reads the printer again first when it was not printable, so the
        first press after a fix works."""
        if not self.printable():
            return Ignore(beeps=2)
        press = self.gate.pressed(key, at, now)
        return Ignore() if press is None else Issue(press)

    def answered(
        self, reply: m.Reply, queue: str, hall_name: str, tz: tzinfo, at: float
    ) -> Accept | Refuse:
        """Central's answer to an IssueTicket."""
        info = reply.ticket
        if reply.ok and info is not None:
            low, high = info.estimated_wait_low_min, info.estimated_wait_high_min
            view = TicketView(
                ticket_id=info.ticket_id,
                label=info.label,
                hall_name=hall_name,
                agency=info.agency,
                queue_name=info.queue_name,
                issued_at=info.issued_at.astimezone(tz),
                priority=info.priority,
                offline=info.offline,
                people_ahead=info.people_ahead,
                estimated_wait_min=info.estimated_wait_min,
                estimated_wait_range=(low, high) if low is not None and high is not None else None,
                page_token=reply.page_token,
            )
            return Accept(view, self.printable())
        refusal = reply.refusal
        code = refusal.code if refusal else "refused_other"
        reason = ""
        if refusal:
            reason = refusal.text_id if self.settings.language == "id" else refusal.text_en
        return self.refuse(queue, code, reason, at)

    def refuse(self, queue: str, code: str, reason: str, at: float) -> Refuse:
        """No ticket (central refused, or no leased number left offline)."""
        self.refusals += 1
        self.last_refusal = code
        if not reason:
            reason = text(code if has(code) else "refused_other", self.settings.language)
        self.signal_until = at + SIGNAL_S
        return Refuse(queue, code, reason, self.settings.refusal_slip and self.printable())

    def lights(self, at: float, central_up: bool, backlog: bool) -> dict[LedName, LedMode]:
        """What the four LEDs show: busy while a ticket is issued; ready (blinking while the
        priority button is armed) unless busy, in the repeat guard after a ticket, or the
        printer is down; offline on while
        central is away, blinking while offline tickets wait to be handed over; fault on
        while the printer is down, flashing after a refusal."""
        fault = not self.printable()
        busy = self.gate.busy
        # Off through the repeat guard too: a press then is dropped, and the citizen sees
        # why (the ready LED says when a press will be taken).
        waiting = busy or self.gate.settling(at)
        ready: LedMode = "off" if fault or waiting else (
            "blink" if self.gate.priority_armed(at) else "on")  # fmt: skip
        offline: LedMode = "on" if not central_up else "blink" if backlog else "off"
        signal: Literal["blink_fast", "on", "off"] = (
            "blink_fast" if at < self.signal_until else "on" if fault else "off"
        )
        return {"busy": "on" if busy else "off", "ready": ready, "offline": offline,
                "fault": signal}  # fmt: skip
