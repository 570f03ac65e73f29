"""Shared benchmark plumbing: the run's context, percentile helpers and waiting."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from antrian.devbroker import DevBroker


@dataclass
class BenchContext:
    broker: DevBroker
    results: dict[str, float] = field(default_factory=dict)


def percentile(values: list[float], p: float) -> float:
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def result(name: str, value: float, unit: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "value": round(value, 4), "unit": unit}
    out.update(extra)
    return out


def wait_until(
    what: str, cond: Callable[[], bool], timeout: float = 20.0, every: float = 0.005
) -> None:
    """Poll `cond` until it holds; RuntimeError naming `what` after `timeout` seconds (the
    runner names the module that failed)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(every)
