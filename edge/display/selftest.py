"""`antrian display selftest`: a test card (grid, colour bars, a large number, the resolution)
and a test call from the clip set. Needs neither central nor the broker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pygame

from antrian.config import resolve
from antrian.mqtt import now
from edge.display.announcer import Clip, Part, Speech, script_for, slug
from edge.display.audio import AudioUnavailable, PygameSpeaker
from edge.display.clips import VoiceBuildError, build_clip_set
from edge.display.config import DisplayConfig
from edge.screen.testcard import SAMPLE_LABEL, TestCard, draw_test_card
from edge.screen.text import TextPainter
from edge.screen.theme import Language
from protocol import messages as m

log = logging.getLogger(__name__)

_TEXTS: dict[str, tuple[str, str]] = {
    "title": ("TES LAYAR", "SCREEN TEST"),
    "device": ("ID perangkat", "Device id"),
    "config_version": ("Versi konfigurasi", "Config version"),
    "resolution": ("Resolusi", "Resolution"),
    "card": ("kartu uji tampil: {w} x {h}", "test card shown: {w} x {h}"),
    "sound": (
        "suara uji: bel + 'nomor antrian A satu, silakan menuju loket satu' ({s:.1f} s)",
        "test sound: chime + 'nomor antrian A satu, silakan menuju loket satu' ({s:.1f} s)",
    ),
    "no_audio": (
        "no_audio: tidak ada perangkat suara ({error}); periksa speaker, kabel HDMI/audio",
        "no_audio: no audio device ({error}); check the speakers and HDMI/audio cable",
    ),
    "silent": (
        "suara uji kosong: klip tidak ada di {clips}; jalankan `antrian voice build`",
        "test sound is empty: no clips in {clips}; run `antrian voice build`",
    ),
    "missing": ("klip tidak ada: {names}", "clips missing: {names}"),
    "voice_off": (
        "catatan: voice.enabled false di konfigurasi; panggilan tidak akan terdengar",
        "note: voice.enabled is false in the config; calls will not be heard",
    ),
    "wait": ("tekan Esc atau Ctrl-C untuk selesai", "press Esc or Ctrl-C to finish"),
}


def say(text_id: str, language: Language, **values: object) -> str:
    ident, en = _TEXTS[text_id]
    return (ident if language == "id" else en).format(**values)


def sample_call(counter_name: str = "Loket 1") -> m.Event:
    """A call of A001 to Loket 1, worded by the same code as every real call."""
    at = now()
    day: date = at.date()
    ticket = m.TicketInfo(
        ticket_id="selftest", label=SAMPLE_LABEL, queue="selftest", queue_name="", agency="",
        number=1, business_day=day, priority=False, status="called", issued_at=at,
        offline=False, people_ahead=0,
    )  # fmt: skip
    return m.Event(
        seq=1,
        at=at,
        kind="ticket_called",
        business_day=day,
        ticket=ticket,
        counter="selftest",
        counter_name=counter_name,
    )


@dataclass
class DisplayReport:
    size: tuple[int, int] = (0, 0)
    card: TestCard | None = None
    no_audio: bool = False
    sound_s: float = 0.0
    missing_clips: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def open_speaker(config: DisplayConfig, config_path: Path | None) -> PygameSpeaker:
    """The mixer with the config's clip set, built with espeak-ng first when missing
    (as the node does). Raises AudioUnavailable."""
    voice = config.voice
    clips = resolve(config_path, voice.clips) if config_path else voice.clips
    if voice.build_if_missing and not (clips / "id").is_dir():
        extra = {slug(w): w for p in voice.counter_words.values() for w in p.split()}
        try:
            build_clip_set(clips, ["id", "en"] if voice.english else ["id"], extra)
        except VoiceBuildError as exc:
            log.warning("voice: %s", exc)
    return PygameSpeaker(clips, voice.frequency, voice.buffer)


def run_selftest(
    config: DisplayConfig,
    config_path: Path | None = None,
    out: Callable[[str], None] = print,
    seconds: float | None = None,
    stop: threading.Event | None = None,
    config_version: int | None = None,
) -> DisplayReport:
    """Show the card, play the test call, then keep the card up until Esc, `stop` or
    `seconds` (None: until stop or Esc)."""
    lang = config.language
    stop = stop or threading.Event()
    report = DisplayReport()
    scr = config.screen
    pygame.display.init()
    speaker: PygameSpeaker | None = None
    try:
        flags = pygame.FULLSCREEN if scr.fullscreen else 0
        surface = pygame.display.set_mode((scr.width, scr.height), flags)
        pygame.display.set_caption(f"Antrian {config.node_id} selftest")
        pygame.mouse.set_visible(False)
        font = (
            str(resolve(config_path, scr.font) if config_path else scr.font) if scr.font else None
        )
        painter = TextPainter(font)
        w, h = report.size = surface.get_size()
        lines = [
            f"{say('device', lang)}: {config.node_id}",
            f"{say('config_version', lang)}: {config_version or '-'}",
            f"{say('resolution', lang)}: {w} x {h}",
        ]
        report.card = draw_test_card(surface, painter, say("title", lang), lines)
        pygame.display.flip()
        out(say("card", lang, w=w, h=h))

        if not config.voice.enabled:
            out(say("voice_off", lang))
        try:
            speaker = open_speaker(config, config_path)
        except AudioUnavailable as exc:
            report.no_audio = True
            report.problems.append(say("no_audio", lang, error=exc))
            out(report.problems[-1])
        if speaker is not None:
            _play(config, speaker, report, out, stop)

        out(say("wait", lang))
        deadline = None if seconds is None else time.monotonic() + seconds
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            if _pump(surface, painter, lines, lang):
                break
            stop.wait(0.05)
    finally:
        if speaker is not None:
            speaker.close()
        pygame.display.quit()
    return report


def _play(
    config: DisplayConfig,
    speaker: PygameSpeaker,
    report: DisplayReport,
    out: Callable[[str], None],
    stop: threading.Event,
) -> None:
    lang = config.language
    v = config.voice
    speech = Speech(english=v.english, gap_ms=v.gap_ms)
    script: tuple[Part, ...] = script_for(sample_call(), speech, speaker.has_clip)
    clips = [p for p in script if isinstance(p, Clip)]
    missing = [f"{c.voice}/{c.name}" if c.voice else c.name for c in clips
               if not speaker.has_clip(c.voice, c.name)]  # fmt: skip
    report.missing_clips = list(dict.fromkeys(missing))
    if len(missing) == len(clips):
        # Pauses alone would "play": silence is the finding.
        report.problems.append(say("silent", lang, clips=speaker.files.root))
        out(report.problems[-1])
        return
    report.sound_s = speaker.play(script, v.volume)
    out(say("sound", lang, s=report.sound_s))
    if report.missing_clips:
        report.problems.append(say("missing", lang, names=", ".join(report.missing_clips)))
        out(report.problems[-1])
    deadline = time.monotonic() + report.sound_s + 2.0
    while speaker.busy() and not stop.is_set() and time.monotonic() < deadline:
        pygame.event.pump()
        stop.wait(0.05)


def _pump(surface: pygame.Surface, painter: TextPainter, lines: list[str], lang: Language) -> bool:
    """Keep the window alive; True when the technician pressed Esc or closed it."""
    for ev in pygame.event.get():
        if ev.type == pygame.QUIT or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
            return True
        if ev.type in (pygame.VIDEOEXPOSE, pygame.WINDOWEXPOSED):
            draw_test_card(surface, painter, say("title", lang), lines)
            pygame.display.flip()
    return False
