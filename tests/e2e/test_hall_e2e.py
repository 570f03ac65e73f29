"""Every node in its own process over a real broker: a press prints a ticket; an officer's
NEXT puts it on the hall board and into the hall's speakers."""

from __future__ import annotations

import time
from pathlib import Path

import pygame
import pytest

from edge.display.hall_layout import hall_layout
from edge.kiosk.escpos_decode import decode_text
from tests.e2e._readback import label_score
from tests.e2e.conftest import RATE, TONES, LiveHall
from tests.tones import tone_track

ANNOUNCEMENT = ["chime", "nomor_antrian", "a", "satu", "silakan_menuju", "loket", "satu"]


def _calls(board: Path) -> list[list[str]]:
    tsv = board / "calls.tsv"
    if not tsv.exists():
        return []
    return [line.split("\t") for line in tsv.read_text().splitlines() if line.count("\t") == 4]


@pytest.mark.slow
def test_press_prints_a_ticket_and_next_shows_and_speaks_it(live_hall: LiveHall) -> None:
    hall, obs = live_hall, live_hall.observer
    run = hall.site.run_dir
    kiosk, caller = hall.procs["kiosk-1"], hall.procs["caller-loket-1"]
    # The caller signs its configured officer in once it sees central: then it is ready.
    hall.wait("budi signed in at loket-1", lambda: (c := obs.counters.get("loket-1")) is not None
              and c.officer == "budi")  # fmt: skip
    hall.wait("kiosk sees central", lambda: "central is online" in kiosk.log_text())

    # A citizen presses the Dukcapil button ('a' on kiosk-1's simulated keyboard).
    kiosk.press("a")
    spool = run / "printed" / "kiosk-1"
    hall.wait("a printed ticket", lambda: any(spool.glob("*.bin")))
    (job,) = spool.glob("*.bin")
    text = decode_text(job.read_bytes())
    assert "A001" in text and "Dukcapil" in text, text
    hall.wait("the ticket's PNG preview", lambda: any(spool.glob("*.png")))

    # The officer at Loket 1 presses NEXT on the caller's (mock) pins.
    board = run / "board"
    before = len(_calls(board))
    caller.press("loket-1 next")
    hall.wait("the call on the board", lambda: len(_calls(board)) > before
              and _calls(board)[-1][2] == "A001")  # fmt: skip
    _at, seq, label, counter, name = _calls(board)[-1]
    assert (label, counter) == ("A001", "loket-1")
    assert any(e.kind == "ticket_called" and e.seq == int(seq) for e in obs.events)

    # Read the number back from the captured frame, where the layout puts it.
    frame = pygame.image.load(str(board / name))
    region = frame.subsurface(hall_layout(frame.get_size()).latest_number)
    shown = label_score(region, "A001")
    assert shown > 0.9, shown
    assert shown > max(label_score(region, other) for other in ("A007", "B001", "A011")) + 0.05

    # And hear it: the audio file holds the chime, then every word, in order.
    audio = run / "audio.raw"
    names = {freq: n for n, (_v, freq, _ms) in TONES.items()}
    heard: list[tuple[str, int]] = []

    def announced() -> bool:
        nonlocal heard
        heard = tone_track(audio, RATE, names) if audio.exists() else []
        return [n for n, _ in heard] == ANNOUNCEMENT

    hall.wait("the announcement in the audio file", announced, timeout=10)
    # The last word may still be being written when its start is heard: read it whole.
    time.sleep(0.5)
    assert announced(), heard
    for clip, ms in heard:
        assert abs(ms - TONES[clip][2]) <= 40, (clip, ms)
    spoken_ms = sum(ms for _, ms in heard)
    assert spoken_ms > TONES["chime"][2] * 3  # the words, not only the chime
    time.sleep(0.2)
    assert all(p.running for p in hall.procs.values())
