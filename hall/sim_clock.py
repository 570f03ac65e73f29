"""Simulated time: the day's opening plus real time since the start, times the speed."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from antrian.mqtt import now


@dataclass(frozen=True)
class SimClock:
    """Simulated time = the day's opening + real time since the start x speed."""

    opens_at: datetime
    speed: float
    mono0: float
    wall0: datetime

    @classmethod
    def start(cls, opens_at: datetime, speed: float) -> SimClock:
        return cls(opens_at, speed, time.monotonic(), now())

    def now(self) -> datetime:
        return self.opens_at + timedelta(seconds=(time.monotonic() - self.mono0) * self.speed)

    def deadline(self, at: datetime) -> float:
        """The monotonic moment when the simulated clock shows `at`."""
        return self.mono0 + (at - self.opens_at).total_seconds() / self.speed

    def to_sim(self, wall: datetime) -> datetime:
        """A wall-clock timestamp (central's ledger) as simulated time in the hall's zone."""
        sim = self.opens_at + (wall - self.wall0) * self.speed
        return sim.astimezone(self.opens_at.tzinfo)

    def wait_until(self, at: datetime, stop: threading.Event) -> bool:
        """Sleep until simulated `at`; False when stopped meanwhile."""
        return not stop.wait(max(0.0, self.deadline(at) - time.monotonic()))
