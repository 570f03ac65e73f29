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

    A press is judged by what the kiosk showed when the button went down (`at`), not when
    the worker got to it (`now`, later while it was behind: load, a disk sync, a request):
    busy from the moment the worker took the last ticket until it was handed out, then the
    guard (the ready LED stays off through it, core.lights). A press made while the kiosk
    still showed ready for the one before, queued behind it, gets its own ticket unless it
    is a repeat of that press within the guard.
    """

    repeat_guard_s: float
    priority_window_s: float
    busy: bool = False
    _last_press: float = float("-inf")  # when the button of the last ticket went down
    _started: float = float("-inf")  # when the worker took it: busy shown from then
    _last_done: float = float("-inf")  # when it was handed out: the guard runs from then
    _guard_before: float = float("-inf")  # the end of the guard of the ticket before it
    _priority_until: float = float("-inf")

    def pressed(self, key: str, at: float, now: float | None = None) -> Press | None:
        """`at`: when the button went down; `now`: when the worker takes the press (`at`
        when not given)."""
        now = at if now is None else now
        if self.busy or self._refused_at(at):
            return None
        if key == PRIORITY:
            self._priority_until = at + self.priority_window_s
            return None
        priority = at <= self._priority_until
        self._priority_until = float("-inf")
        self.busy = True
        self._guard_before = self._last_done + self.repeat_guard_s
        self._last_press = at
        self._started = now
        return Press(key, priority)

    def _refused_at(self, at: float) -> bool:
        """The kiosk showed busy or the guard at `at`, or `at` repeats the last press."""
        if at >= self._started:
            return at < self._last_done + self.repeat_guard_s
        return at < self._guard_before or at - self._last_press < self.repeat_guard_s

    def settling(self, now: float) -> bool:
        """The guard after the last ticket runs: a press now would be dropped."""
        return now < self._last_done + self.repeat_guard_s

    def done(self, now: float) -> None:
        """The ticket (or refusal) was handed out; the guard starts now."""
        self.busy = False
        self._last_done = now

    def priority_armed(self, now: float) -> bool:
        return now <= self._priority_until
