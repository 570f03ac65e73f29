"""The kiosk node: a citizen presses a queue button and takes a printed ticket."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from edge.kiosk.config import KioskConfig, load_config

if TYPE_CHECKING:
    from edge.kiosk.node import Kiosk

__all__ = ["Kiosk", "KioskConfig", "build", "load_config"]


def __getattr__(name: str) -> Any:
    if name == "Kiosk":
        # Lazy on purpose: python-escpos calls logging.basicConfig() when imported, which
        # would pre-empt the CLI's own logging setup if `antrian --help` imported it.
        from edge.kiosk.node import Kiosk

        return Kiosk
    raise AttributeError(name)


def build(config: KioskConfig) -> tuple[Kiosk, object]:
    """The composition root: adapters chosen by config. Returns the kiosk and, when simulated,
    the MockFactory whose pins a keyboard or a test presses (None on a Pi)."""
    # Lazy like Kiosk above: python-escpos configures logging when imported.
    from edge.kiosk._escpos import open_printer
    from edge.kiosk._gpio import GpioPanel, mock_factory
    from edge.kiosk.node import Kiosk

    factory = mock_factory() if config.hardware == "simulated" else None
    panel = GpioPanel(config, pin_factory=factory)
    return Kiosk(config, panel, open_printer(config.printer)), factory
