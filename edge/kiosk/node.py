"""The kiosk node: presses in, tickets out, online through central or offline from a lease."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from antrian import __version__
from antrian.delivery import ConfigReceiver
from antrian.mqtt import Identity, MqttLink, Requester, RequestTimeout, new_request_id, now
from antrian.runtime import NodeLoop, follow_config, live
from antrian.session import next_session
from edge.kiosk.config import TIMEZONES, KioskConfig
from edge.kiosk.core import Accept, CoreSettings, Ignore, KioskCore, Refuse
from edge.kiosk.gate import Press, PressGate
from edge.kiosk.hardware import Panel, Printer, PrinterStatus
from edge.kiosk.layout import Element, TicketView, slip_layout, ticket_layout
from edge.kiosk.outbox import LeaseExhausted, Outbox, StoredTicket
from edge.kiosk.reconcile import Reconciler
from protocol import CENTRAL_ID, Topics, decode
from protocol import messages as m

log = logging.getLogger(__name__)

SUSPECT_S = 3.0  # after a timeout, issue offline at once for this long, then probe again
WORKER_TICK_S = 0.2
BACKGROUND_S = 0.5  # replay, intents and lease top-up at most this often
OUTBOX_REPORT_S = 5.0  # a changing outbox depth is reported at most this often
# Delivered settings applied while running (docs/deploy.md, Config delivery). The rest
# (pins, printer, broker) is bound to the device and comes with its config file.
LIVE_SETTINGS = (
    "language",
    "footer",
    "status_url",
    "hall_name",
    "request_timeout_s",
    "refusal_slip",
    "accept_on_paper_low",
    "press",
    "lease",
)


class Kiosk:
    """Wires the ports together. The constructor does nothing; start() opens and connects.

    Everything that changes state runs on one worker thread: gpiozero and paho callbacks only
    put items on its inbox."""

    def __init__(
        self,
        config: KioskConfig,
        panel: Panel,
        printer: Printer,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.panel = panel
        self.printer = printer
        self.monotonic = monotonic
        self.tz = ZoneInfo(TIMEZONES[config.timezone])
        self.topics = Topics(config.site)
        self.core = KioskCore(
            CoreSettings(config.language, config.accept_on_paper_low, config.refusal_slip),
            PressGate(config.press.repeat_guard_s, config.press.priority_window_s),
        )
        self.gate = self.core.gate
        self.ready = threading.Event()
        self.idle = threading.Event()  # nothing left to print, replay or resolve
        self.counters: dict[str, int] = {
            "presses_ignored": 0,
            "refusals": 0,
            "exhausted": 0,
            "malformed": 0,  # junk on a subscribed topic (replies: requester.malformed)
        }
        # One worker takes presses, central's news and timers in order (items: kind, what).
        self.loop = NodeLoop("kiosk-worker", self._handle, self._tick, WORKER_TICK_S, self._idle)
        self._central_online: bool | None = None
        self._suspect_until = float("-inf")
        self._next_poll = 0.0
        self._next_background = 0.0
        self._faults: list[str] = []
        self._outbox_reported_at = float("-inf")
        self._quota_used_up: tuple[date | None, set[str]] = (None, set())
        self.outbox: Outbox
        self.link: MqttLink
        self.config_receiver: ConfigReceiver
        self.requester: Requester
        self.reconciler: Reconciler

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        cfg = self.config
        self.outbox = Outbox(cfg.state_dir / "outbox.sqlite3")
        session = next_session(cfg.state_dir)
        self.link = MqttLink(
            broker=cfg.broker,
            topics=self.topics,
            identity=Identity(cfg.node_id, "kiosk", session, software=f"antrian {__version__}"),
            on_connection=lambda up: self.loop.put(("link", up)),
        )
        self.link.outbox = self.outbox.backlog()  # in the first birth already
        self.requester = Requester(self.link)
        self.reconciler = Reconciler(self, self.outbox)
        self.config_receiver = follow_config(
            self.link, KioskConfig, cfg.node_id, cfg.state_dir, self._apply_config,
            self.loop.call_soon,
        )  # fmt: skip
        self.link.subscribe(self.topics.status(CENTRAL_ID), self._on_central)
        self.link.subscribe(self.topics.hall, self._on_hall)
        self.panel.start(self._on_press)
        self.loop.start(setup=self._setup)
        self.link.start()

    def stop(self) -> None:
        self.loop.stop()
        self.link.stop()
        self.panel.close()
        self.printer.close()
        self.outbox.close()
        self.config_receiver.cache.close()

    @property
    def printer_status(self) -> PrinterStatus:
        return self.core.printer_status

    @property
    def last_refusal(self) -> str | None:
        return self.core.last_refusal

    def healthy(self) -> bool:
        """The worker runs and came round its loop lately (it does every 0.2 s when idle):
        systemd's watchdog restarts a kiosk whose worker hangs, e.g. in a printer driver."""
        return self.loop.healthy()

    def wait_idle(self, timeout: float) -> bool:
        """Tests and tools: wait until the worker has nothing pending."""
        self.idle.clear()
        self.loop.put(("tick", None))
        return self.idle.wait(timeout)

    def recheck_printer(self) -> None:
        """Ask the worker to read the printer's status now (a technician fixed it)."""
        self._next_poll = 0.0
        self.loop.put(("tick", None))

    def _apply_config(self, new: KioskConfig, version: int | None) -> None:
        self.config = live(self.config, new, LIVE_SETTINGS)
        self.gate.repeat_guard_s = new.press.repeat_guard_s
        self.gate.priority_window_s = new.press.priority_window_s
        self.core.settings = CoreSettings(new.language, new.accept_on_paper_low, new.refusal_slip)
        bound = ("node_id", "site", "broker", "state_dir", *LIVE_SETTINGS)
        rest = [k for k in KioskConfig.model_fields if k not in bound]
        differ = [k for k in rest if getattr(new, k) != getattr(self.config, k)]
        log.info("config v%s applied", version)
        if differ:
            log.warning(
                "config v%s also changes %s: these come from the device's config file "
                "(pins and printer are bound to the hardware)",
                version,
                ", ".join(differ),
            )

    # -- other threads: hand over -----------------------------------------------------

    def _on_press(self, key: str) -> None:
        self.loop.put(("press", (key, self.monotonic())))

    def _on_central(self, topic: str, payload: bytes) -> None:
        try:
            self.loop.put(("central", decode(m.NodeStatus, payload)))
        except ValueError as exc:
            self.counters["malformed"] += 1
            log.warning("malformed central status ignored: %s", exc)

    def _on_hall(self, topic: str, payload: bytes) -> None:
        try:
            self.loop.put(("hall", decode(m.HallSnapshot, payload)))
        except ValueError as exc:
            self.counters["malformed"] += 1
            log.warning("malformed hall snapshot ignored: %s", exc)

    # -- worker -----------------------------------------------------------------------

    def _setup(self) -> None:
        self._poll_printer()
        self._print_pending()
        self._show()
        self.ready.set()

    def _idle(self) -> None:
        self.outbox.checkpoint()

    def _handle(self, entry: tuple[str, Any]) -> None:
        # A bug in one press must not stop the kiosk (the loop logs it); the outbox keeps
        # what was done.
        kind, item = entry
        if kind == "press":
            key, at = item
            self._press(key, at)
        elif kind == "central":
            status: m.NodeStatus = item
            self._central_online = status.online
            if status.online:
                self._suspect_until = float("-inf")
                self._next_background = 0.0
            log.info("central is %s", "online" if status.online else "offline")
        elif kind == "hall":
            self._remember_hall(item)
        elif kind == "link" and item:
            self._suspect_until = float("-inf")
            self._next_background = 0.0

    def _tick(self) -> None:
        t = self.monotonic()
        if t >= self._next_poll:
            self._poll_printer()
        pending = self._print_pending()
        if t < self._next_background:
            pending += int(self._backlog > 0)
        elif self.central_up():
            self._next_background = t + BACKGROUND_S
            pending += self.reconciler.run()
            if self.reconciler.sliced:
                self._next_background = t  # the next slice, once what waits is served
                self.loop.again()
        elif self._backlog:
            pending += 1
        self._show()
        if pending == 0 and not self.gate.busy:
            self.idle.set()

    # -- central availability -----------------------------------------------------------

    def central_up(self) -> bool:
        """Worth asking central: connected, central's birth seen (its retained status
        comes right after the subscription; a central that never ran has none, and asking
        it would hold the first press for a whole request timeout), no recent timeout."""
        return (
            self.link.connected
            and self._central_online is True
            and self.monotonic() >= self._suspect_until
        )

    def call(
        self, request: m.RequestBase, meanwhile: Callable[[], None] | None = None
    ) -> m.Reply | None:
        """Ask central; `meanwhile` runs while the request is on its way (the printer's
        status query, a USB round trip of its own on real hardware)."""
        try:
            return self.requester.call(request, self.config.request_timeout_s, meanwhile)
        except RequestTimeout as exc:
            log.warning("central did not answer %s: %s", request.request_id, exc)
            self._suspect_until = self.monotonic() + SUSPECT_S
            return None

    # -- a press ----------------------------------------------------------------------

    def _press(self, key: str, at: float) -> None:
        # An OK from the last poll (every printer.poll_s, and during each request) is
        # trusted: querying the printer here would put its USB round trip before the
        # request. A fault is asked again, so the first press after a fix works.
        if not self.core.printable():
            self._poll_printer()
        decision = self.core.press(key, at, self.monotonic())
        if isinstance(decision, Ignore):
            self.counters["presses_ignored"] += 1
            if decision.beeps:
                self.panel.beep(decision.beeps)
            else:
                self._show()
            return
        self._show()
        try:
            self._issue(decision.press)
        finally:
            self.gate.done(self.monotonic())
            self._show()

    def _issue(self, press: Press) -> None:
        button = self.config.button(press.queue)
        if button is None:
            return
        wall = now()
        origin: str | None = None
        if self.central_up():
            rid = new_request_id(self.config.node_id)
            # Durable before sending: after a crash the same id is asked again, never a new one.
            self.outbox.add_intent(rid, press.queue, press.priority, wall)
            reply = self.call(
                m.IssueTicket(
                    request_id=rid,
                    node_id=self.config.node_id,
                    sent_at=wall,
                    queue=press.queue,
                    priority=press.priority,
                ),
                meanwhile=self._poll_printer,  # a fault found now: printed on recovery
            )
            if reply is not None:
                if self._quota_in_lease(reply, press.queue, wall):
                    # Central's own numbers met the leased blocks, and this kiosk still holds
                    # some of today's quota: the citizen gets one of those, replayed to
                    # central like any ticket of the block.
                    self.outbox.drop_intent(rid)
                    if not self._fault_blocks():
                        self._issue_offline(press, wall, None, offline=False)
                        return
                self.online_reply(rid, reply, press.queue)
                return
            origin = rid
        if self._fault_blocks():
            # No number from the block for a ticket that cannot be printed now. The citizen
            # was told no: the try above is not asked again later (it would print a ticket
            # for nobody); if central did issue it, that ticket ends as a no-show.
            if origin is not None:
                self.outbox.drop_intent(origin)
            self.counters["presses_ignored"] += 1
            self.panel.beep(2)
            return
        self._issue_offline(press, wall, origin)

    def online_reply(self, rid: str, reply: m.Reply, queue_id: str) -> None:
        answer = self.core.answered(reply, queue_id, self._hall_name(), self.tz, self.monotonic())
        if isinstance(answer, Accept):
            info = reply.ticket
            assert info is not None
            fresh = self.outbox.record_online(rid, info, answer.view, answer.printing)
            log.info("ticket recorded %s %s online", info.label, info.ticket_id)
            if fresh and answer.printing:
                self._print_recorded(info.ticket_id, answer.view, attempts=1)
            elif not fresh:
                stored = self.outbox.ticket(info.ticket_id)
                if stored is not None and not stored.printed:
                    self._print(stored)
            return
        self.outbox.drop_intent(rid)
        self._refused(answer)

    def _quota_in_lease(self, reply: m.Reply, queue_id: str, wall: datetime) -> bool:
        refusal = reply.refusal
        return (
            not reply.ok
            and refusal is not None
            and refusal.code == "quota_reached"
            and self.outbox.remaining(queue_id, self.business_day(wall)) > 0
        )

    def _issue_offline(
        self, press: Press, wall: datetime, origin: str | None, offline: bool = True
    ) -> None:
        """A ticket from this kiosk's leased block (`offline` False: central is up but
        had no number left outside the blocks)."""
        button = self.config.button(press.queue)
        assert button is not None
        priority = press.priority and button.priority_allowed
        day = self.business_day(wall)
        names = self._queue_names(press.queue)
        if self.closed_early(press.queue, day):
            if origin is not None:
                self.outbox.drop_intent(origin)  # central refused it, or will: closed
            log.info("%s closed for today by a supervisor: no offline ticket", press.queue)
            self._refuse(press.queue, "queue_closed", "")
            return

        def view(ticket_id: str, label: str) -> TicketView:
            return TicketView(
                ticket_id=ticket_id,
                label=label,
                hall_name=self._hall_name(),
                agency=names[0],
                queue_name=names[1],
                issued_at=wall.astimezone(self.tz),
                priority=priority,
                offline=offline,
            )

        try:
            stored = self.outbox.issue_offline(
                press.queue, day, priority, wall, self.config.node_id, origin, view
            )
        except LeaseExhausted:
            if origin is not None:
                # No ticket for this press: asking again later would print one for a citizen
                # who was told to see an officer. If central did apply it, that ticket ends
                # as a no-show.
                self.outbox.drop_intent(origin)
            self.counters["exhausted"] += 1
            log.error("no leased numbers left for %s on %s: refusing", press.queue, day)
            self._refuse(press.queue, "lease_exhausted", "")
            return
        log.info("ticket recorded %s %s offline", stored.view.label, stored.ticket_id)
        self._print(stored)

    def _refuse(self, queue_id: str, code: str, reason: str) -> None:
        self._refused(self.core.refuse(queue_id, code, reason, self.monotonic()))

    def _refused(self, refusal: Refuse) -> None:
        self.counters["refusals"] += 1
        log.info("refused %s: %s (%s)", refusal.queue, refusal.code, refusal.reason)
        self.panel.beep(1)
        if refusal.slip:
            queue_name = self._queue_names(refusal.queue)[1]
            lang = self.config.language
            columns = self.config.printer.line_columns
            self._write(slip_layout(self._hall_name(), queue_name, refusal.reason, lang, columns))

    # -- printing -----------------------------------------------------------------------

    def _fault_blocks(self) -> bool:
        self._poll_printer()
        return not self.core.printable()

    def _print(self, stored: StoredTicket) -> bool:
        """Print one recorded ticket; False leaves it for the reprint on recovery."""
        if not self.core.printable():
            return False
        attempts = self.outbox.print_attempt(stored.ticket_id)
        return self._print_recorded(stored.ticket_id, stored.view, attempts)

    def _print_recorded(self, ticket_id: str, view: TicketView, attempts: int) -> bool:
        """The attempt is already counted in the outbox: a restart marks any later copy."""
        layout = ticket_layout(
            view,
            self.config.language,
            self.config.footer,
            self.config.status_url,
            reprint=attempts > 1,
            columns=self.config.printer.line_columns,
        )
        if not self._write(layout):
            return False
        self.outbox.mark_printed(ticket_id, now())
        # Poll again right after this press, off its path: a roll that ran out on this
        # ticket then refuses the next press instead of issuing a number it cannot print.
        self._next_poll = 0.0
        log.info("ticket printed %s %s attempt %d", view.label, ticket_id, attempts)
        return True

    def _write(self, layout: list[Element]) -> bool:
        try:
            self.printer.write(layout)
        except Exception as exc:  # any device error: the ticket stays unprinted, never lost
            log.error("printer write failed: %s", exc)
            self._poll_printer()
            if self.printer_status is PrinterStatus.OK:
                self._set_printer_status(PrinterStatus.OFFLINE)
            return False
        return True

    def _print_pending(self) -> int:
        pending = self.outbox.unprinted()
        if pending and self.core.printable():
            for stored in pending:
                if not self._print(stored):
                    break
            pending = self.outbox.unprinted()
        return len(pending)

    def _poll_printer(self) -> None:
        self._next_poll = self.monotonic() + self.config.printer.poll_s
        try:
            status = self.printer.status()
        except Exception as exc:  # a driver error is a status too
            log.warning("printer status failed: %s", exc)
            status = PrinterStatus.UNKNOWN
        self._set_printer_status(status)

    def _set_printer_status(self, status: PrinterStatus) -> None:
        if status is self.printer_status:
            return
        beeps = self.core.printer(status)
        log.info("printer status: %s", status.value)
        if beeps:
            self.panel.beep(beeps)
        self._publish_faults()

    def _publish_faults(self) -> None:
        faults = [] if self.printer_status is PrinterStatus.OK else [self.printer_status.value]
        if faults != self._faults:
            self._faults = faults
            # Other faults (a rejected config) stay until their own cause clears them.
            printer = {s.value for s in PrinterStatus}
            others = [f for f in self.link.faults if f not in printer]
            self.link.faults[:] = faults + others
            rejected = self.config_receiver.last_error if others else None
            details = [f"printer: {f}" for f in faults] + ([rejected] if rejected else [])
            self.link.detail = "; ".join(details)[:500] or None
            self.link.publish_status()

    # -- background work while central is up ----------------------------------------------

    def lease_settled(self, queue: str, day: date) -> bool:
        """No lease request due for this queue: enough numbers held, or backing off."""
        return self.reconciler.lease_settled(queue, day)

    # -- names and days -------------------------------------------------------------------

    def business_day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def _remember_hall(self, hall: m.HallSnapshot) -> None:
        names = {q.queue: [q.agency, q.name, q.prefix] for q in hall.queues}
        if self.outbox.get("hall_name") != hall.hall_name or self.outbox.get("queues") != names:
            self.outbox.put("hall_name", hall.hall_name)
            self.outbox.put("queues", names)
        # Queues whose quota central has no number of left outside the kiosks' blocks:
        # this kiosk gives back what it holds of them (Reconciler._give_back).
        used_up = {q.queue for q in hall.queues if q.online_left == 0}
        self._quota_used_up = (hall.business_day, used_up)
        if used_up:
            self._next_background = 0.0
        # Queues a supervisor closed for the day: they stay closed while central is away.
        closed = {"day": hall.business_day.isoformat(),
                  "queues": sorted(q.queue for q in hall.queues if q.closed_early)}  # fmt: skip
        if self.outbox.get("closed_early") != closed:
            self.outbox.put("closed_early", closed)

    def quota_used_up(self, day: date) -> set[str]:
        """This kiosk's queues whose quota central had no number of left outside the
        blocks, in its latest hall snapshot of `day`."""
        snapshot_day, queues = self._quota_used_up
        if snapshot_day != day:
            return set()
        return {b.queue for b in self.config.buttons if b.queue in queues}

    def closed_early(self, queue_id: str, day: date) -> bool:
        """A supervisor closed this queue for `day` (as central's last hall snapshot said)."""
        closed = self.outbox.get("closed_early")
        return (
            isinstance(closed, dict)
            and closed.get("day") == day.isoformat()
            and queue_id in (closed.get("queues") or [])
        )

    def _hall_name(self) -> str:
        cached = self.outbox.get("hall_name")
        return cached if isinstance(cached, str) else self.config.hall_name

    def _queue_names(self, queue_id: str) -> tuple[str, str]:
        cached = self.outbox.get("queues")
        if isinstance(cached, dict) and queue_id in cached:
            agency, name, _prefix = cached[queue_id]
            return str(agency), str(name)
        button = self.config.button(queue_id)
        return (button.agency if button else "") or queue_id, (button.name if button else "")

    # -- lights -----------------------------------------------------------------------------

    def _show(self) -> None:
        t = self.monotonic()
        for name, mode in self.core.lights(t, self.central_up(), self._has_backlog()).items():
            self.panel.led(name, mode)
        self._report_outbox(t)

    def _report_outbox(self, t: float) -> None:
        """The outbox depth in a fresh birth, for the supervisors' dashboard: at once when
        it fills or empties, at most every OUTBOX_REPORT_S while it changes (a replay of
        200 offline tickets must not send 200 statuses)."""
        depth = self._backlog
        reported = self.link.outbox
        if depth == reported:
            return
        if depth and reported and t - self._outbox_reported_at < OUTBOX_REPORT_S:
            return
        self.link.outbox = depth
        self._outbox_reported_at = t
        self.link.publish_status()

    def _has_backlog(self) -> bool:
        return self._backlog > 0

    @property
    def _backlog(self) -> int:
        return self.outbox.backlog()
