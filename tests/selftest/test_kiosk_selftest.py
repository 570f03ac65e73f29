"""`antrian kiosk selftest` on gpiozero MockFactory pins and escpos's Dummy printer."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from gpiozero.pins.mock import MockFactory

from antrian.delivery import ConfigCache, config_digest
from edge.kiosk._escpos import EscposPrinter, SimulatedDevice
from edge.kiosk._gpio import GpioPanel, press_pin
from edge.kiosk.config import KioskConfig
from edge.kiosk.escpos_decode import decode_qr, decode_text
from edge.kiosk.selftest import SelftestReport, run_selftest
from tests.kiosk.conftest import LEDS, PINS, kiosk_config


def _run(
    tmp_path: Path, device: SimulatedDevice, presses: list[str], **overrides: object
) -> tuple[SelftestReport, list[str], Any, KioskConfig]:
    config = kiosk_config(1883, tmp_path / "state", **overrides)
    factory = MockFactory()
    lines: list[str] = []
    stop = threading.Event()

    def out(line: str) -> None:
        lines.append(line)
        if "Ctrl-C" in line:  # the button phase began: a finger presses, then Ctrl-C

            def fingers() -> None:
                for name in presses:
                    press_pin(factory, PINS[name], 0.02)
                    stop.wait(0.05)
                stop.wait(0.2)
                stop.set()

            threading.Thread(target=fingers, daemon=True).start()

    report = run_selftest(
        config,
        GpioPanel(config, pin_factory=factory),
        EscposPrinter(device),
        out,
        seconds=10,
        stop=stop,
        led_s=0.05,
    )
    return report, lines, factory, config


def test_page_leds_buzzer_and_buttons(tmp_path: Path) -> None:
    device = SimulatedDevice()
    report, lines, factory, _config = _run(tmp_path, device, ["skck", "priority"])
    assert len(device.jobs) == 1 and report.printed
    text = decode_text(device.jobs[0])
    assert "kiosk-t" in text and "TES PERANGKAT" in text and "Versi konfigurasi: -" in text
    assert "Printer: ok" in text and "MPP Uji" in text
    assert decode_qr(device.jobs[0]) == ["kiosk-t"]
    # Each LED went on and off again, one after the other (MockPin keeps its history).
    for name, pin in LEDS.items():
        states = [s.state for s in factory.pin(pin).states]
        assert states[-2:] == [True, False], (name, states)
    buzzer = [s.state for s in factory.pin(24).states]
    assert buzzer.count(True) == 2  # two beeps
    assert report.pressed == ["skck", "priority"]
    assert "tombol skck (kunci 'b', pin 6)" in lines
    assert "tombol priority (kunci 'p', pin 21)" in lines
    assert lines[-1].startswith("tombol belum ditekan: dukcapil, sim, nikah")
    assert report.problems == []


def test_english_and_a_printer_without_paper(tmp_path: Path) -> None:
    device = SimulatedDevice()
    device.drive("paper_out")
    report, lines, _factory, _config = _run(tmp_path, device, [], language="en")
    assert device.jobs == [] and not report.printed
    assert report.printer_status == "paper_out"
    assert any("test page NOT printed: printer paper_out" in line for line in lines)
    assert report.problems and report.leds == ["ready", "busy", "offline", "fault"]


def test_page_names_the_delivered_config_version(tmp_path: Path) -> None:
    from antrian.mqtt import now
    from protocol import messages as m

    config = kiosk_config(1883, tmp_path / "state").model_dump(mode="json")
    cache = ConfigCache(tmp_path / "state" / "config.json")
    cache.store(
        m.DeviceConfig(
            node_id="kiosk-t",
            role="kiosk",
            version=7,
            sha256=config_digest(config),
            issued_at=now(),
            config=config,
        )
    )
    cache.close()
    device = SimulatedDevice()
    _run(tmp_path, device, [])
    assert "Versi konfigurasi: 7" in decode_text(device.jobs[0])
