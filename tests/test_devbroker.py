"""The test harness's own broker: one process per DevBroker, gone after its with block."""

from __future__ import annotations

from antrian.devbroker import DevBroker


def test_start_twice_is_one_broker_and_the_with_block_ends_it() -> None:
    broker = DevBroker().start()
    proc = broker._proc
    with broker.start() as b:  # started again: the same process, not a second one
        assert b._proc is proc and b.running
    assert proc is not None and proc.poll() is not None and not broker.running
