"""Wait estimates for a ticket: pure functions of a snapshot of the hall's load.

The estimate answers "when will a counter call me?". It pools the counters that share
work with the ticket's queue (a counter serving SKCK and SIM calls the longest-waiting
ticket of either, so SIM's line delays SKCK's), charges each ticket ahead the time a
counter really spends on it (from the call to the end, walking and no-shows included),
and starts from when each busy counter is expected to be free. docs/reports.md measures
it against the naive people-ahead x mean-service-time estimate.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

RECENT_SAMPLES = 20
SCAN_TICKETS = 400  # newest tickets searched for the hall's pace: bounded cost
MAX_HANDOVER_S = 120.0
PRIORITY_WINDOW_S = 7200.0
MIN_RATE_SPAN_S = 900.0  # a priority rate from less than this is noise
MAX_PRIORITY_LOAD = 0.5
# A busy counter is expected to need at least this share of a mean ticket more: past
# the mean, a long service tends to run on (service times have a long right tail).
MIN_RESIDUAL_SHARE = 0.2


class TicketLike(Protocol):
    """The fields of central.hall.Ticket the estimate reads (read-only)."""

    @property
    def queue(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def priority(self) -> bool: ...
    @property
    def transfers(self) -> int: ...
    @property
    def counter(self) -> str | None: ...
    @property
    def issued_at(self) -> datetime: ...
    @property
    def called_at(self) -> datetime | None: ...
    @property
    def finished_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class CounterLoad:
    id: str
    queues: tuple[str, ...]
    open: bool
    busy_queue: str | None = None  # queue of the ticket at the desk, None when idle
    busy_for_s: float = 0.0  # since that ticket was called


@dataclass(frozen=True)
class QueueLoad:
    ahead: int  # tickets of this queue that will be called before the estimated one
    ticket_s: float  # mean counter time per ticket of this queue
    priority_per_s: float = 0.0  # priority arrivals that will still overtake a normal ticket


def naive_wait_min(
    ahead: int, service_samples: Sequence[float], standard_s: float, open_counters: int
) -> int:
    """People ahead x mean recent service time / open counters: the baseline."""
    mean_s = sum(service_samples) / len(service_samples) if service_samples else standard_s
    return math.ceil(ahead * mean_s / max(1, open_counters) / 60)


@dataclass
class History:
    """What the recent tickets tell about the hall's pace."""

    counter_s: dict[str, list[float]]  # per queue: counter time per ticket, newest first
    handover_s: float  # median pause between one ticket's end and the next call
    priority_per_s: dict[str, float]  # per queue: priority tickets issued per second


def history(
    recent_first: Iterable[TicketLike],
    queues: Iterable[str],
    now: datetime | None,
    per_queue: int = RECENT_SAMPLES,
) -> History:
    """Counter time per ticket (call to finish: walking and no-shows included; transferred
    tickets left out, their first counter's share is not recorded), the handover time
    between tickets at a counter, and the recent rate of priority tickets."""
    counter_s: dict[str, list[float]] = {q: [] for q in queues}
    by_counter: dict[str, list[tuple[datetime, datetime]]] = {}
    priority: dict[str, int] = dict.fromkeys(counter_s, 0)
    oldest = now
    for t in recent_first:
        if t.queue not in counter_s:
            continue
        if now is not None and (now - t.issued_at).total_seconds() <= PRIORITY_WINDOW_S:
            oldest = t.issued_at if oldest is None else min(oldest, t.issued_at)
            priority[t.queue] += t.priority
        if t.called_at and t.finished_at and t.counter:
            by_counter.setdefault(t.counter, []).append((t.called_at, t.finished_at))
            samples = counter_s[t.queue]
            if t.status in ("served", "no_show") and t.transfers == 0 and len(samples) < per_queue:
                samples.append((t.finished_at - t.called_at).total_seconds())
    gaps = []
    for spans in by_counter.values():
        spans.sort()
        for (_, end), (called, _) in itertools.pairwise(spans):
            gap = (called - end).total_seconds()
            # A longer gap is an idle counter, not a handover.
            if 0 <= gap <= MAX_HANDOVER_S:
                gaps.append(gap)
    span = (now - oldest).total_seconds() if now and oldest else 0.0
    rate = {q: n / span if span >= MIN_RATE_SPAN_S else 0.0 for q, n in priority.items()}
    return History(counter_s, statistics.median(gaps) if gaps else 0.0, rate)


def component(counters: Sequence[CounterLoad], queue: str) -> tuple[set[str], list[CounterLoad]]:
    """The queues and counters that share work with `queue`, through shared counters."""
    queues = {queue}
    members: list[CounterLoad] = []
    grew = True
    while grew:
        grew = False
        for c in counters:
            if c not in members and queues.intersection(c.queues):
                members.append(c)
                queues.update(c.queues)
                grew = True
    return queues, members


def _kth_start(free_s: Sequence[float], per_ticket_s: float, k: int) -> float:
    """When the k-th ticket in line (0 = first) is called, if every counter calls the
    next ticket as soon as it is free and each ticket takes per_ticket_s."""
    if k == 0 or per_ticket_s <= 0:
        return min(free_s)

    def started_by(t: float) -> int:
        return sum(math.floor((t - f) / per_ticket_s) + 1 for f in free_s if t >= f)

    lo, hi = min(free_s), max(free_s) + (k + 1) * per_ticket_s
    for _ in range(60):
        mid = (lo + hi) / 2
        if started_by(mid) >= k + 1:
            hi = mid
        else:
            lo = mid
    # hi sits just above the true start; snap it to the start that the counters produce.
    return max(f + math.floor((hi - f) / per_ticket_s) * per_ticket_s for f in free_s if hi >= f)


def wait_s(queue: str, counters: Sequence[CounterLoad], loads: Mapping[str, QueueLoad]) -> float:
    """Expected seconds until the ticket is called. For a priority ticket, give every
    QueueLoad a priority_per_s of 0."""
    queues, members = component(counters, queue)
    working = [c for c in members if c.open] or members  # all paused: they come back
    if not working:
        return 0.0
    free = []
    for c in working:
        if c.busy_queue is None:
            free.append(0.0)
        else:
            mean = loads[c.busy_queue].ticket_s if c.busy_queue in loads else 0.0
            free.append(max(mean - c.busy_for_s, MIN_RESIDUAL_SHARE * mean))
    ahead = sum(loads[q].ahead for q in queues if q in loads)
    work = sum(loads[q].ahead * loads[q].ticket_s for q in queues if q in loads)
    per_ticket = work / ahead if ahead else 0.0
    start = _kth_start(free, per_ticket, ahead)
    # Priority tickets taken while this one waits are called first: each one that comes
    # in adds its service time, shared by the working counters (capped: a priority rush
    # does not last all day).
    load = sum(loads[q].priority_per_s * loads[q].ticket_s for q in queues if q in loads)
    return start / (1 - min(MAX_PRIORITY_LOAD, load / len(working)))
