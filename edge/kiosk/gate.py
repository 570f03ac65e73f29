"""Turns raw button edges into deliberate presses: one press, one ticket. Pure, clock passed in."""

from __future__ import annotations

from dataclasses import dataclass

from edge.kiosk.hardware import PRIORITY


@dataclass(frozen=True)
class Press:
    queue: str
    priority: bool


@dataclass
class PressGate:
    """Rules:
    - a press while a ticket is being issued is dropped (the busy LED is on);
    - a press within `repeat_guard_s` after the last ticket was handed out is dropped, so a
      double press or a bouncing release never gives a second ticket. A held button gives no
      further edges (gpiozero fires when_pressed once per press);
    - the priority button arms the next queue press within `priority_window_s`; the ready
      LED blinks meanwhile.

    Release edges are not tracked on purpose: a release lost to the bounce filter would
    otherwise leave a button dead until restart.
    """

    repeat_guard_s: float
    priority_window_s: float
    busy: bool = False
    _last_done: float = float("-inf")
    _priority_until: float = float("-inf")

    def pressed(self, key: str, now: float) -> Press | None:
        if self.busy or now - self._last_done < self.repeat_guard_s:
            return None
        if key == PRIORITY:
            self._priority_until = now + self.priority_window_s
            return None
        priority = now <= self._priority_until
        self._priority_until = float("-inf")
        self.busy = True
        return Press(key, priority)

    def done(self, now: float) -> None:
        """The ticket (or refusal) was handed out; the guard starts now."""
        self.busy = False
        self._last_done = now

    def priority_armed(self, now: float) -> bool:
        return now <= self._priority_until
