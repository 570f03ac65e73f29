"""Seeded chaos over a real hall: central, kiosks and callers as their own processes on a real
Mosquitto, faults drawn from random.Random(seed), invariants checked afterwards (docs/chaos.md).
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import signal
import sqlite3
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from antrian.board_state import BoardState
from antrian.config import load_yaml, resolve
from antrian.devbroker import REPO_ROOT, DevBroker
from antrian.mqtt import BrokerSettings, Identity, MqttLink, Requester, new_request_id, now
from antrian.nodeproc import NodeProcess
from edge.caller.config import load_config as load_caller_config
from edge.display.config import DisplayConfig
from edge.display.node import DisplayNode
from edge.kiosk.config import load_config as load_kiosk_config
from hall.invariants import Findings, Violation, check, read_kiosk, read_ledger
from hall.site import HallSite, RuntimeSite
from protocol import CENTRAL_ID, Topics, decode, encode
from protocol import messages as m

log = logging.getLogger(__name__)

DEMO_SITE = REPO_ROOT / "firmware_configs" / "demo"
KIOSKS = ("kiosk-1", "kiosk-3")  # both number dukcapil: their leases must never overlap
CALLERS = ("caller-loket-1", "caller-loket-3-4", "caller-loket-5-6")  # loket-2: a stand-in
# The counters that serve the kiosks' queues (loket-6 serves none of them).
COUNTERS = ("loket-1", "loket-2", "loket-3", "loket-4", "loket-5")
CHAOS_ID = "chaos"

FAULTS = (
    "kill_central",  # SIGKILL, restart after a while: a power cut of the server's process
    "kill_broker",  # SIGKILL Mosquitto (no persistence), start it again on the same port
    "kill_kiosk",
    "kill_caller",
    "freeze_central",  # SIGSTOP/SIGCONT: to the broker a frozen node is a cut link
    "freeze_kiosk",
    "freeze_caller",
    "duplicate",  # republish copies of the latest requests at once
    "delay",  # republish copies of requests captured seconds ago
)
RECOVERY_S = 2.0  # a display must show central's snapshot this soon after central is back
SETTLE_S = 40.0


@dataclass(frozen=True)
class Step:
    """One scheduled action: a press, an officer's request, or a fault."""

    action: str
    target: str = ""
    arg: str = ""
    seconds: float = 0.0  # a fault's downtime
    pause: float = 0.0  # before the next step


def plan(
    seed: int, steps: int, kiosks: dict[str, list[str]], counters: tuple[str, ...] = COUNTERS
) -> list[Step]:
    """The whole schedule of one run, from the seed alone: the same seed gives the same
    actions in the same order (their timing on a busy machine varies a little)."""
    rng = random.Random(seed)
    out: list[Step] = []
    for _ in range(steps):
        r = rng.random()
        pause = rng.uniform(0.03, 0.3)
        if r < 0.42:
            kiosk = rng.choice(sorted(kiosks))
            key = rng.choice(kiosks[kiosk])
            prio = "p" if rng.random() < 0.1 else ""
            out.append(Step("press", kiosk, prio + key, pause=pause))
        elif r < 0.8:
            action = rng.choices(("next", "no_show", "recall"), (0.7, 0.15, 0.15))[0]
            out.append(Step(action, rng.choice(counters), pause=pause))
        else:
            fault = rng.choice(FAULTS)
            target = ""
            if fault.endswith("kiosk"):
                target = rng.choice(sorted(kiosks))
            elif fault.endswith("caller"):
                target = rng.choice(CALLERS)
            seconds = round(rng.uniform(0.3, 3.0), 2)
            out.append(Step(fault, target, str(rng.randint(1, 5)), seconds, pause))
    return out


@dataclass
class RunResult:
    seed: int
    steps: int
    faults: Counter[str] = field(default_factory=Counter)
    presses: int = 0
    officer_requests: int = 0
    copies: int = 0  # duplicated or delayed requests republished
    recoveries: list[float] = field(default_factory=list)  # display catch-up, seconds
    findings: Findings = field(default_factory=Findings)
    seconds: float = 0.0
    run_dir: Path | None = None

    @property
    def violations(self) -> list[Violation]:
        return self.findings.violations


class _Observer:
    """The chaos tool's own MQTT client: officers' stand-in (a Requester sending what a
    caller sends), the meddler that captures requests and republishes copies, and a watch
    on central's births."""

    def __init__(self, port: int, site: str) -> None:
        self.topics = Topics(site)
        # Reconnect quickly: this client times recoveries and must not be the slow one.
        settings = BrokerSettings(port=port, reconnect_min_s=0.1, reconnect_max_s=0.3)
        self.link = MqttLink(settings, self.topics, Identity(CHAOS_ID, "tool", 1))
        self.requester = Requester(self.link, expiry_s=5)
        self.captured: deque[tuple[float, str, bytes]] = deque(maxlen=300)
        self.births: dict[str, list[tuple[float, int]]] = {}
        self.snapshot: m.HallSnapshot | None = None
        self.lock = threading.Lock()
        self.link.subscribe(self.topics.all_requests, self._on_request)
        self.link.subscribe(self.topics.all_status, self._on_status)
        self.link.subscribe(self.topics.hall, self._on_hall)

    def _on_request(self, topic: str, payload: bytes) -> None:
        if self.topics.node_of(topic) == CHAOS_ID:
            return  # officers' requests are copied from the stand-in's own send log
        with self.lock:
            self.captured.append((time.monotonic(), topic, payload))

    def _on_status(self, topic: str, payload: bytes) -> None:
        if not payload:
            return
        st = decode(m.NodeStatus, payload)
        if st.online:
            with self.lock:
                self.births.setdefault(st.node_id, []).append((time.monotonic(), st.session))

    def _on_hall(self, topic: str, payload: bytes) -> None:
        snap = decode(m.HallSnapshot, payload)
        with self.lock:
            if self.snapshot is None or snap.seq >= self.snapshot.seq:
                self.snapshot = snap

    def online_since(self, node_id: str, t: float) -> float | None:
        with self.lock:
            return next((at for at, _s in self.births.get(node_id, []) if at >= t), None)

    def send(self, req: m.RequestBase) -> None:
        self.requester.send(req)
        with self.lock:
            self.captured.append((time.monotonic(), self.topics.request(req.node_id), _encode(req)))

    def republish(self, rng: random.Random, n: int, older_than: float) -> int:
        """Copies of n captured requests (older than `older_than` seconds), sent now."""
        cut = time.monotonic() - older_than
        with self.lock:
            pool = [c for c in self.captured if c[0] <= cut]
        sent = 0
        for _t, topic, payload in rng.sample(pool, min(n, len(pool))):
            sent += self.link.publish(topic, payload)
        return sent


def _encode(req: m.RequestBase) -> bytes:
    return encode(req)


class _Display:
    """The hall board in this process (SDL dummy video, no voice), its loop on a thread."""

    def __init__(self, config_path: Path) -> None:
        os.environ["SDL_VIDEODRIVER"] = "dummy"  # chaos never opens a window
        os.environ["SDL_AUDIODRIVER"] = "dummy"

        cfg = load_yaml(config_path, DisplayConfig)
        cfg = cfg.model_copy(
            update={
                "state_dir": resolve(config_path, cfg.state_dir),
                "voice": cfg.voice.model_copy(update={"enabled": False}),
                "screen": cfg.screen.model_copy(update={"width": 640, "height": 360}),
            }
        )
        self.node = DisplayNode(cfg, config_path)
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos-display", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._started.wait(10)

    def _run(self) -> None:
        self.node.start()  # pygame on the thread that steps it
        self._started.set()
        while not self._stop.is_set():
            with self.lock:
                self.node.step(0.02)

    def view(self) -> tuple[object, ...]:
        with self.lock:
            return board_view(self.node.state)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.node.stop()


def board_view(state: Any) -> tuple[object, ...]:
    """What a hall board draws, from a BoardState: compared with central's snapshot."""
    return (
        state.seq,
        tuple(
            sorted(
                (c.counter, c.state, c.ticket.label if c.ticket else None, c.officer)
                for c in state.counters.values()
            )
        ),
        tuple(
            sorted((q.queue, q.waiting, q.priority_waiting, q.open) for q in state.queues.values())
        ),
        tuple(e.seq for e in state.recent_calls),
    )


def snapshot_view(snap: m.HallSnapshot) -> tuple[object, ...]:
    state = BoardState()
    state.apply_snapshot(snap)
    return board_view(state)


@dataclass
class _Watch:
    """After central comes back: time until the display equals central's snapshot."""

    since: float  # when the fault was restored
    origin: float | None = None  # central's first birth after that


@dataclass
class ChaosRun:
    seed: int
    steps: int = 40
    run_dir: Path = REPO_ROOT / "var" / "chaos"
    site_folder: Path = DEMO_SITE
    display: bool = True
    result: RunResult = field(init=False)

    def __post_init__(self) -> None:
        self.result = RunResult(self.seed, self.steps)
        self.rng = random.Random(f"meddler-{self.seed}")
        self._restores: list[tuple[float, str, str, Callable[[], object]]] = []
        self._faulted: set[str] = set()
        self._watches: list[_Watch] = []
        self.procs: dict[str, NodeProcess] = {}
        self._back_at: dict[str, float] = {}  # node or "broker" -> when it was restored
        self.callers: dict[str, str] = {}  # counter -> the caller process that serves it

    # -- the run ----------------------------------------------------------------------

    def run(self) -> RunResult:
        t0 = time.monotonic()
        run_dir = self.run_dir / f"seed-{self.seed}"
        shutil.rmtree(run_dir, ignore_errors=True)
        self.result.run_dir = run_dir
        self.broker = DevBroker().start()
        self.display_node: _Display | None = None
        try:
            site = HallSite(self.site_folder).materialize(
                run_dir,
                self.broker.port,
                kiosks=list(KIOSKS),
                callers=list(CALLERS),
                displays=["display-hall"] if self.display else [],
            )
            self.site = site
            _tune(site)
            self.callers = {c: p.stem for p in site.callers for c in _caller_counters(p)}
            self.observer = _Observer(self.broker.port, "demo")
            self.observer.link.start()
            self._start_nodes(site)
            self._wait_online([CENTRAL_ID, *KIOSKS, *CALLERS], 30)
            if self.display:
                self.display_node = _Display(site.displays[0])
                self.display_node.start()
            keys = {k: _kiosk_keys(p) for k, p in zip(KIOSKS, site.kiosks, strict=True)}
            for step in plan(self.seed, self.steps, keys):
                self._do(step)
                self._idle(step.pause)
            self._restore_all()
            self._settle(site)
        finally:
            self._stop_all()
            self.result.seconds = time.monotonic() - t0
        self._check(site)
        return self.result

    def _start_nodes(self, site: RuntimeSite) -> None:
        env = {"GPIOZERO_PIN_FACTORY": "mock", "SDL_VIDEODRIVER": "dummy"}
        self.procs[CENTRAL_ID] = NodeProcess("central", site.central, env=env).start()
        for path in site.kiosks:
            self.procs[path.stem] = NodeProcess("kiosk", path, keyboard=True, env=env).start()
        for path in site.callers:
            self.procs[path.stem] = NodeProcess("caller", path, keyboard=True, env=env).start()

    def _wait_online(self, nodes: list[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.observer.online_since(n, 0.0) is not None for n in nodes):
                return
            time.sleep(0.05)
        missing = [n for n in nodes if self.observer.online_since(n, 0.0) is None]
        logs = "\n".join(f"--- {n}\n{self.procs[n].log_text()[-2000:]}" for n in missing)
        raise RuntimeError(f"nodes not online after {timeout}s: {missing}\n{logs}")

    # -- steps --------------------------------------------------------------------------

    def _do(self, step: Step) -> None:
        if step.action == "press":
            proc = self.procs[step.target]
            if step.target in self._faulted or not proc.running:
                return  # a dead or frozen kiosk's buttons do nothing
            for key in step.arg:
                proc.press(key)
            self.result.presses += 1
        elif step.action in ("next", "no_show", "recall"):
            caller = self.callers.get(step.target)
            if caller is not None:
                proc = self.procs[caller]
                if caller in self._faulted or not proc.running:
                    return  # nobody can press a dead or frozen caller's buttons
                proc.press(f"{step.target} {step.action}")
                self.result.officer_requests += 1
                return
            # A counter without a caller process here: what its caller would send.
            kind = {"next": m.CallNext, "no_show": m.NoShow, "recall": m.Recall}[step.action]
            self.observer.send(
                kind(
                    request_id=new_request_id(CHAOS_ID),
                    node_id=CHAOS_ID,
                    sent_at=now(),
                    counter=step.target,
                )
            )
            self.result.officer_requests += 1
        else:
            self._fault(step)

    def _fault(self, step: Step) -> None:
        kind, target = step.action, step.target
        if kind in ("duplicate", "delay"):
            older = 0.0 if kind == "duplicate" else 2.0
            copies = self.observer.republish(self.rng, int(step.arg), older)
            if copies:
                self.result.copies += copies
                self.result.faults[kind] += 1
            return
        key = "broker" if kind == "kill_broker" else target or CENTRAL_ID
        if key in self._faulted:
            return  # already down: this fault would change nothing
        self._faulted.add(key)
        self.result.faults[kind] += 1
        log.info("seed %d: %s %s for %.2fs", self.seed, kind, key, step.seconds)
        if kind == "kill_broker":
            self.broker.kill()
            restore: Callable[[], object] = self.broker.start
        elif kind.startswith("kill_"):
            proc = self.procs[key]
            proc.kill()
            restore = proc.start
        else:
            proc = self.procs[key]
            assert proc.proc is not None
            pid = proc.proc.pid
            os.kill(pid, signal.SIGSTOP)

            def restore() -> None:
                os.kill(pid, signal.SIGCONT)

        self._restores.append((time.monotonic() + step.seconds, kind, key, restore))

    def _run_restore(self, kind: str, key: str, restore: Callable[[], object]) -> None:
        # A birth counts from the moment the restore begins: nodes retry the broker every
        # second, so one may connect while DevBroker.start() still polls the port, and a
        # birth just before the time taken after it was missed (seed 23: "no birth").
        began = time.monotonic()
        restore()
        self._faulted.discard(key)
        if not kind.startswith("freeze"):  # a frozen node keeps its connection: no new birth
            self._back_at[key] = began
        if key in (CENTRAL_ID, "broker") and self.display_node is not None:
            t = time.monotonic()
            # A frozen central keeps its connection (no new birth): it is back at SIGCONT.
            self._watches.append(_Watch(t, t if kind.startswith("freeze") else None))

    def _idle(self, seconds: float) -> None:
        """Wait, restoring faults when due and timing the display's recoveries."""
        end = time.monotonic() + seconds
        while True:
            t = time.monotonic()
            for item in sorted(self._restores, key=lambda r: r[0]):
                if item[0] <= t:
                    self._restores.remove(item)
                    self._run_restore(*item[1:])
            self._poll_watches()
            if t >= end:
                return
            time.sleep(min(0.02, end - t))

    def _restore_all(self) -> None:
        for _at, kind, key, restore in sorted(self._restores, key=lambda r: r[0]):
            self._run_restore(kind, key, restore)
        self._restores.clear()

    # -- the display's recovery ---------------------------------------------------------

    def _poll_watches(self) -> None:
        if not self._watches or self.display_node is None:
            return
        if self._faulted & {CENTRAL_ID, "broker"}:
            self._watches.clear()  # down again before recovering: time the next recovery
            return
        t = time.monotonic()
        for w in list(self._watches):
            if w.origin is None:
                w.origin = self.observer.online_since(CENTRAL_ID, w.since)
                if w.origin is None:
                    if t - w.since > 30:
                        self._watches.remove(w)
                        self.result.findings.violations.append(
                            Violation("central_not_back", f"{t - w.since:.1f}s after restore")
                        )
                    continue
            with self.observer.lock:
                snap = self.observer.snapshot
            if snap is not None and self.display_node.view() == snapshot_view(snap):
                self._watches.remove(w)
                self.result.recoveries.append(t - w.origin)
                if t - w.origin > RECOVERY_S:
                    self.result.findings.violations.append(
                        Violation(
                            "display_late",
                            f"display matched central's snapshot {t - w.origin:.2f}s after "
                            f"central was back (limit {RECOVERY_S}s)",
                        )
                    )
            elif t - w.origin > RECOVERY_S + 8:
                self._watches.remove(w)
                self.result.findings.violations.append(
                    Violation(
                        "display_diverged",
                        f"display still differs from central's snapshot {t - w.origin:.1f}s "
                        "after central was back",
                    )
                )

    # -- the end --------------------------------------------------------------------------

    def _settle(self, site: RuntimeSite) -> None:
        """Everything is up again: wait until every kiosk has replayed and printed all it
        holds, and the display has caught up."""
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            self._idle(0.2)
            if (
                not self._offline()
                and all(_kiosk_pending(site.state_dir(k)) == 0 for k in KIOSKS)
                and not self._watches
            ):
                return
        for node in self._offline():
            self.result.findings.violations.append(
                Violation("not_back_online", f"{node}: no birth within {SETTLE_S:.0f}s")
            )
        for k in KIOSKS:
            left = _kiosk_pending(site.state_dir(k))
            if left:
                self.result.findings.violations.append(
                    Violation("not_settled", f"{k}: {left} ticket(s) unreplayed or unprinted")
                )

    def _offline(self) -> list[str]:
        """Nodes without a birth since they (or the broker) were last restored."""
        broker = self._back_at.get("broker", 0.0)
        return [
            n
            for n in self.procs
            if self.observer.online_since(n, max(broker, self._back_at.get(n, 0.0))) is None
        ]

    def _stop_all(self) -> None:
        self._restore_all()
        if self.display_node is not None:
            self.display_node.stop()
        for proc in self.procs.values():
            proc.stop()
        if hasattr(self, "observer"):
            self.observer.link.stop()
        self.broker.stop()

    def _check(self, site: RuntimeSite) -> None:
        found = self.result.findings.violations
        ledger, events = read_ledger(site.state_dir(CENTRAL_ID) / "ledger.sqlite3")
        kiosks = [
            read_kiosk(k, site.state_dir(k) / "outbox.sqlite3", site.run_dir / "printed" / k)
            for k in KIOSKS
        ]
        findings = check(ledger, events, kiosks)
        findings.violations[:0] = found
        self.result.findings = findings


def _tune(site: RuntimeSite) -> None:
    """Chaos presses faster than citizens: a short repeat guard gives more tickets per run.
    Central then must not deliver the site's own device configs, which would put it back."""

    def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(raw)
        path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))

    def kiosk(raw: dict[str, Any]) -> None:
        raw["press"] = {**raw.get("press", {}), "repeat_guard_s": 0.2}
        raw["printer"]["spool_png"] = False  # PNGs cost CPU and prove nothing here

    edit(site.central, lambda raw: raw.pop("device_configs", None))
    for path in site.kiosks:
        edit(path, kiosk)


def _caller_counters(config: Path) -> list[str]:
    return [c.id for c in load_caller_config(config).counters]


def _kiosk_keys(config: Path) -> list[str]:
    return [b.key for b in load_kiosk_config(config).buttons if b.key]


def _kiosk_pending(state_dir: Path) -> int:
    path = state_dir / "outbox.sqlite3"
    if not path.exists():
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = db.execute(
            "SELECT (SELECT COUNT(*) FROM tickets WHERE replayed_at IS NULL OR printed_at IS NULL)"
            " + (SELECT COUNT(*) FROM intents)"
        ).fetchone()
    finally:
        db.close()
    return int(row[0])


def run_seeds(
    seeds: range,
    steps: int,
    run_dir: Path,
    display: bool = True,
    keep: bool = False,
    report: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    results = []
    for seed in seeds:
        res = ChaosRun(seed, steps, run_dir, display=display).run()
        if not res.violations and not keep and res.run_dir is not None:
            shutil.rmtree(res.run_dir, ignore_errors=True)
        results.append(res)
        if report is not None:
            report(res)
    return results
