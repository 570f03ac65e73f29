"""The collector as nodes run it: start-up objects frozen, young collections when idle."""

from __future__ import annotations

import gc

from antrian import gctune


def test_settle_freezes_start_up_and_idle_collects_the_young() -> None:
    before = gc.get_threshold()
    try:
        gctune.settle()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == gctune.YOUNG_THRESHOLD
        young = [[i] for i in range(gctune.IDLE_YOUNG * 2)]  # tracked containers
        assert gc.get_count()[0] > gctune.IDLE_YOUNG  # no forced collection took them
        gctune.IdleCollector().collect()
        assert gc.get_count()[0] < gctune.IDLE_YOUNG
        assert len(young) == gctune.IDLE_YOUNG * 2
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
