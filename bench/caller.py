"""Caller figure: from a mock pin's NEXT press to central's call event at a subscriber."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from antrian.mqtt import (
    BrokerSettings,
    Identity,
    MqttLink,
    Requester,
    RequestTimeout,
    new_request_id,
    now,
)
from bench.common import BenchContext, percentile, result
from central.testing import CentralProcess, make_config
from edge.caller import CallerConfig, build_node
from edge.caller._gpio import GpioPanels
from edge.caller.node import CallerNode
from protocol import Topics, decode
from protocol import messages as m

SAMPLES = 500
WARMUP = 30
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


def _idle(node: CallerNode, timeout: float = 2.0) -> None:
    """Wait until the caller has central's reply, so that the next press is not 'busy'."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not node.inspect(lambda: bool(node.panels[COUNTER].pending)):
            return
        time.sleep(0.001)
    raise RuntimeError("caller kept waiting for a reply")


def press_to_event(port: int, state: Path) -> tuple[list[float], list[float]]:
    """Press-to-event samples, and interleaved ones of the same CallNext sent straight from
    a bench client (no caller node), so that the caller's own share can be told apart."""
    central = CentralProcess(make_config(port, state / "central")).start()
    kiosk = _link(port, "bench-kiosk")
    requester = Requester(kiosk)
    sub = _link(port, "bench-sub")
    waiter = CallWaiter()
    sub.subscribe(Topics("demo").events, waiter)
    # double_press_s 0: the bench presses as fast as central answers; the guard only
    # limits how often an officer can call, not how long one call takes.
    cfg = CallerConfig.model_validate(
        {
            "node_id": "bench-caller",
            "site": "demo",
            "broker": {"port": port},
            "state_dir": str(state / "caller"),
            "pins": "mock",
            "double_press_s": 0.0,
            "counters": [{"id": COUNTER, "buttons": {"next": NEXT_PIN}}],
        }
    )
    node = build_node(cfg)
    try:
        kiosk.start()
        sub.start()
        if not (kiosk.wait_connected(5) and sub.wait_connected(5)):
            raise RuntimeError("bench clients could not connect")
        _issue_many(requester, 2 * (SAMPLES + WARMUP) + 5)
        node.start()
        deadline = time.monotonic() + 10
        while not node.inspect(
            lambda: (
                node.panels[COUNTER].central_online and node.panels[COUNTER].snapshot is not None
            )
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("caller did not see central online")
            time.sleep(0.01)
        hw = node.hardware
        assert isinstance(hw, GpioPanels) and hw.pin_factory is not None
        pin = hw.pin_factory.pin(NEXT_PIN)
        pressed, direct = [], []
        for i in range(SAMPLES + WARMUP):
            waiter.event.clear()
            t0 = time.perf_counter()
            pin.drive_low()
            if not waiter.event.wait(2):
                raise RuntimeError(f"press {i}: no ticket_called event")
            pin.drive_high()
            if i >= WARMUP:
                pressed.append((waiter.at - t0) * 1000)
            _idle(node)

            waiter.event.clear()
            t0 = time.perf_counter()
            reply = requester.send(
                m.CallNext(
                    request_id=new_request_id("bench-kiosk"),
                    node_id="bench-kiosk",
                    sent_at=now(),
                    counter=COUNTER,
                )
            )
            if not waiter.event.wait(2):
                raise RuntimeError(f"direct call {i}: no ticket_called event")
            if i >= WARMUP:
                direct.append((waiter.at - t0) * 1000)
            reply.result(2)
        return pressed, direct
    finally:
        node.stop()
        kiosk.stop()
        sub.stop()
        central.stop()


def board_render_ms(frames: int = 200) -> list[float]:
    """One counter-board frame at 800x480 with a new number each time (no text cache hit)."""
    import pygame

    from edge.caller._pygame_screen import draw_tiles
    from edge.caller.panel import BoardView

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
        pressed, direct = press_to_event(ctx.broker.port, Path(tmp))
    p99 = percentile(pressed, 99)
    direct_p99 = percentile(direct, 99)
    floor = ctx.results.get("mqtt_two_hop_floor_p99_ms")
    extra: dict[str, Any] = {"x_floor": round(p99 / floor, 2)} if floor else {}
    yield result(
        "caller_press_to_event_p99_ms",
        p99,
        "ms",
        samples=len(pressed),
        p50_ms=round(percentile(pressed, 50), 3),
        target="<= 3x mqtt_two_hop_floor_p99_ms",
        **extra,
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
    )
    # The screen draws on the node's loop thread: a frame delays a press behind it.
    frames = board_render_ms()
    yield result("caller_board_render_p99_ms", percentile(frames, 99), "ms", size="800x480")
