"""The kiosk's two hardware ports: a panel (buttons, LEDs, buzzer) and a ticket printer."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Literal, Protocol

from edge.kiosk.layout import Element

LedName = Literal["ready", "busy", "offline", "fault"]
LedMode = Literal["off", "on", "blink", "blink_fast"]
PRIORITY = "priority"  # the key the panel reports for the priority button


class PrinterStatus(StrEnum):
    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "printer_offline"
    UNKNOWN = "printer_status_unknown"


class Panel(Protocol):
    """Buttons report presses by name (a queue id or PRIORITY); callbacks come on any thread."""

    def start(self, on_press: Callable[[str], None]) -> None: ...

    def led(self, name: LedName, mode: LedMode) -> None: ...

    def beep(self, times: int) -> None: ...

    def close(self) -> None: ...


class Printer(Protocol):
    def status(self) -> PrinterStatus: ...

    def write(self, layout: list[Element]) -> None:
        """Print a whole job laid out as elements (the adapter turns them into its device's
        commands); raises OSError (or the device's own error) when the device fails."""
        ...

    def close(self) -> None: ...
