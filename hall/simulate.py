"""`antrian simulate`: a generated MPP day (sim.day) played faster than real time through a
real Mosquitto, central as its own process, and real kiosk and caller nodes whose gpiozero
mock pins the simulated citizens and officers press. The summary comes from central's
ledger, read-only, with its timestamps converted back to simulated time."""

from __future__ import annotations

import json
import logging
import queue
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import yaml

from antrian.catalogue import Catalogue
from antrian.devbroker import REPO_ROOT, DevBroker
from antrian.mqtt import now
from antrian.nodeproc import NodeProcess
from central.config import load_central_config
from central.ledger import LedgerReader, copy_retimed
from edge import caller as caller_pkg
from edge import kiosk as kiosk_pkg
from edge.caller.cli import sign
from edge.kiosk.escpos_decode import decode
from edge.kiosk.layout import Line, Qr
from edge.kiosk.texts import text
from hall.site import HallSite
from protocol import messages as m
from reports import LedgerData, TicketRecord, read_period
from reports.figures import build_report, mean, p90, service_s
from sim.day import Citizen, Day, Profile, Shift, generate_day, situation
from sim.driver import NEXT_GAP_S, NO_SHOW_AFTER_S, RECALL_AFTER_S
from sim.estimates import figures, replay

log = logging.getLogger(__name__)

DEMO_SITE = REPO_ROOT / "firmware_configs" / "demo"

# The press guards protect real buttons from bouncing contacts and impatient fingers; the
# simulated fingers never bounce, and at speed N one guard costs N times as long in the day.
# So the materialized configs lower them (docs/simulate.md).
KIOSK_REPEAT_GUARD_S = 0.02
CALLER_DOUBLE_PRESS_S = 0.02
CALLER_HOLD_S = 0.15  # RECALL held this long is START; never mistaken for a 10 ms press
PULSE_S = 0.01  # a press: pin low this long
HOLD_MARGIN_S = 0.05  # a hold: hold_s plus this
IDLE_POLL_REAL_S = 1.0  # an idle officer presses NEXT at least this often (real seconds)
REPLY_WAIT_S = 3.0  # a press whose reply takes longer is counted as an anomaly
PRINT_WAIT_S = 5.0
SCORES = {4: "sangat_puas", 3: "puas", 2: "kurang_puas", 1: "tidak_puas"}


# ----------------------------------------------------------------------------- time


@dataclass(frozen=True)
class SimClock:
    """Simulated time = the day's opening + real time since the start x speed."""

    opens_at: datetime
    speed: float
    mono0: float
    wall0: datetime

    @classmethod
    def start(cls, opens_at: datetime, speed: float) -> SimClock:
        return cls(opens_at, speed, time.monotonic(), now())

    def now(self) -> datetime:
        return self.opens_at + timedelta(seconds=(time.monotonic() - self.mono0) * self.speed)

    def deadline(self, at: datetime) -> float:
        """The monotonic moment when the simulated clock shows `at`."""
        return self.mono0 + (at - self.opens_at).total_seconds() / self.speed

    def to_sim(self, wall: datetime) -> datetime:
        """A wall-clock timestamp (central's ledger) as simulated time in the hall's zone."""
        sim = self.opens_at + (wall - self.wall0) * self.speed
        return sim.astimezone(self.opens_at.tzinfo)

    def wait_until(self, at: datetime, stop: threading.Event) -> bool:
        """Sleep until simulated `at`; False when stopped meanwhile."""
        return not stop.wait(max(0.0, self.deadline(at) - time.monotonic()))


# ----------------------------------------------------------------------------- scenario


@dataclass
class Scenario:
    speed: float
    seed: int = 1
    day: date | None = None  # default: today in the hall's time zone
    window: tuple[dtime, dtime] | None = None  # default: the profile's opening hours
    citizens: int | None = None  # scale the day's load to about this many citizens
    site: Path = DEMO_SITE
    run_dir: Path = REPO_ROOT / "var" / "simulate"
    max_real_s: float | None = None  # default: three times the day's length at this speed
    situation: str = "normal"  # sim.day.SITUATIONS: surge, short, slow, late_start
    out: Callable[[str], None] = print


def make_day(catalogue: Catalogue, s: Scenario, today: date) -> Day:
    """The scenario's day from sim.day's generator: same seed, date and window, same day."""
    profile = situation(s.situation, Profile())
    if s.window is not None:
        opens, closes = s.window
        last = (datetime.combine(today, closes) - timedelta(minutes=15)).time()
        profile = replace(profile, opens=opens, closes=closes, last_arrival=max(last, opens))
    day = generate_day(catalogue, s.day or today, s.seed, profile)
    if s.citizens is not None and day.citizens:
        # Load drives the expected number of arrivals linearly; the count stays Poisson.
        profile = replace(profile, load=profile.load * s.citizens / len(day.citizens))
        day = generate_day(catalogue, s.day or today, s.seed, profile)
    return day


# ----------------------------------------------------------------------------- the book


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

    def __init__(self, ctx: _Run, node: Any, counter: Any, shifts: list[Shift]) -> None:
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


# ----------------------------------------------------------------------------- the run


@dataclass
class _Run:
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


def _edit_yaml(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")


@dataclass
class Simulation:
    scenario: Scenario
    day: Day | None = None
    book: Book = field(default_factory=Book)
    clock: SimClock | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    real_s: float = 0.0
    business_days: tuple[date, date] | None = None  # central's real dates of the run

    @property
    def ledger_path(self) -> Path:
        return self.scenario.run_dir / "ledger.sqlite3"

    @property
    def simtime_ledger_path(self) -> Path:
        return self.scenario.run_dir / "ledger-simtime.sqlite3"

    def run(self) -> dict[str, Any]:
        s = self.scenario
        if s.speed <= 0:
            raise ValueError("speed must be above 0")
        _, catalogue = load_central_config(s.site / "central.yaml")
        today = now().astimezone(catalogue.tz).date()
        day = self.day = make_day(catalogue, s, today)
        run_dir = s.run_dir
        for sub in ("state", "printed", "configs"):
            shutil.rmtree(run_dir / sub, ignore_errors=True)
        for name in ("ledger.sqlite3", "ledger.sqlite3-wal", "ledger.sqlite3-shm",
                     "ledger-simtime.sqlite3", "summary.json"):  # fmt: skip
            (run_dir / name).unlink(missing_ok=True)
        run_dir.mkdir(parents=True, exist_ok=True)
        span_s = (day.closes_at - day.opens_at).total_seconds()
        max_real = s.max_real_s or 3 * span_s / s.speed + 60
        s.out(
            f"simulated day {day.day} {day.opens_at:%H:%M}-{day.closes_at:%H:%M}, seed {s.seed}: "
            f"{len(day.citizens)} citizens at {s.speed:g}x (about {span_s / s.speed:.0f} s)"
        )
        stop = threading.Event()
        stoppers: list[Callable[[], None]] = []
        t0 = time.monotonic()
        try:
            with DevBroker() as broker:
                try:
                    self._play(catalogue, day, broker.port, stop, stoppers, max_real)
                finally:
                    stop.set()
                    # Nodes first, while the broker runs; central last, so it commits all.
                    for stopper in reversed(stoppers):
                        try:
                            stopper()
                        except Exception:
                            log.exception("while stopping")
        finally:
            self.real_s = time.monotonic() - t0
        assert self.clock is not None
        self.summary = summarize(self, catalogue)
        self.summary["estimates"] = write_simtime_ledger(
            self.ledger_path, self.simtime_ledger_path, self.clock, day.day, catalogue
        )
        (run_dir / "summary.json").write_text(
            json.dumps(self.summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        s.out(summary_table(self.summary))
        s.out(
            f"summary: {run_dir / 'summary.json'}\nreport in simulated time: antrian report "
            f"--ledger {self.simtime_ledger_path} --catalogue {s.site / 'catalogue.yaml'} "
            f"--date {day.day}\ncentral's own ledger (real time): antrian report --ledger "
            f"{self.ledger_path} --date {self.summary['scenario']['business_day']}"
        )
        return self.summary

    def _play(
        self,
        catalogue: Catalogue,
        day: Day,
        port: int,
        stop: threading.Event,
        stoppers: list[Callable[[], None]],
        max_real: float,
    ) -> None:

        s = self.scenario
        site = HallSite(s.site).materialize(s.run_dir, port, displays=[])
        ledger = self.ledger_path.resolve()

        def tune_central(raw: dict[str, Any]) -> None:
            raw["ledger"] = str(ledger)
            # Delivered configs would bring back the site's press guards (see _tune_kiosk).
            raw.pop("device_configs", None)

        _edit_yaml(site.central, tune_central)
        # Signed in when the caller starts: the officers there at opening. A counter staffed
        # later (or not today) starts with nobody signed in.
        first_officer: dict[str, str] = {}
        for sh in sorted(day.shifts, key=lambda x: x.start):
            if sh.start <= day.opens_at:
                first_officer.setdefault(sh.counter, sh.officer)
        for path in site.kiosks:
            _edit_yaml(path, _tune_kiosk)
        for path in site.callers:
            _edit_yaml(path, lambda raw: _tune_caller(raw, first_officer))

        central = NodeProcess("central", site.central).start()
        stoppers.append(central.stop)
        callers = []
        for path in site.callers:
            ccfg = caller_pkg.load_config(path)
            node = caller_pkg.build_node(ccfg)
            node.start()
            stoppers.append(node.stop)
            callers.append(node)
        # Kiosks after central is up: their first lease requests would otherwise time out.
        _wait_ready(central, [], callers, first_officer)
        desks: list[KioskDesk] = []
        for path in site.kiosks:
            kcfg = kiosk_pkg.load_config(path)
            kiosk, factory = kiosk_pkg.build(kcfg)
            kiosk.start()
            stoppers.append(kiosk.stop)
            desks.append(KioskDesk(kiosk, factory, kcfg, self.book, stop))
        _check_coverage(catalogue, desks, callers)
        _wait_ready(central, desks, callers, first_officer)

        clock = self.clock = SimClock.start(day.opens_at, s.speed)
        ctx = _Run(day, catalogue, clock, self.book, stop)
        officers = [
            Officer(ctx, node, c, [sh for sh in day.shifts if sh.counter == c.id])
            for node in callers
            for c in node.config.counters
        ]
        for d in desks:
            d.start()
        for o in officers:
            o.thread.start()
        end_by = time.monotonic() + max_real
        self._arrivals(day, desks, clock, stop)
        for d in desks:
            d.line.put(None)
        for d in desks:
            d.thread.join(max(0.1, end_by - time.monotonic()))
        self.book.all_arrived()
        next_report = day.closes_at
        while not stop.is_set() and any(o.thread.is_alive() for o in officers):
            if time.monotonic() >= end_by:
                self.book.anomaly(f"stopped after {max_real:.0f} s real time: day not finished")
                break
            time.sleep(0.05)
            if clock.now() >= next_report + timedelta(hours=1):
                next_report += timedelta(hours=1)
                self._progress(clock)
        stop.set()
        for o in officers:
            o.thread.join(REPLY_WAIT_S + 1)

    def _arrivals(
        self, day: Day, desks: list[KioskDesk], clock: SimClock, stop: threading.Event
    ) -> None:
        """Each citizen walks to the least busy kiosk that has their queue's button."""
        next_report = day.opens_at + timedelta(hours=1)
        for citizen in day.citizens:
            while citizen.arrives_at >= next_report:
                if not clock.wait_until(next_report, stop):
                    return
                self._progress(clock)
                next_report += timedelta(hours=1)
            if not clock.wait_until(citizen.arrives_at, stop):
                return
            fitting = [d for d in desks if d.has(citizen.queue)]
            if not fitting:
                self.book.refuse(citizen, "no_kiosk_button")
                continue
            min(fitting, key=lambda d: d.waiting).join_line(citizen)

    def _progress(self, clock: SimClock) -> None:
        c = self.book.counts()
        self.scenario.out(
            f"  {clock.now():%H:%M} simulated: {c['printed']} printed, {c['served']} served, "
            f"{c['no_show']} no-shows, {c['open']} waiting or at a desk"
        )


def _tune_kiosk(raw: dict[str, Any]) -> None:
    press = dict(raw.get("press") or {})
    press.update(bounce_ms=0, repeat_guard_s=KIOSK_REPEAT_GUARD_S)
    raw["press"] = press
    # PNGs of hundreds of tickets cost more than the simulation itself; the bytes stay.
    raw["printer"]["spool_png"] = False


def _tune_caller(raw: dict[str, Any], first_officer: dict[str, str]) -> None:
    raw.update(double_press_s=CALLER_DOUBLE_PRESS_S, bounce_s=0, hold_s=CALLER_HOLD_S)
    for c in raw["counters"]:
        # The morning shift's officer signs in when the caller starts (edge/caller).
        if c["id"] in first_officer:
            c["officer"] = first_officer[c["id"]]
        else:
            c.pop("officer", None)


def _check_coverage(catalogue: Catalogue, desks: list[KioskDesk], callers: list[Any]) -> None:
    missing = [q.id for q in catalogue.queues if not any(d.has(q.id) for d in desks)]
    if missing:
        log.warning("no kiosk has a button for %s: those citizens get no ticket", missing)
    for node in callers:
        for c in node.config.counters:
            lacking = [n for n in ("recall", "no_show", "finish") if getattr(c.buttons, n) is None]
            if lacking:
                raise ValueError(
                    f"{node.config.node_id}: counter {c.id} has no {', '.join(lacking)} "
                    "button; the simulated officers need NEXT, RECALL, NO-SHOW and FINISH"
                )


def _wait_ready(
    central: Any, desks: list[KioskDesk], callers: list[Any], officers: dict[str, str]
) -> None:
    """Central online at every kiosk and caller, and each morning officer signed in."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not central.running:
            raise RuntimeError(f"central exited at start; see {central.log_path}")
        kiosks_ok = all(d.kiosk.ready.is_set() and d.kiosk.central_up() for d in desks)
        panels_ok = all(
            node.inspect(
                lambda node=node: all(
                    p.link_up
                    and p.central_online
                    and p.snapshot is not None
                    and p.snapshot.officer == officers.get(cid, p.snapshot.officer)
                    and not p.pending
                    for cid, p in node.panels.items()
                )
            )
            for node in callers
        )
        if kiosks_ok and panels_ok:
            return
        time.sleep(0.05)
    raise RuntimeError(f"the hall did not come up within 30 s; see {central.log_path}")


# ----------------------------------------------------------------------------- summary


def _business_days(clock: SimClock, catalogue: Catalogue, end_wall: datetime) -> tuple[date, date]:
    return clock.wall0.astimezone(catalogue.tz).date(), end_wall.astimezone(catalogue.tz).date()


def to_simulated(data: LedgerData, clock: SimClock, day: date) -> LedgerData:
    """The ledger's records with every time converted to simulated time (waits x speed)."""

    def sim(d: datetime | None) -> datetime | None:
        return clock.to_sim(d) if d is not None else None

    tickets = []
    for t in data.tickets:
        issued = sim(t.issued_at)
        assert issued is not None
        tickets.append(
            replace(
                t,
                day=day,
                issued_at=issued,
                called_at=sim(t.called_at),
                started_at=sim(t.started_at),
                finished_at=sim(t.finished_at),
                first_called_at=sim(t.first_called_at),
                wait_s=t.wait_s * clock.speed if t.wait_s is not None else None,
            )
        )
    transfers = [replace(tr, at=clock.to_sim(tr.at)) for tr in data.transfers]
    return LedgerData(tickets, transfers, data.agency_of_queue)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(v: float | None) -> float | None:
    return round(v, 2) if v is not None else None


def summarize(sim: Simulation, catalogue: Catalogue) -> dict[str, Any]:
    """Figures from central's ledger (read-only), in simulated time, and the printed tickets."""
    s, day, clock, book = sim.scenario, sim.day, sim.clock, sim.book
    assert day is not None and clock is not None
    first, last = _business_days(clock, catalogue, now())
    sim.business_days = (first, last)
    records = to_simulated(read_period(sim.ledger_path, first, last), clock, day.day)
    report = build_report(records, day.day, day.day, catalogue)
    agency_of = {q.id: q.agency for q in catalogue.queues}
    short = {a.id: a.short for a in catalogue.agencies}

    def tally(tickets: list[TicketRecord]) -> dict[str, int]:
        status = Counter(t.status for t in tickets)
        return {
            "served": status["served"],
            "no_show": status["no_show"],
            "expired": status["expired"],
            "open": status["waiting"] + status["called"] + status["serving"],
        }

    groups = {g.key: g for g in report.groups["agency"]}
    printed_by = Counter(agency_of[t.citizen.queue] for t in book.tickets.values())
    agencies = []
    for a in catalogue.agencies:
        by_final = [t for t in records.tickets if agency_of.get(t.queue) == a.id]
        by_origin = [t for t in records.tickets if agency_of.get(t.origin_queue) == a.id]
        g = groups.get(a.id)
        if not by_origin and not by_final:
            continue
        agencies.append(
            {
                "agency": a.id,
                "name": short[a.id],
                "printed": printed_by[a.id],
                "issued": len(by_origin),
                **tally(by_final),
                "transfers": g.transfers if g else 0,
                "priority": sum(t.priority for t in by_origin),
                "wait_mean_min": _round(g.wait_mean_min) if g else None,
                "wait_p90_min": _round(g.wait_p90_min) if g else None,
                "within_standard": _round(g.within_standard) if g else None,
            }
        )
    hall = report.hall
    refused = Counter(f"{c.queue}: {why}" for c, why in book.refused)
    # How faithfully the real nodes kept the generated day: presses take real time, which
    # the speed multiplies (docs/simulate.md).
    by_id = {t.id: t for t in records.tickets}
    lags, errors = [], []
    pace = {sh.officer: sh.pace for sh in day.shifts}  # a slow officer's services run long
    for held in book.tickets.values():
        rec = by_id.get(held.ticket_id)
        if rec is None:
            continue
        lags.append((rec.issued_at - held.citizen.arrives_at).total_seconds())
        took = service_s(rec)
        if took is not None and not rec.transfers and held.citizen.shows:
            errors.append(took - held.citizen.service_s * pace.get(rec.officer or "", 1.0))
    return {
        "scenario": {
            "name": "day",
            "situation": s.situation,
            "seed": s.seed,
            "date": day.day.isoformat(),
            "opens": f"{day.opens_at:%H:%M}",
            "closes": f"{day.closes_at:%H:%M}",
            "speed": s.speed,
            "site": str(s.site),
            # Central dates its ledger by the real clock: `antrian report --ledger` on the
            # ledger itself needs this date (the sim-time copy carries `date`).
            "business_day": first.isoformat(),
        },
        "citizens": len(day.citizens),
        "printed": len(book.tickets),
        "printed_priority": sum(t.priority for t in book.tickets.values()),
        "refused": dict(refused),
        "without_ticket": len(day.citizens) - len(book.tickets),
        "hall": {
            "issued": len(records.tickets),
            **tally(records.tickets),
            "transfers": len(records.transfers),
            "priority": sum(t.priority for t in records.tickets),
            "wait_mean_min": _round(hall.wait_mean_min),
            "wait_p90_min": _round(hall.wait_p90_min),
            "within_standard": _round(hall.within_standard),
            "no_show_share": _share(hall.no_show, hall.served + hall.no_show),
        },
        "agencies": agencies,
        "fidelity": {
            "issue_lag_mean_s": _round(mean(lags)),
            "issue_lag_p90_s": _round(p90(lags)),
            "service_error_mean_s": _round(mean(errors)),
            "service_error_p90_abs_s": _round(p90([abs(e) for e in errors])),
        },
        "real_seconds": round(sim.real_s, 1),
        "anomalies": book.anomalies,
        "ledger": str(sim.ledger_path),
        "ledger_simulated_time": str(sim.simtime_ledger_path),
    }


def _fmt(v: object, pct: bool = False) -> str:
    if v is None:
        return "-"
    if pct and isinstance(v, float):
        return f"{v * 100:.0f}%"
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


def summary_table(summary: dict[str, Any]) -> str:
    cols = [
        ("agency", "name", False),
        ("printed", "printed", False),
        ("issued", "issued", False),
        ("served", "served", False),
        ("no-show", "no_show", False),
        ("expired", "expired", False),
        ("transfers", "transfers", False),
        ("priority", "priority", False),
        ("wait min", "wait_mean_min", False),
        ("p90 min", "wait_p90_min", False),
        ("in std", "within_standard", True),
    ]
    hall = {**summary["hall"], "name": "Total", "printed": summary["printed"]}
    rows = [[_fmt(r.get(k), pct) for _h, k, pct in cols] for r in [*summary["agencies"], hall]]
    heads = [h for h, _k, _p in cols]
    widths = [max(len(x) for x in col) for col in zip(heads, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    sc, fid = summary["scenario"], summary["fidelity"]
    out = [
        f"Simulated MPP day {sc['date']} {sc['opens']}-{sc['closes']} (seed {sc['seed']}, "
        f"{sc['speed']:g}x, {summary['real_seconds']} s real): {summary['citizens']} citizens, "
        f"{summary['printed']} printed tickets ({summary['printed_priority']} priority), "
        f"{summary['without_ticket']} without a ticket"
        + (
            f" ({', '.join(f'{k}: {v}' for k, v in summary['refused'].items())})"
            if summary["refused"]
            else ""
        ),
        line(heads),
        *(line(r) for r in rows[:-1]),
        line(["-" * w for w in widths]),
        line(rows[-1]),
        "waits in simulated minutes; 'in std': share of services within the service standard",
        f"timing: tickets issued {fid['issue_lag_mean_s']} s (mean) after arrival, services "
        f"{fid['service_error_mean_s']} s (mean) off the generated length, in simulated time",
    ]
    if summary["anomalies"]:
        out.append(f"{len(summary['anomalies'])} anomalies: " + "; ".join(summary["anomalies"][:5]))
    return "\n".join(out)


# ----------------------------------------------------------------------------- sim-time ledger


def write_simtime_ledger(
    src: Path, dst: Path, clock: SimClock, day: date, catalogue: Catalogue
) -> dict[str, Any]:
    """A copy of central's ledger with ticket and event times in simulated time, for
    `antrian report --ledger`, its tickets' estimates in simulated minutes (central, on
    the real clock, printed real ones: sim.estimates replays the day in simulated time).
    Returns how those estimates fared. Central's own ledger is only read."""

    def ts(value: str) -> str:
        return clock.to_sim(datetime.fromisoformat(value)).isoformat()

    def retimed(text: str) -> dict[str, Any]:
        ev: dict[str, Any] = json.loads(text)
        ev["at"] = ts(ev["at"])
        ev["business_day"] = day.isoformat()
        if ev.get("ticket"):
            ev["ticket"]["issued_at"] = ts(ev["ticket"]["issued_at"])
            ev["ticket"]["business_day"] = day.isoformat()
        return ev

    with LedgerReader(src) as reader:
        events = [m.Event.model_validate(retimed(row.body)) for row in reader.all_events()]
    result = replay(events, catalogue, day)

    def body(text: str) -> str:
        ev = retimed(text)
        p = result.promises.get((ev.get("ticket") or {}).get("ticket_id", ""))
        if ev["kind"] == "ticket_issued" and p is not None:
            ev["ticket"].update(
                estimated_wait_min=p.minutes,
                estimated_wait_low_min=p.low_min,
                estimated_wait_high_min=p.high_min,
            )
        return json.dumps(ev)

    copy_retimed(src, dst, day, ts, body)
    return {**figures(result.promises.values()), "replay_mismatched": result.mismatched}
