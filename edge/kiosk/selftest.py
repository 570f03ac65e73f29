"""`antrian kiosk selftest`: a test page, each LED in turn, the buzzer, and every button reported.

Runs on the kiosk's own ports (the Panel and Printer of edge.kiosk.hardware) and needs neither
central nor the broker, so a technician can check a Pi on site before it is provisioned.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from antrian.delivery import cached_config_version
from edge.kiosk.config import TIMEZONES, KioskConfig, PinSpec
from edge.kiosk.hardware import PRIORITY, LedName, Panel, Printer, PrinterStatus
from edge.kiosk.layout import Cut, Element, Feed, Line, Qr, Rule, fit
from edge.kiosk.texts import Language

LEDS: tuple[LedName, ...] = ("ready", "busy", "offline", "fault")
# Statuses in which a write cannot succeed: the page is not sent, the status is the finding.
NO_PAGE = (PrinterStatus.PAPER_OUT, PrinterStatus.COVER_OPEN, PrinterStatus.OFFLINE)
PATTERN_WIDTH = 32  # the ticket's rule width: fits 58 mm paper

_TEXTS: dict[str, tuple[str, str]] = {
    "title": ("TES PERANGKAT", "DEVICE SELF-TEST"),
    "device": ("ID perangkat", "Device id"),
    "config_version": ("Versi konfigurasi", "Config version"),
    "printer": ("Printer", "Printer"),
    "time": ("Waktu", "Time"),
    "sizes": ("Ukuran huruf", "Text sizes"),
    "pattern": ("Pola uji", "Test pattern"),
    "bold": ("Huruf tebal", "Bold text"),
    "qr": ("QR berisi ID perangkat", "QR holds the device id"),
    "printed": ("halaman uji dicetak", "test page printed"),
    "not_printed": (
        "halaman uji TIDAK dicetak: printer {status}; periksa kertas, tutup dan kabel",
        "test page NOT printed: printer {status}; check paper, cover and cable",
    ),
    "write_failed": (
        "halaman uji gagal dicetak: {error}; periksa kabel dan daya printer",
        "test page failed: {error}; check the printer's cable and power",
    ),
    "led": ("LED {name} menyala (pin {pin})", "LED {name} on (pin {pin})"),
    "buzzer": ("buzzer berbunyi (pin {pin})", "buzzer sounds (pin {pin})"),
    "no_buzzer": ("tidak ada buzzer di konfigurasi", "no buzzer in the config"),
    "press_now": (
        "tekan setiap tombol; Ctrl-C untuk selesai",
        "press each button; Ctrl-C to finish",
    ),
    "button": (
        "tombol {name} (kunci '{key}', pin {pin})",
        "button {name} (key '{key}', pin {pin})",
    ),
    "untested": ("tombol belum ditekan: {names}", "buttons not pressed: {names}"),
    "all_pressed": ("semua tombol berfungsi", "every button works"),
}


def say(text_id: str, language: Language, **values: object) -> str:
    ident, en = _TEXTS[text_id]
    return (ident if language == "id" else en).format(**values)


@dataclass
class SelftestReport:
    """What the technician saw; `problems` empty means every automatic check passed."""

    printer_status: str = ""
    printed: bool = False
    leds: list[str] = field(default_factory=list)
    buzzer: bool = False
    pressed: list[str] = field(default_factory=list)  # button names in press order
    problems: list[str] = field(default_factory=list)


def selftest_page(
    config: KioskConfig, status: PrinterStatus, version: int | None, at: datetime
) -> list[Element]:
    lang = config.language
    printable = "".join(chr(c) for c in range(33, 127))
    rows = [printable[i : i + PATTERN_WIDTH] for i in range(0, len(printable), PATTERN_WIDTH)]
    # Fitted like a ticket: a long hall name broke mid-word on the test page.
    page: list[Element] = [
        Line(config.hall_name, bold=True),
        Rule(),
        Line(say("title", lang), size="double", bold=True),
        Feed(),
        Line(f"{say('device', lang)}: {config.node_id}", align="left"),
        Line(f"{say('config_version', lang)}: {version if version else '-'}", align="left"),
        Line(f"{say('printer', lang)}: {status.value}", align="left"),
        Line(f"{say('time', lang)}: {at.strftime('%Y-%m-%d %H:%M:%S')}", align="left"),
        Rule(),
        Line(say("sizes", lang)),
        Line("A012"),
        Line("A012", size="double"),
        Line("A012", size="huge", bold=True),
        Line(say("bold", lang), bold=True),
        Line(say("pattern", lang)),
        Line("#" * PATTERN_WIDTH),
        Line("=-" * (PATTERN_WIDTH // 2)),
        *(Line(row, align="left") for row in rows),
        Feed(),
        Qr(config.node_id),
        Line(say("qr", lang)),
        Rule(),
        Cut(),
    ]
    return fit(page, config.printer.line_columns)


def print_page(
    config: KioskConfig, printer: Printer, report: SelftestReport, out: Callable[[str], None]
) -> None:

    lang = config.language
    try:
        status = printer.status()
    except Exception:  # a driver error is a finding, not a crash
        status = PrinterStatus.UNKNOWN
    report.printer_status = status.value
    out(f"{say('printer', lang)}: {status.value}")
    if status in NO_PAGE:
        report.problems.append(say("not_printed", lang, status=status.value))
        out(report.problems[-1])
        return
    at = datetime.now(ZoneInfo(TIMEZONES[config.timezone]))

    version = cached_config_version(config.state_dir)
    try:
        printer.write(selftest_page(config, status, version, at))
    except Exception as exc:  # any device error: tell the technician what to check
        report.problems.append(say("write_failed", lang, error=exc))
        out(report.problems[-1])
        return
    report.printed = True
    if status is not PrinterStatus.OK:
        report.problems.append(f"printer: {status.value}")
    out(say("printed", lang))


def _buttons(config: KioskConfig) -> dict[str, tuple[str, PinSpec]]:
    """Name the panel reports -> (simulator key, pin)."""
    out = {b.queue: (b.key, b.pin) for b in config.buttons}
    if config.priority_button is not None:
        out[PRIORITY] = (config.priority_button.key, config.priority_button.pin)
    return out


def run_selftest(
    config: KioskConfig,
    panel: Panel,
    printer: Printer,
    out: Callable[[str], None] = print,
    seconds: float | None = None,
    stop: threading.Event | None = None,
    led_s: float = 0.4,
) -> SelftestReport:
    """Print the page, light each LED in turn, sound the buzzer, then report presses until
    `stop` is set or `seconds` have passed (None: until stop)."""
    lang = config.language
    stop = stop or threading.Event()
    report = SelftestReport()
    buttons = _buttons(config)
    presses: queue.SimpleQueue[str] = queue.SimpleQueue()
    deadline = None if seconds is None else time.monotonic() + seconds

    def drain() -> None:
        while True:
            try:
                name = presses.get_nowait()
            except queue.Empty:
                return
            key, pin = buttons.get(name, ("?", "?"))
            report.pressed.append(name)
            out(say("button", lang, name=name, key=key, pin=pin))

    panel.start(presses.put)  # gpiozero's thread only enqueues; this thread prints
    try:
        print_page(config, printer, report, out)
        for name in LEDS:
            out(say("led", lang, name=name, pin=getattr(config.leds, name)))
            panel.led(name, "on")
            stop.wait(led_s)
            panel.led(name, "off")
            report.leds.append(name)
            drain()
        if config.buzzer is not None:
            panel.beep(2)
            report.buzzer = True
            out(say("buzzer", lang, pin=config.buzzer))
        else:
            out(say("no_buzzer", lang))
        out(say("press_now", lang))
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            stop.wait(0.05)
            drain()
        drain()
    finally:
        panel.close()
        printer.close()
    missing = [n for n in buttons if n not in report.pressed]
    out(say("untested", lang, names=", ".join(missing)) if missing else say("all_pressed", lang))
    return report
