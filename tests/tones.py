"""Reading captured audio back: each test clip is a pure tone of its own pitch, so what was
played can be named from SDL's disk-audio capture (16-bit stereo)."""

from __future__ import annotations

import itertools
from array import array
from pathlib import Path


def tone_windows(raw: Path, rate: int, names: dict[float, str]) -> list[str | None]:
    """One entry per 20 ms window: the clip name by pitch (zero crossings), None for
    silence, "?" for a pitch no clip has."""
    data = raw.read_bytes()
    samples = array("h", data[: len(data) - len(data) % 4])[::2]  # left channel
    window = rate // 50
    track: list[str | None] = []
    for i in range(0, len(samples) - window, window):
        w = samples[i : i + window]
        if max(abs(x) for x in w) < 2000:
            track.append(None)
            continue
        crossings = sum(1 for a, b in itertools.pairwise(w) if (a < 0) != (b < 0))
        freq = crossings / 2 / 0.02
        near = min(names, key=lambda f: abs(f - freq))
        track.append(names[near] if abs(near - freq) < 60 else "?")
    return track


def tone_track(raw: Path, rate: int, names: dict[float, str]) -> list[tuple[str, int]]:
    """(clip name, ms) segments of at least 60 ms, silence and unknown pitches dropped."""
    segments: list[tuple[str | None, int]] = []
    for name in tone_windows(raw, rate, names):
        if segments and segments[-1][0] == name:
            segments[-1] = (name, segments[-1][1] + 1)
        else:
            segments.append((name, 1))
    return [(n, c * 20) for n, c in segments if n is not None and n != "?" and c >= 3]
