"""Wait estimates for a ticket: pure functions of a snapshot of the hall's load.

The estimate answers "when will a counter call me?". It pools the counters that share
work with the ticket's queue (a counter serving SKCK and SIM calls the longest-waiting
ticket of either, so SIM's line delays SKCK's), charges each ticket ahead the time a
counter really spends on it (from the call to the end, walking and no-shows included),
starts from when each counter is expected to be free and leaves out the time a counter
is away on its planned breaks. Priority citizens who come while the ticket waits are
called first. The wait is a distribution, not a point: the minute printed is the one the
real wait most often falls near. docs/reports.md measures it against the naive
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
# The queue's service standard, scaled by the hall's pace today, counts as this many
# samples: a quiet queue sees a handful of tickets a morning, and the first to finish are
# the short ones (the long ones are still at the desk), so their mean alone runs low.
STANDARD_WEIGHT = 8
# The hall's pace (counter time / service standard, over all queues) starts from the
# standards themselves, counted as this many samples.
PACE_WEIGHT = 5.0
SCAN_TICKETS = 2000  # newest tickets searched for the hall's pace: bounded cost
MAX_HANDOVER_S = 120.0
# An officer's own pace counts against this many samples at the queue's pace.
OFFICER_WEIGHT = 16.0
# Arrival rates and the priority share are read over the tickets of the last two hours;
# a rate over less than MIN_RATE_SPAN_S is noise: spread over this span.
RATE_WINDOW_S = 7200.0
MIN_RATE_SPAN_S = 3600.0
# How far ahead the last two hours' rate holds: the morning rush fades by noon, so the
# priority citizens still to come are counted as if the rate decayed with this time
# constant (a wait of three hours sees far fewer than three times the last hour's).
RATE_HORIZON_S = 5400.0
# A busy counter is expected to need at least this share of a mean ticket more when no
# recent ticket ran as long as this one already has.
MIN_RESIDUAL_SHARE = 0.2
# A pause that began up to this long before a planned break is that break (the officer
# left early); a counter away this long past its break or outside a plan is not counted on.
GIVE_UP_AWAY = timedelta(minutes=30)
OVERRUN_S = 120.0  # an officer late back from a planned break: expected any minute
UNPLANNED_PAUSE_S = 600.0  # a pause outside the plan (a prayer, an errand) lasts about this
MAX_ABSENT_S = 7200.0  # a counter away all along is expected back within two hours
ABSENT_FLOOR_S = 1800.0
# The spread of one ticket's counter time: the recent samples' variance, with this
# coefficient of variation counted as PRIOR_WEIGHT samples (two samples say little).
PRIOR_CV = 0.5
PRIOR_WEIGHT = 3.0
MEAN_ERROR = 0.08  # relative error of a mean of some 40 samples of that spread
MAX_JUMPS = 8  # priority arrivals weighed one by one in the printed minute's choice
FIXED_POINT_ROUNDS = 6
# The printed range: these quantiles of the forecast, widened (the forecast's spread
# knows only the service times, not breaks or arrivals it cannot see), rounded outwards
# to RANGE_STEP_MIN. Chosen on the tuning seeds for RANGE_COVERAGE, measured in bench.eta.
RANGE_COVERAGE = 0.80
RANGE_LOW_Q = 0.10
RANGE_HIGH_Q = 0.92
RANGE_WIDEN_LOW = 1.0
RANGE_WIDEN_HIGH = 1.0
RANGE_STEP_MIN = 5
QUANTILE_TOLERANCE_S = 30.0


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
    # The officer at the desk: their counter time / the queue's (1.0 for a new officer).
    pace: float = 1.0
    # For a counter not counted on (back_in_s None): how long it has been away or unstaffed
    # today. Used only when no counter of the pool works: it is expected back in as long.
    absent_s: float = 0.0


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


class _Window:
    """Tickets issued within the last RATE_WINDOW_S, oldest first, counted per queue: all
    of them and the priority ones. Cut at each estimate; tickets issued since are added."""

    def __init__(self, queues: Iterable[str], pooled: frozenset[str] = frozenset()) -> None:
        self.tickets: deque[tuple[datetime, str, bool]] = deque()
        self.count = dict.fromkeys(queues, 0)
        self.priority = dict(self.count)
        # Totals over the `pooled` queues, kept as tickets come and go: summing them per
        # estimate cost a big hall (100 queues taking priority) its catalogue's square.
        self.pooled = pooled
        self.pooled_count = 0
        self.pooled_priority = 0

    def add(self, issued_at: datetime, queue: str, priority: bool) -> None:
        entry = (issued_at, queue, priority)
        if self.tickets and issued_at < self.tickets[-1][0]:
            bisect.insort(self.tickets, entry)  # an offline ticket, replayed late
        else:
            self.tickets.append(entry)
        self.count[queue] += 1
        self.priority[queue] += priority
        if queue in self.pooled:
            self.pooled_count += 1
            self.pooled_priority += priority

    def cut(self, now: datetime) -> float:
        """Drop what is older than the window; the span the rest covers (seconds)."""
        start = now - timedelta(seconds=RATE_WINDOW_S)
        while self.tickets and self.tickets[0][0] < start:
            _, q, prio = self.tickets.popleft()
            self.count[q] -= 1
            self.priority[q] -= prio
            if q in self.pooled:
                self.pooled_count -= 1
                self.pooled_priority -= prio
        return (now - self.tickets[0][0]).total_seconds() if self.tickets else 0.0

    def at(self, now: datetime) -> list[tuple[datetime, str, bool]]:
        """The tickets issued at `now`: the one being estimated, which says nothing about
        how fast tickets come (the window ends with it; counting it inflates a quiet
        queue's rate by half)."""
        return list(itertools.takewhile(lambda e: e[0] >= now, reversed(self.tickets)))


@dataclass
class History:
    """What the recent tickets tell about the hall's pace."""

    counter_s: dict[str, list[float]]  # per queue: counter time per ticket, newest first
    handover_s: float  # median pause between one ticket's end and the next call
    window: _Window  # the tickets of the last RATE_WINDOW_S
    priority_queues: frozenset[str]  # the queues that take priority tickets
    # Per queue, the officer who served each of counter_s's samples (None: unknown).
    officers: dict[str, list[str | None]] = field(default_factory=dict)

    def issued(self, t: TicketLike) -> None:
        """Count a ticket issued after the scan (the scan is redone when tickets finish)."""
        if t.queue in self.counter_s:
            self.window.add(t.issued_at, t.queue, t.priority)

    def priority_per_s(self, queue: str, now: datetime | None) -> float:
        """Priority tickets expected per second: the queue's recent arrival rate x the
        priority share of the recent tickets, pooled over every queue that takes them (a
        queue sees two or three a day, too few to judge alone)."""
        if now is None or queue not in self.priority_queues:
            return 0.0
        span = self.window.cut(now)
        fresh = self.window.at(now)
        queues = self.priority_queues
        w = self.window
        if w.pooled is queues:
            n, prio = w.pooled_count, w.pooled_priority
        else:
            n = sum(w.count[q] for q in queues)
            prio = sum(w.priority[q] for q in queues)
        n -= sum(q in queues for _, q, _ in fresh)
        prio -= sum(p for _, _, p in fresh)
        count = w.count[queue] - sum(q == queue for _, q, _ in fresh)
        if n <= 0 or span <= 0:
            return 0.0
        return count / max(span, MIN_RATE_SPAN_S) * prio / n


def history(
    recent_first: Iterable[TicketLike],
    queues: Iterable[str],
    now: datetime | None,
    per_queue: int = RECENT_SAMPLES,
    priority_queues: Iterable[str] | None = None,
) -> History:
    """Counter time per ticket (call to finish: walking and no-shows included; transferred
    tickets left out, their first counter's share is not recorded), the handover time
    between tickets at a counter, and the tickets issued in the last two hours.
    `priority_queues`: the queues that take priority tickets (default: all).

    Reads newest first until every queue has its samples and the window is covered."""
    counter_s: dict[str, list[float]] = {q: [] for q in queues}
    officers: dict[str, list[str | None]] = {q: [] for q in counter_s}
    by_counter: dict[str, list[tuple[datetime, datetime]]] = {}
    issued: list[tuple[datetime, str, bool]] = []
    short = len(counter_s)  # queues still short of samples
    for t in recent_first:
        if t.queue not in counter_s:
            continue
        in_window = now is not None and (now - t.issued_at).total_seconds() <= RATE_WINDOW_S
        if in_window:
            issued.append((t.issued_at, t.queue, t.priority))
        elif short == 0:
            break
        if t.called_at and t.finished_at and t.counter:
            by_counter.setdefault(t.counter, []).append((t.called_at, t.finished_at))
            samples = counter_s[t.queue]
            if t.status in ("served", "no_show") and t.transfers == 0 and len(samples) < per_queue:
                samples.append((t.finished_at - t.called_at).total_seconds())
                officers[t.queue].append(getattr(t, "officer", None))
                short -= len(samples) == per_queue
    gaps = []
    for spans in by_counter.values():
        spans.sort()
        for (_, end), (called, _) in itertools.pairwise(spans):
            gap = (called - end).total_seconds()
            # A longer gap is an idle counter, not a handover.
            if 0 <= gap <= MAX_HANDOVER_S:
                gaps.append(gap)
    prio = frozenset(counter_s if priority_queues is None else priority_queues)
    window = _Window(counter_s, pooled=prio)
    for entry in sorted(issued):
        window.add(*entry)
    handover = statistics.median(gaps) if gaps else 0.0
    return History(counter_s, handover, window, prio, officers)


def ticket_times(
    samples: Mapping[str, Sequence[float]], standard_s: Mapping[str, float], handover_s: float
) -> dict[str, float]:
    """Counter time per ticket of each queue, the handover included: the mean of its
    recent samples, with its service standard x the hall's pace counted as STANDARD_WEIGHT
    more. The pace (counter time / standard over every queue's samples) is today's: a
    quiet queue with three samples learns from the busy ones how far ahead of the
    standards the officers run."""
    ratios = [x / standard_s[q] for q, xs in samples.items() for x in xs]
    pace = (sum(ratios) + PACE_WEIGHT) / (len(ratios) + PACE_WEIGHT)
    out = {}
    for q, xs in samples.items():
        prior = pace * standard_s[q]
        out[q] = handover_s + (sum(xs) + STANDARD_WEIGHT * prior) / (len(xs) + STANDARD_WEIGHT)
    return out


def paced_ticket_times(
    samples: Mapping[str, Sequence[float]],
    officers: Mapping[str, Sequence[str | None]],
    standard_s: Mapping[str, float],
    handover_s: float,
) -> tuple[dict[str, float], dict[str, float], dict[str, list[float]]]:
    """(counter time per ticket of each queue at an ordinary officer's pace, each
    officer's pace, the samples at an ordinary pace). The queue's mean is taken over
    samples divided by their officer's pace, so that a slow officer who has left does not
    slow the queue's estimate for the next hour, nor a fast one speed it up."""
    first = ticket_times(samples, standard_s, handover_s)
    service = {q: max(1.0, v - handover_s) for q, v in first.items()}
    paces = officer_paces(samples, officers, service)
    plain = {
        q: [
            x / paces.get(who or "", 1.0)
            for x, who in zip(xs, [*officers.get(q, ()), *[None] * len(xs)], strict=False)
        ]
        for q, xs in samples.items()
    }
    return ticket_times(plain, standard_s, handover_s), paces, plain


def officer_paces(
    samples: Mapping[str, Sequence[float]],
    officers: Mapping[str, Sequence[str | None]],
    mean_s: Mapping[str, float],
) -> dict[str, float]:
    """Each officer's counter time / their queues' mean, over today's samples, shrunk
    towards 1.0 (OFFICER_WEIGHT samples of an ordinary officer): a new officer starts at
    the queue's pace, and a slow one shows after a handful of services."""
    ratios: dict[str, list[float]] = {}
    for q, xs in samples.items():
        for x, who in zip(xs, officers.get(q, ()), strict=False):
            if who is not None and mean_s.get(q):
                ratios.setdefault(who, []).append(x / mean_s[q])
    return {
        who: (sum(rs) + OFFICER_WEIGHT) / (len(rs) + OFFICER_WEIGHT) for who, rs in ratios.items()
    }


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
    paces: Sequence[float] = (),
) -> float:
    """When the k-th ticket in line (0 = first) is called, if every counter calls the
    next ticket as soon as it is free (and back from its breaks) and each ticket takes
    per_ticket_s x the counter's officer's pace."""
    plans = breaks or [()] * len(free_s)
    per = [max(per_ticket_s * p, 1e-6) for p in paces or [1.0] * len(free_s)]
    runs = [_runs(f, x, b) for f, x, b in zip(free_s, per, plans, strict=True)]
    lo = min(r[0][0] for r in runs)
    if k == 0:
        return lo
    hi = max(r[-1][0] for r in runs) + (k + 1) * max(per)
    # Bisection to well under a second; then snap to the call the counters produce.
    while hi - lo > 0.25:
        mid = (lo + hi) / 2
        if sum(_calls_by(r, x, mid) for r, x in zip(runs, per, strict=True)) >= k + 1:
            hi = mid
        else:
            lo = mid
    return max(_last_call(r, x, hi) for r, x in zip(runs, per, strict=True))


@dataclass(frozen=True)
class Forecast:
    """The wait as a distribution: a base wait (the tickets ahead), plus a Poisson number
    of priority tickets that come in while this one waits, each a jump of counter time."""

    base_s: float  # until the call if no priority ticket came in
    base_var: float  # its variance (s^2): the spread of the counter times ahead
    arrivals: float  # expected number of priority tickets called first
    jump_s: float  # the pool's time each one takes (its counter time / counters)
    jump_var: float

    @property
    def mean_s(self) -> float:
        return self.base_s + self.arrivals * self.jump_s


def _spread(load: QueueLoad) -> float:
    """Variance of one ticket's counter time in this queue (s^2)."""
    n = len(load.samples)
    prior = (PRIOR_CV * load.ticket_s) ** 2
    if n < 2:
        return prior
    mean = sum(load.samples) / n
    ss = sum((x - mean) ** 2 for x in load.samples)
    return (ss + PRIOR_WEIGHT * prior) / (n - 1 + PRIOR_WEIGHT)


def _to_come(wait_s: float) -> float:
    """The seconds of today's recent rate that the next wait_s seconds hold."""
    return RATE_HORIZON_S * -math.expm1(-wait_s / RATE_HORIZON_S)


def forecast(
    queue: str, counters: Sequence[CounterLoad], loads: Mapping[str, QueueLoad]
) -> Forecast:
    """The wait's distribution. For a priority ticket, give every QueueLoad a
    priority_per_s of 0."""
    queues, members = component(counters, queue)
    working = [c for c in members if c.back_in_s is not None]
    if not working:
        # Every counter away or unstaffed for a time nobody announced: each is expected
        # back in as long as it has been away so far (an officer not in by 09:00 is not
        # expected at 09:01, nor at noon).
        working = [
            CounterLoad(
                c.id,
                c.queues,
                min(max(c.absent_s, ABSENT_FLOOR_S), MAX_ABSENT_S),
                c.busy_queue,
                c.busy_for_s,
                c.breaks,
                c.pace,
            )
            for c in members
        ]
    if not working:
        return Forecast(0.0, 0.0, 0.0, 0.0, 0.0)
    # The pool's throughput in ordinary officers: a slow officer counts as less than one.
    n_eff = sum(1.0 / max(c.pace, 0.1) for c in working)
    mine = [loads[q] for q in queues if q in loads]
    free = []
    var = 0.0
    for c in working:
        back = c.back_in_s or 0.0
        busy = loads.get(c.busy_queue) if c.busy_queue is not None else None
        if busy is not None:
            own = [x * c.pace for x in busy.samples]
            back = max(back, residual_s(own, c.busy_for_s, busy.ticket_s * c.pace))
            var += _spread(busy) * c.pace * c.pace
        free.append(back)
    ahead = sum(ql.ahead for ql in mine)
    work = sum(ql.ahead * ql.ticket_s for ql in mine)
    per_ticket = work / ahead if ahead else 0.0
    start = _kth_start(
        free, per_ticket, ahead, [c.breaks for c in working], [c.pace for c in working]
    )
    # The counters share the tickets ahead: their spread adds up, divided among them.
    var += sum(ql.ahead * _spread(ql) for ql in mine)
    var = var / (n_eff * n_eff) + (MEAN_ERROR * start) ** 2
    # Priority tickets taken while this one waits are called first: each one that comes
    # in adds its counter time, shared by the working counters, and lengthens the wait in
    # which more come.
    rate = sum(ql.priority_per_s for ql in mine)
    if rate <= 0:
        return Forecast(start, var, 0.0, 0.0, 0.0)
    jump = sum(ql.priority_per_s * ql.ticket_s for ql in mine) / rate / n_eff
    jump_var = sum(ql.priority_per_s * _spread(ql) for ql in mine) / rate / (n_eff * n_eff)
    arrivals = 0.0
    for _ in range(FIXED_POINT_ROUNDS):
        arrivals = rate * _to_come(start + arrivals * jump)
    return Forecast(start, var, arrivals, jump, jump_var)


def wait_s(queue: str, counters: Sequence[CounterLoad], loads: Mapping[str, QueueLoad]) -> float:
    """Expected seconds until the ticket is called (see forecast)."""
    return forecast(queue, counters, loads).mean_s


def _normal_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def _poisson(mean: float) -> list[float]:
    """P(0), P(1), ... until what is left out is under 0.5 % (at most MAX_JUMPS + 1)."""
    p = math.exp(-mean)
    out = [p]
    total = p
    while total < 0.995 and len(out) <= MAX_JUMPS:
        p *= mean / len(out)
        out.append(p)
        total += p
    return out


def _terms(f: Forecast) -> list[tuple[float, float, float]]:
    """(probability, mu, sigma) of the lognormal base wait for each number of priority
    tickets that may come; sigma 0 for a wait known to the second (mu is then the wait)."""
    out = []
    for k, pk in enumerate(_poisson(f.arrivals)):
        mean = f.base_s + k * f.jump_s
        var = f.base_var + k * f.jump_var
        if mean <= 1.0 or var <= 0:
            out.append((pk, mean, 0.0))
            continue
        s2 = math.log1p(var / (mean * mean))
        out.append((pk, math.log(mean) - s2 / 2, math.sqrt(s2)))
    return out


@dataclass(frozen=True)
class Estimate:
    """What the ticket and board show: the point (the median wait, which minimizes the
    mean absolute error) and a range the wait falls in about RANGE_COVERAGE of the time,
    in whole minutes, the range rounded outwards to RANGE_STEP_MIN."""

    minutes: int
    low_min: int
    high_min: int


def _cdf(terms: Sequence[tuple[float, float, float]], x: float) -> float:
    if x <= 0:
        return 0.0
    lx = math.log(x)
    p = 0.0
    for pk, mu, s in terms:
        if s == 0.0:
            p += pk * (mu <= x)
        else:
            p += pk * _normal_cdf((lx - mu) / s)
    return p


def quantile_s(f: Forecast, q: float, within_s: float = QUANTILE_TOLERANCE_S) -> float:
    """The wait (seconds) that a share q of the forecast's distribution does not exceed,
    to within `within_s` (the range is printed in 5-minute steps: bisection to half a
    minute costs about ten evaluations of the distribution)."""
    terms = _terms(f)
    target = q * sum(pk for pk, _, _ in terms)
    lo, hi = 0.0, max(60.0, 2 * f.mean_s)
    while _cdf(terms, hi) < target and hi < 1e6:
        lo, hi = hi, hi * 2
    while hi - lo > within_s:
        mid = (lo + hi) / 2
        if _cdf(terms, mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def estimate(
    queue: str,
    counters: Sequence[CounterLoad],
    loads: Mapping[str, QueueLoad],
) -> Estimate:
    """The point and the range to print (see Estimate)."""
    f = forecast(queue, counters, loads)
    if f.mean_s <= 0:
        return Estimate(0, 0, RANGE_STEP_MIN)
    mid = f.mean_s / 60
    lo = quantile_s(f, RANGE_LOW_Q) * RANGE_WIDEN_LOW / 60
    hi = quantile_s(f, RANGE_HIGH_Q) * RANGE_WIDEN_HIGH / 60
    step = RANGE_STEP_MIN
    low = int(math.floor(lo / step) * step)
    high = max(int(math.ceil(hi / step) * step), low + step)
    return Estimate(round(mid), low, high)
