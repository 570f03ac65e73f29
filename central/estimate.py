"""Wait estimates for a ticket: pure functions of a snapshot of the hall's load.

The estimate answers "when will a counter call me?". It pools the counters that share
work with the ticket's queue (a counter serving SKCK and SIM calls the longest-waiting
ticket of either, so SIM's line delays SKCK's), charges each ticket ahead the time a
counter really spends on it (from the call to the end, walking and no-shows included),
starts from when each counter is expected to be free and leaves out the time a counter
is away on its planned breaks. docs/reports.md measures it against the naive
people-ahead x mean-service-time estimate.
"""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

RECENT_SAMPLES = 40  # per queue; a day's pace drifts slowly, 20 samples are too noisy
# The queue's service standard counts as this many samples: the first tickets to finish
# in the morning are the short ones (the long ones are still at the desk), so a mean of a
# handful of them runs low.
STANDARD_WEIGHT = 3
SCAN_TICKETS = 2000  # newest tickets searched for the hall's pace: bounded cost
MAX_HANDOVER_S = 120.0
PRIORITY_WINDOW_S = 7200.0
MIN_RATE_SPAN_S = 3600.0  # a rate over less than this is noise: spread over this span
MAX_PRIORITY_LOAD = 0.5
# A busy counter is expected to need at least this share of a mean ticket more when no
# recent ticket ran as long as this one already has.
MIN_RESIDUAL_SHARE = 0.2
# A pause that began up to this long before a planned break is that break (the officer
# left early); a counter away this long past its break or outside a plan is not counted on.
GIVE_UP_AWAY = timedelta(minutes=30)
OVERRUN_S = 120.0  # an officer late back from a planned break: expected any minute
UNPLANNED_PAUSE_S = 600.0  # a pause outside the plan (a prayer, an errand) lasts about this


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
    # Seconds from now until the counter takes tickets: 0 when staffed, the end of its
    # planned break when away on it, None when away for a time nobody announced.
    back_in_s: float | None = 0.0
    busy_queue: str | None = None  # queue of the ticket at the desk, None when idle
    busy_for_s: float = 0.0  # since that ticket was called
    # Planned breaks still to come, (start, end) in seconds from now, sorted: the officer
    # finishes the ticket at the desk, then takes no ticket until the end.
    breaks: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class QueueLoad:
    ahead: int  # tickets of this queue that will be called before the estimated one
    ticket_s: float  # mean counter time per ticket of this queue
    priority_per_s: float = 0.0  # priority arrivals that will still overtake a normal ticket
    samples: tuple[float, ...] = ()  # recent counter times (call to end), newest first


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
    # Tickets issued within the last PRIORITY_WINDOW_S, oldest first: (issued, queue,
    # priority); the window is cut at each estimate, tickets issued since are added.
    window: deque[tuple[datetime, str, bool]] = field(default_factory=deque)
    priority: dict[str, int] = field(default_factory=dict)  # per queue, in the window

    def issued(self, t: TicketLike) -> None:
        """Count a ticket issued after the scan (the scan is redone when tickets finish)."""
        if t.queue not in self.priority:
            return
        entry = (t.issued_at, t.queue, t.priority)
        if self.window and entry[0] < self.window[-1][0]:
            bisect.insort(self.window, entry)  # an offline ticket, replayed late
        else:
            self.window.append(entry)
        self.priority[t.queue] += t.priority

    def priority_per_s(self, queue: str, now: datetime | None) -> float:
        """Priority tickets issued per second, spread over at least MIN_RATE_SPAN_S."""
        if now is None:
            return 0.0
        start = now - timedelta(seconds=PRIORITY_WINDOW_S)
        while self.window and self.window[0][0] < start:
            _, q, prio = self.window.popleft()
            self.priority[q] -= prio
        if not self.window:
            return 0.0
        span = (now - self.window[0][0]).total_seconds()
        return self.priority.get(queue, 0) / max(span, MIN_RATE_SPAN_S)


def history(
    recent_first: Iterable[TicketLike],
    queues: Iterable[str],
    now: datetime | None,
    per_queue: int = RECENT_SAMPLES,
) -> History:
    """Counter time per ticket (call to finish: walking and no-shows included; transferred
    tickets left out, their first counter's share is not recorded), the handover time
    between tickets at a counter, and the priority tickets of the last two hours.

    Reads newest first until every queue has its samples and the window is covered."""
    counter_s: dict[str, list[float]] = {q: [] for q in queues}
    by_counter: dict[str, list[tuple[datetime, datetime]]] = {}
    window: list[tuple[datetime, str, bool]] = []
    short = len(counter_s)  # queues still short of samples
    for t in recent_first:
        if t.queue not in counter_s:
            continue
        in_window = now is not None and (now - t.issued_at).total_seconds() <= PRIORITY_WINDOW_S
        if in_window:
            window.append((t.issued_at, t.queue, t.priority))
        elif short == 0:
            break
        if t.called_at and t.finished_at and t.counter:
            by_counter.setdefault(t.counter, []).append((t.called_at, t.finished_at))
            samples = counter_s[t.queue]
            if t.status in ("served", "no_show") and t.transfers == 0 and len(samples) < per_queue:
                samples.append((t.finished_at - t.called_at).total_seconds())
                short -= len(samples) == per_queue
    gaps = []
    for spans in by_counter.values():
        spans.sort()
        for (_, end), (called, _) in itertools.pairwise(spans):
            gap = (called - end).total_seconds()
            # A longer gap is an idle counter, not a handover.
            if 0 <= gap <= MAX_HANDOVER_S:
                gaps.append(gap)
    priority = dict.fromkeys(counter_s, 0)
    for _, q, prio in window:
        priority[q] += prio
    return History(
        counter_s, statistics.median(gaps) if gaps else 0.0, deque(sorted(window)), priority
    )


def residual_s(samples: Sequence[float], busy_for_s: float, mean_s: float) -> float:
    """Expected rest of a ticket that has run busy_for_s: the mean excess of the recent
    tickets that ran longer (a long service tends to run on: the tail is long)."""
    longer = [s - busy_for_s for s in samples if s > busy_for_s]
    if len(longer) >= 2:
        return sum(longer) / len(longer)
    return max(mean_s - busy_for_s, MIN_RESIDUAL_SHARE * mean_s)


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


# A counter's calls: runs of (first call, number of calls or None for no end), one ticket
# every per_ticket_s within a run; a planned break ends one run and starts the next.
_Runs = list[tuple[float, int | None]]


def _runs(free_s: float, per_ticket_s: float, breaks: Sequence[tuple[float, float]]) -> _Runs:
    runs: _Runs = []
    s = free_s
    for b0, b1 in breaks:
        if b1 <= s:
            continue
        if s < b0:
            n = math.ceil((b0 - s) / per_ticket_s)
            runs.append((s, n))
            s += n * per_ticket_s  # the officer finishes that ticket, then leaves
        s = max(s, b1)
    runs.append((s, None))
    return runs


def _calls_by(runs: _Runs, per_ticket_s: float, t: float) -> int:
    n = 0
    for start, count in runs:
        if t < start:
            break
        k = math.floor((t - start) / per_ticket_s) + 1
        n += k if count is None else min(k, count)
    return n


def _last_call(runs: _Runs, per_ticket_s: float, t: float) -> float:
    last = -math.inf
    for start, count in runs:
        if t < start:
            break
        k = math.floor((t - start) / per_ticket_s)
        last = start + (k if count is None else min(k, count - 1)) * per_ticket_s
    return last


def _kth_start(
    free_s: Sequence[float],
    per_ticket_s: float,
    k: int,
    breaks: Sequence[Sequence[tuple[float, float]]] = (),
) -> float:
    """When the k-th ticket in line (0 = first) is called, if every counter calls the
    next ticket as soon as it is free (and back from its breaks) and each ticket takes
    per_ticket_s."""
    plans = breaks or [()] * len(free_s)
    if per_ticket_s <= 0:
        per_ticket_s = 1e-6
    runs = [_runs(f, per_ticket_s, b) for f, b in zip(free_s, plans, strict=True)]
    lo = min(r[0][0] for r in runs)
    if k == 0:
        return lo
    hi = max(r[-1][0] for r in runs) + (k + 1) * per_ticket_s
    # Bisection to well under a second; then snap to the call the counters produce.
    while hi - lo > 0.25:
        mid = (lo + hi) / 2
        if sum(_calls_by(r, per_ticket_s, mid) for r in runs) >= k + 1:
            hi = mid
        else:
            lo = mid
    return max(_last_call(r, per_ticket_s, hi) for r in runs)


def wait_s(queue: str, counters: Sequence[CounterLoad], loads: Mapping[str, QueueLoad]) -> float:
    """Expected seconds until the ticket is called. For a priority ticket, give every
    QueueLoad a priority_per_s of 0."""
    queues, members = component(counters, queue)
    working = [c for c in members if c.back_in_s is not None]
    if not working:
        # Every counter away for a time nobody announced: assume they come back now.
        working = [CounterLoad(c.id, c.queues, 0.0, c.busy_queue, c.busy_for_s) for c in members]
    if not working:
        return 0.0
    free = []
    for c in working:
        back = c.back_in_s or 0.0
        busy = loads.get(c.busy_queue) if c.busy_queue is not None else None
        if busy is not None:
            back = max(back, residual_s(busy.samples, c.busy_for_s, busy.ticket_s))
        free.append(back)
    ahead = sum(loads[q].ahead for q in queues if q in loads)
    work = sum(loads[q].ahead * loads[q].ticket_s for q in queues if q in loads)
    per_ticket = work / ahead if ahead else 0.0
    start = _kth_start(free, per_ticket, ahead, [c.breaks for c in working])
    # Priority tickets taken while this one waits are called first: each one that comes
    # in adds its counter time, shared by the working counters (capped: a priority rush
    # does not last all day). The median number (Poisson) fitted no better than the mean.
    load = sum(loads[q].priority_per_s * loads[q].ticket_s for q in queues if q in loads)
    return start / (1 - min(MAX_PRIORITY_LOAD, load / len(working)))
