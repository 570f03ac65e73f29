"""Shared benchmark plumbing: the run's context and percentile helpers."""

from __future__ import annotations

import math
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
