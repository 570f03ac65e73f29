"""The printer port on python-escpos: Usb, Serial, Network, File on site; a drivable Dummy."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from escpos.constants import DLE, EOT
from escpos.escpos import Escpos
from escpos.exceptions import Error as EscposError
from escpos.printer import Dummy, File, Network, Serial, Usb

from edge.kiosk.config import PrinterSettings
from edge.kiosk.escpos_decode import CODE_PAGES, ESC_T, decode
from edge.kiosk.hardware import PrinterStatus
from edge.kiosk.layout import COLUMNS, SCALE, Cut, Element, Feed, Line, Qr, Rule, fit
from edge.kiosk.preview import render_png
from edge.kiosk.texts import for_code_page

# DLE EOT n real-time status (Epson ESC/POS): 1 printer, 2 offline cause, 4 roll paper sensor.
Q_PRINTER = DLE + EOT + b"\x01"
Q_CAUSE = DLE + EOT + b"\x02"
Q_PAPER = DLE + EOT + b"\x04"


def render(elements: list[Element], columns: int = COLUMNS, code_page: str = "CP437") -> bytes:
    """The job's bytes, built on escpos's Dummy so every command comes from the library;
    text goes in the printer's code page (selected first with ESC t), transliterated where
    the page lacks a character, never as '?'."""
    codec = code_page.lower()
    # In the page's characters first, then fitted again: "+/-" for a "±" is wider.
    elements = fit(
        [replace(e, text=for_code_page(e.text, codec)) if isinstance(e, Line) else e
         for e in elements],
        columns,
    )  # fmt: skip
    d = Dummy()
    d.hw("INIT")
    d._raw(ESC_T + bytes([CODE_PAGES[code_page]]))
    for e in elements:
        if isinstance(e, Line):
            n = SCALE[e.size]
            d.set(align=e.align, bold=e.bold, custom_size=True, width=n, height=n)
            d._raw(e.text.encode(codec) + b"\n")
        elif isinstance(e, Qr):
            d.set(align="center")
            d.qr(e.data, native=True, size=6)
        elif isinstance(e, Rule):
            d.set(align="center", bold=False, custom_size=True, width=1, height=1)
            d._raw(b"-" * columns + b"\n")
        elif isinstance(e, Feed):
            d.ln(e.lines)
        elif isinstance(e, Cut):
            d.cut()
    output: bytes = d.output
    return output


def parse_status(printer: bytes, cause: bytes, paper: bytes) -> PrinterStatus:
    """Our reading of DLE EOT answers. escpos 3.1's paper_status() says 'adequate' when the
    printer does not answer at all; here no answer, or a malformed one, is never OK."""
    if not printer:
        return PrinterStatus.OFFLINE
    if not cause or not paper:
        return PrinterStatus.UNKNOWN
    # Each status byte has bit 1 and bit 4 set, bits 0 and 7 clear.
    if any((b[0] & 0x93) != 0x12 for b in (printer, cause, paper)):
        return PrinterStatus.UNKNOWN
    if cause[0] & 0x04:
        return PrinterStatus.COVER_OPEN
    if (paper[0] & 0x60) or (cause[0] & 0x20):
        return PrinterStatus.PAPER_OUT
    if printer[0] & 0x08:
        return PrinterStatus.OFFLINE
    if paper[0] & 0x0C:
        return PrinterStatus.PAPER_LOW
    return PrinterStatus.OK


class SimulatedDevice(Dummy):  # type: ignore[misc]
    """escpos's Dummy that answers status queries from a state a test or technician drives,
    keeps each job, and can spool jobs to a folder (bytes, and a PNG of the decoded job)."""

    _ANSWERS: ClassVar[dict[PrinterStatus, tuple[int, int, int]]] = {
        PrinterStatus.OK: (0x12, 0x12, 0x12),
        PrinterStatus.PAPER_LOW: (0x12, 0x12, 0x1E),
        PrinterStatus.PAPER_OUT: (0x1A, 0x32, 0x72),
        PrinterStatus.COVER_OPEN: (0x1A, 0x16, 0x12),
    }

    def __init__(
        self,
        spool_dir: Path | None = None,
        spool_png: bool = False,
        delay_s: float = 0.0,
        paper: tuple[int, int] = (COLUMNS, 58),  # columns, paper mm: for the PNG
    ) -> None:
        super().__init__()
        self.state = PrinterStatus.OK
        self.jobs: list[bytes] = []
        self.spool_dir = spool_dir
        self.spool_png = spool_png
        self.paper = paper
        self.delay_s = delay_s
        self.jam_next_job = False  # the roll runs out mid-ticket: job lost, paper_out after
        self.first_byte_at: list[float] = []  # monotonic time of each job's first byte
        self._answer = b""
        self._lock = threading.Condition()
        if spool_dir is not None:
            spool_dir.mkdir(parents=True, exist_ok=True)

    def drive(self, state: str | PrinterStatus) -> None:
        """paper_out, paper_low, cover_open, offline (no answers, writes fail), unknown, ok."""
        names = {"offline": PrinterStatus.OFFLINE, "unknown": PrinterStatus.UNKNOWN}
        self.state = names.get(str(state)) or PrinterStatus(state)

    def _raw(self, msg: bytes) -> None:
        if len(msg) == 3 and msg[:2] == DLE + EOT:
            answers = self._ANSWERS.get(self.state)
            if self.state is PrinterStatus.UNKNOWN:
                self._answer = b"\xff"  # garbled: a real line glitch looks like this
            elif answers is None:
                self._answer = b""
            else:
                self._answer = bytes([answers[{1: 0, 2: 1, 4: 2}[msg[2]]]])
            return
        if self.state is PrinterStatus.OFFLINE:
            raise OSError("simulated printer is offline")
        if self.jam_next_job:
            self.jam_next_job = False
            self.state = PrinterStatus.PAPER_OUT
            raise OSError("simulated printer ran out of paper during the job")
        if self.delay_s:
            time.sleep(self.delay_s)
        with self._lock:
            self.first_byte_at.append(time.monotonic())
            super()._raw(msg)
            self.jobs.append(msg)
            n = len(self.jobs)
            self._lock.notify_all()
        if self.spool_dir is not None:
            self._spool(n, msg)

    def wait_jobs(self, n: int, timeout: float) -> bool:
        """Block until at least n jobs were printed (no polling: a waiting test or bench
        takes no CPU or GIL from the kiosk it watches)."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self.jobs) >= n, timeout)

    def _read(self) -> bytes:
        answer, self._answer = self._answer, b""
        return answer

    def _spool(self, n: int, job: bytes) -> None:
        # pid in the name: a kiosk restarted after a crash must not overwrite earlier jobs.
        stem = f"{time.time_ns()}-{os.getpid()}-{n:05d}"
        tmp = self.spool_dir / f".{stem}.tmp"  # type: ignore[operator]
        tmp.write_bytes(job)
        os.replace(tmp, self.spool_dir / f"{stem}.bin")  # type: ignore[operator]
        if self.spool_png:
            render_png(decode(job), *self.paper).save(self.spool_dir / f"{stem}.png")  # type: ignore[operator]


class EscposPrinter:
    """The Printer port over any escpos device."""

    def __init__(self, device: Escpos, query_status: bool = True, columns: int = COLUMNS,
                 code_page: str = "CP437") -> None:  # fmt: skip
        self.device = device
        self.query_status = query_status
        self.columns = columns
        self.code_page = code_page

    def status(self) -> PrinterStatus:
        if not self.query_status:
            return PrinterStatus.OK
        try:
            answers = [self.device.query_status(q) for q in (Q_PRINTER, Q_CAUSE, Q_PAPER)]
        except NotImplementedError:
            return PrinterStatus.UNKNOWN  # this link cannot read: configure status: assume_ok
        except (OSError, EscposError, ValueError):
            self._reopen()
            return PrinterStatus.OFFLINE
        return parse_status(*answers)

    def write(self, layout: list[Element]) -> None:
        try:
            self.device._raw(render(layout, self.columns, self.code_page))
        except EscposError as exc:
            self._reopen()
            raise OSError(str(exc)) from exc
        except OSError:
            self._reopen()
            raise

    def _reopen(self) -> None:
        # A replugged USB printer needs a fresh handle; escpos opens lazily on next use.
        if isinstance(self.device, SimulatedDevice):
            return
        with contextlib.suppress(Exception):  # a dead handle may fail to close; reopen anyway
            self.device.close()
        self.device.device = False

    def close(self) -> None:
        with contextlib.suppress(Exception):  # best effort at shutdown
            self.device.close()


def open_printer(settings: PrinterSettings) -> EscposPrinter:
    """The printer chosen by config; devices open lazily on first use (escpos semantics)."""
    device: Escpos
    if settings.kind == "usb":
        device = Usb(settings.usb_vendor_id, settings.usb_product_id)
    elif settings.kind == "serial":
        device = Serial(devfile=settings.serial_device, baudrate=settings.serial_baudrate)
    elif settings.kind == "network":
        device = Network(settings.network_host, port=settings.network_port)
    elif settings.kind == "file":
        device = File(settings.file_path)
    else:
        device = SimulatedDevice(settings.spool_dir, settings.spool_png, settings.delay_s,
                                 (settings.line_columns, settings.paper_mm))  # fmt: skip
    return EscposPrinter(device, query_status=settings.status == "query",
                         columns=settings.line_columns, code_page=settings.code_page)  # fmt: skip
