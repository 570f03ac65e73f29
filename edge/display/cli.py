"""`antrian display` runs a hall or counter board; `antrian voice build` makes the clip set."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pygame
import yaml

from antrian.catalogue import Catalogue
from antrian.config import ConfigError, load_yaml, resolve
from antrian.delivery import cached_config_version
from antrian.runtime import run_node
from edge.display.announcer import slug
from edge.display.clips import VoiceBuildError, build_clip_set, name_words
from edge.display.config import DisplayConfig
from edge.display.node import DisplayNode
from edge.display.selftest import run_selftest

if TYPE_CHECKING:
    from edge.display.config import DisplayConfig
    from edge.display.node import DisplayNode, Frame

log = logging.getLogger(__name__)


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "display",
        help="run a hall board or a counter board with voice calls",
        description="Run a display: the hall board (every counter, the latest calls, queue "
        "lengths, clock, running text) or one counter's board, and speak each call. "
        "Example: antrian display --config firmware_configs/demo/display-hall.yaml. "
        "`antrian display selftest` shows a test card and plays a test call instead.",
    )
    p.add_argument("action", nargs="?", choices=("run", "selftest"), default="run")
    p.add_argument("--config", required=True, type=Path, help="the display's YAML config")
    p.add_argument(
        "--seconds", type=float, help="selftest: close the test card after this (default: Esc)"
    )
    p.add_argument("--port", type=int, help="override broker.port (development)")
    p.add_argument("--window", action="store_true", help="run in a window, not full screen")
    # Tests and benchmarks read the board from another process through these; NodeProcess
    # passes no arguments, so the environment can set them too.
    p.add_argument("--capture", type=Path, default=_env_path("ANTRIAN_DISPLAY_CAPTURE"),
                   help="save a PNG of each frame whose latest call changed into DIR, and "
                   "list them in DIR/calls.tsv (env ANTRIAN_DISPLAY_CAPTURE)")  # fmt: skip
    p.add_argument("--frame-log", type=Path, default=_env_path("ANTRIAN_DISPLAY_FRAME_LOG"),
                   help="append one line per frame: perf_counter after the flip, event seq, "
                   "latest call seq, render ms (env ANTRIAN_DISPLAY_FRAME_LOG)")  # fmt: skip
    p.set_defaults(func=run_display)

    v = sub.add_parser("voice", help="voice clip sets", description="Manage voice clip sets.")
    vsub = v.add_subparsers(dest="voice_command", metavar="ACTION", required=True)
    b = vsub.add_parser(
        "build",
        help="generate the default clip set offline with espeak-ng",
        description="Generate the default clip set (chime, Indonesian words, optionally "
        "English) with espeak-ng, offline. Existing clips are kept, so recordings of a human "
        "voice dropped into the folder survive; --overwrite replaces them. "
        "Example: antrian voice build --out var/voice --word dukcapil",
    )
    b.add_argument("--out", type=Path, help="clip set folder (default: the config's voice.clips)")
    b.add_argument("--config", type=Path, help="a display config: its clip folder, languages "
                   "and counter words")  # fmt: skip
    b.add_argument("--catalogue", type=Path, help="the hall's catalogue, for the words of "
                   "its counter names (default: the config's site folder's)")  # fmt: skip
    b.add_argument("--english", action="store_true", help="also build the English words")
    b.add_argument("--word", action="append", default=[], help="an extra word, e.g. dukcapil")
    b.add_argument("--overwrite", action="store_true", help="replace existing clips")
    b.set_defaults(func=run_voice_build)


def run_display(args: argparse.Namespace) -> int:
    try:
        cfg = load_yaml(args.config, DisplayConfig)
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    if args.port:
        cfg.broker = cfg.broker.model_copy(update={"port": args.port})
    if args.window:
        cfg.screen.fullscreen = False
    cfg.state_dir = resolve(args.config, cfg.state_dir)
    if args.action == "selftest":
        return _selftest(cfg, args.config, args.seconds)
    node = DisplayNode(cfg, config_path=args.config)
    capture = _FrameCapture(node, args.capture, args.frame_log)
    node.frame_listeners.append(capture)
    banner = f"display {cfg.node_id} ({cfg.mode} board) running"
    try:
        return run_node(node, banner, stop=node.stopped, main_loop=node.run)
    finally:
        capture.close()


def _selftest(cfg: DisplayConfig, config_path: Path, seconds: float | None) -> int:
    """Test card and test call on this display's screen and speakers; no broker needed."""

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    report = run_selftest(
        cfg,
        config_path,
        out=lambda line: print(line, flush=True),
        seconds=seconds,
        stop=stop,
        config_version=cached_config_version(cfg.state_dir),
    )
    return 1 if report.problems else 0


def site_catalogue(config: Path) -> Path | None:
    """catalogue.yaml of the site folder a device file is in (firmware_configs/<site>/, or
    its devices/display/ for a layered site)."""
    for folder in list(config.resolve().parents)[:3]:
        if (folder / "catalogue.yaml").is_file():
            return folder / "catalogue.yaml"
    return None


def run_voice_build(args: argparse.Namespace) -> int:
    """Every word the display's calls can need: the default set, its counter_words, and
    the words of the catalogue's counter names."""
    out: Path | None = args.out
    english: bool = args.english
    words: dict[str, str] = {slug(w): w for w in args.word}
    names: list[str] = []
    catalogue: Path | None = args.catalogue
    if args.config:
        try:
            cfg = load_yaml(args.config, DisplayConfig)
        except ConfigError as exc:
            log.error("%s (a layered site's device file: give --out and --catalogue)", exc)
            return 2
        out = out or resolve(args.config, cfg.voice.clips)
        english = english or cfg.voice.english
        names += cfg.voice.counter_words.values()
        catalogue = catalogue or site_catalogue(args.config)
    if catalogue is not None:
        try:
            cat = Catalogue.model_validate(yaml.safe_load(catalogue.read_text("utf-8")))
        except (OSError, ValueError, yaml.YAMLError) as exc:
            log.error("%s: %s", catalogue, exc)
            return 2
        names += [c.name for c in cat.counters]
        print(f"{len(cat.counters)} counter names from {catalogue}")
    for lang in ("id", "en") if english else ("id",):
        words.update(name_words(names, lang))
    if out is None:
        log.error("say where to write the clips: --out DIR or --config FILE")
        return 2
    try:
        written = build_clip_set(out, ["id", "en"] if english else ["id"], words,
                                 overwrite=args.overwrite)  # fmt: skip
    except VoiceBuildError as exc:
        log.error("%s", exc)
        return 1
    print(f"{len(written)} clips written to {out}")
    return 0


class _FrameCapture:
    """--capture and --frame-log: what reached the screen, for a reader in another process.
    perf_counter is CLOCK_MONOTONIC on Linux, so its stamps compare across processes."""

    def __init__(self, node: DisplayNode, capture: Path | None, frame_log: Path | None) -> None:
        self.node = node
        self.capture = capture
        self._last_call: int | None = None
        self._log: IO[str] | None = None
        self._calls: IO[str] | None = None
        if frame_log is not None:
            frame_log.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(frame_log, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        if capture is not None:
            capture.mkdir(parents=True, exist_ok=True)
            self._calls = open(capture / "calls.tsv", "a", buffering=1, encoding="utf-8")  # noqa: SIM115

    def __call__(self, frame: Frame) -> None:
        if self._log is not None:
            self._log.write(f"{frame.at:.6f}\t{frame.seq}\t{frame.latest_call}\t"
                            f"{frame.render_ms:.3f}\n")  # fmt: skip
        screen = self.node.screen
        if self.capture is None or frame.latest_call == self._last_call or screen is None:
            return

        self._last_call = frame.latest_call
        calls = self.node.state.recent_calls
        label = calls[0].ticket.label if calls and calls[0].ticket else "-"
        counter = (calls[0].counter or "-") if calls else "-"
        name = f"call-{frame.latest_call or 0:05d}.png"
        # Written whole, then renamed: a reader never sees half a PNG.
        tmp = self.capture / f".{name}"
        pygame.image.save(screen, str(tmp), "png")
        os.replace(tmp, self.capture / name)
        assert self._calls is not None
        self._calls.write(f"{frame.at:.6f}\t{frame.latest_call}\t{label}\t{counter}\t{name}\n")

    def close(self) -> None:
        for fh in (self._log, self._calls):
            if fh is not None:
                fh.close()
