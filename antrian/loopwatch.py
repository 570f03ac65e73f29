"""When a node's loop last came round: what its watchdog heartbeat asks before each ping."""

from __future__ import annotations

import time
from collections.abc import Callable


class LoopWatch:
    """A loop calls came_round() each time round; stalled() once it has not for `stall_s`
    (a video, audio or printer driver hangs), so systemd restarts the node. The clock is
    injected so that a test can let time pass without a slow step making it flaky."""

    def __init__(self, stall_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.stall_s = stall_s
        self.clock = clock
        self.at = clock()

    def came_round(self) -> None:
        self.at = self.clock()

    def stalled(self) -> bool:
        return self.clock() - self.at >= self.stall_s
