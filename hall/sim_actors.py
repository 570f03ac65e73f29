"""The simulated people: citizens at the kiosks, officers at their callers, and the book of
what they did, pressing the real nodes' gpiozero mock pins."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from antrian.catalogue import Catalogue
from edge.caller.cli import sign
from edge.kiosk.escpos_decode import decode
from edge.kiosk.layout import Line, Qr
from edge.kiosk.texts import text
from hall.sim_clock import SimClock
from protocol import messages as m
from sim.day import Citizen, Day, Shift
from sim.driver import NEXT_GAP_S, NO_SHOW_AFTER_S, RECALL_AFTER_S

log = logging.getLogger(__name__)

PULSE_S = 0.01  # a press: pin low this long
HOLD_MARGIN_S = 0.05  # a hold: hold_s plus this
IDLE_POLL_REAL_S = 1.0  # an idle officer presses NEXT at least this often (real seconds)
REPLY_WAIT_S = 3.0  # a press whose reply takes longer is counted as an anomaly
PRINT_WAIT_S = 5.0
SCORES = {4: "sangat_puas", 3: "puas", 2: "kurang_puas", 1: "tidak_puas"}


@dataclass
class Issued:
    """A citizen's printed ticket and what became of it."""

    citizen: Citizen
    kiosk: str
    label: str
    ticket_id: str
    priority: bool  # as printed
    leg: int = 1
    outcome: str | None = None  # served | no_show


@dataclass
class Book:
    """What the simulated people know: tickets in hand, outcomes. Shared by the threads."""

    tickets: dict[str, Issued] = field(default_factory=dict)
    refused: list[tuple[Citizen, str]] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)
    arrivals_done: bool = False
    version: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def printed(self, issued: Issued) -> None:
        with self._cond:
            self.tickets[issued.ticket_id] = issued
            self._changed()

    def refuse(self, citizen: Citizen, why: str) -> None:
        with self._cond:
            self.refused.append((citizen, why))
            self._changed()

    def anomaly(self, text: str) -> None:
        log.warning("simulation: %s", text)
        with self._cond:
            self.anomalies.append(text)

    def entry(self, ticket_id: str, timeout: float) -> Issued | None:
        """The ticket's holder; central may call a ticket before its print is read back."""
        with self._cond:
            self._cond.wait_for(lambda: ticket_id in self.tickets, timeout)
            return self.tickets.get(ticket_id)

    def transferred(self, ticket_id: str) -> None:
        with self._cond:
            self.tickets[ticket_id].leg += 1
            self._changed()

    def finish(self, ticket_id: str, outcome: str) -> None:
        with self._cond:
            self.tickets[ticket_id].outcome = outcome
            self._changed()

    def all_arrived(self) -> None:
        with self._cond:
            self.arrivals_done = True
            self._changed()

    def finished(self) -> bool:
        with self._cond:
            return self.arrivals_done and all(t.outcome for t in self.tickets.values())

    def wait_change(self, since: int, timeout: float) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self.version != since, max(0.0, timeout))
            return self.version

    def counts(self) -> Counter[str]:
        with self._cond:
            c = Counter(t.outcome or "open" for t in self.tickets.values())
            c["printed"] = len(self.tickets)
            return c

    def _changed(self) -> None:
        self.version += 1
        self._cond.notify_all()


# ----------------------------------------------------------------------------- citizens


def _pulse(factory: Any, pin: object, hold_s: float = PULSE_S) -> None:
    p = factory.pin(pin)
    p.drive_low()
    time.sleep(hold_s)
    p.drive_high()


@dataclass(frozen=True)
class PrintedTicket:
    label: str
    ticket_id: str
    priority: bool


def read_ticket(job: bytes) -> PrintedTicket | None:
    """A spooled job read back: the huge line is the number, the line under the QR code the
    ticket id. None for a refusal slip (it has no QR code)."""

    elements = decode(job)
    qr = next((i for i, e in enumerate(elements) if isinstance(e, Qr)), None)
    label = next((e.text for e in elements if isinstance(e, Line) and e.size == "huge"), None)
    if qr is None or label is None or qr + 1 >= len(elements):
        return None
    under = elements[qr + 1]
    if not isinstance(under, Line):
        return None
    marks = {text("priority", "id"), text("priority", "en")}
    priority = any(isinstance(e, Line) and e.text in marks for e in elements)
    return PrintedTicket(label.strip(), under.text.strip(), priority)


class KioskDesk:
    """One kiosk and the citizens lining up at it: one press at a time, as in the hall."""

    def __init__(
        self, kiosk: Any, factory: Any, config: Any, book: Book, stop: threading.Event
    ) -> None:
        self.kiosk = kiosk
        self.factory = factory
        self.config = config
        self.book = book
        self.stop = stop
        self.line: queue.Queue[Citizen | None] = queue.Queue()
        self.waiting = 0  # citizens handed over and not yet served by this kiosk
        self.thread = threading.Thread(target=self._run, name=f"sim-{config.node_id}")
        assert config.printer.spool_dir is not None
        self.spool: Path = config.printer.spool_dir
        self._seen: set[Path] = set()

    def has(self, queue_id: str) -> bool:
        return self.config.button(queue_id) is not None

    def join_line(self, citizen: Citizen) -> None:
        self.waiting += 1
        self.line.put(citizen)

    def start(self) -> None:
        self.spool.mkdir(parents=True, exist_ok=True)
        self._seen = set(self.spool.glob("*.bin"))
        self.thread.start()

    def _run(self) -> None:
        for citizen in iter(self.line.get, None):
            try:
                self._serve(citizen)
            except Exception:
                log.exception("kiosk desk %s", self.config.node_id)
                self.book.anomaly(f"citizen {citizen.index}: kiosk desk failed")
            self.waiting -= 1
            if self.stop.is_set():
                break

    def _serve(self, citizen: Citizen) -> None:
        cfg = self.config
        button = cfg.button(citizen.queue)
        if citizen.priority and cfg.priority_button is not None:
            # The documented gesture: the priority button, then the queue button.
            _pulse(self.factory, cfg.priority_button.pin)
        _pulse(self.factory, button.pin)
        job = self._next_job()
        # The press guard starts when the ticket is handed out; wait for it to pass.
        if not self.kiosk.wait_idle(PRINT_WAIT_S):
            self.book.anomaly(f"{cfg.node_id} did not become idle")
        time.sleep(cfg.press.repeat_guard_s)
        if job is None:
            self.book.anomaly(f"citizen {citizen.index}: no print from {cfg.node_id}")
            self.book.refuse(citizen, "nothing_printed")
            return
        ticket = read_ticket(job)
        if ticket is None:
            self.book.refuse(citizen, self.kiosk.last_refusal or "refused")
            return
        self.book.printed(
            Issued(citizen, cfg.node_id, ticket.label, ticket.ticket_id, ticket.priority)
        )

    def _next_job(self) -> bytes | None:
        deadline = time.monotonic() + PRINT_WAIT_S
        while time.monotonic() < deadline and not self.stop.is_set():
            new = sorted(p for p in self.spool.glob("*.bin") if p not in self._seen)
            if new:
                self._seen.add(new[0])
                return new[0].read_bytes()
            time.sleep(0.003)
        return None


# ----------------------------------------------------------------------------- officers


class Officer:
    """One counter's officers through the day, on the caller's mock-pin buttons: NEXT when
    free, START (RECALL held) when the citizen sits down, FINISH or TRANSFER, RECALL once
    and NO-SHOW when nobody comes, PAUSE between shifts, the rating panel for citizens."""

    def __init__(self, ctx: Run, node: Any, counter: Any, shifts: list[Shift]) -> None:
        self.ctx = ctx
        self.node = node
        self.cfg = counter  # CounterPanelConfig
        self.id: str = counter.id
        self.factory = node.hardware.pin_factory
        self.panel = node.panels[counter.id]
        self.shifts = sorted(shifts, key=lambda s: s.start)
        self.pace = 1.0  # the officer at the desk: service time / the generated time
        self._last: dict[object, float] = {}  # pin -> when it was last pressed
        self.thread = threading.Thread(target=self._run, name=f"sim-{counter.id}")

    # -- buttons ---------------------------------------------------------------------

    def press(self, pin: object, hold: bool = False, channel: str = "officer") -> str:
        """Press a button; 'ok', 'refused', 'timeout', 'ignored (why)', 'rejected' or 'lost'."""
        panel = self.panel
        # Like an officer who waits for the LED: never inside the double-press guard.
        guard = self._last.get(pin, float("-inf")) + self.node.config.double_press_s + 0.005
        time.sleep(max(0.0, guard - time.monotonic()))
        before: dict[str, int] = self.node.inspect(lambda: dict(panel.counts))
        hold_s = self.node.config.hold_s + HOLD_MARGIN_S if hold else PULSE_S
        self._last[pin] = time.monotonic()
        _pulse(self.factory, pin, hold_s)
        deadline = time.monotonic() + REPLY_WAIT_S
        while time.monotonic() < deadline:
            counts, pending = self.node.inspect(
                lambda: (dict(panel.counts), channel in panel.pending)
            )
            diff = {k: v - before.get(k, 0) for k, v in counts.items() if v != before.get(k, 0)}
            ignored = sorted(k.removeprefix("ignored_") for k in diff if k.startswith("ignored_"))
            if ignored:
                # The panel's reason (busy, double_press, no_gesture) says which rule hit.
                return f"ignored ({', '.join(ignored)})"
            if any(k.startswith("rejected_") for k in diff):
                return "rejected"
            if diff.get("sent") and not pending:
                for result in ("ok", "refused", "timeout"):
                    if diff.get(result):
                        return result
                return "lost"
            time.sleep(0.002)
        return "lost"

    def act(self, what: str, pin: object, hold: bool = False, channel: str = "officer") -> bool:
        result = self.press(pin, hold, channel)
        if result != "ok":
            self.ctx.book.anomaly(f"{self.id}: {what} -> {result}")
        return result == "ok"

    # -- the day ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._day()
        except Exception:
            log.exception("officer at %s", self.id)
            self.ctx.book.anomaly(f"{self.id}: officer failed")

    def _day(self) -> None:
        ctx, clock, book, stop = self.ctx, self.ctx.clock, self.ctx.book, self.ctx.stop
        if not self.shifts:
            return  # nobody staffs this counter today
        first = self.shifts[0]
        if first.start > ctx.day.opens_at:
            # First staffed later in the day, unannounced: the officer signs in on arrival.
            if not clock.wait_until(first.start, stop):
                return
            ctx.sign_in(self.node.config, self.id, first.officer)
        i = 0
        self.pace = first.pace
        seen = book.version
        while not stop.is_set():
            if i + 1 < len(self.shifts) and clock.now() >= self.shifts[i].end:
                self._change_shift(self.shifts[i], self.shifts[i + 1])
                i += 1
                continue
            if clock.now() >= ctx.day.closes_at and book.finished():
                return
            seen = book.version
            info = self._next()
            if info is None:
                # Nobody waiting: wait for a new ticket, the shift's end, or a while.
                until = time.monotonic() + IDLE_POLL_REAL_S
                if i + 1 < len(self.shifts):
                    until = min(until, clock.deadline(self.shifts[i].end))
                book.wait_change(seen, until - time.monotonic())
                continue
            self._serve(info)
            clock.wait_until(clock.now() + timedelta(seconds=NEXT_GAP_S), stop)

    def _change_shift(self, ending: Shift, coming: Shift) -> None:
        clock, stop = self.ctx.clock, self.ctx.stop
        pause = self.cfg.buttons.pause
        gap = coming.start > ending.end
        paused = gap and pause is not None and self.act("PAUSE", pause)
        if gap:
            clock.wait_until(coming.start, stop)
        if coming.officer != ending.officer:
            self.ctx.sign_in(self.node.config, self.id, coming.officer)
        self.pace = coming.pace
        if paused:
            self.act("PAUSE (resume)", pause)

    def _next(self) -> m.TicketInfo | None:
        result = self.press(self.cfg.buttons.next)
        if result != "ok":
            if result not in ("refused",):  # refused: nobody waiting (queue_empty)
                self.ctx.book.anomaly(f"{self.id}: NEXT -> {result}")
            snap = self.node.inspect(lambda: self.panel.snapshot)
            pause = self.cfg.buttons.pause
            if snap is not None and snap.state == "paused" and pause is not None:
                # The resume after a break went missing (a lost press): an officer who
                # sees the paused light presses PAUSE again rather than wait all day.
                self.ctx.book.anomaly(f"{self.id}: still paused; resuming")
                self.act("PAUSE (resume)", pause)
            return None
        snap = self.node.inspect(lambda: self.panel.snapshot)
        return snap.ticket if snap is not None else None

    def _serve(self, info: m.TicketInfo) -> None:
        clock, stop, book = self.ctx.clock, self.ctx.stop, self.ctx.book
        b = self.cfg.buttons
        called = clock.now()
        entry = book.entry(info.ticket_id, PRINT_WAIT_S)
        if entry is None:
            book.anomaly(f"{self.id}: called {info.label}, whose print nobody holds")
            self.act("FINISH", b.finish)
            return
        citizen = entry.citizen
        if not citizen.shows:
            clock.wait_until(called + timedelta(seconds=RECALL_AFTER_S), stop)
            self.act("RECALL", b.recall)
            clock.wait_until(called + timedelta(seconds=NO_SHOW_AFTER_S), stop)
            if self.act("NO-SHOW", b.no_show):
                book.finish(info.ticket_id, "no_show")
            return
        start_at = called + timedelta(seconds=citizen.walk_s)
        # Begin the hold early so that START lands when the citizen sits down.
        hold_sim = (self.node.config.hold_s + HOLD_MARGIN_S) * clock.speed
        clock.wait_until(start_at - timedelta(seconds=hold_sim), stop)
        self.act("START", b.recall, hold=True)
        took = (citizen.service_s if entry.leg == 1 else citizen.transfer_service_s) * self.pace
        clock.wait_until(start_at + timedelta(seconds=took), stop)
        if entry.leg == 1 and citizen.transfer_to:
            target = self._transfer_pin(info, citizen)
            if target is not None and self.act("TRANSFER", target):
                book.transferred(info.ticket_id)
                return
        if self.act("FINISH", b.finish):
            book.finish(info.ticket_id, "served")
            if citizen.rating is not None and self.cfg.rating is not None:
                self._rate(info.ticket_id, citizen.rating)

    def _transfer_pin(self, info: m.TicketInfo, citizen: Citizen) -> object | None:
        """The citizen's intended queue if this counter has its button, else another wired
        one (the officer sends them where this desk can); None: served here after all."""
        options = []
        for t in self.cfg.buttons.transfer:
            spec = self.ctx.catalogue.queue(t.to_queue)
            if t.to_queue == info.queue or spec is None:
                continue
            if info.priority and not spec.priority_allowed:
                continue
            options.append(t)
        exact = [t for t in options if t.to_queue == citizen.transfer_to]
        chosen = (exact or options or [None])[0]
        return chosen.pin if chosen is not None else None

    def _rate(self, ticket_id: str, score: int) -> None:
        # The panel accepts a rating once central's ticket_served event has reached it.
        deadline = time.monotonic() + REPLY_WAIT_S
        while time.monotonic() < deadline:
            rateable = self.node.inspect(lambda: self.panel.rateable)
            if rateable is not None and rateable[0] == ticket_id:
                break
            time.sleep(0.003)
        rating = self.cfg.rating
        assert rating is not None
        self.act("rating", getattr(rating, SCORES[score]), channel="rating")


@dataclass
class Run:
    """What the simulated people share: the day, the clock, the book, the stop signal."""

    day: Day
    catalogue: Catalogue
    clock: SimClock
    book: Book
    stop: threading.Event
    sign_lock: threading.Lock = field(default_factory=threading.Lock)

    def sign_in(self, config: Any, counter: str, officer: str) -> None:
        """Shift handover, with the documented tool (`antrian caller signin`). One at a
        time: the tool's client id is per caller node."""

        with self.sign_lock:
            try:
                reply = sign(config, counter, officer)
                if not reply.ok:
                    self.book.anomaly(f"{counter}: sign-in of {officer} refused")
            except Exception as exc:
                self.book.anomaly(f"{counter}: sign-in of {officer} failed: {exc}")
