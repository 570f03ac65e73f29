"""gpiozero adapter: each counter's buttons become Press gestures, LEDs show Patterns."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from gpiozero import LED, Button, Device
from gpiozero.pins import Factory
from gpiozero.pins.mock import MockFactory

from edge.caller.config import CallerConfig, CounterPanelConfig, Pin
from edge.caller.panel import OFF, ON, Gesture, Led, Pattern, Press, has_hold
from edge.caller.panel import Button as Key

log = logging.getLogger(__name__)

SCORES = {"sangat_puas": 4, "puas": 3, "kurang_puas": 2, "tidak_puas": 1}


@dataclass
class _Wired:
    key: Key
    counter: str
    to_queue: str | None = None
    score: int | None = None
    held: bool = False


@dataclass
class GpioPanels:
    """Buttons and LEDs of every counter in the config, on real pins or gpiozero mock pins.

    With `pins: mock` the panels get their own MockFactory (the simulator drives it through
    `pin_factory`); otherwise gpiozero picks the factory, GPIOZERO_PIN_FACTORY included.
    """

    config: CallerConfig
    pin_factory: Factory | None = None
    _buttons: list[Button] = field(default_factory=list)
    _leds: dict[tuple[str, Led], LED] = field(default_factory=dict)
    _shown: dict[tuple[str, Led], Pattern] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.pin_factory is None and self.config.pins == "mock":
            self.pin_factory = MockFactory()

    @property
    def factory(self) -> Factory | None:
        """The pin factory in use once started (a MockFactory in tests and the simulator)."""
        return self.pin_factory or Device.pin_factory

    def start(self, on_press: Callable[[Press], None]) -> None:
        try:
            for c in self.config.counters:
                self._wire_counter(c, on_press)
        except Exception:
            self.close()
            raise

    def _wire_counter(self, c: CounterPanelConfig, on_press: Callable[[Press], None]) -> None:
        b = c.buttons
        for key, pin in (
            (Key.NEXT, b.next),
            (Key.RECALL, b.recall),
            (Key.NO_SHOW, b.no_show),
            (Key.FINISH, b.finish),
            (Key.PAUSE, b.pause),
        ):
            if pin is not None:
                self._button(pin, _Wired(key, c.id), on_press)
        for t in b.transfer:
            self._button(t.pin, _Wired(Key.TRANSFER, c.id, to_queue=t.to_queue), on_press)
        if c.rating is not None:
            for name, score in SCORES.items():
                self._button(getattr(c.rating, name), _Wired(Key.RATE, c.id, score=score), on_press)
            if c.rating.thanks_led is not None:
                self._led(c.id, Led.THANKS, c.rating.thanks_led)
        for led in (Led.ONLINE, Led.CALLING, Led.PAUSED, Led.ERROR):
            pin = getattr(c.leds, led.value)
            if pin is not None:
                self._led(c.id, led, pin)

    def _button(self, pin: Pin, w: _Wired, on_press: Callable[[Press], None]) -> None:
        btn = Button(
            pin,
            pull_up=True,
            bounce_time=self.config.bounce_s or None,
            hold_time=self.config.hold_s,
            pin_factory=self.pin_factory,
        )
        self._buttons.append(btn)

        def emit(gesture: Gesture) -> None:
            on_press(Press(w.counter, w.key, gesture, to_queue=w.to_queue, score=w.score))

        if not has_hold(w.key):
            btn.when_pressed = lambda: emit(Gesture.PRESS)
            return

        # A button with a hold gesture decides on release: held -> already sent as HOLD.
        # gpiozero's hold thread can fire just as the button is released (seen under
        # load): the lock and the pressed check make one press one gesture, never a PRESS
        # and a HOLD (two requests, the second refused as busy).
        decided = threading.Lock()

        def pressed() -> None:
            with decided:
                w.held = False

        def held() -> None:
            with decided:
                if not btn.is_pressed:
                    return  # released first: released() sent the PRESS
                w.held = True
            emit(Gesture.HOLD)

        def released() -> None:
            with decided:
                was_held, w.held = w.held, False
            if not was_held:
                emit(Gesture.PRESS)

        btn.when_pressed = pressed
        btn.when_held = held
        btn.when_released = released

    def _led(self, counter: str, led: Led, pin: Pin) -> None:
        self._leds[(counter, led)] = LED(pin, pin_factory=self.pin_factory)

    def show(self, counter: str, led: Led, pattern: Pattern) -> None:
        key = (counter, led)
        device = self._leds.get(key)
        if device is None:
            return
        with self._lock:
            if self._shown.get(key) == pattern:
                return  # restarting a blink would make it stutter
            self._shown[key] = pattern
            if pattern == OFF:
                device.off()
            elif pattern == ON:
                device.on()
            else:
                device.blink(on_time=pattern.on_s, off_time=pattern.off_s)

    def pattern(self, counter: str, led: Led) -> Pattern | None:
        """What an LED shows now (for the simulator and tests)."""
        return self._shown.get((counter, led))

    def close(self) -> None:
        for dev in [*self._buttons, *self._leds.values()]:
            try:
                dev.close()
            except Exception:  # closing must finish for every device
                log.exception("closing %s failed", dev)
        self._buttons.clear()
        self._leds.clear()
        self._shown.clear()
