"""`antrian demo`: run the simulated hall."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hall.demo import DEMO_SITE, Demo


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="run a whole simulated hall on this machine (make demo)",
        description="Starts Mosquitto (broker/'s config, a free port), central, the site's "
        "kiosks and callers with simulated pins and printers, and the hall board in a window. "
        "Keys on the board press kiosk and counter buttons (legend on screen); printed "
        "tickets appear in the terminal and as PNG files; calls are spoken, or written to "
        "var/demo/hall-audio.wav when there are no speakers. Without a screen it runs "
        "headless: type keys and Enter in the terminal, screenshots go to var/demo/screens. "
        "Ctrl-C stops everything.",
    )
    p.add_argument(
        "--site",
        help="a site under firmware_configs/ (demo, mpp-jambi, mpp-palembang: 30 agencies, "
        "105 queues, 60 counters) or a site folder; default demo. The demo opens the hall "
        "around the clock whatever the site's hours.",
    )
    p.add_argument("--run-dir", type=Path, help="where state, tickets and audio go (var/demo)")
    p.add_argument("--headless", action="store_true", help="no window, even with a screen")
    p.add_argument("--seconds", type=float, help="stop after this many seconds")
    p.add_argument(
        "--press",
        default="",
        help="scripted key presses, e.g. 'a@2,1@4' (key a at 2 s, key 1 at 4 s)",
    )
    p.add_argument("--size", default="1280x720", help="window size, e.g. 1920x1080")
    p.set_defaults(func=run_demo)


def parse_script(text: str) -> list[tuple[float, str]]:
    script = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        key, _, at = item.rpartition("@")
        if not key or not at:
            raise ValueError(f"--press item {item!r}: write KEY@SECONDS, e.g. a@2")
        script.append((float(at), key))
    return script


def site_folder(site: str) -> Path:
    """A site's name (firmware_configs/<name>) or a folder."""
    named = DEMO_SITE.parent / site
    return named if "/" not in site and named.is_dir() else Path(site)


def run_demo(args: argparse.Namespace) -> int:
    try:
        script = parse_script(args.press)
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError as exc:
        print(f"antrian demo: {exc}")
        return 2
    folder = site_folder(args.site) if args.site else DEMO_SITE
    if not (folder / "central.yaml").is_file():
        sites = sorted(p.name for p in DEMO_SITE.parent.iterdir() if (p / "central.yaml").is_file())
        print(
            f"antrian demo: no site {args.site!r} (no central.yaml in {folder}); "
            f"use one of {', '.join(sites)} or a site folder"
        )
        return 2
    demo = Demo(
        site_folder=folder,
        headless=args.headless,
        script=script,
        seconds=args.seconds,
        window=(width, height),
    )
    if args.run_dir:
        demo.run_dir = args.run_dir
    return demo.run()
