"""Display figures: NEXT press to frame and to the chime's first sample, frame time, idle CPU.

The display runs as its own process (`antrian display`), as on its own Pi: in the bench
process it would share one GIL with the bench's caller client and audio watcher, which no
deployment does. Its frame log stamps each frame with perf_counter (CLOCK_MONOTONIC), so
the bench compares the display's stamps with its own.
"""

from __future__ import annotations

import tempfile
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pygame
import yaml
from gpiozero import Button

from antrian.board_state import BoardState
from antrian.mqtt import (
    BrokerSettings,
    Identity,
    MqttLink,
    Requester,
    RequestTimeout,
    new_request_id,
    now,
)
from antrian.nodeproc import NodeProcess
from bench.common import BenchContext, percentile, result, wait_until
from bench.floor import InterleavedFloor
from central.testing import CentralProcess, make_config
from edge.display.clips import tone, write_wav
from edge.display.config import DisplayConfig
from edge.display.hall_board import HallBoard, HallView
from edge.screen.text import TextPainter
from protocol import Topics, decode
from protocol import messages as m

PRESSES = 40
FRAMES = 200
IDLE_S = 5.0
# No sound for this long: the previous announcement is over. An announcement here is the
# chime and the silent pause after it (Speech.after_chime_ms, 250 ms; the words' clips are
# absent), and the display plays the next one only after it.
QUIET_S = 0.4
RUNNING_TEXT = "Selamat datang di Mal Pelayanan Publik. Layanan gratis, tanpa calo. " * 3


class FirstSample:
    """Watches the disk audio file for the first non-zero sample written after arm()."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.found = threading.Event()
        self.at = 0.0
        self.sound_at = 0.0  # when a non-zero sample was last read
        self._offset = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def arm(self) -> None:
        self._offset = self.path.stat().st_size if self.path.exists() else 0
        self._offset -= self._offset % 4
        self.found.clear()

    def quiet(self) -> bool:
        return time.perf_counter() - self.sound_at >= QUIET_S

    def _watch(self) -> None:
        while not self._stop.is_set():
            if self.path.exists():
                with open(self.path, "rb") as fh:
                    fh.seek(self._offset)
                    data = fh.read()
                t = time.perf_counter()
                data = data[: len(data) - len(data) % 4]
                if data and any(array("h", data)):
                    self.sound_at = t
                    if not self.found.is_set():
                        self.at = t
                        self.found.set()
                self._offset += len(data)
            time.sleep(0.0005)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)


class FrameLog:
    """The display's --frame-log, read as it grows: (perf_counter after the flip, state seq,
    latest call, render ms) per frame."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.frames: list[tuple[float, int | None, int | None, float]] = []
        self._offset = 0
        self._rest = ""

    def read(self) -> list[tuple[float, int | None, int | None, float]]:
        """The frames logged since the last read (all of them are kept in `frames`)."""
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as fh:
            fh.seek(self._offset)
            text = fh.read()
            self._offset = fh.tell()
        lines = (self._rest + text).split("\n")
        self._rest = lines.pop()  # a line still being written
        new = []
        for line in lines:
            at, seq, latest, ms = line.split("\t")[:4]
            new.append((float(at), _int(seq), _int(latest), float(ms)))
        self.frames += new
        return new

    def seq(self) -> int:
        """The board state's seq in the latest frame."""
        self.read()
        return (self.frames[-1][1] or 0) if self.frames else 0


def _int(field: str) -> int | None:
    return None if field == "None" else int(field)


def _wait(what: str, cond: Callable[[], bool], timeout: float = 10.0) -> None:
    # Polled every half millisecond: the waits time frames, which are a few ms apart.
    wait_until(what, cond, timeout, every=0.0005)


def _display(cfg: dict[str, Any], tmp: Path, name: str, env: dict[str, str]) -> NodeProcess:
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**cfg, "node_id": name, "state_dir": str(tmp / name)}))
    return NodeProcess("display", path, env={"SDL_VIDEODRIVER": "dummy", **env}).start()


def _cpu_pct(proc: psutil.Process, seconds: float) -> float:
    """The whole process: the display loop, paho's thread and the audio thread."""
    c0, t0 = proc.cpu_times(), time.monotonic()
    time.sleep(seconds)
    c1, t1 = proc.cpu_times(), time.monotonic()
    return float(((c1.user - c0.user) + (c1.system - c0.system)) / (t1 - t0) * 100)


def _full_frame_ms(snapshot: m.HallSnapshot) -> float:
    """A full 1080p hall board of this run's hall (text cached, as in the display's steady
    state): what a frame costs when everything is redrawn."""

    pygame.display.init()  # SDL's dummy driver: the screen's pixel format, no window
    surface = pygame.display.set_mode((1920, 1080))
    state = BoardState()
    state.apply_snapshot(snapshot)
    board = HallBoard(TextPainter(), RUNNING_TEXT)
    local = now()
    times = []
    latest = {state.recent_calls[0].seq} if state.recent_calls else set()
    for i in range(-2, FRAMES):  # two untimed: text and panels cached in both blink phases
        view = HallView(now=local, flashing=frozenset(latest), flash_on=i % 2 == 0)
        t0 = time.perf_counter()
        board.render(surface, state, view)
        board.render_ticker(surface, i)
        if i >= 0:
            times.append((time.perf_counter() - t0) * 1000)
    pygame.display.quit()
    return percentile(times, 99)


def run(ctx: BenchContext) -> Iterator[dict[str, Any]]:

    tmp = Path(tempfile.mkdtemp(prefix="antrian-bench-display-"))
    port = ctx.broker.port
    central = CentralProcess(make_config(port, tmp / "central")).start()
    # A short chime only: the words are not what is measured, and they would make each
    # press wait seconds for the previous announcement. For the same reason no silence
    # between words and at the comma: with the words missing it is all that is left of a
    # call, and the next call waited ~0.5 s behind it (QUIET_S saw silence, not the end).
    write_wav(tmp / "voice" / "chime.wav", tone(660.0, 120, 22050, 0.5), 22050)
    capture = tmp / "audio.raw"
    cfg: dict[str, Any] = {
        "site": "demo",
        "broker": {"port": port},
        "running_text": RUNNING_TEXT,
        "screen": {"width": 1920, "height": 1080, "fullscreen": False},
        "voice": {
            "clips": str(tmp / "voice"),
            "build_if_missing": False,
            "buffer": 512,
            "gap_ms": 0,
            "comma_ms": 0,
        },
    }
    checked = DisplayConfig.model_validate({**cfg, "node_id": "x", "state_dir": str(tmp)})
    ticker_fps = checked.screen.ticker_fps  # the default, left as it is
    frames = FrameLog(tmp / "frames.tsv")
    display = _display(cfg, tmp, "display-bench", {
        "SDL_AUDIODRIVER": "disk", "SDL_DISKAUDIOFILE": str(capture),
        "ANTRIAN_DISPLAY_FRAME_LOG": str(frames.path),
    })  # fmt: skip
    topics = Topics("demo")
    caller = MqttLink(BrokerSettings(port=port), topics, Identity("caller-bench", "caller", 1))
    requester = Requester(caller)
    # The bench's own subscriber: when central's events and snapshot reach a client, which
    # splits press -> screen into press -> event (caller, broker, central) and event ->
    # frame (broker, display).
    sub = MqttLink(BrokerSettings(port=port), topics, Identity("bench-sub", "tool", 1))
    received: dict[int, float] = {}
    issued: list[int] = []
    hall: list[m.HallSnapshot] = []

    def on_event(topic: str, payload: bytes) -> None:
        at = time.perf_counter()
        ev = decode(m.Event, payload)
        if ev.kind == "ticket_called":
            received[ev.seq] = at
        elif ev.kind == "ticket_issued":
            issued.append(ev.seq)

    sub.subscribe(topics.events, on_event)
    sub.subscribe(topics.hall, lambda t, p: hall.append(decode(m.HallSnapshot, p)))
    watcher = FirstSample(capture)
    floor: InterleavedFloor | None = None
    try:
        floor = InterleavedFloor(port, hops=2)
        for link in (caller, sub):
            link.start()
            if not link.wait_connected(5):
                raise RuntimeError("bench client could not connect")

        def base() -> dict[str, Any]:
            return {"request_id": new_request_id("caller-bench"), "node_id": "caller-bench",
                    "sent_at": now()}  # fmt: skip

        # The broker may still hold an earlier run's retained snapshot: ask until this
        # run's central answers (same request, so a late answer changes nothing).
        probe = m.SignOut(counter="loket-6", **base())
        for _ in range(100):
            try:
                requester.call(probe, 0.2)
                break
            except RequestTimeout:
                continue
        _wait("the display's first frame", lambda: bool(frames.read()), timeout=20)
        watcher.start()

        button = Button(17, bounce_time=None)
        button.when_pressed = lambda: requester.send(m.CallNext(counter="loket-1", **base()))
        pin = button.pin
        assert pin is not None
        to_screen: list[float] = []
        to_audio: list[float] = []
        to_event: list[float] = []
        in_display: list[float] = []
        call_frame_ms: list[float] = []
        # The first call opens the audio path: it is reported on its own (first_call_ms),
        # as bench/e2e.py does, not in the p99.
        first_call: dict[str, float] = {}
        for i in range(PRESSES + 1):
            del issued[:]
            reply = requester.call(m.IssueTicket(queue="dukcapil", **base()), 5)
            if not reply.ok:
                raise RuntimeError(f"bench display: the ticket was refused: {reply.refusal}")
            # Settle: the issue drawn, the previous chime over.
            _wait("the ticket on the board", lambda: bool(issued) and frames.seq() >= issued[0])
            time.sleep(0.05)
            _wait("the previous chime to end", watcher.quiet)
            frames.read()
            last_call = max((f[2] or 0 for f in frames.frames), default=0)
            watcher.arm()
            pressed = time.perf_counter()
            pin.drive_low()
            pin.drive_high()
            shown: list[tuple[float, int | None, int | None, float]] = []

            def call_shown(last: int = last_call, out: list[Any] = shown) -> bool:
                out += [f for f in frames.read() if (f[2] or 0) > last]
                return bool(out)

            _wait("the call on the board", call_shown, timeout=3)
            at, _seq, call, ms = shown[0]
            if i == 0:
                first_call["screen"] = (at - pressed) * 1000
                if watcher.found.wait(2):
                    first_call["audio"] = (watcher.at - pressed) * 1000
                continue
            to_screen.append((at - pressed) * 1000)
            call_frame_ms.append(ms)
            if call in received:
                in_display.append((at - received[call]) * 1000)
                to_event.append((received[call] - pressed) * 1000)
            if watcher.found.wait(2):
                to_audio.append((watcher.at - pressed) * 1000)
            floor.sample()
        button.close()
        watcher.stop()

        # The whole display process, running text scrolling (never idle), then its memory.
        assert display.proc is not None
        proc = psutil.Process(display.proc.pid)
        ticker_cpu = _cpu_pct(proc, IDLE_S)
        rss_after_calls_mb = float(proc.memory_info().rss) / 2**20
        display.stop()
        # Nothing changing on screen: a second display without the scrolling text.
        idle = _display({**cfg, "screen": {**cfg["screen"], "ticker_fps": 0}}, tmp,
                        "display-idle", {"SDL_AUDIODRIVER": "disk",
                                         "SDL_DISKAUDIOFILE": str(tmp / "idle.raw")})  # fmt: skip
        try:
            time.sleep(3.0)  # started, connected, board drawn
            assert idle.proc is not None
            idle_proc = psutil.Process(idle.proc.pid)
            idle_cpu = _cpu_pct(idle_proc, IDLE_S)
            rss_mb = float(idle_proc.memory_info().rss) / 2**20
        finally:
            idle.stop()
        if not hall:
            raise RuntimeError("bench display: no hall snapshot from central")
        frame_ms = _full_frame_ms(hall[-1])

        screen_p99 = percentile(to_screen, 99)
        judged = floor.judge(to_screen)
        extra: dict[str, Any] = {"samples": len(to_screen)}
        if "screen" in first_call:
            extra["first_call_ms"] = round(first_call["screen"], 3)
        if in_display:
            extra["event_to_frame_p50_ms"] = round(percentile(in_display, 50), 3)
            extra["event_to_frame_p99_ms"] = round(percentile(in_display, 99), 3)
            extra["press_to_event_p50_ms"] = round(percentile(to_event, 50), 3)
            extra["press_to_event_p99_ms"] = round(percentile(to_event, 99), 3)
        # The call's frame redraws only what changed (HallBoard.update), in the display.
        extra["call_frame_p99_ms"] = round(percentile(call_frame_ms, 99), 3)
        target = 3 * judged["floor_p99_ms"] + frame_ms
        extra.update(target_ms=round(target, 3), ok=screen_p99 <= target, **judged)
        yield result("call_to_screen_p99_ms", screen_p99, "ms",
                     p50=round(percentile(to_screen, 50), 3), **extra,
                     processes="central, display (1080p); caller: bench client")  # fmt: skip
        if to_audio:
            audio_p99 = percentile(to_audio, 99)
            yield result("call_to_audio_start_p99_ms", audio_p99, "ms",
                         p50=round(percentile(to_audio, 50), 3), samples=len(to_audio),
                         first_call_ms=round(first_call.get("audio", -1.0), 3),
                         target_ms=50, ok=audio_p99 <= 50)  # fmt: skip
        yield result("display_frame_ms", frame_ms, "ms", stat="p99", resolution="1920x1080",
                     full=True, target_ms=8, ok=frame_ms <= 8)  # fmt: skip
        yield result("display_idle_cpu_pct", idle_cpu, "%", ticker_fps=0)
        yield result("display_ticker_cpu_pct", ticker_cpu, "%", ticker_fps=ticker_fps)
        # Text renders are cached up to a byte budget (edge/display/_text.py): the figure
        # after 40 calls shows the cache's share.
        yield result("display_rss_mb", rss_mb, "MB", after_calls_mb=round(rss_after_calls_mb, 1),
                     note="an `antrian display` process at 1080p, 8 s after start")  # fmt: skip
    finally:
        if floor is not None:
            floor.stop()
        watcher.stop()
        caller.stop()
        sub.stop()
        display.stop()
        central.stop()
