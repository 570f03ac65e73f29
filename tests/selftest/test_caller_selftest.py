"""`antrian caller selftest` on gpiozero MockFactory pins and SDL's dummy video driver."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pygame
from gpiozero.pins.mock import MockFactory

from edge.caller._gpio import GpioPanels
from edge.caller._pygame_screen import PygameScreen
from edge.caller.config import CallerConfig, Pin, load_config
from edge.caller.selftest import CallerReport, run_selftest
from edge.screen.testcard import BARS

DEMO = Path(__file__).parents[2] / "firmware_configs" / "demo"


def _config(tmp_path: Path, name: str, **overrides: Any) -> CallerConfig:
    cfg = load_config(DEMO / name)
    return cfg.model_copy(update={"state_dir": tmp_path / "state", "hold_s": 0.2, **overrides})


def _run(
    cfg: CallerConfig, taps: list[tuple[Pin, float]], screen: PygameScreen | None = None
) -> tuple[CallerReport, list[str], MockFactory]:
    factory = MockFactory()
    lines: list[str] = []
    stop = threading.Event()

    def out(line: str) -> None:
        lines.append(line)
        if "Ctrl-C" in line:

            def fingers() -> None:
                for pin, hold in taps:
                    factory.pin(pin).drive_low()
                    time.sleep(hold)
                    factory.pin(pin).drive_high()
                    time.sleep(0.08)
                time.sleep(0.2)
                stop.set()

            threading.Thread(target=fingers, daemon=True).start()

    hardware = GpioPanels(cfg, pin_factory=factory)
    report = run_selftest(cfg, hardware, screen, out, seconds=10, stop=stop, led_s=0.03)
    return report, lines, factory


def test_leds_in_turn_and_buttons_with_counter_and_action(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "caller-loket-3-4.yaml")
    loket3, loket4 = cfg.counters
    assert loket4.buttons.recall is not None and loket3.buttons.transfer
    taps = [(loket3.buttons.next, 0.03), (loket4.buttons.recall, 0.35),
            (loket3.buttons.transfer[0].pin, 0.03)]  # fmt: skip
    report, lines, factory = _run(cfg, taps)
    assert report.leds == [f"{c.id}.{led}" for c in cfg.counters
                           for led in ("online", "calling", "paused", "error")]  # fmt: skip
    for c in cfg.counters:
        for led in ("online", "calling", "paused", "error"):
            states = [s.state for s in factory.pin(getattr(c.leds, led)).states]
            assert states[-2:] == [True, False], (c.id, led, states)
    to_queue = loket3.buttons.transfer[0].to_queue
    assert report.pressed == ["loket-3.next", "loket-4.recall", f"loket-3.transfer:{to_queue}"]
    assert "loket-3: tombol next -> next" in lines
    assert "loket-4: tombol recall -> start (hold)" in lines  # held past hold_s
    assert f"loket-3: tombol transfer {to_queue} -> transfer {to_queue}" in lines
    assert lines[-1].startswith("tombol belum ditekan: loket-3.recall")
    assert "loket-3.next" not in lines[-1]


def test_counter_screen_shows_the_test_card(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "caller-loket-1.yaml", language="en")
    screen = PygameScreen(cfg.screen, [c.id for c in cfg.counters], cfg.language)
    shot = tmp_path / "card.png"
    rating = cfg.counters[0].rating
    assert rating is not None

    original_close = screen.close

    def close() -> None:  # the card as it was on screen, just before the window closes
        assert screen.surface is not None
        pygame.image.save(screen.surface, str(shot))
        original_close()

    screen.close = close  # type: ignore[method-assign]
    report, lines, _factory = _run(cfg, [(rating.puas, 0.03)], screen)
    assert report.screen == (800, 480) and "counter screen: test card 800 x 480" in lines
    card = pygame.image.load(str(shot))
    w, h = card.get_size()
    pad = max(h // 40, 2)
    bar_w = (w - 2 * pad) / len(BARS)
    for k, (name, colour) in enumerate(BARS):
        centre = (pad + round(k * bar_w) + round(bar_w) // 2, h - h // 6 - pad + h // 12)
        assert tuple(card.get_at(centre))[:3] == colour, name
    assert "loket-1.thanks" in report.leds  # the IKM panel's LED too
    assert report.pressed == ["loket-1.rate:3"] and "loket-1: button rate -> rate 3" in lines
