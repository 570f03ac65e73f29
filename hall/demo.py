"""`antrian demo`: a whole simulated hall on one machine.

Mosquitto and central run as their own processes; the kiosks, callers and the hall board
run in this process so that the board's window can press their gpiozero mock pins."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import sys
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pygame

from antrian.config import load_yaml
from antrian.devbroker import REPO_ROOT, DevBroker
from antrian.nodeproc import NodeProcess
from edge import caller as caller_pkg
from edge import kiosk as kiosk_pkg
from edge.display.config import DisplayConfig
from edge.display.node import DisplayNode, Frame
from edge.kiosk.escpos_decode import decode_text
from hall.site import DEMO_SUPERVISOR, HallSite, RuntimeSite, load_yaml_raw
from web.config import WebConfig

log = logging.getLogger(__name__)

DEMO_SITE = REPO_ROOT / "firmware_configs" / "demo"
# Counters' keys: the digit presses NEXT, the shifted digit RECALL (US layout).
NEXT_KEYS = "123456789"
RECALL_KEYS = "!@#$%^&*("
PRIORITY_KEY = "p"
HELP_KEY = "?"


def has_screen() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def has_sound_card() -> bool:
    return Path("/dev/snd").exists() and any(Path("/dev/snd").glob("pcm*p"))


@dataclass
class Key:
    key: str
    what: str
    press: Callable[[], None]


def _pulse(factory: Any, pin: object, hold_s: float = 0.08) -> None:
    """A finger on a pulled-up button: low, then high. Off the UI thread."""

    def run() -> None:
        p = factory.pin(pin)
        p.drive_low()
        time.sleep(hold_s)
        p.drive_high()

    threading.Thread(target=run, daemon=True).start()


@dataclass
class KeyMap:
    """Keys to mock-pin presses. PRIORITY_KEY, then a queue key, presses that kiosk's
    priority button and then the queue button: the kiosk's documented gesture."""

    keys: dict[str, Key] = field(default_factory=dict)
    priority: dict[str, Callable[[], None]] = field(default_factory=dict)  # queue key -> press
    legend_lines: list[str] = field(default_factory=list)
    on_help: Callable[[], None] | None = None
    _priority_armed: bool = False

    def add(self, key: str, what: str, press: Callable[[], None]) -> None:
        if key in self.keys or key in (PRIORITY_KEY, HELP_KEY):
            log.warning("demo key %r is taken; %s has no key", key, what)
            return
        self.keys[key] = Key(key, what, press)

    def press(self, key: str) -> None:
        if key == HELP_KEY and self.on_help:
            self.on_help()
            return
        if key == PRIORITY_KEY:
            self._priority_armed = True
            log.info("key %r: priority for the next ticket", key)
            return
        k = self.keys.get(key)
        if k is None:
            return
        armed, self._priority_armed = self._priority_armed, False
        log.info("key %r: %s%s", key, k.what, " (priority)" if armed else "")
        if armed and key in self.priority:
            self.priority[key]()
            threading.Timer(0.3, k.press).start()
        else:
            k.press()

    def legend(self) -> list[str]:
        return self.legend_lines


class PrintWatcher:
    """Shows every printed ticket in the terminal as text, with the PNG beside it."""

    def __init__(self, folders: list[Path], out: Callable[[str], None] = print) -> None:
        self.folders = folders
        self.out = out
        self.seen: set[Path] = set()
        self.count = 0
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="print-watcher", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(0.3):
            for folder in self.folders:
                for job in sorted(folder.glob("*.bin")):
                    if job in self.seen:
                        continue
                    self.seen.add(job)
                    self.count += 1
                    text = "\n".join(
                        "    " + line
                        for line in decode_text(job.read_bytes()).splitlines()
                        if line.strip()
                    )
                    png = job.with_suffix(".png")
                    self.out(f"--- {folder.name} printed ({png}) ---\n{text}")


def _raw_to_wav(raw: Path, wav: Path) -> None:
    """SDL's disk audio driver writes bare samples in the mixer's format."""
    init = pygame.mixer.get_init()
    if not raw.exists() or init is None:
        return
    freq, fmt, channels = init
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(abs(fmt) // 8)
        w.setframerate(freq)
        w.writeframes(raw.read_bytes())


@dataclass
class Demo:
    site_folder: Path = DEMO_SITE
    run_dir: Path = REPO_ROOT / "var" / "demo"
    headless: bool = False
    script: list[tuple[float, str]] = field(default_factory=list)
    seconds: float | None = None
    window: tuple[int, int] = (1280, 720)
    out: Callable[[str], None] = print

    def run(self) -> int:
        """Runs until Ctrl-C, Escape, the window closing, or `seconds`."""
        headless = self.headless or not has_screen()
        if self.run_dir.exists():
            shutil.rmtree(self.run_dir / "state", ignore_errors=True)
            shutil.rmtree(self.run_dir / "printed", ignore_errors=True)
            shutil.rmtree(self.run_dir / "screens", ignore_errors=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        audio_raw = self.run_dir / "hall-audio.raw"
        if headless:
            os.environ["SDL_VIDEODRIVER"] = "dummy"
        if headless or not has_sound_card():
            # No speakers: what would have been heard goes to a file instead.
            os.environ["SDL_AUDIODRIVER"] = "disk"
            os.environ["SDL_DISKAUDIOFILE"] = str(audio_raw)
            audio_raw.unlink(missing_ok=True)
        os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")

        stop = threading.Event()
        previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        started: list[Callable[[], None]] = []
        try:
            with DevBroker() as broker:
                site = HallSite(self.site_folder).materialize(
                    self.run_dir,
                    broker.port,
                    window=self.window,
                    always_open=True,
                    web_port=_free_port(),
                    demo_supervisor=True,
                )
                try:
                    return self._run(site, headless, stop, started, audio_raw)
                finally:
                    # Nodes first, while the broker still runs: each says goodbye cleanly.
                    for stopper in reversed(started):
                        try:
                            stopper()
                        except Exception:
                            log.exception("while stopping")
        finally:
            signal.signal(signal.SIGINT, previous)

    def _run(
        self,
        site: RuntimeSite,
        headless: bool,
        stop: threading.Event,
        started: list[Callable[[], None]],
        audio_raw: Path,
    ) -> int:

        central = NodeProcess("central", site.central).start()
        started.append(central.stop)
        self.out(f"broker on 127.0.0.1:{site.port}; central log: {central.log_path}")
        for web_config in site.webs:
            web = NodeProcess("web", web_config).start()
            started.append(web.stop)
            port = load_yaml(web_config, WebConfig).listen_port
            self.out(f"web: the hall page at http://127.0.0.1:{port}/ (log: {web.log_path})")
            user, _name, password = DEMO_SUPERVISOR
            self.out(
                f"web: the supervisors' dashboard at http://127.0.0.1:{port}/dashboard "
                f"(user {user}, password {password})"
            )
        keys = KeyMap()
        spools = []
        unkeyed = 0
        for path in site.kiosks:
            cfg = kiosk_pkg.load_config(path)
            node, factory = kiosk_pkg.build(cfg)
            node.start()
            started.append(node.stop)
            names = []
            agencies = [b.agency for b in cfg.buttons]
            for b in cfg.buttons:
                if len(b.key) != 1:
                    # A big site has more buttons than a keyboard has keys (kiosk-lantai-2-c's
                    # "k7-3"): the window cannot type those.
                    unkeyed += 1
                    continue
                keys.add(
                    b.key,
                    f"{cfg.node_id}: {b.agency} {b.name}",
                    partial(_pulse, factory, b.pin),
                )
                if cfg.priority_button is not None:
                    keys.priority[b.key] = partial(_pulse, factory, cfg.priority_button.pin)
                # "b Polresta  c Polresta" told SKCK from SIM apart by nothing: name the queue.
                names.append(f"{b.key} {b.agency if agencies.count(b.agency) == 1 else b.name}")
            if names:
                keys.legend_lines.append(f"{cfg.node_id}:  " + "   ".join(names))
            if cfg.printer.spool_dir is not None:
                spools.append(cfg.printer.spool_dir)
        counters = []
        for path in site.callers:
            ccfg = caller_pkg.load_config(path)
            cnode = caller_pkg.build_node(ccfg)
            cnode.start()
            started.append(cnode.stop)
            for c in ccfg.counters:
                # With `pins: mock` the caller's panels own a MockFactory (edge/caller/_gpio).
                counters.append((c, getattr(cnode.hardware, "pin_factory", None)))
        # Digits press the catalogue's first counters ("drive-thru-1" is not Loket 1).
        order = [c["id"] for c in load_yaml_raw(site.catalogue).get("counters", [])]
        counters.sort(key=lambda cf: order.index(cf[0].id) if cf[0].id in order else len(order))
        for i, (c, factory) in enumerate(counters[: len(NEXT_KEYS)]):
            keys.add(NEXT_KEYS[i], f"{c.id}: NEXT", partial(_pulse, factory, c.buttons.next))
            if c.buttons.recall is not None:
                keys.add(
                    RECALL_KEYS[i], f"{c.id}: RECALL", partial(_pulse, factory, c.buttons.recall)
                )
        n = min(len(counters), len(NEXT_KEYS))
        if unkeyed:
            keys.legend_lines.append(f"({unkeyed} more queue buttons have no key in the demo)")
        keys.legend_lines += [
            f"{PRIORITY_KEY} then a queue key: priority ticket",
            f"1-{n}: NEXT at {', '.join(c.id for c, _f in counters[:n])}",
            f"shift + 1-{n}: RECALL      {HELP_KEY}: hide/show keys      Esc or Ctrl-C: quit",
        ]
        watcher = PrintWatcher(spools, self.out)
        watcher.start()
        started.append(watcher.stop)

        hall = next((p for p in site.displays if "hall" in p.stem), None)
        if hall is None:
            self.out("no hall display in the site folder")
            return 2
        dcfg = load_yaml(hall, DisplayConfig)
        display = DisplayNode(dcfg, config_path=hall)
        display.start()
        started.append(display.stop)
        display.key_listeners.append(keys.press)
        legend = Legend(keys.legend())
        display.overlays.append(legend.draw)

        def toggle_help() -> None:
            legend.visible = not legend.visible
            display.invalidate()

        keys.on_help = toggle_help
        screens = self.run_dir / "screens"
        screens.mkdir(exist_ok=True)
        last_call: list[int | None] = [None]

        def on_frame(frame: Frame) -> None:
            if frame.latest_call == last_call[0]:
                return
            last_call[0] = frame.latest_call
            # The terminal shows calls as it shows tickets (a headless demo has no board).
            call = next((e for e in display.state.recent_calls if e.seq == frame.latest_call), None)
            if call is not None and call.ticket is not None:
                again = " (recall)" if call.kind == "ticket_recalled" else ""
                self.out(
                    f"--- call: {call.ticket.label} -> {call.counter_name or call.counter}{again}"
                )
            if headless and display.screen is not None:
                name = screens / f"board-{frame.latest_call or 0:05d}.png"
                pygame.image.save(display.screen, str(name))

        display.frame_listeners.append(on_frame)
        self.out("keys:\n  " + "\n  ".join(keys.legend()))
        if headless:
            self.out("headless: type keys and Enter here; screenshots go to " + str(screens))
            threading.Thread(target=_stdin_keys, args=(keys, stop), daemon=True).start()
        t0 = time.monotonic()
        script = sorted(self.script)
        while not stop.is_set() and not display.stopped.is_set():
            elapsed = time.monotonic() - t0
            while script and script[0][0] <= elapsed:
                keys.press(script.pop(0)[1])
            if self.seconds is not None and elapsed >= self.seconds:
                break
            display.step(0.05)
        if display.screen is not None:
            pygame.image.save(display.screen, str(screens / "board-last.png"))
        if os.environ.get("SDL_AUDIODRIVER") == "disk":
            _raw_to_wav(audio_raw, audio_raw.with_suffix(".wav"))
            self.out(f"calls were written to {audio_raw.with_suffix('.wav')}")
        self.out(f"{watcher.count} tickets printed; stopping the hall")
        return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stdin_keys(keys: KeyMap, stop: threading.Event) -> None:
    for line in sys.stdin:
        for ch in line.strip():
            keys.press(ch)
    # End of input does not stop the hall: Ctrl-C does.


class Legend:
    """The key legend, drawn in a corner of the board."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.visible = True
        self._surface: Any = None

    def draw(self, screen: Any) -> None:
        if not self.visible:
            return
        if self._surface is None:
            font = pygame.font.Font(None, max(16, screen.get_height() // 36))
            # A big site's kiosk lines are wider than the board: wrap them at words.
            limit = screen.get_width() * 0.6
            wrapped: list[str] = []
            for line in self.lines:
                current = ""
                for word in line.split("   "):
                    trial = f"{current}   {word}" if current else word
                    if current and font.size(trial)[0] > limit:
                        wrapped.append(current)
                        current = "    " + word
                    else:
                        current = trial
                wrapped.append(current)
            rendered = [font.render(line, True, (230, 230, 230)) for line in wrapped]
            width = max(r.get_width() for r in rendered) + 16
            height = sum(r.get_height() for r in rendered) + 12
            surface = pygame.Surface((width, height), pygame.SRCALPHA)
            surface.fill((0, 0, 0, 170))
            y = 6
            for r in rendered:
                surface.blit(r, (8, y))
                y += r.get_height()
            self._surface = surface
        # Bottom right, above the queue strip: the latest call stays readable.
        y = int(screen.get_height() * 0.78) - self._surface.get_height()
        screen.blit(self._surface, (screen.get_width() - self._surface.get_width() - 8, y))
