"""The kiosk's config file: buttons, LEDs, printer, lease and ticket texts, validated at load."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from antrian.config import NodeConfig, load_yaml, resolve

# Indonesia's three time zones, as halls name them (same names as the catalogue's).
TIMEZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}

PinSpec = int | str  # BCM number (17) or a gpiozero pin name ("GPIO17", "BOARD11")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QueueButton(_Strict):
    """One physical button: pressing it asks for a ticket in `queue`."""

    queue: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=48)
    pin: PinSpec
    key: str = Field(
        min_length=1, max_length=12, description="Simulator: type this key to press the button."
    )
    agency: str = Field(
        default="", max_length=60, description="Printed until central's hall snapshot arrives."
    )
    name: str = Field(default="", max_length=120, description="Queue name, likewise.")
    prefix: str = Field(default="", pattern=r"^[A-Z]{0,2}$", description="Label prefix, likewise.")
    priority_allowed: bool = Field(
        default=True, description="Offline only: whether the priority gesture applies here."
    )


class PriorityButton(_Strict):
    pin: PinSpec
    key: str = Field(default="p", min_length=1, max_length=12)


class Leds(_Strict):
    ready: PinSpec
    busy: PinSpec
    offline: PinSpec
    fault: PinSpec


class PressSettings(_Strict):
    bounce_ms: int = Field(default=50, ge=0, le=1000, description="gpiozero bounce_time.")
    repeat_guard_s: float = Field(
        default=1.5,
        ge=0,
        le=30,
        description="Presses this soon after a ticket was handed out are ignored: a double "
        "press or a bouncing release never gives a second ticket.",
    )
    priority_window_s: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="After the priority button, the next queue "
        "press within this window gives a priority ticket.",
    )


class LeaseSettings(_Strict):
    size: int = Field(default=20, ge=1, le=500, description="Numbers asked for per lease.")
    low_water: int = Field(
        default=5, ge=0, le=500, description="Ask for a new lease when fewer remain."
    )


PrinterKind = Literal["usb", "serial", "network", "file", "simulated"]


class PrinterSettings(_Strict):
    kind: PrinterKind = "simulated"
    usb_vendor_id: int | None = None
    usb_product_id: int | None = None
    serial_device: str | None = None
    serial_baudrate: int = 9600
    network_host: str | None = None
    network_port: int = 9100
    file_path: str | None = Field(default=None, description="e.g. /dev/usb/lp0")
    status: Literal["query", "assume_ok"] = Field(
        default="query",
        description="query: ask the printer (DLE EOT) before each ticket; no answer counts as "
        "a fault. assume_ok: for a printer link that cannot answer (a plain device file); "
        "paper faults then go unnoticed.",
    )
    poll_s: float = Field(default=2.0, gt=0, le=60, description="Status poll while idle.")
    spool_dir: Path | None = Field(
        default=None, description="simulated: write each job's bytes (and a PNG) here."
    )
    spool_png: bool = False
    delay_s: float = Field(default=0.0, ge=0, le=10, description="simulated: slow device.")
    paper_mm: Literal[58, 80] = Field(default=58, description="Paper roll width.")
    columns: Literal[32, 42, 48] | None = Field(
        default=None,
        description="Characters per line in the normal font: 32 on 58 mm paper, 42 or 48 on "
        "80 mm (the printer's manual says which). Default: 32 on 58 mm, 48 on 80 mm.",
    )
    code_page: Literal["CP437", "CP850", "CP858", "CP852", "CP1252"] = Field(
        default="CP437",
        description="The printer's character table (ESC t): text it lacks is transliterated "
        "(e -> e, em dash -> -), never printed as '?'.",
    )

    @property
    def line_columns(self) -> int:
        return self.columns or (32 if self.paper_mm == 58 else 48)

    @model_validator(mode="after")
    def _paper(self) -> PrinterSettings:
        if self.paper_mm == 58 and self.columns not in (None, 32):
            raise ValueError("58 mm paper has 32 columns: leave out `columns` or set 32")
        if self.paper_mm == 80 and self.columns == 32:
            raise ValueError("80 mm paper has 42 or 48 columns (the printer's manual says which)")
        return self

    @model_validator(mode="after")
    def _needs(self) -> PrinterSettings:
        need = {
            "usb": ("usb_vendor_id", "usb_product_id"),
            "serial": ("serial_device",),
            "network": ("network_host",),
            "file": ("file_path",),
            "simulated": (),
        }[self.kind]
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"printer kind {self.kind!r} needs {', '.join(missing)}")
        return self


class KioskConfig(NodeConfig):
    """One kiosk: a Pi, its buttons, LEDs, buzzer and thermal printer."""

    hardware: Literal["gpio", "simulated"] = Field(
        default="gpio",
        description="gpio: gpiozero's default pin factory (the Pi's pins). simulated: "
        "gpiozero MockFactory pins that a keyboard or a test presses.",
    )
    timezone: Literal["WIB", "WITA", "WIT"] = "WIB"
    hall_name: str = Field(
        default="Mal Pelayanan Publik", max_length=120, description="Until central's snapshot."
    )
    status_url: str | None = Field(
        default=None,
        description="Put in the QR code: '{token}' is replaced by the ticket page's token "
        "(the web node's {public_url}/t/{token}), '{ticket_id}' by the ticket id.",
    )
    footer: list[str] = Field(default_factory=list, max_length=4)
    request_timeout_s: float = Field(
        default=1.5, gt=0, le=10, description="After this, issue from the lease."
    )
    refusal_slip: bool = Field(default=True, description="Print a short slip on a refusal.")
    accept_on_paper_low: bool = Field(
        default=False,
        description="Keep issuing while the near-end sensor reports paper low (still reported).",
    )
    press: PressSettings = Field(default_factory=PressSettings)
    lease: LeaseSettings = Field(default_factory=LeaseSettings)
    buttons: list[QueueButton] = Field(min_length=1, max_length=16)
    priority_button: PriorityButton | None = None
    leds: Leds
    buzzer: PinSpec | None = None
    printer: PrinterSettings = Field(default_factory=PrinterSettings)

    @model_validator(mode="after")
    def _unique(self) -> KioskConfig:
        pins = [b.pin for b in self.buttons] + [
            self.leds.ready,
            self.leds.busy,
            self.leds.offline,
            self.leds.fault,
        ]
        if self.priority_button:
            pins.append(self.priority_button.pin)
        if self.buzzer is not None:
            pins.append(self.buzzer)
        dup = sorted({str(p) for p in pins if pins.count(p) > 1})
        if dup:
            raise ValueError(f"pin(s) used twice: {', '.join(dup)}")
        keys = [b.key for b in self.buttons] + (
            [self.priority_button.key] if self.priority_button else []
        )
        if len(set(keys)) != len(keys):
            raise ValueError("every button needs its own simulator key")
        queues = [b.queue for b in self.buttons]
        if len(set(queues)) != len(queues):
            raise ValueError("two buttons for the same queue")
        return self

    def button(self, queue: str) -> QueueButton | None:
        return next((b for b in self.buttons if b.queue == queue), None)


def load_config(path: Path | str) -> KioskConfig:
    """Load and validate; relative paths are taken from the config file's folder."""
    path = Path(path)
    cfg = load_yaml(path, KioskConfig)
    updates: dict[str, object] = {"state_dir": resolve(path, cfg.state_dir)}
    if cfg.printer.spool_dir is not None:
        updates["printer"] = cfg.printer.model_copy(
            update={"spool_dir": resolve(path, cfg.printer.spool_dir)}
        )
    return cfg.model_copy(update=updates)
