"""The caller's stdin keyboard (pins: mock): each line presses the named counter's button
on gpiozero's mock pins, so a process outside the caller can act as the officer."""

from __future__ import annotations

import io
import time
from pathlib import Path

from gpiozero import Button
from gpiozero.pins.mock import MockFactory

from edge.caller._keyboard import StdinKeyboard
from edge.caller.config import load_config
from tests.e2e.conftest import DEMO


def test_lines_press_and_hold_the_named_buttons(tmp_path: Path) -> None:
    cfg = load_config(DEMO / "caller-loket-3-4.yaml").model_copy(update={"hold_s": 0.1})
    factory = MockFactory()
    seen: list[str] = []

    def watch(pin: int, name: str) -> Button:
        b = Button(pin, pull_up=True, hold_time=0.1, pin_factory=factory)
        b.when_pressed = lambda: seen.append(f"{name} down")
        b.when_held = lambda: seen.append(f"{name} held")
        return b

    buttons = [watch(17, "3 next"), watch(2, "4 next"), watch(27, "3 recall"),
               watch(4, "4 no_show"), watch(19, "3 transfer sim")]  # fmt: skip
    lines = "loket-4 next\nloket-3 recall hold\nloket-4 no-show\nloket-3 transfer sim\n"
    lines += "loket-9 next\nloket-3 rate 4\nloket-3\n\n"
    kb = StdinKeyboard(cfg, factory, io.StringIO(lines))
    kb._run()
    time.sleep(0.05)
    assert seen == ["4 next down", "3 recall down", "3 recall held", "4 no_show down",
                    "3 transfer sim down"]  # fmt: skip
    assert all(not b.is_pressed for b in buttons)  # every press was let go
    assert not kb.press("loket-3 rate 4")  # loket-3 has no IKM panel
    for b in buttons:
        b.close()
