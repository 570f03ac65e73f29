"""`antrian simulate`: a generated MPP day (sim.day) played faster than real time through a
real Mosquitto, central as its own process, and real kiosk and caller nodes whose gpiozero
mock pins the simulated citizens and officers press. The summary comes from central's
ledger, read-only, with its timestamps converted back to simulated time."""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import yaml

from antrian.catalogue import Catalogue
from antrian.devbroker import REPO_ROOT, DevBroker
from antrian.mqtt import now
from antrian.nodeproc import NodeProcess
from central.config import load_central_config
from edge import caller as caller_pkg
from edge import kiosk as kiosk_pkg
from hall.sim_actors import REPLY_WAIT_S, Book, KioskDesk, Officer, Run
from hall.sim_clock import SimClock
from hall.sim_ledger import write_simtime_ledger
from hall.sim_summary import summarize, summary_table
from hall.site import HallSite
from sim.day import Day, Profile, generate_day, situation

log = logging.getLogger(__name__)

DEMO_SITE = REPO_ROOT / "firmware_configs" / "demo"

# The press guards protect real buttons from bouncing contacts and impatient fingers; the
# simulated fingers never bounce, and at speed N one guard costs N times as long in the day.
# So the materialized configs lower them (docs/simulate.md).
KIOSK_REPEAT_GUARD_S = 0.02
CALLER_DOUBLE_PRESS_S = 0.02
CALLER_HOLD_S = 0.15  # RECALL held this long is START; never mistaken for a 10 ms press


# ----------------------------------------------------------------------------- scenario


@dataclass
class Scenario:
    speed: float
    seed: int = 1
    day: date | None = None  # default: today in the hall's time zone
    window: tuple[dtime, dtime] | None = None  # default: the profile's opening hours
    citizens: int | None = None  # scale the day's load to about this many citizens
    site: Path = DEMO_SITE
    run_dir: Path = REPO_ROOT / "var" / "simulate"
    max_real_s: float | None = None  # default: three times the day's length at this speed
    situation: str = "normal"  # sim.day.SITUATIONS: surge, short, slow, late_start
    out: Callable[[str], None] = print


def make_day(catalogue: Catalogue, s: Scenario, today: date) -> Day:
    """The scenario's day from sim.day's generator: same seed, date and window, same day."""
    profile = situation(s.situation, Profile())
    if s.window is not None:
        opens, closes = s.window
        last = (datetime.combine(today, closes) - timedelta(minutes=15)).time()
        profile = replace(profile, opens=opens, closes=closes, last_arrival=max(last, opens))
    day = generate_day(catalogue, s.day or today, s.seed, profile)
    if s.citizens is not None and day.citizens:
        # Load drives the expected number of arrivals linearly; the count stays Poisson.
        profile = replace(profile, load=profile.load * s.citizens / len(day.citizens))
        day = generate_day(catalogue, s.day or today, s.seed, profile)
    return day


# ----------------------------------------------------------------------------- the run


def _edit_yaml(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")


@dataclass
class Simulation:
    scenario: Scenario
    day: Day | None = None
    book: Book = field(default_factory=Book)
    clock: SimClock | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    real_s: float = 0.0
    business_days: tuple[date, date] | None = None  # central's real dates of the run

    @property
    def ledger_path(self) -> Path:
        return self.scenario.run_dir / "ledger.sqlite3"

    @property
    def simtime_ledger_path(self) -> Path:
        return self.scenario.run_dir / "ledger-simtime.sqlite3"

    def run(self) -> dict[str, Any]:
        s = self.scenario
        if s.speed <= 0:
            raise ValueError("speed must be above 0")
        _, catalogue = load_central_config(s.site / "central.yaml")
        today = now().astimezone(catalogue.tz).date()
        day = self.day = make_day(catalogue, s, today)
        run_dir = s.run_dir
        for sub in ("state", "printed", "configs"):
            shutil.rmtree(run_dir / sub, ignore_errors=True)
        for name in ("ledger.sqlite3", "ledger.sqlite3-wal", "ledger.sqlite3-shm",
                     "ledger-simtime.sqlite3", "summary.json"):  # fmt: skip
            (run_dir / name).unlink(missing_ok=True)
        run_dir.mkdir(parents=True, exist_ok=True)
        span_s = (day.closes_at - day.opens_at).total_seconds()
        max_real = s.max_real_s or 3 * span_s / s.speed + 60
        s.out(
            f"simulated day {day.day} {day.opens_at:%H:%M}-{day.closes_at:%H:%M}, seed {s.seed}: "
            f"{len(day.citizens)} citizens at {s.speed:g}x (about {span_s / s.speed:.0f} s)"
        )
        stop = threading.Event()
        stoppers: list[Callable[[], None]] = []
        t0 = time.monotonic()
        try:
            with DevBroker() as broker:
                try:
                    self._play(catalogue, day, broker.port, stop, stoppers, max_real)
                finally:
                    stop.set()
                    # Nodes first, while the broker runs; central last, so it commits all.
                    for stopper in reversed(stoppers):
                        try:
                            stopper()
                        except Exception:
                            log.exception("while stopping")
        finally:
            self.real_s = time.monotonic() - t0
        assert self.clock is not None
        self.summary = summarize(self, catalogue)
        self.summary["estimates"] = write_simtime_ledger(
            self.ledger_path, self.simtime_ledger_path, self.clock, day.day, catalogue
        )
        (run_dir / "summary.json").write_text(
            json.dumps(self.summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        s.out(summary_table(self.summary))
        s.out(
            f"summary: {run_dir / 'summary.json'}\nreport in simulated time: antrian report "
            f"--ledger {self.simtime_ledger_path} --catalogue {s.site / 'catalogue.yaml'} "
            f"--date {day.day}\ncentral's own ledger (real time): antrian report --ledger "
            f"{self.ledger_path} --date {self.summary['scenario']['business_day']}"
        )
        return self.summary

    def _play(
        self,
        catalogue: Catalogue,
        day: Day,
        port: int,
        stop: threading.Event,
        stoppers: list[Callable[[], None]],
        max_real: float,
    ) -> None:

        s = self.scenario
        site = HallSite(s.site).materialize(s.run_dir, port, displays=[])
        ledger = self.ledger_path.resolve()

        def tune_central(raw: dict[str, Any]) -> None:
            raw["ledger"] = str(ledger)
            # Delivered configs would bring back the site's press guards (see _tune_kiosk).
            raw.pop("device_configs", None)

        _edit_yaml(site.central, tune_central)
        # Signed in when the caller starts: the officers there at opening. A counter staffed
        # later (or not today) starts with nobody signed in.
        first_officer: dict[str, str] = {}
        for sh in sorted(day.shifts, key=lambda x: x.start):
            if sh.start <= day.opens_at:
                first_officer.setdefault(sh.counter, sh.officer)
        for path in site.kiosks:
            _edit_yaml(path, _tune_kiosk)
        for path in site.callers:
            _edit_yaml(path, lambda raw: _tune_caller(raw, first_officer))

        central = NodeProcess("central", site.central).start()
        stoppers.append(central.stop)
        callers = []
        for path in site.callers:
            ccfg = caller_pkg.load_config(path)
            node = caller_pkg.build_node(ccfg)
            node.start()
            stoppers.append(node.stop)
            callers.append(node)
        # Kiosks after central is up: their first lease requests would otherwise time out.
        _wait_ready(central, [], callers, first_officer)
        desks: list[KioskDesk] = []
        for path in site.kiosks:
            kcfg = kiosk_pkg.load_config(path)
            kiosk, factory = kiosk_pkg.build(kcfg)
            kiosk.start()
            stoppers.append(kiosk.stop)
            desks.append(KioskDesk(kiosk, factory, kcfg, self.book, stop))
        _check_coverage(catalogue, desks, callers)
        _wait_ready(central, desks, callers, first_officer)

        clock = self.clock = SimClock.start(day.opens_at, s.speed)
        ctx = Run(day, catalogue, clock, self.book, stop)
        officers = [
            Officer(ctx, node, c, [sh for sh in day.shifts if sh.counter == c.id])
            for node in callers
            for c in node.config.counters
        ]
        for d in desks:
            d.start()
        for o in officers:
            o.thread.start()
        end_by = time.monotonic() + max_real
        self._arrivals(day, desks, clock, stop)
        for d in desks:
            d.line.put(None)
        for d in desks:
            d.thread.join(max(0.1, end_by - time.monotonic()))
        self.book.all_arrived()
        next_report = day.closes_at
        while not stop.is_set() and any(o.thread.is_alive() for o in officers):
            if time.monotonic() >= end_by:
                self.book.anomaly(f"stopped after {max_real:.0f} s real time: day not finished")
                break
            time.sleep(0.05)
            if clock.now() >= next_report + timedelta(hours=1):
                next_report += timedelta(hours=1)
                self._progress(clock)
        stop.set()
        for o in officers:
            o.thread.join(REPLY_WAIT_S + 1)

    def _arrivals(
        self, day: Day, desks: list[KioskDesk], clock: SimClock, stop: threading.Event
    ) -> None:
        """Each citizen walks to the least busy kiosk that has their queue's button."""
        next_report = day.opens_at + timedelta(hours=1)
        for citizen in day.citizens:
            while citizen.arrives_at >= next_report:
                if not clock.wait_until(next_report, stop):
                    return
                self._progress(clock)
                next_report += timedelta(hours=1)
            if not clock.wait_until(citizen.arrives_at, stop):
                return
            fitting = [d for d in desks if d.has(citizen.queue)]
            if not fitting:
                self.book.refuse(citizen, "no_kiosk_button")
                continue
            min(fitting, key=lambda d: d.waiting).join_line(citizen)

    def _progress(self, clock: SimClock) -> None:
        c = self.book.counts()
        self.scenario.out(
            f"  {clock.now():%H:%M} simulated: {c['printed']} printed, {c['served']} served, "
            f"{c['no_show']} no-shows, {c['open']} waiting or at a desk"
        )


def _tune_kiosk(raw: dict[str, Any]) -> None:
    press = dict(raw.get("press") or {})
    press.update(bounce_ms=0, repeat_guard_s=KIOSK_REPEAT_GUARD_S)
    raw["press"] = press
    # PNGs of hundreds of tickets cost more than the simulation itself; the bytes stay.
    raw["printer"]["spool_png"] = False


def _tune_caller(raw: dict[str, Any], first_officer: dict[str, str]) -> None:
    raw.update(double_press_s=CALLER_DOUBLE_PRESS_S, bounce_s=0, hold_s=CALLER_HOLD_S)
    for c in raw["counters"]:
        # The morning shift's officer signs in when the caller starts (edge/caller).
        if c["id"] in first_officer:
            c["officer"] = first_officer[c["id"]]
        else:
            c.pop("officer", None)


def _check_coverage(catalogue: Catalogue, desks: list[KioskDesk], callers: list[Any]) -> None:
    missing = [q.id for q in catalogue.queues if not any(d.has(q.id) for d in desks)]
    if missing:
        log.warning("no kiosk has a button for %s: those citizens get no ticket", missing)
    for node in callers:
        for c in node.config.counters:
            lacking = [n for n in ("recall", "no_show", "finish") if getattr(c.buttons, n) is None]
            if lacking:
                raise ValueError(
                    f"{node.config.node_id}: counter {c.id} has no {', '.join(lacking)} "
                    "button; the simulated officers need NEXT, RECALL, NO-SHOW and FINISH"
                )


def _wait_ready(
    central: Any, desks: list[KioskDesk], callers: list[Any], officers: dict[str, str]
) -> None:
    """Central online at every kiosk and caller, and each morning officer signed in."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not central.running:
            raise RuntimeError(f"central exited at start; see {central.log_path}")
        kiosks_ok = all(d.kiosk.ready.is_set() and d.kiosk.central_up() for d in desks)
        panels_ok = all(
            node.inspect(
                lambda node=node: all(
                    p.link_up
                    and p.central_online
                    and p.snapshot is not None
                    and p.snapshot.officer == officers.get(cid, p.snapshot.officer)
                    and not p.pending
                    for cid, p in node.panels.items()
                )
            )
            for node in callers
        )
        if kiosks_ok and panels_ok:
            return
        time.sleep(0.05)
    raise RuntimeError(f"the hall did not come up within 30 s; see {central.log_path}")
