"""The report's figures from ledger records: pure, so that a scripted day checks them exactly.

Attribution: a ticket counts as issued in the queue where it was taken, and as served,
no-show, not served, waited, rated in the queue, counter and officer that finished it
(its whole wait, every leg, goes to that queue). A transfer counts as transferred out
for the queue, counter and officer that sent the ticket away and as transferred in for
the queue that received it; for agencies only when it crosses from one agency to
another. So per agency and per queue:

    issued + transferred in = served + no-show + transferred out + not served
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from antrian.catalogue import Catalogue
from reports._ledger import LedgerData, TicketRecord, TransferRecord
from reports.ikm import Ikm, ikm

DEFAULT_TZ = ZoneInfo("Asia/Jakarta")
LEVELS = ("hall", "agency", "queue", "counter", "officer")
# Tickets the day did not finish: expired at the day's end, or still in the hall when the
# report ran (today's ledger).
NOT_SERVED = frozenset({"expired", "waiting", "called", "serving"})


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile: the smallest value that 90 % do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def service_s(t: TicketRecord) -> float | None:
    """Time at the desk of a served ticket, in its last queue."""
    if t.status != "served" or t.finished_at is None:
        return None
    start = t.started_at or t.called_at
    # After a transfer the ledger keeps the first desk's start; the last call bounds it.
    if t.called_at is not None and (start is None or start < t.called_at) and t.transfers:
        start = t.called_at
    return (t.finished_at - start).total_seconds() if start else None


@dataclass(frozen=True)
class Group:
    level: str
    key: str
    name: str
    issued: int | None  # None for counters and officers: tickets are issued to queues
    served: int
    no_show: int
    transfers: int  # transferred out
    transferred_in: int | None  # None for counters and officers: transfers go to queues
    not_served: int | None  # None for counters and officers, as issued
    wait_mean_min: float | None
    wait_p90_min: float | None
    service_mean_min: float | None
    service_p90_min: float | None
    within_standard: float | None  # share of served tickets, None without a standard
    satisfaction: Ikm | None

    @property
    def no_show_share(self) -> float | None:
        called = self.served + self.no_show
        return self.no_show / called if called else None


@dataclass(frozen=True)
class Fairness:
    overtakes: int  # pairs: a later ticket of the same queue called before an earlier one
    overtaken_tickets: int
    priority_tickets: int
    priority_share: float | None
    priority_longest_wait_min: float | None


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    hall_name: str
    days_with_tickets: int
    groups: dict[str, list[Group]]
    per_hour: dict[int, int]  # local hour -> tickets issued
    peak_hour: int | None
    fairness: Fairness
    waits_by_agency: dict[str, list[float]] = field(default_factory=dict)  # minutes
    days_held: tuple[date, ...] = ()  # every day of the whole ledger with tickets
    per_day: list[Group] = field(default_factory=list)  # level "day", key the ISO date

    @property
    def hall(self) -> Group:
        return self.groups["hall"][0]


def _group(
    level: str,
    key: str,
    name: str,
    issued: int | None,
    done: list[TicketRecord],
    transfers: int,
    transferred_in: int | None,
    standard_min: Callable[[str], float | None],
) -> Group:
    served = [t for t in done if t.status == "served"]
    waits = [t.wait_s / 60 for t in done if t.wait_s is not None]
    services = [(t, s / 60) for t in served if (s := service_s(t)) is not None]
    judged = [(m, std) for t, m in services if (std := standard_min(t.queue)) is not None]
    return Group(
        level=level,
        key=key,
        name=name,
        issued=issued,
        served=len(served),
        no_show=sum(t.status == "no_show" for t in done),
        transfers=transfers,
        transferred_in=transferred_in,
        not_served=None if issued is None else sum(t.status in NOT_SERVED for t in done),
        wait_mean_min=mean(waits),
        wait_p90_min=p90(waits),
        service_mean_min=mean([m for _, m in services]),
        service_p90_min=p90([m for _, m in services]),
        within_standard=sum(m <= std for m, std in judged) / len(judged) if judged else None,
        satisfaction=ikm(t.rating for t in served if t.rating is not None),
    )


def _inversions(seq: list[datetime]) -> int:
    """Pairs i < j with seq[j] < seq[i], by merge sort."""
    if len(seq) < 2:
        return 0
    mid = len(seq) // 2
    left, right = seq[:mid], seq[mid:]
    count = _inversions(left) + _inversions(right)
    left.sort()
    right.sort()
    j = 0
    for x in left:
        while j < len(right) and right[j] < x:
            j += 1
        count += j
    return count


def fairness(tickets: Iterable[TicketRecord]) -> Fairness:
    """Overtakes among ordinary tickets: priority and transferred tickets may pass by rule."""
    all_tickets = list(tickets)
    lines: dict[tuple[date, str], list[TicketRecord]] = {}
    for t in all_tickets:
        if not t.priority and not t.transfers and t.first_called_at is not None:
            lines.setdefault((t.day, t.queue), []).append(t)
    pairs = overtaken = 0
    for line in lines.values():
        line.sort(key=lambda t: (t.issued_at, t.id))
        called = [t.first_called_at for t in line if t.first_called_at is not None]
        pairs += _inversions(list(called))
        later_min: datetime | None = None
        for c in reversed(called):
            if later_min is not None and later_min < c:
                overtaken += 1
            later_min = c if later_min is None else min(later_min, c)
    priority = [t for t in all_tickets if t.priority]
    waits = [t.wait_s / 60 for t in priority if t.wait_s is not None]
    return Fairness(
        overtakes=pairs,
        overtaken_tickets=overtaken,
        priority_tickets=len(priority),
        priority_share=len(priority) / len(all_tickets) if all_tickets else None,
        priority_longest_wait_min=max(waits) if waits else None,
    )


def build_report(
    data: LedgerData, start: date, end: date, catalogue: Catalogue | None = None
) -> Report:
    """Every figure of the report for business days start..end."""
    tickets = data.tickets
    tz = catalogue.tz if catalogue else DEFAULT_TZ

    def queue_name(q: str) -> str:
        spec = catalogue.queue(q) if catalogue else None
        return f"{spec.prefix} {spec.name}" if spec else q

    def agency_of(q: str) -> str:
        spec = catalogue.queue(q) if catalogue else None
        return spec.agency if spec else data.agency_of_queue.get(q, q)

    def agency_name(a: str) -> str:
        if catalogue is None:
            return a
        known = {x.id: x.short for x in catalogue.agencies}
        return known.get(a, a)

    def counter_name(c: str) -> str:
        spec = catalogue.counter(c) if catalogue else None
        return spec.name if spec else c

    def officer_name(o: str) -> str:
        # The code too: it is what the officer typed, and tells two namesakes apart. Codes
        # not in the roster (or without a catalogue) stay as they are.
        spec = catalogue.officer(o) if catalogue else None
        return f"{spec.name} ({o})" if spec else o

    def standard_min(q: str) -> float | None:
        spec = catalogue.queue(q) if catalogue else None
        return float(spec.service_standard_min) if spec else None

    # Only transfers of the period's tickets, so that every row adds up (module docstring).
    known = {t.id for t in tickets}
    moves = [tr for tr in data.transfers if tr.ticket_id in known]

    def transfers_by(key: Callable[[TransferRecord], str | None]) -> Counter[str]:
        return Counter(k for tr in moves if (k := key(tr)) is not None)

    def across_agencies(tr: TransferRecord) -> bool:
        return agency_of(tr.from_queue) != agency_of(tr.to_queue)

    levels: dict[str, tuple[Callable[[TicketRecord], str | None], Callable[[str], str]]] = {
        "agency": (lambda t: agency_of(t.queue), agency_name),
        "queue": (lambda t: t.queue, queue_name),
        "counter": (lambda t: t.counter, counter_name),
        "officer": (lambda t: t.officer, officer_name),
    }
    issued_key: dict[str, Callable[[TicketRecord], str]] = {
        "agency": lambda t: agency_of(t.origin_queue),
        "queue": lambda t: t.origin_queue,
    }
    # A transfer between two queues of one agency stays inside that agency's rows.
    out_key: dict[str, Callable[[TransferRecord], str | None]] = {
        "agency": lambda tr: agency_of(tr.from_queue) if across_agencies(tr) else None,
        "queue": lambda tr: tr.from_queue,
        "counter": lambda tr: tr.counter,
        "officer": lambda tr: tr.officer,
    }
    in_key: dict[str, Callable[[TransferRecord], str | None]] = {
        "agency": lambda tr: agency_of(tr.to_queue) if across_agencies(tr) else None,
        "queue": lambda tr: tr.to_queue,
    }

    groups: dict[str, list[Group]] = {
        # In the whole hall every transfer leaves one queue and enters another: it counts
        # as out and in alike, so the hall's row adds up as the queues' rows do.
        "hall": [
            _group(
                "hall",
                "hall",
                catalogue.hall_name if catalogue else "",
                len(tickets),
                tickets,
                len(moves),
                len(moves),
                standard_min,
            )
        ]
    }
    for level, (key_of, name_of) in levels.items():
        done: dict[str, list[TicketRecord]] = {}
        for t in tickets:
            k = key_of(t)
            if k is not None:
                done.setdefault(k, []).append(t)
        issued: Counter[str] = Counter()
        if level in issued_key:
            issued = Counter(issued_key[level](t) for t in tickets)
        moved_out = transfers_by(out_key[level])
        moved_in = transfers_by(in_key[level]) if level in in_key else Counter[str]()
        # Officers: names from the roster and bare codes in one alphabetical list, whatever
        # their case ("eko" between "Budi ..." and "Sari ...", not after every name).
        fold = str.casefold if level == "officer" else str
        keys = sorted(
            set(done) | set(issued) | set(moved_out) | set(moved_in),
            key=lambda k: (fold(name_of(k)), k),
        )
        groups[level] = [
            _group(
                level,
                k,
                name_of(k),
                issued.get(k, 0) if level in issued_key else None,
                done.get(k, []),
                moved_out.get(k, 0),
                moved_in.get(k, 0) if level in in_key else None,
                standard_min,
            )
            for k in keys
        ]

    # Per business day, like the hall's row: how one day compares with the others.
    by_day: dict[date, list[TicketRecord]] = {}
    for t in tickets:
        by_day.setdefault(t.day, []).append(t)
    per_day = []
    for day, ts in sorted(by_day.items()):
        ids = {t.id for t in ts}
        n_moves = sum(tr.ticket_id in ids for tr in moves)
        per_day.append(
            _group(
                "day", day.isoformat(), day.isoformat(), len(ts), ts, n_moves, n_moves, standard_min
            )
        )

    per_hour = Counter(t.issued_at.astimezone(tz).hour for t in tickets)
    peak = max(sorted(per_hour), key=lambda h: per_hour[h]) if per_hour else None
    waits_by_agency: dict[str, list[float]] = {}
    for t in tickets:
        if t.wait_s is not None:
            name = agency_name(agency_of(t.queue))
            waits_by_agency.setdefault(name, []).append(t.wait_s / 60)
    return Report(
        start=start,
        end=end,
        hall_name=catalogue.hall_name if catalogue else "",
        days_with_tickets=len({t.day for t in tickets}),
        days_held=data.days_held,
        per_day=per_day,
        groups=groups,
        per_hour=dict(sorted(per_hour.items())),
        peak_hour=peak,
        fairness=fairness(tickets),
        waits_by_agency=dict(sorted(waits_by_agency.items())),
    )
