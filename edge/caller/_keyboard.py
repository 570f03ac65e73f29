"""Simulator: keys in the screen's window, or lines on stdin, press mock-pin buttons.

A key held down is a button held down, so hold gestures work as on the panel.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import IO

from gpiozero.pins import Factory
from gpiozero.pins.mock import MockPin

from edge.caller._gpio import GpioPanels
from edge.caller.config import CallerConfig, CounterPanelConfig, Pin

log = logging.getLogger(__name__)

KEYS_HELP = (
    "n NEXT, r RECALL (hold: start), s NO-SHOW, f FINISH, p PAUSE (hold: sign out), "
    "t/y/u TRANSFER 1-3, 1-4 IKM (1 tidak puas .. 4 sangat puas)"
)


def key_map(counter: CounterPanelConfig) -> dict[str, Pin]:
    b = counter.buttons
    keys: dict[str, Pin | None] = {
        "n": b.next,
        "r": b.recall,
        "s": b.no_show,
        "f": b.finish,
        "p": b.pause,
    }
    for key, t in zip("tyu", b.transfer, strict=False):
        keys[key] = t.pin
    if counter.rating is not None:
        r = counter.rating
        keys.update({"1": r.tidak_puas, "2": r.kurang_puas, "3": r.puas, "4": r.sangat_puas})
    return {k: v for k, v in keys.items() if v is not None}


@dataclass
class KeyboardPins:
    hardware: GpioPanels
    counter: CounterPanelConfig
    _keys: dict[str, Pin] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._keys = key_map(self.counter)

    def __call__(self, key: str, down: bool) -> None:
        pin_name = self._keys.get(key)
        factory = self.hardware.pin_factory
        if pin_name is None or factory is None:
            return
        pin = factory.pin(pin_name)
        if isinstance(pin, MockPin):
            # Buttons pull up: pressed is low.
            if down:
                pin.drive_low()
            else:
                pin.drive_high()


STDIN_HELP = (
    "type '<counter> <button> [hold]' and Enter, e.g. 'loket-1 next', 'loket-1 recall hold', "
    "'loket-1 transfer perizinan', 'loket-1 rate 4'"
)
SCORE_BUTTONS = {"4": "sangat_puas", "3": "puas", "2": "kurang_puas", "1": "tidak_puas"}
BUTTONS = ("next", "recall", "no_show", "finish", "pause")
TAP_S = 0.05


def stdin_pins(config: CallerConfig) -> dict[tuple[str, str], Pin]:
    """(counter, button) -> pin, for every button of every counter in the config."""
    pins: dict[tuple[str, str], Pin] = {}
    for c in config.counters:
        for name in BUTTONS:
            pin = getattr(c.buttons, name)
            if pin is not None:
                pins[(c.id, name)] = pin
        for t in c.buttons.transfer:
            pins[(c.id, f"transfer {t.to_queue}")] = t.pin
        if c.rating is not None:
            for score, name in SCORE_BUTTONS.items():
                pins[(c.id, f"rate {score}")] = getattr(c.rating, name)
    return pins


class StdinKeyboard:
    """Simulator (`pins: mock`): each line on stdin presses one counter's button, so that
    a test or a script in another process drives the caller through the same mock pins
    as a finger would. `hold` keeps the pin low for `hold_s` and a little more."""

    def __init__(self, config: CallerConfig, factory: Factory, stream: IO[str] | None = None):
        self.pins = stdin_pins(config)
        self.hold_s = config.hold_s
        self.factory = factory
        self.stream = stream or sys.stdin

    def start(self) -> None:
        threading.Thread(target=self._run, name="caller-keyboard", daemon=True).start()

    def press(self, line: str) -> bool:
        """Press (or hold) the button a line names; False when this node has no such button."""
        words = line.split()
        hold = bool(words) and words[-1] == "hold"
        if hold:
            words = words[:-1]
        if len(words) < 2:
            return False
        if words[1] == "no-show":
            words[1] = "no_show"
        pin_name = self.pins.get((words[0], " ".join(words[1:])))
        if pin_name is None:
            return False
        pin = self.factory.pin(pin_name)
        pin.drive_low()  # pulled up: pressed is low
        time.sleep(self.hold_s + 0.2 if hold else TAP_S)
        pin.drive_high()
        return True

    def _run(self) -> None:
        for raw in self.stream:
            if not raw.strip():
                continue
            if not self.press(raw):
                known = ", ".join(sorted(f"{c} {b}" for c, b in self.pins))
                log.warning("unknown press %r: %s; this node has: %s", raw.strip(), STDIN_HELP,
                            known)  # fmt: skip
