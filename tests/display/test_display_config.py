"""Shipped display configs load; bad ones are refused clearly; the voice set builds offline."""

from __future__ import annotations

import shutil
import subprocess
import wave
from datetime import time
from pathlib import Path

import pytest

from antrian.config import ConfigError, load_yaml
from antrian.devbroker import REPO_ROOT
from edge.display.clips import clip_path, default_words, espeak_text
from edge.display.config import DisplayConfig, QuietHours

SHIPPED = sorted((REPO_ROOT / "firmware_configs").glob("*/display-*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_configs_load(path: Path) -> None:
    cfg = load_yaml(path, DisplayConfig)
    assert cfg.mode in ("hall", "counter")


def test_counter_board_needs_a_counter(tmp_path: Path) -> None:
    bad = tmp_path / "d.yaml"
    bad.write_text("node_id: d\nsite: demo\nstate_dir: x\nmode: counter\nscren: {}\n")
    with pytest.raises(ConfigError) as exc:
        load_yaml(bad, DisplayConfig)
    assert "counter" in str(exc.value) and "scren" in str(exc.value)


def test_quiet_hours_across_midnight() -> None:
    q = QuietHours(start=time(21), end=time(6), volume=0.2)
    assert q.covers(time(23, 30)) and q.covers(time(5, 59)) and not q.covers(time(12))
    cfg = DisplayConfig.model_validate(
        {"node_id": "d", "site": "demo", "state_dir": "x",
         "voice": {"volume": 0.8, "quiet_hours": [q.model_dump()]}}
    )  # fmt: skip
    assert cfg.voice.volume_at(time(22)) == 0.2 and cfg.voice.volume_at(time(9)) == 0.8


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_voice_build_makes_every_word(tmp_path: Path) -> None:
    from antrian.cli import main

    assert main(["voice", "build", "--out", str(tmp_path), "--english", "--word", "dukcapil"]) == 0
    for lang in ("id", "en"):
        for name in default_words(lang):
            with wave.open(str(clip_path(tmp_path, lang, name))) as w:
                assert w.getnframes() > w.getframerate() // 20, (lang, name)
    assert clip_path(tmp_path, "id", "dukcapil").is_file()
    assert clip_path(tmp_path, "", "chime").is_file()


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_voice_says_indonesian_vowels() -> None:
    """espeak-ng's id voice read empat, enam and belas with an open "e" and loket with a
    schwa; every call has some of them. Its phonemes (-x) for what the build gives it."""
    expected = {
        "empat": "'@mpat",
        "enam": "'@nam",
        "belas": "b'@las",
        "sebelas": "s@b'@las",
        "loket": "l'okEt",
        "delapan": "d@l'apan",  # right without help: left alone
    }
    for word, phonemes in expected.items():
        said = subprocess.run(
            ["espeak-ng", "-v", "id", "-q", "-x", espeak_text("id", word)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert said == phonemes, word
    assert espeak_text("en", "loket") == "loket"
