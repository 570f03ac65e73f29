"""The caller node: wires buttons, LEDs, screen and MQTT to one CounterPanel per counter.

Everything that arrives (a press from a gpiozero thread, a message from paho's thread, a
reply) goes through one inbox to one loop thread, so the panels need no locks.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TypeVar

from antrian.delivery import ConfigReceiver
from antrian.mqtt import Identity, MqttLink, Requester, RequestTimeout, new_request_id, now
from antrian.runtime import NodeLoop, follow_config, live
from antrian.session import next_session
from edge.caller.config import CallerConfig
from edge.caller.hardware import CounterScreen, NoScreen, PanelHardware
from edge.caller.panel import (
    BoardView,
    Channel,
    CounterPanel,
    Led,
    PanelSettings,
    Pattern,
    Press,
    Send,
)
from protocol import CENTRAL_ID, ProtocolError, Topics, decode
from protocol import messages as m

log = logging.getLogger(__name__)

T = TypeVar("T", bound=m.Message)

TICK_S = 0.05
# Delivered settings applied while running (docs/deploy.md, Config delivery); officer
# defaults are per counter. Pins and the screen are bound to the device's config file.
LIVE_SETTINGS = ("language", "request_timeout_s", "double_press_s", "rating_window_s")
PUMP_S = 0.05


@dataclass(frozen=True)
class _Pressed:
    press: Press
    at: float  # monotonic, taken on the pin's thread: the guards judge the physical press


@dataclass(frozen=True)
class _Link:
    up: bool


@dataclass(frozen=True)
class _Message:
    kind: str  # central | counter | event
    payload: bytes


@dataclass(frozen=True)
class _Replied:
    counter: str
    channel: Channel
    request_id: str
    future: Future[m.Reply]
    calls: bool = False  # a NEXT: its reply names whom it called, even when it came late


_Item = _Pressed | _Link | _Message | _Replied


@dataclass
class CallerNode:
    """One Pi for one or several counters. start() returns once the loop runs."""

    config: CallerConfig
    hardware: PanelHardware
    screen: CounterScreen = field(default_factory=NoScreen)
    panels: dict[str, CounterPanel] = field(default_factory=dict)
    malformed: int = 0
    link: MqttLink | None = None
    _requester: Requester | None = None
    _central_session: int = 0
    _leds: dict[tuple[str, Led], Pattern] = field(default_factory=dict)
    _last_pump: float = 0.0
    config_receiver: ConfigReceiver | None = None

    def __post_init__(self) -> None:
        cfg = self.config
        self.loop = NodeLoop("caller-loop", self._handle, self._tick, TICK_S)
        for c in cfg.counters:
            self.panels[c.id] = CounterPanel(
                c.id,
                PanelSettings(
                    node_id=cfg.node_id,
                    language=cfg.language,
                    officer=c.officer,
                    request_timeout_s=cfg.request_timeout_s,
                    double_press_s=cfg.double_press_s,
                    rating_window_s=cfg.rating_window_s,
                ),
            )

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        cfg = self.config
        topics = Topics(cfg.site)
        self.link = MqttLink(
            broker=cfg.broker,
            topics=topics,
            identity=Identity(cfg.node_id, "caller", next_session(cfg.state_dir), "antrian"),
            on_connection=lambda up: self.loop.put(_Link(up)),
        )
        # The broker drops a request nobody took within the expiry: a press that timed out
        # here must not be applied by a central that comes back later.
        self._requester = Requester(self.link, expiry_s=max(1, math.ceil(cfg.request_timeout_s)))
        self.link.subscribe(
            topics.status(CENTRAL_ID), lambda t, p: self.loop.put(_Message("central", p))
        )
        for c in cfg.counters:
            self.link.subscribe(
                topics.counter(c.id), lambda t, p: self.loop.put(_Message("counter", p))
            )
        self.link.subscribe(topics.events, lambda t, p: self.loop.put(_Message("event", p)))
        self.config_receiver = follow_config(
            self.link, CallerConfig, cfg.node_id, cfg.state_dir, self.apply_config,
            self.loop.call_soon,
        )  # fmt: skip
        # The screen opens on the loop's thread, which draws on it.
        self.loop.start(setup=self.screen.open, teardown=self.screen.close)
        self.loop.ready.wait(10)
        if self.loop.error is not None:
            self.loop.stop()
            raise RuntimeError(
                f"the counter screen did not open ({self.loop.error}); check the HDMI "
                "cable and SDL_VIDEODRIVER, or set screen.mode: none"
            )
        self.hardware.start(lambda p: self.loop.put(_Pressed(p, time.monotonic())))
        self.link.start()

    def stop(self) -> None:
        self.hardware.close()
        self.loop.stop()
        if self.link is not None:
            self.link.stop()
        if self.config_receiver is not None:
            self.config_receiver.cache.close()

    def healthy(self) -> bool:
        """The loop runs and came round lately (every TICK_S when idle): systemd's watchdog
        restarts a caller whose loop hangs, e.g. in a screen driver."""
        return self.loop.healthy()

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the loop thread (tests and tools read panels safely this way)."""
        self.loop.call_soon(fn)

    def inspect(self, fn: Callable[[], object], timeout: float = 2.0) -> object:
        """Evaluate `fn` on the loop thread and return its result."""
        return self.loop.inspect(fn, timeout)

    def apply_config(self, new: CallerConfig, version: int | None = None) -> None:
        """Take the live settings of a delivered config (on the loop thread)."""
        counters = []
        for c in self.config.counters:
            delivered = new.counter(c.id)
            counters.append(c.model_copy(update={"officer": delivered.officer}) if delivered else c)
        self.config = live(self.config, new, LIVE_SETTINGS).model_copy(
            update={"counters": counters}
        )
        for c in self.config.counters:
            panel = self.panels[c.id]
            s = panel.settings
            if s.officer != c.officer:
                panel.auto_sign_in_done = False  # a new default officer signs in if nobody is
            s.language, s.officer = self.config.language, c.officer
            s.request_timeout_s = self.config.request_timeout_s
            s.double_press_s = self.config.double_press_s
            s.rating_window_s = self.config.rating_window_s
        if self._requester is not None:
            self._requester.expiry_s = max(1, math.ceil(self.config.request_timeout_s))
        log.info("config v%s applied", version)

    # -- the loop -------------------------------------------------------------------

    def _handle(self, item: _Item) -> None:
        t = time.monotonic()
        match item:
            case _Pressed(press=p, at=at):
                self._press(p, at)
            case _Replied():
                self._replied(item, t)
            case _Message(kind="central", payload=payload):
                self._central_status(payload)
            case _Message(kind="counter", payload=payload):
                snap = self._decode(m.CounterSnapshot, payload)
                if snap is not None and snap.counter in self.panels:
                    self.panels[snap.counter].on_snapshot(snap)
            case _Message(kind="event", payload=payload):
                ev = self._decode(m.Event, payload)
                if ev is not None:
                    for panel in self.panels.values():
                        panel.on_event(ev, t)
            case _Link(up=up):
                for panel in self.panels.values():
                    panel.set_link(up)
                    if not up:
                        # Central's retained status comes again on reconnect.
                        panel.set_central(False)

    def _press(self, p: Press, t: float) -> None:
        panel = self.panels.get(p.counter)
        if panel is None:
            log.warning("press for counter %s, which this node does not serve", p.counter)
            return
        outcome = panel.press(p, t, now(), new_request_id(self.config.node_id))
        if isinstance(outcome, Send):
            self._send(p.counter, outcome)
        else:
            log.info("%s %s on %s: %s", p.button, p.gesture, p.counter, outcome)

    def _send(self, counter: str, s: Send) -> None:
        assert self._requester is not None
        rid = s.request.request_id
        fut = self._requester.send(s.request)
        calls = isinstance(s.request, m.CallNext)
        fut.add_done_callback(lambda f: self.loop.put(_Replied(counter, s.channel, rid, f, calls)))

    def _replied(self, r: _Replied, t: float) -> None:
        panel = self.panels[r.counter]
        try:
            reply = r.future.result(0)
        except RequestTimeout:
            panel.on_send_failed(r.channel, r.request_id, t)
            return
        panel.on_reply(r.channel, reply, t)
        info = reply.counter
        if reply.ok and r.calls and info is not None and info.ticket is not None:
            # A headless caller (no screen) says in its journal whom it called.
            log.info("%s: calling %s", r.counter, info.ticket.label)
        if reply.refusal is not None and reply.refusal.code == "unknown_counter":
            self._fault(f"unknown_counter:{r.counter}")
        if not reply.ok:
            log.info("central refused on %s: %s", r.counter, reply.refusal)

    def _central_status(self, payload: bytes) -> None:
        if not payload:
            return
        st = self._decode(m.NodeStatus, payload)
        if st is None:
            return
        if st.session < self._central_session:
            return  # a will from a session before the current one
        self._central_session = st.session
        for panel in self.panels.values():
            panel.set_central(st.online)

    def _tick(self) -> None:
        t = time.monotonic()
        views: dict[str, BoardView] = {}
        for cid, panel in self.panels.items():
            panel.expire(t)
            signin = panel.sign_in_at_start(t, now(), new_request_id(self.config.node_id))
            if signin is not None:
                self._send(cid, signin)
            for led, pattern in panel.leds(t).items():
                if self._leds.get((cid, led)) != pattern:
                    self._leds[(cid, led)] = pattern
                    self.hardware.show(cid, led, pattern)
            views[cid] = panel.board(t)
        self.screen.show(views)
        if t - self._last_pump >= PUMP_S:
            self._last_pump = t
            self.screen.pump()

    def _decode(self, model: type[T], payload: bytes) -> T | None:
        try:
            return decode(model, payload)
        except ProtocolError as exc:
            self.malformed += 1
            log.warning("malformed %s ignored: %s", model.__name__, exc)
            return None

    def _fault(self, fault: str) -> None:
        if self.link is not None and fault not in self.link.faults:
            self.link.faults.append(fault)
            self.link.publish_status()
