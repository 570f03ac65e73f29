"""The announcement queue: which calls are spoken, in what order, with which clips.

Pure: no audio, no clock. The node offers each call event with the current time and plays
what `next()` hands out, one at a time, so announcements never overlap.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from edge.display.numbers import MAX_NUMBER, number_words
from protocol import messages as m

CALL_KINDS = ("ticket_called", "ticket_recalled")
# Clips at the root of a clip set belong to no language (the chime).
COMMON = ""


@dataclass(frozen=True)
class Clip:
    voice: str  # "id", "en", or COMMON
    name: str


@dataclass(frozen=True)
class Pause:
    ms: int


Part = Clip | Pause
HasClip = Callable[[str, str], bool]
Outcome = Literal["queued", "duplicate", "stale", "ignored"]


@dataclass(frozen=True)
class Speech:
    """How calls are worded; from the display config."""

    english: bool = False
    max_age_s: float = 30.0
    gap_ms: int = 60
    comma_ms: int = 350  # "nomor antrian A dua belas, silakan menuju loket tiga"
    after_chime_ms: int = 250
    between_languages_ms: int = 500
    counter_words: Mapping[str, str] = field(default_factory=dict)  # counter id -> phrase


@dataclass(frozen=True)
class Announcement:
    seq: int
    kind: str
    label: str
    counter: str
    script: tuple[Part, ...]


def slug(word: str) -> str:
    """A word as a clip name: 'Drive-Thru' -> 'drive_thru'."""
    return re.sub(r"[^a-z0-9]+", "_", word.lower()).strip("_")


def phrase_words(phrase: str, language: str) -> list[str]:
    """Clip names for a phrase: words by name, numbers as number words ('Loket 3'), and a
    word mixing digits and letters read out in runs, letters spelled ('15A' -> lima belas
    a): there is no clip '15a', and a call must never stop at "silakan menuju loket"."""
    words: list[str] = []
    for raw in phrase.split():
        w = slug(raw)
        if not w:
            continue
        runs = re.findall(r"[0-9]+|[a-z]+|_", w)
        mixed = any(r.isdigit() for r in runs) and any(r.isalpha() for r in runs)
        for run in runs if mixed or w.isdigit() else [w]:
            if run == "_":
                continue
            if run.isdigit() and int(run) <= MAX_NUMBER:
                words += number_words(int(run), language)
            elif mixed:
                words += list(run)
            else:
                words.append(run)
    return words


def label_words(ticket: m.TicketInfo, language: str) -> list[str]:
    """'A012' -> ['a', 'dua', 'belas']: the prefix letter by letter, then the number."""
    letters = re.match(r"[A-Za-z]*", ticket.label)
    words = [c.lower() for c in letters.group(0)] if letters else []
    if 0 <= ticket.number <= MAX_NUMBER:
        words += number_words(ticket.number, language)
    return words


def script_for(event: m.Event, speech: Speech, has_clip: HasClip) -> tuple[Part, ...]:
    """Chime, then "nomor antrian A dua belas, silakan menuju loket tiga" (and English)."""
    assert event.ticket is not None
    counter_id = event.counter or ""
    phrase = speech.counter_words.get(counter_id) or event.counter_name or counter_id
    parts: list[Part] = [Clip(COMMON, "chime"), Pause(speech.after_chime_ms)]
    languages = ["id", "en"] if speech.english else ["id"]
    for i, lang in enumerate(languages):
        if i:
            parts.append(Pause(speech.between_languages_ms))
        intro, go_to = ("nomor_antrian", "silakan_menuju") if lang == "id" else (
            "number", "please_go_to")  # fmt: skip
        # A hall may record a counter's whole name as one clip: counter-<id>.
        whole = f"counter-{counter_id}"
        counter = [whole] if has_clip(lang, whole) else phrase_words(phrase, lang)
        words = [intro, *label_words(event.ticket, lang), ",", go_to, *counter]
        for j, w in enumerate(words):
            if w == ",":
                parts.append(Pause(speech.comma_ms))
                continue
            if j and words[j - 1] != "," and speech.gap_ms:
                parts.append(Pause(speech.gap_ms))
            parts.append(Clip(lang, w))
    return tuple(parts)


@dataclass
class Announcer:
    """Calls waiting to be spoken, oldest first; each event at most once."""

    speech: Speech
    has_clip: HasClip
    memory: int = 2000
    queued: deque[Announcement] = field(default_factory=deque)
    spoken: int = 0
    stale: int = 0
    duplicates: int = 0
    # The highest seq offered before this board (re)started: a call at or below it was
    # heard then, and is not spoken again after a restart however recent it is.
    heard_upto: int = 0
    on_heard: Callable[[int], None] | None = None  # keeps the new high mark (state dir)
    _seen: set[int] = field(default_factory=set)
    _seen_order: deque[int] = field(default_factory=deque)

    def offer(self, event: m.Event, now: datetime) -> Outcome:
        if event.kind not in CALL_KINDS or event.ticket is None:
            return "ignored"
        if event.seq in self._seen or event.seq <= self.heard_upto:
            self.duplicates += 1
            return "duplicate"
        self._remember(event.seq)
        if self.on_heard is not None:
            self.on_heard(event.seq)
        # After an outage the board shows old calls, but speaking them would send people
        # to counters that have long moved on.
        if (now - event.at).total_seconds() > self.speech.max_age_s:
            self.stale += 1
            return "stale"
        self.queued.append(
            Announcement(
                seq=event.seq,
                kind=event.kind,
                label=event.ticket.label,
                counter=event.counter or "",
                script=script_for(event, self.speech, self.has_clip),
            )
        )
        return "queued"

    def next(self) -> Announcement | None:
        if not self.queued:
            return None
        self.spoken += 1
        return self.queued.popleft()

    def _remember(self, seq: int) -> None:
        self._seen.add(seq)
        self._seen_order.append(seq)
        if len(self._seen_order) > self.memory:
            self._seen.discard(self._seen_order.popleft())
