"""The node runtime: one loop thread takes items in order, and the start-up every node shares."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from antrian.runtime import EXIT_FAILED, EventLoopWatch, NodeLoop, run_async_node, run_node
from tests.waiting import eventually


def test_items_are_handled_in_order_on_the_loop_thread_and_a_failure_is_not_fatal() -> None:
    seen: list[tuple[object, str]] = []
    ticks: list[int] = []

    def handle(item: object) -> None:
        if item == "bad":
            raise ValueError("a bug in one press")
        seen.append((item, threading.current_thread().name))

    loop = NodeLoop("test-loop", handle, lambda: ticks.append(1), tick_s=0.01)
    loop.start()
    for item in (1, "bad", 2, 3):
        loop.put(item)
    assert loop.inspect(lambda: len(seen)) == 3
    assert seen == [(1, "test-loop"), (2, "test-loop"), (3, "test-loop")]
    assert eventually(lambda: len(ticks) > 5)  # timers run without items too
    assert loop.healthy()
    loop.stop()
    assert not loop.healthy()


def test_a_setup_that_fails_is_reported_and_the_loop_does_not_run() -> None:
    def no_screen() -> None:
        raise RuntimeError("no display")

    loop = NodeLoop("test-loop", lambda item: None, lambda: None, tick_s=0.01)
    loop.start(setup=no_screen)
    assert loop.ready.wait(2)
    assert isinstance(loop.error, RuntimeError)
    assert eventually(lambda: not loop.healthy())


class _Node:
    def __init__(self, fail_start: bool = False) -> None:
        self.fail_start = fail_start
        self.failed = threading.Event()
        self.stopped = 0

    def start(self) -> None:
        if self.fail_start:
            raise RuntimeError("the counter screen did not open")

    def stop(self) -> None:
        self.stopped += 1

    def healthy(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _keep_signal_handlers() -> Iterator[None]:
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for s, h in handlers.items():
        signal.signal(s, h)


def test_a_node_that_cannot_start_exits_1_and_is_stopped(caplog: pytest.LogCaptureFixture) -> None:
    node = _Node(fail_start=True)
    assert run_node(node, "never shown") == 1
    assert node.stopped == 1
    assert "could not start: the counter screen did not open" in caplog.text


def test_an_internal_failure_exits_for_a_restart_and_sigterm_stops_cleanly() -> None:
    node = _Node()
    threading.Timer(0.2, node.failed.set).start()
    assert run_node(node, "running", failed=node.failed) == EXIT_FAILED
    assert node.stopped == 1

    node = _Node()
    threading.Timer(0.2, signal.raise_signal, args=(signal.SIGTERM,)).start()
    assert run_node(node, "running") == 0
    assert node.stopped == 1


class _AsyncNode:
    def __init__(self, fail_start: bool = False) -> None:
        self.fail_start = fail_start
        self.stopped = 0

    async def start(self) -> None:
        if self.fail_start:
            raise RuntimeError("port 8080 is taken")

    async def stop(self) -> None:
        self.stopped += 1

    def healthy(self) -> bool:
        return True


def test_an_asyncio_node_starts_and_stops_like_the_others(caplog: pytest.LogCaptureFixture) -> None:
    node = _AsyncNode(fail_start=True)
    assert asyncio.run(run_async_node(node, lambda: "never shown")) == 1
    assert node.stopped == 1
    assert "could not start: port 8080 is taken" in caplog.text

    async def failing() -> int:
        failed = asyncio.Event()
        asyncio.get_running_loop().call_later(0.2, failed.set)
        return await run_async_node(node, lambda: "running", failed=failed)

    node = _AsyncNode()
    assert asyncio.run(failing()) == EXIT_FAILED
    assert node.stopped == 1

    # SIGTERM goes through the event loop: the node stops, and the process is not killed
    # by the signal afterwards (its goodbyes are done).
    node = _AsyncNode()
    threading.Timer(0.2, signal.raise_signal, args=(signal.SIGTERM,)).start()
    assert asyncio.run(run_async_node(node, lambda: "running")) == 0
    assert node.stopped == 1


def test_a_blocked_event_loop_is_unhealthy_and_healthy_again_once_it_comes_round() -> None:
    async def main() -> list[bool]:
        watch = EventLoopWatch(tick_s=0.01, stall_s=0.2)
        watch.start()
        await asyncio.sleep(0.05)
        seen = [watch.healthy()]
        time.sleep(0.3)  # a handler that blocks the loop: nothing comes round
        seen.append(watch.healthy())
        await asyncio.sleep(0.05)
        seen.append(watch.healthy())
        await watch.stop()
        seen.append(watch.healthy())
        return seen

    assert asyncio.run(main()) == [True, False, True, False]
