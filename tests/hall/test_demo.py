"""`antrian demo` headless, scripted: a press prints a ticket, NEXT shows and speaks it."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from antrian.devbroker import REPO_ROOT
from web.accounts import Accounts


@pytest.mark.slow
def test_headless_demo_prints_shows_and_speaks(tmp_path: Path) -> None:
    run_dir = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    out = subprocess.run(
        [sys.executable, "-m", "antrian.cli", "demo", "--headless", "--seconds", "9",
         "--run-dir", str(run_dir), "--press", "a@2,p@3.5,h@3.7,1@5.5,5@6.5"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    # The terminal shows each printed ticket, decoded from the printer's bytes.
    assert "A001" in text and "H001" in text and "PRIORITY" in text  # kiosk-2 prints English
    tickets = sorted((run_dir / "printed").glob("*/*.png"))
    assert len(tickets) == 2
    # The board was captured when each call appeared, and at the end.
    screens = sorted((run_dir / "screens").glob("board-*.png"))
    assert len(screens) >= 3 and (run_dir / "screens" / "board-last.png").exists()
    # No speakers here: the calls went to the audio file, and it is not silence.
    with wave.open(str(run_dir / "hall-audio.wav")) as w:
        frames = w.readframes(w.getnframes())
        seconds = w.getnframes() / w.getframerate()
    assert seconds > 3
    assert max(frames) > 0 and len(set(frames)) > 100
    assert "2 tickets printed" in text
    assert "--- call: A001 -> Loket 1" in text  # calls show in the terminal too
    # The web node ran beside the hall, at the address the demo printed.
    assert "web: the hall page at http://127.0.0.1:" in text
    web_log = (run_dir / "configs" / "web.log").read_text()
    printed = text.split("web: the hall page at ", 1)[1].split()[0]
    assert f"web: serving {printed}" in web_log, web_log
    # And its dashboard, with the demo's supervisor account it printed.
    assert "dashboard at http://127.0.0.1:" in text
    assert "(user demo, password demo-supervisor)" in text
    accounts = Accounts.load(run_dir / "supervisors.yaml")
    assert accounts.check("demo", "demo-supervisor") is not None
