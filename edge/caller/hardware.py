"""The ports the caller node drives: its buttons and LEDs, and the screen above the counter."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from edge.caller.panel import BoardView, Led, Pattern, Press


class PanelHardware(Protocol):
    """Every counter's buttons and LEDs on this Pi."""

    def start(self, on_press: Callable[[Press], None]) -> None:
        """Begin delivering gestures; `on_press` may be called from any thread."""

    def show(self, counter: str, led: Led, pattern: Pattern) -> None:
        """Set one LED; a counter without that LED wired ignores it."""

    def close(self) -> None: ...


class CounterScreen(Protocol):
    """The small screen above the counter(s). Called from the node's loop thread only."""

    def open(self) -> None: ...

    def show(self, views: Mapping[str, BoardView]) -> None:
        """Draw these counters' boards (only when something changed)."""

    def pump(self) -> None:
        """Keep the window alive between redraws."""

    def close(self) -> None: ...


class NoScreen:
    """A caller without a screen (buttons and LEDs only)."""

    def open(self) -> None:
        pass

    def show(self, views: Mapping[str, BoardView]) -> None:
        pass

    def pump(self) -> None:
        pass

    def close(self) -> None:
        pass
