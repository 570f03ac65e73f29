"""Speakers: the pygame mixer, or silence when the hall's display has no audio device."""

from __future__ import annotations

import logging
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import pygame

from edge.display.announcer import Clip, Part, Pause
from edge.display.clips import clip_path

log = logging.getLogger(__name__)

# Below this (of 32767) a clip's start and end count as silence: espeak-ng and hand
# recordings carry a lot of it, and it would stretch every announcement.
TRIM_THRESHOLD = 400


class AudioUnavailable(RuntimeError):
    pass


class Speaker(Protocol):
    def has_clip(self, voice: str, name: str) -> bool: ...

    def play(self, script: Sequence[Part], volume: float) -> float:
        """Start speaking; returns the length in seconds. Never called while busy()."""
        ...

    def busy(self) -> bool: ...

    def close(self) -> None: ...


class _ClipFiles:
    """Which clips exist, with a warning once per missing clip."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.missing: set[tuple[str, str]] = set()

    def has_clip(self, voice: str, name: str) -> bool:
        return clip_path(self.root, voice, name).is_file()

    def path(self, voice: str, name: str) -> Path | None:
        p = clip_path(self.root, voice, name)
        if p.is_file():
            return p
        if (voice, name) not in self.missing:
            self.missing.add((voice, name))
            log.warning("voice: clip %s is missing; that word is skipped (see docs/voice.md)", p)
        return None


class SilentSpeaker:
    """No audio device: calls are shown, not heard. Missing clips are still reported."""

    def __init__(self, clips: Path) -> None:
        self.files = _ClipFiles(clips)
        self.played = 0

    def has_clip(self, voice: str, name: str) -> bool:
        return self.files.has_clip(voice, name)

    def play(self, script: Sequence[Part], volume: float) -> float:
        for part in script:
            if isinstance(part, Clip):
                self.files.path(part.voice, part.name)
        self.played += 1
        return 0.0

    def busy(self) -> bool:
        return False

    def close(self) -> None:
        pass


class PygameSpeaker:
    """Plays each announcement as one sound assembled from clips, on one reserved channel,
    so announcements can neither overlap nor cut each other off."""

    def __init__(self, clips: Path, frequency: int = 44100, buffer: int = 512) -> None:
        try:
            pygame.mixer.init(frequency=frequency, size=-16, channels=2, buffer=buffer)
        except pygame.error as exc:
            raise AudioUnavailable(f"no audio device: {exc}") from None
        init = pygame.mixer.get_init()
        if not init:
            raise AudioUnavailable("the mixer did not start")
        self.frequency, self.size, self.channels = init
        self.frame_bytes = self.channels * abs(self.size) // 8
        pygame.mixer.set_reserved(1)
        self.channel = pygame.mixer.Channel(0)
        self.files = _ClipFiles(clips)
        self._raw: dict[tuple[str, str], bytes] = {}
        self._current: pygame.mixer.Sound | None = None

    def has_clip(self, voice: str, name: str) -> bool:
        return self.files.has_clip(voice, name)

    def preload(self, clips: Sequence[tuple[str, str]]) -> None:
        """Decode clips ahead of the first call, so that it starts without delay."""
        for voice, name in clips:
            self._clip(voice, name)

    def _clip(self, voice: str, name: str) -> bytes:
        key = (voice, name)
        raw = self._raw.get(key)
        if raw is None:
            path = self.files.path(voice, name)
            raw = b""
            if path is not None:
                try:
                    raw = pygame.mixer.Sound(str(path)).get_raw()
                except pygame.error as exc:
                    log.warning("voice: cannot read %s (%s); that word is skipped", path, exc)
                if name != "chime":
                    raw = self._trim(raw)
            self._raw[key] = raw
        return raw

    def _trim(self, raw: bytes) -> bytes:
        if self.size != -16 or not raw:
            return raw
        samples = array("h", raw[: len(raw) - len(raw) % 2])
        n = len(samples)
        first = next((i for i in range(n) if abs(samples[i]) > TRIM_THRESHOLD), n)
        last = next((i for i in range(n - 1, first - 1, -1) if abs(samples[i]) > TRIM_THRESHOLD),
                    first)  # fmt: skip
        # Keep whole frames, and a few ms on each side so consonants are not clipped.
        margin = self.frequency * self.channels // 100
        start = max(first - margin, 0) // self.channels * self.channels
        end = min(last + margin, n) // self.channels * self.channels
        return samples[start:end].tobytes()

    def render(self, script: Sequence[Part]) -> bytes:
        """The announcement as raw samples in the mixer's format."""
        chunks: list[bytes] = []
        for part in script:
            if isinstance(part, Pause):
                chunks.append(bytes(self.frequency * part.ms // 1000 * self.frame_bytes))
            else:
                chunks.append(self._clip(part.voice, part.name))
        return b"".join(chunks)

    def play(self, script: Sequence[Part], volume: float) -> float:
        raw = self.render(script)
        if not raw:
            return 0.0
        sound = pygame.mixer.Sound(buffer=raw)
        sound.set_volume(max(0.0, min(volume, 1.0)))
        self._current = sound  # the mixer does not keep it alive
        self.channel.play(sound)
        return len(raw) / self.frame_bytes / self.frequency

    def busy(self) -> bool:
        return bool(self.channel.get_busy())

    def close(self) -> None:
        self.channel.stop()
        self._current = None
        pygame.mixer.quit()
