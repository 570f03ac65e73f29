"""Simulator: keys in the screen's window press the first counter's mock-pin buttons.

A key held down is a button held down, so hold gestures work as on the panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gpiozero.pins.mock import MockPin

from edge.caller._gpio import GpioPanels
from edge.caller.config import CounterPanelConfig, Pin

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
