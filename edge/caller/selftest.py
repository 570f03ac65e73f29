"""`antrian caller selftest`: each counter's LEDs in turn, every button reported with its
counter and action, and the counter screen's test card. Needs neither central nor the broker.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from edge.caller.config import CallerConfig, Pin
from edge.caller.hardware import PanelHardware
from edge.caller.panel import GESTURES, OFF, ON, Language, Led, Press

if TYPE_CHECKING:
    from edge.caller._pygame_screen import PygameScreen

_TEXTS: dict[str, tuple[str, str]] = {
    "led": ("{counter}: LED {led} menyala (pin {pin})", "{counter}: LED {led} on (pin {pin})"),
    "no_leds": ("{counter}: tidak ada LED di konfigurasi", "{counter}: no LEDs in the config"),
    "press": ("{counter}: tombol {button} -> {action}", "{counter}: button {button} -> {action}"),
    "card": ("layar loket: kartu uji {w} x {h}", "counter screen: test card {w} x {h}"),
    "press_now": (
        "tekan setiap tombol (tahan untuk gerakan tahan); Ctrl-C untuk selesai",
        "press each button (hold for the hold gestures); Ctrl-C to finish",
    ),
    "untested": ("tombol belum ditekan: {names}", "buttons not pressed: {names}"),
    "all_pressed": ("semua tombol berfungsi", "every button works"),
    "title": ("TES LAYAR LOKET", "COUNTER SCREEN TEST"),
    "device": ("ID perangkat", "Device id"),
    "config_version": ("Versi konfigurasi", "Config version"),
    "counters": ("Loket", "Counters"),
    "resolution": ("Resolusi", "Resolution"),
}

LEDS = (Led.ONLINE, Led.CALLING, Led.PAUSED, Led.ERROR, Led.THANKS)


def say(text_id: str, language: Language, **values: object) -> str:
    ident, en = _TEXTS[text_id]
    return (ident if language == "id" else en).format(**values)


@dataclass
class CallerReport:
    leds: list[str] = field(default_factory=list)  # "loket-1.online", in the order lit
    pressed: list[str] = field(default_factory=list)  # "loket-1.next", in press order
    screen: tuple[int, int] | None = None
    problems: list[str] = field(default_factory=list)


def wired_leds(config: CallerConfig) -> list[tuple[str, Led, Pin]]:
    out: list[tuple[str, Led, Pin]] = []
    for c in config.counters:
        for led in LEDS:
            if led is Led.THANKS:
                pin = c.rating.thanks_led if c.rating is not None else None
            else:
                pin = getattr(c.leds, led.value)
            if pin is not None:
                out.append((c.id, led, pin))
    return out


def button_names(config: CallerConfig) -> list[str]:
    """Every wired button as the report names it: counter.button[:queue or score]."""
    names: list[str] = []
    for c in config.counters:
        b = c.buttons
        names += [f"{c.id}.{n}" for n in ("next", "recall", "no_show", "finish", "pause")
                  if getattr(b, n) is not None]  # fmt: skip
        names += [f"{c.id}.transfer:{t.to_queue}" for t in b.transfer]
        if c.rating is not None:
            names += [f"{c.id}.rate:{s}" for s in (4, 3, 2, 1)]
    return names


def _name(p: Press) -> str:
    extra = f":{p.to_queue}" if p.to_queue else f":{p.score}" if p.score is not None else ""
    return f"{p.counter}.{p.button.value}{extra}"


def _action(p: Press) -> str:
    action = GESTURES.get((p.button, p.gesture))
    what = action.value if action else "-"
    if p.to_queue:
        what += f" {p.to_queue}"
    if p.score is not None:
        what += f" {p.score}"
    return what if p.gesture.value == "press" else f"{what} ({p.gesture.value})"


def show_test_card(
    screen: PygameScreen, config: CallerConfig, config_version: int | None
) -> tuple[int, int]:
    """Draw the screens' test card on the counter screen; returns its size."""
    # pygame only when there is a screen: a caller with screen.mode none never loads it.
    import pygame

    from edge.screen import TextPainter, draw_test_card

    screen.open()
    assert screen.surface is not None
    lang = config.language
    w, h = screen.surface.get_size()
    lines = [
        f"{say('device', lang)}: {config.node_id}",
        f"{say('config_version', lang)}: {config_version or '-'}",
        f"{say('counters', lang)}: {', '.join(screen.counters)}",
        f"{say('resolution', lang)}: {w} x {h}",
    ]
    font = str(config.screen.font) if config.screen.font else None
    draw_test_card(screen.surface, TextPainter(font), say("title", lang), lines)
    pygame.display.flip()
    return w, h


def run_selftest(
    config: CallerConfig,
    hardware: PanelHardware,
    screen: PygameScreen | None = None,
    out: Callable[[str], None] = print,
    seconds: float | None = None,
    stop: threading.Event | None = None,
    led_s: float = 0.4,
    config_version: int | None = None,
    on_started: Callable[[], None] | None = None,
) -> CallerReport:
    """Light each LED in turn, show the test card, then report presses until `stop` is set
    or `seconds` have passed (None: until stop)."""
    lang = config.language
    stop = stop or threading.Event()
    report = CallerReport()
    presses: queue.SimpleQueue[Press] = queue.SimpleQueue()
    deadline = None if seconds is None else time.monotonic() + seconds

    def drain() -> None:
        while True:
            try:
                p = presses.get_nowait()
            except queue.Empty:
                return
            report.pressed.append(_name(p))
            button = p.button.value + (f" {p.to_queue}" if p.to_queue else "")
            out(say("press", lang, counter=p.counter, button=button, action=_action(p)))

    hardware.start(presses.put)  # gpiozero's threads only enqueue; this thread prints
    try:
        if on_started is not None:
            on_started()
        if screen is not None:
            w, h = report.screen = show_test_card(screen, config, config_version)
            out(say("card", lang, w=w, h=h))
        leds = wired_leds(config)
        for c in config.counters:
            if not any(counter == c.id for counter, _led, _pin in leds):
                out(say("no_leds", lang, counter=c.id))
        for counter, led, pin in leds:
            out(say("led", lang, counter=counter, led=led.value, pin=pin))
            hardware.show(counter, led, ON)
            _wait(stop, led_s, screen)
            hardware.show(counter, led, OFF)
            report.leds.append(f"{counter}.{led.value}")
            drain()
        out(say("press_now", lang))
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            _wait(stop, 0.05, screen)
            drain()
        drain()
    finally:
        hardware.close()
        if screen is not None:
            screen.close()
    missing = [n for n in button_names(config) if n not in report.pressed]
    out(say("untested", lang, names=", ".join(missing)) if missing else say("all_pressed", lang))
    return report


def _wait(stop: threading.Event, seconds: float, screen: PygameScreen | None) -> None:
    if screen is not None:
        screen.pump()  # keeps the window alive; in the simulator its keys press mock pins
    stop.wait(seconds)
