"""`antrian display selftest` on SDL's dummy video and disk audio drivers."""

from __future__ import annotations

import itertools
from array import array
from pathlib import Path

import pygame
import pytest

from edge.display.announcer import Speech
from edge.display.config import DisplayConfig
from edge.display.selftest import run_selftest
from edge.screen.testcard import BARS
from edge.screen.theme import NUMBER
from tests.display.conftest import RATE, TONES, write_tone_clips


def _config(tmp_path: Path, clips: Path, **voice: object) -> DisplayConfig:
    return DisplayConfig.model_validate(
        {
            "node_id": "display-t",
            "site": "demo",
            "state_dir": str(tmp_path / "state"),
            "screen": {"width": 1280, "height": 720, "fullscreen": False},
            "voice": {
                "clips": str(clips),
                "build_if_missing": False,
                "frequency": RATE,
                "buffer": 512,
                **voice,
            },
        }
    )


def _dominant_hz(samples: array[int]) -> float:
    crossings = sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))
    return crossings / 2 / (len(samples) / RATE)


def test_card_and_sound_on_disk(tmp_path: Path, disk_audio: Path) -> None:
    capture = disk_audio
    clips = write_tone_clips(tmp_path / "voice")
    lines: list[str] = []
    shot = tmp_path / "card.png"

    def out(line: str) -> None:
        lines.append(line)
        if pygame.display.get_init() and pygame.display.get_surface() is not None:
            pygame.image.save(pygame.display.get_surface(), str(shot))

    report = run_selftest(_config(tmp_path, clips), None, out, seconds=0.3, config_version=4)
    assert report.problems == [] and not report.no_audio
    assert report.size == (1280, 720) and report.card is not None
    assert "Resolusi: 1280 x 720" in report.card.lines
    assert "Versi konfigurasi: 4" in report.card.lines

    card = pygame.image.load(str(shot))
    for name, colour, rect in report.card.bars:
        assert tuple(card.get_at(rect.center))[:3] == colour, name
    assert {n for n, _c, _r in report.card.bars} == {n for n, _c in BARS}
    digits = pygame.mask.from_threshold(
        card.subsurface(report.card.number), (*NUMBER, 255), (1, 1, 1, 255)
    )
    assert digits.count() > report.card.number.width * report.card.number.height // 10

    # Every word of the test call is a clip: chime + 7 words of 120-200 ms ("satu" twice),
    # with the pauses a call has: after the chime, at the comma, and between the 4 pairs of
    # words that no comma separates.
    speech = Speech()
    pauses_ms = speech.after_chime_ms + speech.comma_ms + 4 * speech.gap_ms
    expected_s = sum(ms for _v, _f, ms in TONES.values()) / 1000 + 0.12 + pauses_ms / 1000
    assert report.sound_s == pytest.approx(expected_s, abs=0.05)
    samples = array("h", capture.read_bytes())[::2]  # left channel
    assert max(abs(x) for x in samples) > 8000, "the disk audio file is silent"
    loud = [i for i, x in enumerate(samples) if abs(x) > 2000]
    chime = samples[loud[0] + RATE // 50 : loud[0] + RATE // 50 + RATE // 10]
    assert abs(_dominant_hz(chime) - TONES["chime"][1]) < 40
    assert any("nomor antrian A satu, silakan menuju loket satu" in line for line in lines)


def test_no_audio_device_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    lines: list[str] = []
    cfg = _config(tmp_path, write_tone_clips(tmp_path / "voice")).model_copy(
        update={"language": "en"}
    )
    report = run_selftest(cfg, None, lines.append, seconds=0.05)
    assert report.no_audio and report.card is not None
    assert any(line.startswith("no_audio: no audio device") for line in lines)


def test_missing_clips_make_a_silent_test_call(tmp_path: Path) -> None:
    lines: list[str] = []
    report = run_selftest(_config(tmp_path, tmp_path / "empty"), None, lines.append, seconds=0)
    assert report.sound_s == 0 and report.problems
    assert "chime" in report.missing_clips and "id/nomor_antrian" in report.missing_clips
    assert any("antrian voice build" in line for line in lines)
