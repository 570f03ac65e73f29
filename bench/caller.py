"""Caller figure: from a mock pin's NEXT press to central's call event at a subscriber."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygame
import yaml

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
from bench.common import BenchContext, percentile, result
from bench.floor import InterleavedFloor, beside
from central.testing import CentralProcess, make_config
from edge.caller import CallerConfig
from edge.caller._keyboard import TAP_S
from edge.caller._pygame_screen import draw_tiles
from edge.caller.panel import BoardView
from protocol import Topics, decode, encode
from protocol import messages as m

SAMPLES = 400
WARMUP = 20
COUNTER = "loket-4"  # serves samsat, which has no daily quota
NEXT_PIN = 17


class CallWaiter:
    """Records when the subscriber receives each ticket_called event of the counter."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.at = 0.0

    def __call__(self, topic: str, payload: bytes) -> None:
        at = time.perf_counter()
        ev = decode(m.Event, payload)
        if ev.kind == "ticket_called" and ev.counter == COUNTER:
            self.at = at
            self.event.set()


def _link(port: int, node_id: str) -> MqttLink:
    lk = MqttLink(BrokerSettings(port=port), Topics("demo"), Identity(node_id, "tool", 1))
    return lk


def _issue_many(req: Requester, n: int) -> None:
    done = 0
    deadline = time.monotonic() + 60
    while done < n:
        if time.monotonic() > deadline:
            raise RuntimeError("central did not take the tickets in time")
        try:
            r = req.call(
                m.IssueTicket(
                    request_id=new_request_id("bench-kiosk"),
                    node_id="bench-kiosk",
                    sent_at=now(),
                    queue="samsat",
                ),
                1.0,
            )
        except RequestTimeout:
            continue  # central still starting
        if not r.ok:
            raise RuntimeError(f"issue refused: {r.refusal}")
        done += 1


def _caller_process(port: int, state: Path) -> NodeProcess:
    """`antrian caller` in its own process, as on its own Pi: in this process it would
    share a GIL with the subscriber that times the event, which no deployment does. Its
    simulated keyboard (stdin) drives the same mock pins a finger would."""
    cfg = CallerConfig.model_validate(
        {
            "node_id": "bench-caller",
            "site": "demo",
            "broker": {"port": port},
            "state_dir": str(state / "caller"),
            "pins": "mock",
            # 0: the bench presses as fast as central answers; the guard only limits how
            # often an officer can call, not how long one call takes.
            "double_press_s": 0.0,
            "counters": [{"id": COUNTER, "buttons": {"next": NEXT_PIN}}],
        }
    )
    path = state / "caller.yaml"
    path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")))
    return NodeProcess("caller", path, keyboard=True)


def _press(node: NodeProcess, waiter: CallWaiter, timeout: float = 2.0) -> float | None:
    """One NEXT press; ms from writing the key to the event at the subscriber."""
    waiter.event.clear()
    t0 = time.perf_counter()
    node.press(f"{COUNTER} next")
    if not waiter.event.wait(timeout):
        return None
    at = waiter.at
    # The keyboard holds the pin for TAP_S; the next press must find it released and the
    # reply in (it comes with the event), or the caller would count it as busy.
    time.sleep(GAP_S)
    return (at - t0) * 1000


GAP_S = TAP_S + 0.02


def press_to_event(port: int, state: Path) -> tuple[list[float], list[float], list[float]]:
    """Press-to-event samples, interleaved with the same CallNext sent straight from a
    bench client (no caller node), so that the caller's own share can be told apart, and
    with the two-hop floor after the same gap: a press comes after seconds of quiet, when
    every process on the path sleeps and each of its thread wake-ups costs more than in a
    back-to-back loop (measured here: the same relay is ~2.5x slower at p50 after a 70 ms
    gap than back to back)."""
    central = CentralProcess(make_config(port, state / "central")).start()
    kiosk = _link(port, "bench-kiosk")
    requester = Requester(kiosk)
    sub = _link(port, "bench-sub")
    direct_link = _link(port, "bench-direct")
    topics = Topics("demo")
    waiter = CallWaiter()
    sub.subscribe(topics.events, waiter)
    node = _caller_process(port, state)
    paced = InterleavedFloor(port, hops=2)
    try:
        for lk in (kiosk, sub, direct_link):
            lk.start()
        if not all(lk.wait_connected(5) for lk in (kiosk, sub, direct_link)):
            raise RuntimeError("bench clients could not connect")
        _issue_many(requester, 2 * (SAMPLES + WARMUP) + 50)
        node.start()
        deadline = time.monotonic() + 20
        while _press(node, waiter, 0.5) is None:  # until the caller is up and sees central
            if time.monotonic() > deadline or not node.running:
                raise RuntimeError(f"caller did not call within 20 s; see {node.log_path}")
        pressed, direct = [], []
        for i in range(SAMPLES + WARMUP):
            sample = _press(node, waiter)
            if sample is None:
                raise RuntimeError(f"press {i}: no ticket_called event; see {node.log_path}")
            if i >= WARMUP:
                pressed.append(sample)

            # The direct call's reply goes to a link nobody in this process subscribes to:
            # only the subscriber wakes here, as with the caller's presses.
            call = m.CallNext(
                request_id=new_request_id("bench-direct"),
                node_id="bench-direct",
                sent_at=now(),
                counter=COUNTER,
            )
            waiter.event.clear()
            t0 = time.perf_counter()
            direct_link.publish(topics.request("bench-direct"), encode(call))
            if not waiter.event.wait(2):
                raise RuntimeError(f"direct call {i}: no ticket_called event")
            if i >= WARMUP:
                direct.append((waiter.at - t0) * 1000)
            time.sleep(GAP_S)  # as cold as a press: the same gap before each
            paced.sample()
            time.sleep(GAP_S)
        return pressed, direct, paced.samples[WARMUP:]
    finally:
        paced.stop()
        node.stop()
        for lk in (kiosk, sub, direct_link):
            lk.stop()
        central.stop()


def board_render_ms(frames: int = 200) -> list[float]:
    """One counter-board frame at 800x480 with a new number each time (no text cache hit)."""

    pygame.font.init()
    surface = pygame.Surface((800, 480))
    samples = []
    for i in range(frames):
        snap = m.CounterSnapshot(
            seq=i,
            counter=COUNTER,
            name="Loket 4",
            state="calling",
            officer="budi",
            ticket=m.TicketInfo(
                ticket_id=f"t-{i}",
                label=f"D{i:03d}",
                queue="samsat",
                queue_name="Pajak Kendaraan",
                agency="Samsat",
                number=i + 1,
                business_day=now().date(),
                priority=False,
                status="called",
                issued_at=now(),
                offline=False,
                people_ahead=0,
            ),
            queues=["samsat", "pos"],
        )
        view = BoardView(snap, offline=False, notice=None, error=False)
        t0 = time.perf_counter()
        draw_tiles(surface, [view], "id")
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def run(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="antrian-bench-caller-") as tmp:
        pressed, direct, paced = press_to_event(ctx.broker.port, Path(tmp))
    p99 = percentile(pressed, 99)
    direct_p99 = percentile(direct, 99)
    paced_p99 = percentile(paced, 99)
    yield result(
        "caller_press_to_event_p99_ms",
        p99,
        "ms",
        samples=len(pressed),
        p50_ms=round(percentile(pressed, 50), 3),
        gap_s=GAP_S,
        target="<= 3x the two-hop floor sampled beside it",
        **beside(pressed, paced, hops=2),
    )
    yield result(
        "mqtt_two_hop_floor_paced_p99_ms",
        paced_p99,
        "ms",
        samples=len(paced),
        p50_ms=round(percentile(paced, 50), 3),
        gap_s=GAP_S,
        note="the two-hop floor sampled between the presses, after the same idle gap",
    )
    # The same CallNext without the caller node: central's commit and two hops. The
    # difference to the figure above is what the caller itself adds.
    yield result(
        "caller_direct_call_to_event_p99_ms",
        direct_p99,
        "ms",
        samples=len(direct),
        p50_ms=round(percentile(direct, 50), 3),
        caller_share_p50_ms=round(percentile(pressed, 50) - percentile(direct, 50), 3),
        **beside(direct, paced, hops=2),
    )
    # The screen draws on the node's loop thread: a frame delays a press behind it.
    frames = board_render_ms()
    yield result("caller_board_render_p99_ms", percentile(frames, 99), "ms", size="800x480")
