"""The panel port on gpiozero: buttons, LEDs and buzzer; MockFactory pins when simulated."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from gpiozero import LED, Button, Buzzer, Device
from gpiozero.pins.mock import MockFactory

from edge.kiosk.config import KioskConfig, PinSpec
from edge.kiosk.hardware import PRIORITY, LedMode, LedName

log = logging.getLogger(__name__)


class GpioPanel:
    """Buttons with a bounce time, four status LEDs and an optional buzzer.

    `pin_factory` None means gpiozero's default (GPIOZERO_PIN_FACTORY, or the Pi's pins)."""

    def __init__(self, config: KioskConfig, pin_factory: Any = None) -> None:
        self.config = config
        self.pin_factory = pin_factory
        self._buttons: dict[str, Button] = {}
        self._leds: dict[str, LED] = {}
        self._buzzer: Buzzer | None = None
        self._modes: dict[str, str] = {}

    def start(self, on_press: Callable[[str], None]) -> None:
        bounce = self.config.press.bounce_ms / 1000 or None
        keys: dict[str, PinSpec] = {b.queue: b.pin for b in self.config.buttons}
        if self.config.priority_button is not None:
            keys[PRIORITY] = self.config.priority_button.pin
        for key, pin in keys.items():
            button = Button(pin, pull_up=True, bounce_time=bounce, pin_factory=self.pin_factory)
            # Runs on gpiozero's thread: the kiosk only enqueues it.
            button.when_pressed = _bind(on_press, key)
            self._buttons[key] = button
        leds = self.config.leds
        for name in ("ready", "busy", "offline", "fault"):
            self._leds[name] = LED(getattr(leds, name), pin_factory=self.pin_factory)
        if self.config.buzzer is not None:
            self._buzzer = Buzzer(self.config.buzzer, pin_factory=self.pin_factory)

    def led(self, name: LedName, mode: LedMode) -> None:
        if self._modes.get(name) == mode:
            return  # re-calling blink() would restart its thread and stutter
        self._modes[name] = mode
        led = self._leds[name]
        if mode == "on":
            led.on()
        elif mode == "off":
            led.off()
        elif mode == "blink":
            led.blink(on_time=0.5, off_time=0.5, background=True)
        else:
            led.blink(on_time=0.1, off_time=0.1, background=True)

    def led_mode(self, name: LedName) -> str:
        return self._modes.get(name, "off")

    def beep(self, times: int) -> None:
        if self._buzzer is not None:
            self._buzzer.beep(on_time=0.08, off_time=0.08, n=times, background=True)

    def close(self) -> None:
        for device in [*self._buttons.values(), *self._leds.values()]:
            device.close()
        if self._buzzer is not None:
            self._buzzer.close()
        self._buttons.clear()
        self._leds.clear()


def _bind(on_press: Callable[[str], None], key: str) -> Callable[[], None]:
    return lambda: on_press(key)


def mock_factory() -> Any:
    """The simulator's pins: gpiozero's own MockFactory, shared as the default factory."""
    factory = MockFactory()
    Device.pin_factory = factory
    return factory


def press_pin(factory: Any, pin: PinSpec, hold_s: float = 0.05) -> None:
    """What a finger does to a pulled-up button: the pin goes low, then high again."""
    p = factory.pin(pin)
    p.drive_low()
    time.sleep(hold_s)
    p.drive_high()


class Keyboard:
    """Simulator: each line on stdin is a button key (from the config), or
    `printer <ok|paper_low|paper_out|cover_open|offline|unknown>` to drive the printer."""

    def __init__(
        self,
        config: KioskConfig,
        factory: Any,
        drive_printer: Callable[[str], None] | None,
        stream: IO[str] | None = None,
    ) -> None:
        self.keys: dict[str, PinSpec] = {b.key: b.pin for b in config.buttons}
        if config.priority_button is not None:
            self.keys[config.priority_button.key] = config.priority_button.pin
        self.factory = factory
        self.drive_printer = drive_printer
        self.stream = stream or sys.stdin

    def start(self) -> None:
        threading.Thread(target=self._run, name="kiosk-keyboard", daemon=True).start()

    def _run(self) -> None:
        for raw in self.stream:
            words = raw.split()
            if not words:
                continue
            if words[0] == "printer" and len(words) == 2 and self.drive_printer:
                self.drive_printer(words[1])
            elif words[0] in self.keys:
                press_pin(self.factory, self.keys[words[0]])
            else:
                known = ", ".join(sorted(self.keys))
                log.warning("unknown key %r: type one of %s, or 'printer <state>'", raw, known)
