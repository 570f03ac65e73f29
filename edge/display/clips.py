"""Clip sets on disk: their layout, a synthesized chime, and the default set built with espeak-ng.

Layout (docs/voice.md): <set>/chime.wav, <set>/id/<word>.wav, <set>/en/<word>.wav.
"""

from __future__ import annotations

import logging
import math
import shutil
import subprocess
import wave
from array import array
from collections.abc import Iterable, Mapping
from pathlib import Path

from edge.display.announcer import phrase_words
from edge.display.numbers import all_number_words

log = logging.getLogger(__name__)

RATE = 22050

# How espeak-ng should say each letter so that it sounds like a person reading a ticket.
ID_LETTERS = dict(zip("abcdefghijklmnopqrstuvwxyz", (
    "a", "be", "ce", "de", "e", "ef", "ge", "ha", "i", "je", "ka", "el", "em",
    "en", "o", "pe", "ki", "er", "es", "te", "u", "ve", "we", "eks", "ye", "zet",
), strict=True))  # fmt: skip
EN_LETTERS = {c: c.upper() for c in "abcdefghijklmnopqrstuvwxyz"}

PHRASES: dict[str, dict[str, str]] = {
    "id": {"nomor_antrian": "nomor antrian", "silakan_menuju": "silakan menuju",
           "loket": "loket"},
    # A counter's name is spoken from its words; in English "loket" is "counter".
    "en": {"number": "number", "please_go_to": "please go to", "loket": "counter"},
}  # fmt: skip
ESPEAK_VOICE = {"id": "id", "en": "en"}
# espeak-ng's Indonesian voice says these with an open "e" where Indonesian has a schwa
# (empat, enam, belas) or a schwa where it has an open "e" (loket is lokét); they are in
# nearly every call. Its phoneme input says them right: `espeak-ng -v id -x WORD` shows
# what it will say.
ID_PRONOUNCE = {
    "empat": "[['@mpat]]",
    "enam": "[['@nam]]",
    "belas": "[[b'@las]]",
    "sebelas": "[[s@b'@las]]",
    "loket": "[[l'okEt]]",
}


def espeak_text(language: str, text: str) -> str:
    """What espeak-ng is given to say `text` (a word or a few) in `language`."""
    if language != "id":
        return text
    return " ".join(ID_PRONOUNCE.get(w, w) for w in text.split())


def clip_path(root: Path, voice: str, name: str) -> Path:
    return (root / voice / f"{name}.wav") if voice else (root / f"{name}.wav")


def default_words(language: str) -> dict[str, str]:
    """Clip name -> text to speak, for every word a call can need in `language`."""
    words = dict(ID_LETTERS if language == "id" else EN_LETTERS)
    words.update({w: w for w in all_number_words(language)})
    words.update(PHRASES[language])
    return words


def name_words(names: Iterable[str], language: str) -> dict[str, str]:
    """Clip name -> text for the words of counter names ("Drive Thru 1", "Tim Teknis") that
    the default set does not have: numbers and letters it has."""
    known = default_words(language)
    out: dict[str, str] = {}
    for name in names:
        for w in phrase_words(name, language):
            if w not in known:
                out[w] = w.replace("_", " ")
    return out


def missing_clips(root: Path, languages: Iterable[str], names: Iterable[str] = ()) -> list[str]:
    """The clips ("id/drive") a call can need that `root` lacks: the chime, every default
    word, and the words of these counter names."""
    names = list(names)
    missing = [] if clip_path(root, "", "chime").exists() else ["chime"]
    for lang in languages:
        for w in {**default_words(lang), **name_words(names, lang)}:
            if not clip_path(root, lang, w).exists():
                missing.append(f"{lang}/{w}")
    return missing


def write_wav(path: Path, samples: array[int], rate: int = RATE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def tone(
    freq: float, ms: int, rate: int = RATE, amplitude: float = 0.5, decay: float = 0.0
) -> array[int]:
    """A sine tone; `decay` per second makes it ring out like a bell."""
    n = rate * ms // 1000
    peak = amplitude * 32767
    fade = max(n // 50, 1)  # a few ms of fade in and out: no clicks
    out = array("h", bytes(2 * n))
    for i in range(n):
        env = math.exp(-decay * i / rate) * min(1.0, i / fade, (n - i) / fade)
        out[i] = int(peak * env * math.sin(2 * math.pi * freq * i / rate))
    return out


def write_chime(path: Path, rate: int = RATE) -> None:
    """Ding-dong: a high then a low bell tone, about one second."""
    samples = tone(659.25, 380, rate, 0.45, decay=4.0)
    samples += tone(523.25, 650, rate, 0.45, decay=3.0)
    write_wav(path, samples, rate)


class VoiceBuildError(RuntimeError):
    pass


def build_clip_set(
    out: Path,
    languages: Iterable[str] = ("id",),
    extra_words: Mapping[str, str] | None = None,
    espeak: str = "espeak-ng",
    speed: int = 140,
    overwrite: bool = False,
    defaults: bool = True,
) -> list[Path]:
    """Generate the default clip set offline: every word with espeak-ng, plus the chime.

    Existing clips are kept unless `overwrite`, so human recordings dropped in survive.
    `extra_words` (clip name -> text) adds words of counter names.
    """
    exe = shutil.which(espeak)
    if exe is None:
        raise VoiceBuildError(
            f"{espeak} is not installed: run `apt-get install espeak-ng`, or drop recorded "
            "WAV clips into the clip set folder (see docs/voice.md)"
        )
    written: list[Path] = []
    chime = clip_path(out, "", "chime")
    if overwrite or not chime.exists():
        write_chime(chime)
        written.append(chime)
    for lang in languages:
        words = default_words(lang) if defaults else {}
        if extra_words:
            # Words of counter names, in either language ("drive thru", "tim teknis").
            known = default_words(lang)
            words.update({k: v for k, v in extra_words.items() if k not in known})
        for name, text in words.items():
            path = clip_path(out, lang, name)
            if path.exists() and not overwrite:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            said = espeak_text(lang, text)
            cmd = [exe, "-v", ESPEAK_VOICE[lang], "-s", str(speed), "-w", str(path), said]
            done = subprocess.run(cmd, capture_output=True, timeout=30, check=False)
            if done.returncode != 0 or not path.exists():
                raise VoiceBuildError(
                    f"espeak-ng failed for {name!r}: {done.stderr.decode(errors='replace')}"
                )
            written.append(path)
    log.info("voice: wrote %d clips to %s", len(written), out)
    return written
