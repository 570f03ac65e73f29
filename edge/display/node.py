"""The display node: wires MQTT, the board state, the announcer, the screen and the speaker."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pygame

from antrian import gctune
from antrian.board_state import BoardState, Update
from antrian.config import resolve
from antrian.delivery import ConfigReceiver
from antrian.loopwatch import LoopWatch
from antrian.mqtt import Identity, MqttLink, now
from antrian.runtime import LOOP_STALL_S, follow_config, live
from antrian.session import next_session
from edge.display.announcer import COMMON, Announcement, Announcer, Speech, phrase_words, slug
from edge.display.audio import AudioUnavailable, PygameSpeaker, SilentSpeaker, Speaker
from edge.display.clips import VoiceBuildError, build_clip_set, default_words, name_words
from edge.display.config import TIMEZONES, DisplayConfig
from edge.display.hall_board import HallBoard, HallView
from edge.display.snapshot_cache import STORE_EVERY_S, SnapshotCache
from edge.screen.counter_board import render_counter_board
from edge.screen.text import TextPainter
from edge.screen.theme import word
from protocol import Topics, decode
from protocol import messages as m

log = logging.getLogger(__name__)

SOFTWARE = "antrian-display/0.1"
BLINK_PERIOD_S = 0.5
RESYNC_MIN_INTERVAL_S = 1.0
MAX_IDLE_WAIT_S = 0.25  # keeps the window responsive to quit keys
# Delivered settings applied while running (docs/deploy.md, Config delivery). Screen, mode
# and the clip set are bound to the device's config file.
LIVE_SETTINGS = ("running_text", "language", "hall_name", "blink_s")
LIVE_VOICE = ("volume", "quiet_hours")
VOICE_FAULT = "voice_clips_missing"
HEARD_FILE = "heard_seq"  # the last call offered to the announcer, for after a restart


def _heard_upto(path: Path, max_age_s: float) -> int:
    """The last call offered before a restart, if that was recent enough to matter: an
    older call is too old to speak anyway (and central's seq may have started again)."""
    try:
        if time.time() - path.stat().st_mtime > max_age_s:
            return 0
        return int(path.read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def _keep_heard(path: Path, seq: int) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(str(seq))
        tmp.replace(path)
    except OSError as exc:
        log.warning("could not keep the last call heard in %s: %s", path, exc)


@dataclass(frozen=True)
class Frame:
    """A frame that reached the screen, whole or only the regions that changed (`full`);
    benchmarks and tests listen for these."""

    at: float  # time.perf_counter() after the flip (or the update of the changed regions)
    render_ms: float
    seq: int | None
    latest_call: int | None
    full: bool = True


@dataclass(frozen=True)
class Spoken:
    at: float  # time.perf_counter() right after the mixer was told to play
    announcement: Announcement
    seconds: float


class DisplayNode:
    """Construct, start(), then run() or step() from the thread that owns the screen."""

    def __init__(
        self,
        config: DisplayConfig,
        config_path: Path | None = None,
        speaker: Speaker | None = None,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.config = config
        self.config_path = config_path
        self.clock = clock
        self.topics = Topics(config.site)
        self.tz = ZoneInfo(TIMEZONES[config.timezone])
        self.state = BoardState()
        self.inbox: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
        self.speaker = speaker
        self.missing_clips: list[str] = []  # clips a call may need that the set lacks
        self._clip_names: list[str] | None = None
        self._building = False
        self.announcer: Announcer | None = None
        self.link: MqttLink | None = None
        self.screen: pygame.Surface | None = None
        self.board: HallBoard | None = None
        self.painter: TextPainter | None = None
        self.malformed = 0
        self.frames = 0
        self.broker_online = False
        self.central_online = False
        self._central_session = 0
        self.frame_listeners: list[Callable[[Frame], None]] = []
        self.speech_listeners: list[Callable[[Spoken], None]] = []
        # The demo presses kiosk and counter buttons from this window's keyboard and draws
        # its key legend over the board.
        self.key_listeners: list[Callable[[str], None]] = []
        self.overlays: list[Callable[[pygame.Surface], None]] = []
        self._dirty = True
        # The next frame is drawn whole (first frame, window exposed, overlays, new config);
        # otherwise only what changed is drawn (HallBoard.update).
        self._full = True
        self._warmed: set[str] = set()  # queue prefixes whose call numbers are rasterized
        self._flash_until: dict[int, float] = {}
        self._flash_phase = False
        self._minute = -1
        self._last_resync = -RESYNC_MIN_INTERVAL_S
        self._ticker_t0 = time.monotonic()
        self._next_tick = 0.0
        self._audio_end = 0.0
        self.stopped = threading.Event()
        self.loop_watch = LoopWatch(LOOP_STALL_S)  # comes round every MAX_IDLE_WAIT_S
        self.collector = gctune.IdleCollector()
        self.snapshot_cache: SnapshotCache | None = None
        self._latest_snapshot: m.HallSnapshot | None = None
        self._snapshot_stored = -STORE_EVERY_S
        self.config_receiver: ConfigReceiver | None = None
        self._delivered: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        cfg = self.config
        pygame.display.init()
        flags = pygame.FULLSCREEN if cfg.screen.fullscreen else 0
        self.screen = pygame.display.set_mode((cfg.screen.width, cfg.screen.height), flags)
        pygame.display.set_caption(f"Antrian {cfg.node_id}")
        pygame.mouse.set_visible(False)
        font = str(self._path(cfg.screen.font)) if cfg.screen.font else None
        self.painter = TextPainter(font)
        self.board = HallBoard(
            self.painter,
            cfg.running_text,
            counters=frozenset(cfg.counters) if cfg.counters is not None else None,
            queues=frozenset(cfg.queues) if cfg.queues is not None else None,
        )

        faults: list[str] = []
        if cfg.voice.enabled:
            if self.speaker is None:
                self.speaker = self._open_speaker(faults)
            self.announcer = Announcer(
                Speech(
                    english=cfg.voice.english,
                    max_age_s=cfg.voice.max_age_s,
                    gap_ms=cfg.voice.gap_ms,
                    comma_ms=cfg.voice.comma_ms,
                    counter_words=cfg.voice.counter_words,
                ),
                self.speaker.has_clip,
                heard_upto=_heard_upto(cfg.state_dir / HEARD_FILE, cfg.voice.max_age_s),
                on_heard=partial(_keep_heard, cfg.state_dir / HEARD_FILE),
            )
        self._check_clips([], faults)
        self.snapshot_cache = SnapshotCache(cfg.state_dir / "last_hall.json")
        cached = self.snapshot_cache.load()
        if cached is not None:
            # Shown until central's retained snapshot arrives; its calls count as heard
            # (not spoken again after a restart).
            self.state.apply_snapshot(cached)
            self._dirty = True
            self._running_text()
        session = next_session(cfg.state_dir)
        self.link = MqttLink(
            broker=cfg.broker,
            topics=self.topics,
            identity=Identity(cfg.node_id, "display", session, SOFTWARE),
            on_connection=lambda up: self.inbox.put(("link", b"1" if up else b"")),
            faults=faults,
        )
        for topic in (self.topics.events, self.topics.hall, self.topics.status("central")):
            self.link.subscribe(topic, self._receive)
        self.config_receiver = follow_config(
            self.link, DisplayConfig, cfg.node_id, cfg.state_dir, self.apply_config,
            self._on_screen_thread,
        )  # fmt: skip
        self.link.start()

    def _on_screen_thread(self, fn: Callable[[], None]) -> None:
        self._delivered.put(fn)
        self.inbox.put(("config", b""))

    def apply_config(self, new: DisplayConfig, version: int | None = None) -> None:
        """Take the live settings of a delivered config (on the screen's thread)."""
        voice = self.config.voice.model_copy(update={k: getattr(new.voice, k) for k in LIVE_VOICE})
        self.config = live(self.config, new, LIVE_SETTINGS).model_copy(update={"voice": voice})
        self._dirty = self._full = True
        self._running_text()
        log.info("config v%s applied", version)

    def _path(self, p: Path) -> Path:
        return resolve(self.config_path, p) if self.config_path else p

    def _open_speaker(self, faults: list[str]) -> Speaker:
        voice = self.config.voice
        clips = self._path(voice.clips)
        languages = ["id", "en"] if voice.english else ["id"]
        if voice.build_if_missing and not (clips / "id").is_dir():
            extra = {
                slug(w): w
                for phrase in voice.counter_words.values()
                for w in phrase.split()
                if not slug(w).isdigit()
            }
            try:
                build_clip_set(clips, languages, extra, defaults=False)
            except VoiceBuildError as exc:
                log.warning("voice: %s", exc)
        try:
            speaker = PygameSpeaker(clips, voice.frequency, voice.buffer)
        except AudioUnavailable as exc:
            log.warning("voice: %s; running silent, calls are shown only", exc)
            faults.append("no_audio")
            return SilentSpeaker(clips)
        words = [(COMMON, "chime")]
        for lang in languages:
            words += [(lang, w) for w in default_words(lang)]
            for phrase in voice.counter_words.values():
                words += [(lang, w) for w in phrase_words(phrase, lang)]
        speaker.preload([(v, w) for v, w in words if speaker.has_clip(v, w)])
        return speaker

    def invalidate(self) -> None:
        """Draw a full frame at the next step (e.g. an overlay changed)."""
        self._dirty = self._full = True

    def run(self) -> None:
        while not self.stopped.is_set():
            self.step(MAX_IDLE_WAIT_S)

    def healthy(self) -> bool:
        """The screen loop came round lately: systemd's watchdog restarts a display whose
        loop hangs (a video or audio driver), which then redraws from its snapshot."""
        return not self.stopped.is_set() and not self.loop_watch.stalled()

    def _keep(self, snap: m.HallSnapshot, force: bool = False) -> None:
        """Remember the latest snapshot on disk, at most every STORE_EVERY_S."""
        self._latest_snapshot = snap
        mono = time.monotonic()
        cache = self.snapshot_cache
        if cache is not None and (force or mono - self._snapshot_stored >= STORE_EVERY_S):
            cache.store(snap)
            self._snapshot_stored = mono

    def stop(self) -> None:
        if self._latest_snapshot is not None:
            self._keep(self._latest_snapshot, force=True)
        if self.snapshot_cache is not None:
            self.snapshot_cache.close()
            self.snapshot_cache = None
        self.stopped.set()
        if self.link is not None:
            self.link.stop()
            self.link = None
        if self.speaker is not None:
            self.speaker.close()
        if self.config_receiver is not None:
            self.config_receiver.cache.close()
        pygame.display.quit()

    # -- input (paho's thread) ----------------------------------------------------------

    def _receive(self, topic: str, payload: bytes) -> None:
        self.inbox.put((topic, payload))

    # -- the loop (screen thread) -------------------------------------------------------

    def step(self, max_wait: float) -> None:
        """Wait for news or the next timed change, then speak and draw what changed."""
        self.loop_watch.came_round()
        mono = time.monotonic()
        wait = max(0.0, min(max_wait, self._next_deadline(mono) - mono))
        try:
            item: tuple[str, bytes] | None = self.inbox.get(timeout=wait) if wait else (
                self.inbox.get_nowait())  # fmt: skip
        except queue.Empty:
            item = None
            if wait >= MAX_IDLE_WAIT_S / 2:
                self.collector.collect()  # a quiet spell: collect now, not during a call's frame
        while item is not None:
            self._handle(*item)
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                item = None
        for ev in pygame.event.get():
            if ev.type == pygame.QUIT or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
                self.stopped.set()
            elif ev.type in (pygame.VIDEOEXPOSE, pygame.WINDOWEXPOSED):
                self._dirty = self._full = True
            elif ev.type == pygame.KEYDOWN and ev.unicode:
                for key_listener in self.key_listeners:
                    key_listener(ev.unicode)
        # Draw before speaking: a frame takes ~2 ms, preparing an announcement can take
        # longer, and the screen's budget is the tighter one.
        self._draw()
        self._speak()
        self._warm()

    def _next_deadline(self, mono: float) -> float:
        deadline = mono + MAX_IDLE_WAIT_S
        if self._dirty:
            return mono
        if self.announcer is not None and self.announcer.queued:
            # Poll the channel around the end of what is playing.
            deadline = min(deadline, max(self._audio_end, mono + 0.005))
        if self._flash_until:
            deadline = min(deadline, (int(mono / BLINK_PERIOD_S) + 1) * BLINK_PERIOD_S)
        if self._next_tick:
            deadline = min(deadline, self._next_tick)
        return deadline

    def _handle(self, topic: str, payload: bytes) -> None:
        t = self.topics
        if topic == "config":
            while not self._delivered.empty():
                self._delivered.get()()
            return
        if topic == "link":
            self.broker_online = bool(payload)
            if not self.broker_online:
                self.central_online = False
            self._dirty = True
            return
        try:
            if topic == t.events:
                self._apply(self.state.apply_event(decode(m.Event, payload)))
            elif topic == t.hall:
                snap = decode(m.HallSnapshot, payload)
                self._apply(self.state.apply_snapshot(snap))
                self._keep(snap)
                self._check_clips([c.name for c in snap.counters])
            elif topic == t.status("central"):
                if not payload:
                    return  # a cleared retained status
                st = decode(m.NodeStatus, payload)
                # A will from an older session than the last birth is stale.
                if st.session >= self._central_session:
                    self._central_session = st.session
                    if st.online != self.central_online:
                        self.central_online = st.online
                        self._dirty = True
        except ValueError as exc:
            self.malformed += 1
            if self.malformed <= 10 or self.malformed % 100 == 0:
                log.warning("malformed message on %s ignored (%d so far): %s", topic,
                            self.malformed, exc)  # fmt: skip

    def _check_clips(self, names: list[str], faults: list[str] | None = None) -> None:
        """Every word a call can need has its clip: else the call stops short ("silakan
        menuju loket" and nothing). A missing clip is a fault in the node's status, named
        in the log, until a clip set that has it is installed and the board restarts."""
        if self.announcer is None or self.speaker is None:
            return
        names = sorted(set(names) | set(self.config.voice.counter_words.values()))
        if names == self._clip_names and faults is None:
            return
        self._clip_names = names
        speaker = self.speaker
        languages = ["id", "en"] if self.config.voice.english else ["id"]
        needed = [(COMMON, "chime")] + [
            (lang, w)
            for lang in languages
            for w in {**default_words(lang), **name_words(names, lang)}
        ]
        missing = [f"{v}/{w}" if v else w for v, w in needed if not speaker.has_clip(v, w)]
        if missing == self.missing_clips:
            return
        self.missing_clips = missing
        target = faults if faults is not None else (self.link.faults if self.link else [])
        if missing:
            log.warning("voice: %d clip(s) missing from %s: %s (antrian voice build "
                        "--config ... builds them)", len(missing), self.config.voice.clips,
                        ", ".join(missing[:20]))  # fmt: skip
            wanted = {w for lang in languages for w in name_words(names, lang)}
            lacking = [m for m in missing if m.split("/")[-1] in wanted]
            if lacking and self.config.voice.build_if_missing and not self._building:
                self._build_words(names, languages)
            if VOICE_FAULT not in target:
                target.append(VOICE_FAULT)
        elif VOICE_FAULT in target:
            target.remove(VOICE_FAULT)
        if faults is None and self.link is not None:
            self.link.publish_status()

    def _build_words(self, names: list[str], languages: list[str]) -> None:
        """With espeak-ng here, build the words of counter names the set lacks (a catalogue
        with "Drive Thru 1"), off the screen thread; then check again, which clears the
        fault. Recorded clips are kept: only missing files are written."""
        clips = self._path(self.config.voice.clips)
        extra = {w: t for lang in languages for w, t in name_words(names, lang).items()}
        self._building = True

        def build() -> None:
            try:
                build_clip_set(clips, languages, extra, defaults=False)
            except VoiceBuildError as exc:
                log.warning("voice: %s", exc)
            finally:
                self._on_screen_thread(self._recheck_clips)

        threading.Thread(target=build, name="voice-build", daemon=True).start()

    def _recheck_clips(self) -> None:
        self._building = False
        names, self._clip_names = self._clip_names or [], None
        self._check_clips(names)

    def _running_text(self) -> None:
        """A supervisor's running text (from central) wins over the configured one."""
        text = self.state.running_text or self.config.running_text
        if self.board is not None and self.board.running_text != text:
            self.board.running_text = text
            self._dirty = self._full = True

    def _apply(self, update: Update) -> None:
        if update.changed:
            self._dirty = True
            self._running_text()
        mono = time.monotonic()
        wall = self.clock()
        mine = self.config.counter if self.config.mode == "counter" else None
        zone = self.config.counters
        for call in update.calls:
            if mine and call.counter != mine:
                continue
            if zone is not None and call.counter not in zone:
                continue  # another zone's board shows and speaks it
            self._flash_until[call.seq] = mono + self.config.blink_s
            self._dirty = True
            if self.announcer is not None:
                outcome = self.announcer.offer(call, wall)
                if outcome == "stale":
                    log.info("call %s (seq %d) is too old to announce; shown only",
                             call.ticket.label if call.ticket else "?", call.seq)  # fmt: skip
        if update.resync and mono - self._last_resync >= RESYNC_MIN_INTERVAL_S:
            # Subscribing again makes the broker send the retained snapshot again.
            self._last_resync = mono
            if self.link is not None:
                log.info("event gap after seq %s: resyncing from the hall snapshot",
                         self.state.seq)  # fmt: skip
                self.link.subscribe(self.topics.hall, self._receive)

    def _speak(self) -> None:
        if self.announcer is None or self.speaker is None or not self.announcer.queued:
            return
        if self.speaker.busy():
            return
        ann = self.announcer.next()
        if ann is None:
            return
        volume = self.config.voice.volume_at(self.clock().astimezone(self.tz).time())
        if volume <= 0:
            log.info("quiet hours: %s not spoken", ann.label)
            return
        seconds = self.speaker.play(ann.script, volume)
        spoken = Spoken(time.perf_counter(), ann, seconds)
        self._audio_end = time.monotonic() + seconds
        for listener in self.speech_listeners:
            listener(spoken)

    def _warm(self) -> None:
        """Rasterize the call numbers' glyphs for the hall's queue prefixes once they are
        known (the first snapshot, a new queue): ~10 ms per font size at 1080p, spent here
        rather than on the first call of each queue."""
        if self.board is None or self.screen is None or self.config.mode != "hall":
            return
        new = {q.prefix for q in self.state.queues.values()} - self._warmed
        if new:
            self.board.warm(self.screen.get_size(), sorted(new))
            self._warmed |= new

    def away(self) -> str | None:
        lang = self.config.language
        if not self.broker_online:
            return word("offline", lang)
        if not self.central_online:
            return word("central_away", lang)
        return None

    def _draw(self) -> None:
        screen, board = self.screen, self.board
        if screen is None or board is None:
            return
        mono = time.monotonic()
        expired = [s for s, until in self._flash_until.items() if until <= mono]
        for s in expired:
            del self._flash_until[s]
        phase = int(mono / BLINK_PERIOD_S) % 2 == 0
        if expired or (self._flash_until and phase != self._flash_phase):
            self._dirty = True
        self._flash_phase = phase
        local = self.clock().astimezone(self.tz)
        if self.config.mode == "hall" and local.minute != self._minute:
            self._minute = local.minute
            self._dirty = True
        if self._dirty:
            self._dirty = False
            t0 = time.perf_counter()
            # Overlays (the demo's legend) are translucent and lie across regions: with
            # them, and on the counter board, every frame is whole.
            full = self._full or bool(self.overlays) or self.config.mode != "hall"
            rects: list[pygame.Rect] = []
            if full:
                self._full = False
                self.render(screen, local, phase)
                for overlay in self.overlays:
                    overlay(screen)
                pygame.display.flip()
            else:
                rects = board.update(screen, self.state, self._view(local, phase))
                if rects:
                    pygame.display.update(rects)
            if full or rects:
                self._drawn(t0, full)
        self._tick_ticker(screen, board, mono)

    def _drawn(self, t0: float, full: bool) -> None:
        t1 = time.perf_counter()
        self.frames += 1
        frame = Frame(
            t1,
            (t1 - t0) * 1000,
            self.state.seq,
            self.state.recent_calls[0].seq if self.state.recent_calls else None,
            full,
        )
        for listener in self.frame_listeners:
            listener(frame)

    def render(self, screen: pygame.Surface, local: datetime, phase: bool) -> None:
        """One full frame onto `screen`."""
        assert self.board is not None and self.painter is not None
        lang = self.config.language
        if self.config.mode == "counter":
            snap = self.state.counters.get(self.config.counter or "")
            away = self.away()
            render_counter_board(screen, snap, offline=away is not None, away=away,
                                 language=lang, painter=self.painter)  # fmt: skip
            return
        self.board.render(screen, self.state, self._view(local, phase))
        self._ticker_draw(screen, self.board)

    def _view(self, local: datetime, phase: bool) -> HallView:
        return HallView(
            now=local,
            language=self.config.language,
            hall_name=self.config.hall_name,
            flashing=frozenset(self._flash_until),
            flash_on=phase,
            away=self.away(),
        )

    def _tick_ticker(self, screen: pygame.Surface, board: HallBoard, mono: float) -> None:
        fps = self.config.screen.ticker_fps
        if self.config.mode != "hall" or not fps or not board.ticker_scrolls(screen.get_size()):
            self._next_tick = 0.0
            return
        if mono >= self._next_tick:
            pygame.display.update(self._ticker_draw(screen, board))
            self._next_tick = mono + 1 / fps

    def _ticker_draw(self, screen: pygame.Surface, board: HallBoard) -> pygame.Rect:
        offset = int((time.monotonic() - self._ticker_t0) * self.config.screen.ticker_px_per_s)
        return board.render_ticker(screen, offset)
