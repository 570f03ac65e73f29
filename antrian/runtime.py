"""What every node runs the same way: its loop thread (inbox, timers, idle collection, the
stall check behind its health), following its delivered config, and its start-up (signals,
the collector settled, systemd's heartbeat). Each node keeps only what is its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import signal
import threading
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from antrian import gctune
from antrian.delivery import ConfigCache, ConfigOutcome, ConfigReceiver, follow
from antrian.loopwatch import LoopWatch
from antrian.mqtt import MqttLink
from antrian.watchdog import Heartbeat, StartupGrace

log = logging.getLogger(__name__)

LOOP_STALL_S = 30.0  # longer than any one step of a node's loop; longer means it hangs
EXIT_FAILED = 70  # EX_SOFTWARE: systemd restarts the unit (Restart=on-failure)

Config = TypeVar("Config", bound=BaseModel)
_STOP = object()


class NodeLoop:
    """A node's one loop thread. Everything that arrives (a press from a pin's thread, a
    message from paho's, a reply, a delivered config) is put in the inbox and handled here
    in order, so the node's state needs no locks. After each item, or after `tick_s`
    without one, the node's timers run; a tick without an item is idle time, when the
    collector runs. One failing item is logged, not fatal: the buttons keep working."""

    def __init__(
        self,
        name: str,
        handle: Callable[[Any], None],
        tick: Callable[[], None],
        tick_s: float,
        idle: Callable[[], None] | None = None,
        stall_s: float = LOOP_STALL_S,
    ) -> None:
        self.name = name
        self.handle = handle
        self.tick = tick
        self.tick_s = tick_s
        self.idle = idle
        self.watch = LoopWatch(stall_s)
        self.collector = gctune.IdleCollector()
        self.ready = threading.Event()  # set once `setup` has run (or failed)
        self.error: BaseException | None = None  # what `setup` raised
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._again = False  # run the timers again once the inbox is served, not idle

    def start(
        self,
        setup: Callable[[], None] | None = None,
        teardown: Callable[[], None] | None = None,
    ) -> None:
        """Run `setup` on the loop's thread (a screen belongs to the thread that opened it),
        then loop until stop(); `teardown` runs on the way out."""
        self._thread = threading.Thread(
            target=self._run, args=(setup, teardown), name=self.name, daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._inbox.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    def put(self, item: Any) -> None:
        """Hand an item to the loop (from any thread)."""
        self._inbox.put(item)

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the loop's thread, between items."""
        self._inbox.put(_Call(fn))

    def inspect(self, fn: Callable[[], object], timeout: float = 2.0) -> object:
        """Evaluate `fn` on the loop's thread and return its result (tests and tools)."""
        done: Future[object] = Future()
        self.call_soon(lambda: done.set_result(fn()))
        return done.result(timeout)

    def again(self) -> None:
        """On the loop's thread: run the timers again right after what waits in the inbox,
        rather than after a tick (long work done in slices: its next slice)."""
        self._again = True

    def pending(self) -> bool:
        """Something waits in the inbox: long work yields to it (a press during a replay)."""
        return not self._inbox.empty()

    def came_round(self) -> None:
        """Long work inside one item (a replayed backlog) is progress, not a hang."""
        self.watch.came_round()

    def healthy(self) -> bool:
        """The loop runs and came round lately: systemd's watchdog restarts a node whose
        loop hangs (a screen or printer driver), which then rebuilds from disk."""
        thread = self._thread
        return thread is not None and thread.is_alive() and not self.watch.stalled()

    def _run(self, setup: Callable[[], None] | None, teardown: Callable[[], None] | None) -> None:
        try:
            if setup is not None:
                setup()
        except Exception as exc:  # e.g. no screen on a Pi without one attached
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        try:
            while True:
                self.watch.came_round()
                again, self._again = self._again, False
                try:
                    item = self._inbox.get_nowait() if again else self._inbox.get(
                        timeout=self.tick_s)  # fmt: skip
                except queue.Empty:
                    item = None
                if item is _STOP:
                    break
                try:
                    if item is None:
                        # Nothing came for a tick: collect now. (Work done in slices is
                        # not an idle moment.)
                        if not again:
                            if self.idle is not None:
                                self.idle()
                            self.collector.collect()
                    elif isinstance(item, _Call):
                        item.fn()
                    else:
                        self.handle(item)
                    self.tick()
                except Exception:
                    log.exception("%s failed on %r", self.name, item)
        finally:
            if teardown is not None:
                teardown()


class _Call:
    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[], None]) -> None:
        self.fn = fn

    def __repr__(self) -> str:
        return f"call {self.fn!r}"


def start_config(
    model: type[Config],
    node_id: str,
    state_dir: Path,
    apply: Callable[[Config, int | None], None],
) -> ConfigReceiver:
    """The receiver of config/{node_id}, with the last good delivered config (no broker
    needed) applied at once, before the node's loop runs."""
    rx = ConfigReceiver(node_id, model, ConfigCache(state_dir / "config.json"))
    cached = rx.current()
    if isinstance(cached, model):
        apply(cached, rx.version)
    return rx


def follow_config(
    link: MqttLink,
    model: type[Config],
    node_id: str,
    state_dir: Path,
    apply: Callable[[Config, int | None], None],
    hand_over: Callable[[Callable[[], None]], None],
) -> ConfigReceiver:
    """Start from the last good delivered config (no broker needed), then follow
    config/{node_id}; a rejected config leaves the running one in place. `apply` runs at
    once for the cached config (before the node's loop runs) and, through `hand_over`, on
    the node's loop for each delivered one."""
    rx = start_config(model, node_id, state_dir, apply)

    def delivered(outcome: ConfigOutcome) -> None:
        new = outcome.config
        if outcome.applied and isinstance(new, model):
            version = outcome.version
            hand_over(lambda: apply(new, version))

    follow(link, rx, delivered)
    return rx


def live(current: Config, new: Config, names: Iterable[str]) -> Config:
    """`current` with the settings `names` taken from a delivered config; the others (pins,
    screen, printer) stay bound to the device's own config file."""
    return current.model_copy(update={k: getattr(new, k) for k in names})


def bound_differ(current: Config, new: Config, taken: Iterable[str]) -> list[str]:
    """The settings of a delivered config that differ from the running one but were not
    taken (`taken`: the live ones and the device's identity): the node logs them, so that
    a technician knows what the delivery did not change."""
    skip = set(taken)
    return [k for k in type(new).model_fields if k not in skip
            and getattr(new, k) != getattr(current, k)]  # fmt: skip


class Node(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def healthy(self) -> bool: ...


def run_node(
    node: Node,
    banner: str,
    stop: threading.Event | None = None,
    main_loop: Callable[[], None] | None = None,
    failed: threading.Event | None = None,
    started: Callable[[], None] | None = None,
) -> int:
    """A node's start-up, the same for every role: SIGTERM and SIGINT stop it; once started,
    what it loaded is frozen out of later collections and systemd's heartbeat follows its
    health. `main_loop` runs on this (the main) thread until `stop` is set (a pygame
    window must); `failed` makes it exit with EXIT_FAILED so that systemd restarts it.
    A node that cannot start says why and exits 1."""
    stop = stop or threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        with StartupGrace():  # a long start (a big ledger) asks systemd for more time
            node.start()
    except Exception as exc:
        log.error("could not start: %s", exc)
        with contextlib.suppress(Exception):  # release what did start; the rest never was
            node.stop()
        return 1
    gctune.settle()  # what the node loaded at start is never garbage
    heartbeat = Heartbeat(node.healthy)
    heartbeat.start()
    log.info("%s", banner)
    if started is not None:
        started()
    code = 0
    try:
        if main_loop is not None:
            main_loop()
        else:
            while not stop.wait(0.5):
                if failed is not None and failed.is_set():
                    log.error("stopped after an internal error; exiting so that it restarts")
                    code = EXIT_FAILED
                    break
    finally:
        heartbeat.stop()
        node.stop()
    return code


# -- asyncio nodes (the web node) -------------------------------------------------------


class EventLoopWatch:
    """The stall check of an asyncio node: a task comes round every `tick_s` and marks the
    watch; a handler that blocks the event loop (a slow disk, a CPU-bound render) stops
    the marks, healthy() turns False and systemd's watchdog restarts the node."""

    def __init__(self, tick_s: float = 0.5, stall_s: float = LOOP_STALL_S) -> None:
        self.tick_s = tick_s
        self.watch = LoopWatch(stall_s)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.watch.came_round()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="loop-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def healthy(self) -> bool:
        task = self._task
        return task is not None and not task.done() and not self.watch.stalled()

    async def _run(self) -> None:
        while True:
            self.watch.came_round()
            await asyncio.sleep(self.tick_s)


class AsyncNode(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def healthy(self) -> bool: ...


async def run_async_node(
    node: AsyncNode,
    banner: Callable[[], str],
    stop: asyncio.Event | None = None,
    failed: asyncio.Event | None = None,
    watch: EventLoopWatch | None = None,
) -> int:
    """run_node for a node that lives on an asyncio loop (run it with asyncio.run): the
    same start-up and exit codes. SIGTERM and SIGINT set `stop` through the loop (the node
    must not install its own handlers); the heartbeat also asks whether the event loop
    came round lately. `banner` is called once started (it may name the bound port)."""
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    failed = failed or asyncio.Event()
    watch = watch or EventLoopWatch()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    watch.start()
    try:
        try:
            with StartupGrace():
                await node.start()
        except Exception as exc:
            log.error("could not start: %s", exc)
            with contextlib.suppress(Exception):
                await node.stop()
            return 1
        gctune.settle()
        heartbeat = Heartbeat(lambda: watch.healthy() and node.healthy())
        heartbeat.start()
        log.info("%s", banner())
        code = 0
        try:
            await _first(stop.wait(), failed.wait())
            if failed.is_set() and not stop.is_set():
                log.error("stopped after an internal error; exiting so that it restarts")
                code = EXIT_FAILED
        finally:
            heartbeat.stop()  # STOPPING=1 before the goodbyes, which may take a while
            await node.stop()
        return code
    finally:
        await watch.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def _first(*waits: Awaitable[object]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
