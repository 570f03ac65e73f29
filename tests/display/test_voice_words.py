"""Every name of a real hall's catalogue can be spoken: its words are in the default clip
set or built from the catalogue; a missing clip is a fault, and provision check names it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from array import array
from pathlib import Path

import pytest
import yaml

from antrian.catalogue import Catalogue
from antrian.devbroker import REPO_ROOT
from edge.display.announcer import phrase_words
from edge.display.clips import clip_path, default_words, missing_clips, name_words, write_wav
from provision import SiteConfigs

PALEMBANG = REPO_ROOT / "firmware_configs" / "mpp-palembang"


def _catalogue() -> Catalogue:
    return Catalogue.model_validate(yaml.safe_load((PALEMBANG / "catalogue.yaml").read_text()))


def _silent_set(root: Path, words: dict[str, dict[str, str]]) -> None:
    """Clips that exist (a short silence each): what missing_clips looks for."""
    write_wav(clip_path(root, "", "chime"), array("h", bytes(200)))
    for lang, names in words.items():
        for name in names:
            write_wav(clip_path(root, lang, name), array("h", bytes(200)))


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_counter_name_is_spoken_from_the_default_set_and_the_catalogues_words(
    language: str,
) -> None:
    cat = _catalogue()
    names = [c.name for c in cat.counters]
    extra = name_words(names, language)
    assert sorted(extra) == ["drive", "teknis", "thru", "tim"]
    known = default_words(language) | extra
    for name in names:
        spoken = phrase_words(name, language)
        assert spoken and all(w in known for w in spoken), (name, spoken)
    # Queue prefixes are spoken letter by letter: every letter is in the default set.
    assert all(c.lower() in known for q in cat.queues for c in q.prefix)


def test_missing_clips_names_what_a_clip_set_lacks(tmp_path: Path) -> None:
    names = [c.name for c in _catalogue().counters]
    _silent_set(tmp_path, {"id": default_words("id")})
    assert missing_clips(tmp_path, ["id"], names) == ["id/drive", "id/thru", "id/tim", "id/teknis"]
    _silent_set(tmp_path, {"id": name_words(names, "id")})
    assert missing_clips(tmp_path, ["id"], names) == []
    assert "en/number" in missing_clips(tmp_path, ["id", "en"], names)


def test_provision_check_names_a_speaking_boards_missing_clips(tmp_path: Path) -> None:
    site = tmp_path / "mpp-palembang"
    shutil.copytree(PALEMBANG, site)
    voice = tmp_path / "voice"
    _silent_set(voice, {"id": default_words("id")})
    role = site / "roles" / "display.yaml"
    raw = yaml.safe_load(role.read_text())
    raw["voice"]["clips"] = str(voice)
    role.write_text(yaml.safe_dump(raw))
    configs = SiteConfigs(site)
    survey = configs.survey()
    assert survey.problems == []
    notes = [n for n in configs.coverage_notes(survey) if "voice clip" in n]
    # The two speaking boards (the counter board is quiet), each naming the four words.
    assert len(notes) == 2
    assert all("id/drive, id/thru, id/tim, id/teknis" in n for n in notes)
    assert all("antrian voice build" in n for n in notes)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_voice_build_with_the_catalogue_builds_every_word_it_needs(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "antrian.cli", "voice", "build", "--out", str(tmp_path),
         "--catalogue", str(PALEMBANG / "catalogue.yaml")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "60 counter names" in out.stdout
    assert missing_clips(tmp_path, ["id"], [c.name for c in _catalogue().counters]) == []
