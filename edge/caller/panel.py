"""One counter's button panel as a pure state machine: presses in, requests and feedback out.

No clock, no broker, no pins: the node passes monotonic time in and carries requests out.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from protocol import messages as m

Language = Literal["id", "en"]


class Button(StrEnum):
    """A physical button, as wired."""

    NEXT = "next"
    RECALL = "recall"
    NO_SHOW = "no_show"
    FINISH = "finish"
    PAUSE = "pause"
    TRANSFER = "transfer"
    RATE = "rate"


class Gesture(StrEnum):
    PRESS = "press"
    HOLD = "hold"


class Action(StrEnum):
    NEXT = "next"
    RECALL = "recall"
    START = "start"
    NO_SHOW = "no_show"
    FINISH = "finish"
    TRANSFER = "transfer"
    PAUSE_TOGGLE = "pause_toggle"
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    RATE = "rate"


# What each gesture means. NEXT acts the moment it goes down and has no hold: a call must
# never wait for the officer to let go. Buttons with a hold act on release when not held.
GESTURES: dict[tuple[Button, Gesture], Action] = {
    (Button.NEXT, Gesture.PRESS): Action.NEXT,
    (Button.RECALL, Gesture.PRESS): Action.RECALL,
    (Button.RECALL, Gesture.HOLD): Action.START,
    (Button.NO_SHOW, Gesture.PRESS): Action.NO_SHOW,
    (Button.FINISH, Gesture.PRESS): Action.FINISH,
    (Button.PAUSE, Gesture.PRESS): Action.PAUSE_TOGGLE,
    (Button.PAUSE, Gesture.HOLD): Action.SIGN_OUT,
    (Button.TRANSFER, Gesture.PRESS): Action.TRANSFER,
    (Button.RATE, Gesture.PRESS): Action.RATE,
}


def has_hold(button: Button) -> bool:
    return (button, Gesture.HOLD) in GESTURES


@dataclass(frozen=True)
class Press:
    """A gesture on one counter's panel, with what the wiring adds (target queue, score)."""

    counter: str
    button: Button
    gesture: Gesture = Gesture.PRESS
    to_queue: str | None = None
    score: int | None = None


class Led(StrEnum):
    ONLINE = "online"
    CALLING = "calling"
    PAUSED = "paused"
    ERROR = "error"
    THANKS = "thanks"


@dataclass(frozen=True)
class Pattern:
    """An LED pattern: steady on, off, or blinking forever with these times."""

    name: str
    on_s: float
    off_s: float


OFF = Pattern("off", 0.0, 1.0)
ON = Pattern("on", 1.0, 0.0)
SLOW = Pattern("slow", 1.0, 1.0)  # waiting for something: central away, nobody signed in
BLINK = Pattern("blink", 0.5, 0.5)  # a ticket is being called
ACK = Pattern("ack", 0.1, 0.1)  # the press worked (short burst)
REFUSED = Pattern("refused", 0.4, 0.2)  # central said no: read the screen
FAULT = Pattern("fault", 0.05, 0.05)  # nothing happened: central or broker away, no answer

FLASH_S = {"ack": 0.8, "refused": 2.0, "fault": 3.0, "thanks": 3.0}

Channel = Literal["officer", "rating"]

TEXTS: dict[str, tuple[str, str]] = {
    "central_away": (
        "Server pusat tidak terhubung. Coba lagi nanti.",
        "Central is unreachable. Try again later.",
    ),
    "broker_away": (
        "Jaringan terputus. Coba lagi nanti.",
        "Network is down. Try again later.",
    ),
    "no_answer": (
        "Tidak ada jawaban. Periksa layar, lalu tekan lagi.",
        "No answer. Check the screen, then press again.",
    ),
    "nothing_to_rate": ("Tidak ada layanan untuk dinilai.", "No service to rate."),
    # NEXT with nobody waiting still finishes the ticket at the desk: say so, not an error.
    "done_none_waiting": (
        "{label} selesai. Tidak ada antrian menunggu.",
        "{label} done. Nobody is waiting.",
    ),
    "already_rated": ("Terima kasih, sudah dinilai.", "Thank you, already rated."),
    "thanks": ("Terima kasih atas penilaian Anda.", "Thank you for your rating."),
    "no_officer_code": (
        "Kode petugas belum diatur. Gunakan: antrian caller signin.",
        "No officer code set. Use: antrian caller signin.",
    ),
}


def text(key: str, language: Language, **values: object) -> str:
    ident, en = TEXTS[key]
    return (ident if language == "id" else en).format(**values)


@dataclass
class PanelSettings:
    node_id: str
    language: Language = "id"
    officer: str | None = None
    request_timeout_s: float = 1.5
    double_press_s: float = 0.8
    rating_window_s: float = 180.0


@dataclass
class Pending:
    request_id: str
    action: Action
    deadline: float
    at_desk: str | None = None  # label of the ticket at the desk when NEXT was pressed


@dataclass
class Flash:
    kind: Literal["ack", "refused", "fault", "thanks"]
    until: float
    notice: str | None = None


@dataclass(frozen=True)
class Send:
    """Publish this request; its reply or timeout comes back through the panel."""

    request: m.RequestBase
    channel: Channel


@dataclass(frozen=True)
class Ignored:
    """A press that does nothing on purpose (bounce, double press, already waiting)."""

    reason: str


@dataclass(frozen=True)
class Rejected:
    """A press refused here, before any request: the error pattern is already showing."""

    reason: str


Outcome = Send | Ignored | Rejected


@dataclass(frozen=True)
class BoardView:
    """What the counter's screen shows; equal views need no redraw."""

    snapshot: m.CounterSnapshot | None
    offline: bool
    notice: str | None
    error: bool
    away: str | None = None  # theme word: "offline" (the network) or "central_away"


@dataclass
class CounterPanel:
    """The officer's and the citizens' buttons of one counter, and what its LEDs show."""

    counter: str
    settings: PanelSettings
    snapshot: m.CounterSnapshot | None = None
    link_up: bool = False
    central_online: bool = False
    pending: dict[Channel, Pending] = field(default_factory=dict)
    last_press: dict[tuple[Button, str | None], float] = field(default_factory=dict)
    flash: Flash | None = None
    rating_flash: Flash | None = None
    rateable: tuple[str, float] | None = None  # ticket id, rateable until (monotonic)
    rated: deque[str] = field(default_factory=lambda: deque(maxlen=64))
    # Until when a second rating press is thanked again (the rated ticket's window).
    rated_until: float | None = None
    auto_sign_in_done: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    # -- inputs ----------------------------------------------------------------------

    def press(self, p: Press, now: float, at: datetime, request_id: str) -> Outcome:
        """Decide what a gesture does. `now` is monotonic seconds, `at` the wall clock."""
        action = GESTURES.get((p.button, p.gesture))
        if action is None:
            return self._ignore("no_gesture")
        channel: Channel = "rating" if action is Action.RATE else "officer"
        # Contact bounce and impatient double presses: never two requests for one intent.
        key = (p.button, p.to_queue if p.button is Button.TRANSFER else None)
        last = self.last_press.get(key)
        if last is not None and now - last < self.settings.double_press_s:
            return self._ignore("double_press")
        if channel in self.pending:
            return self._ignore("busy")
        self.last_press[key] = now
        if not self.link_up:
            return self._reject(now, "fault", "broker_away")
        if not self.central_online:
            return self._reject(now, "fault", "central_away")
        request = self._request(action, p, at, request_id)
        if isinstance(request, Rejected):
            return request
        at_desk = None
        snap = self.snapshot
        if action is Action.NEXT and snap and snap.ticket and snap.state in ("calling", "serving"):
            at_desk = snap.ticket.label
        self.pending[channel] = Pending(
            request_id, action, now + self.settings.request_timeout_s, at_desk
        )
        self._count("sent")
        return Send(request, channel)

    def sign_in_at_start(self, now: float, at: datetime, request_id: str) -> Send | None:
        """Sign in the configured officer once, when central shows nobody at the counter."""
        s = self.settings
        if (
            self.auto_sign_in_done
            or s.officer is None
            or self.snapshot is None
            or not (self.link_up and self.central_online)
            or "officer" in self.pending
        ):
            return None
        self.auto_sign_in_done = True
        if self.snapshot.officer is not None:
            return None
        req = m.SignIn(
            request_id=request_id,
            node_id=s.node_id,
            sent_at=at,
            counter=self.counter,
            officer=s.officer,
        )
        self.pending["officer"] = Pending(request_id, Action.SIGN_IN, now + s.request_timeout_s)
        return Send(req, "officer")

    def on_reply(self, channel: Channel, reply: m.Reply, now: float) -> None:
        p = self.pending.get(channel)
        if p is None or p.request_id != reply.request_id:
            # A reply after its timeout: the error was shown; the snapshot brings the truth.
            self._count("late_reply")
            return
        del self.pending[channel]
        if reply.counter is not None and reply.counter.counter == self.counter:
            self._take_counter_info(reply.counter)
        if reply.ok:
            self._count("ok")
            if channel == "rating":
                if reply.ticket is not None:
                    self.rated.append(reply.ticket.ticket_id)
                if self.rateable is not None:
                    self.rated_until = self.rateable[1]
                self.rateable = None
                self.rating_flash = Flash("thanks", now + FLASH_S["thanks"], self._t("thanks"))
            else:
                self.flash = Flash("ack", now + FLASH_S["ack"])
            return
        r = reply.refusal
        # Central finished the desk's ticket only when its queue_empty reply carries the
        # counter; a plain refusal (say, a ticket that expired at day end) finished nothing.
        finished = reply.counter is not None
        if r is not None and r.code == "queue_empty" and p.at_desk is not None and finished:
            self._count("ok")
            done = self._t("done_none_waiting", label=p.at_desk)
            self.flash = Flash("ack", now + FLASH_S["refused"], done)
            return
        self._count("refused")
        notice = (r.text_id if self.settings.language == "id" else r.text_en) if r else None
        if channel == "rating":
            if r is not None and r.code in ("already_rated", "not_rateable", "unknown_ticket"):
                self.rateable = None
            self.rating_flash = Flash("refused", now + FLASH_S["refused"], notice)
        else:
            self.flash = Flash("refused", now + FLASH_S["refused"], notice)

    def on_send_failed(self, channel: Channel, request_id: str, now: float) -> None:
        """The link dropped between the press and the publish."""
        p = self.pending.get(channel)
        if p is not None and p.request_id == request_id:
            del self.pending[channel]
            self._set_fault(channel, now, "broker_away")

    def expire(self, now: float) -> bool:
        """Time out pending requests: error pattern, and the press is not retried (callers
        never queue calls: a late NEXT would call someone nobody is waiting for)."""
        changed = False
        for channel, p in list(self.pending.items()):
            if now >= p.deadline:
                del self.pending[channel]
                self._count("timeout")
                self._set_fault(channel, now, "no_answer")
                changed = True
        return changed

    def on_snapshot(self, snap: m.CounterSnapshot) -> None:
        if snap.counter == self.counter:
            self.snapshot = snap

    def on_event(self, ev: m.Event, now: float) -> None:
        if ev.counter != self.counter or ev.ticket is None:
            return
        if ev.kind in ("ticket_called", "ticket_served") and ev.ticket.ticket_id not in self.rated:
            # Another citizen at the desk: their press is a rating, not a second one.
            self.rated_until = None
        if ev.kind == "ticket_served" and ev.ticket.ticket_id not in self.rated:
            self.rateable = (ev.ticket.ticket_id, now + self.settings.rating_window_s)
        elif ev.kind == "ticket_rated":
            self.rated.append(ev.ticket.ticket_id)
            if self.rateable and self.rateable[0] == ev.ticket.ticket_id:
                self.rated_until = self.rateable[1]
                self.rateable = None

    def set_link(self, up: bool) -> None:
        self.link_up = up

    def set_central(self, online: bool) -> None:
        self.central_online = online

    # -- outputs ---------------------------------------------------------------------

    def leds(self, now: float) -> dict[Led, Pattern]:
        flash = self.flash if self.flash and now < self.flash.until else None
        state = self.snapshot.state if self.snapshot else None
        if not self.link_up:
            online = OFF
        elif not self.central_online:
            online = SLOW
        else:
            online = ON
        if flash and flash.kind == "ack":
            calling = ACK
        elif state == "calling":
            calling = BLINK
        elif state == "serving":
            calling = ON
        else:
            calling = OFF
        if state == "paused":
            paused = ON
        elif self.snapshot is not None and self.snapshot.officer is None:
            paused = SLOW
        else:
            paused = OFF
        error = OFF
        if flash and flash.kind == "refused":
            error = REFUSED
        elif flash and flash.kind == "fault":
            error = FAULT
        rf = self.rating_flash if self.rating_flash and now < self.rating_flash.until else None
        thanks = OFF
        if rf is not None:
            thanks = {"thanks": ON, "refused": REFUSED, "fault": FAULT}.get(rf.kind, OFF)
        return {
            Led.ONLINE: online,
            Led.CALLING: calling,
            Led.PAUSED: paused,
            Led.ERROR: error,
            Led.THANKS: thanks,
        }

    def board(self, now: float) -> BoardView:
        notice = None
        error = False
        for f in (self.flash, self.rating_flash):
            if f and now < f.until and f.notice:
                notice = f.notice
                error = f.kind in ("refused", "fault")
        if notice is None and self.link_up and not self.central_online:
            notice = self._t("central_away")
        return BoardView(
            snapshot=self.snapshot,
            offline=not (self.link_up and self.central_online),
            notice=notice,
            error=error,
            away=None
            if self.central_online and self.link_up
            else ("central_away" if self.link_up else "offline"),
        )

    # -- internals -------------------------------------------------------------------

    def _request(
        self, action: Action, p: Press, at: datetime, rid: str
    ) -> m.RequestBase | Rejected:
        base: dict[str, Any] = {"request_id": rid, "node_id": self.settings.node_id, "sent_at": at}
        c = self.counter
        match action:
            case Action.NEXT:
                return m.CallNext(**base, counter=c)
            case Action.RECALL:
                return m.Recall(**base, counter=c)
            case Action.START:
                return m.StartService(**base, counter=c)
            case Action.NO_SHOW:
                return m.NoShow(**base, counter=c)
            case Action.FINISH:
                return m.FinishService(**base, counter=c)
            case Action.TRANSFER:
                assert p.to_queue is not None
                return m.Transfer(**base, counter=c, to_queue=p.to_queue)
            case Action.PAUSE_TOGGLE:
                if self.snapshot is not None and self.snapshot.state == "paused":
                    return m.ResumeCounter(**base, counter=c)
                return m.PauseCounter(**base, counter=c)
            case Action.SIGN_OUT:
                # Hold PAUSE: sign out; with nobody signed in, sign the configured officer in.
                if self.snapshot is not None and self.snapshot.officer is None:
                    if self.settings.officer is None:
                        return self._reject_now(p, "no_officer_code")
                    return m.SignIn(**base, counter=c, officer=self.settings.officer)
                return m.SignOut(**base, counter=c)
            case Action.SIGN_IN:
                if self.settings.officer is None:
                    return self._reject_now(p, "no_officer_code")
                return m.SignIn(**base, counter=c, officer=self.settings.officer)
            case Action.RATE:
                return self._rating(p, base)
        raise AssertionError(action)

    def _rating(self, p: Press, base: dict[str, Any]) -> m.RequestBase | Rejected:
        assert p.score is not None
        now = self._press_time(p)
        r = self.rateable
        if r is None or now >= r[1]:
            self.rateable = None
            if self.rated_until is not None and now < self.rated_until:
                return self._thank_again(now)
            return self._reject_now(p, "nothing_to_rate", channel="rating")
        if r[0] in self.rated:
            return self._thank_again(now)
        return m.RateService(
            **base,
            counter=self.counter,
            ticket_id=r[0],
            score=p.score,
        )

    def _thank_again(self, now: float) -> Rejected:
        """A citizen pressing a second rating button: thanked again, the first one counts."""
        self._count("rejected_already_rated")
        self.rating_flash = Flash("thanks", now + FLASH_S["thanks"], self._t("already_rated"))
        return Rejected("already_rated")

    def _press_time(self, p: Press) -> float:
        key = (p.button, p.to_queue if p.button is Button.TRANSFER else None)
        return self.last_press[key]

    def _reject_now(self, p: Press, key: str, channel: Channel = "officer") -> Rejected:
        return self._reject(self._press_time(p), "refused", key, channel)

    def _reject(
        self,
        now: float,
        kind: Literal["refused", "fault"],
        key: str,
        channel: Channel = "officer",
    ) -> Rejected:
        self._count("rejected_" + key)
        f = Flash(kind, now + FLASH_S[kind], self._t(key))
        if channel == "rating":
            self.rating_flash = f
        else:
            self.flash = f
        return Rejected(key)

    def _set_fault(self, channel: Channel, now: float, key: str) -> None:
        f = Flash("fault", now + FLASH_S["fault"], self._t(key))
        if channel == "rating":
            self.rating_flash = f
        else:
            self.flash = f

    def _ignore(self, reason: str) -> Ignored:
        self._count("ignored_" + reason)
        return Ignored(reason)

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    def _take_counter_info(self, info: m.CounterInfo) -> None:
        # A reply carries the counter as committed; it may arrive before the snapshot.
        seq = self.snapshot.seq if self.snapshot else 0
        since = self.snapshot.since if self.snapshot else None
        self.snapshot = m.CounterSnapshot(
            seq=seq,
            counter=info.counter,
            name=info.name,
            state=info.state,
            officer=info.officer,
            ticket=info.ticket,
            queues=info.queues,
            since=since,
        )

    def _t(self, key: str, **values: object) -> str:
        return text(key, self.settings.language, **values)
