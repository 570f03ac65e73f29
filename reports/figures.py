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
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from antrian.catalogue import Catalogue
from reports._ledger import LedgerData, LedgerStream, TicketRecord, TransferRecord
from reports.ikm import Ikm, ikm, minimum_sample

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
    wait_max_min: float | None = None
    standard_min: float | None = None  # the SOP's service minutes (service rows)
    wait_standard_min: float | None = None  # the promised longest wait (service rows)
    # Share of called tickets called within their service's wait standard; None where no
    # ticket's service has one.
    within_wait_standard: float | None = None
    # Officers' rows, from the event log (reports.productivity): hours signed in, minutes
    # paused while signed in, tickets served per hour at work.
    signed_in_h: float | None = None
    paused_min: float | None = None
    tickets_per_h: float | None = None

    @property
    def no_show_share(self) -> float | None:
        called = self.served + self.no_show
        return self.no_show / called if called else None

    @property
    def ikm_coverage(self) -> float | None:
        """Ratings per citizen served: the IKM's sample as a share of its population."""
        if self.satisfaction is None or not self.served:
            return None
        return self.satisfaction.ratings / self.served

    @property
    def ikm_minimum(self) -> int:
        """The ratings PermenPANRB 14/2017 asks for from this many citizens served."""
        return minimum_sample(self.served)

    @property
    def ikm_sample_short(self) -> bool:
        """Rated, but by fewer citizens than the regulation's sample."""
        s = self.satisfaction
        return s is not None and s.ratings < self.ikm_minimum


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
    # Minutes; machine floats, not a Python object per ticket (a year's report, issue 15).
    waits_by_agency: dict[str, Sequence[float]] = field(default_factory=dict)
    days_held: tuple[date, ...] = ()  # an empty period's: every day of the ledger with tickets
    per_day: list[Group] = field(default_factory=list)  # level "day", key the ISO date
    # Per business day and agency: level "day_agency", key "DATE AGENCY", name the agency.
    per_day_agency: list[Group] = field(default_factory=list)
    # A monthly report's previous month (`antrian report --month`), shown beside it.
    previous: Report | None = None

    @property
    def hall(self) -> Group:
        return self.groups["hall"][0]


class _Tally:
    """One row's running figures: counts and the minutes percentiles need, not the
    tickets, so that a year's report holds numbers only (issue 15)."""

    def __init__(self) -> None:
        self.issued = self.served = self.no_show = self.not_served = 0
        self.transfers = self.transferred_in = self.judged = self.within = 0
        self.wait_judged = self.wait_within = 0
        self.waits = array("d")  # minutes, every ticket that was called
        self.services = array("d")  # minutes, served tickets
        self.ratings = array("b")

    def add(
        self,
        t: TicketRecord,
        standard_min: Callable[[str], float | None],
        wait_standard_min: Callable[[str], float | None] = lambda q: None,
    ) -> None:
        if t.wait_s is not None:
            self.waits.append(t.wait_s / 60)
            if (limit := wait_standard_min(t.queue)) is not None:
                self.wait_judged += 1
                self.wait_within += t.wait_s / 60 <= limit
        if t.status == "served":
            self.served += 1
            if t.rating is not None:
                self.ratings.append(t.rating)
            if (s := service_s(t)) is not None:
                self.services.append(s / 60)
                if (std := standard_min(t.queue)) is not None:
                    self.judged += 1
                    self.within += s / 60 <= std
        elif t.status == "no_show":
            self.no_show += 1
        self.not_served += t.status in NOT_SERVED

    def group(
        self,
        level: str,
        key: str,
        name: str,
        issued: bool,
        received: bool,
        standards: tuple[float | None, float | None] = (None, None),
    ) -> Group:
        """`issued`: the row counts issued and not-served tickets (queues and above);
        `received`: it counts transfers in; `standards`: the row's service and wait
        standards (a service's row). An officer's row shows no wait: the waits of the
        tickets an officer called say when the officer worked (the morning rush), not
        how the officer works."""
        waits = array("d") if level == "officer" else self.waits
        return Group(
            level=level,
            key=key,
            name=name,
            issued=self.issued if issued else None,
            served=self.served,
            no_show=self.no_show,
            transfers=self.transfers,
            transferred_in=self.transferred_in if received else None,
            not_served=self.not_served if issued else None,
            wait_mean_min=mean(waits),
            wait_p90_min=p90(waits),
            service_mean_min=mean(self.services),
            service_p90_min=p90(self.services),
            within_standard=self.within / self.judged if self.judged else None,
            satisfaction=ikm(self.ratings),
            wait_max_min=max(waits) if waits else None,
            standard_min=standards[0],
            wait_standard_min=standards[1],
            within_wait_standard=(
                self.wait_within / self.wait_judged
                if self.wait_judged and level != "officer"
                else None
            ),
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


class _FairnessTally:
    """Fairness added up day by day: a line of tickets never spans two business days."""

    def __init__(self) -> None:
        self.pairs = self.overtaken = self.tickets = self.priority = 0
        self.priority_longest: float | None = None

    def add(self, tickets: Iterable[TicketRecord]) -> None:
        lines: dict[tuple[date, str], list[TicketRecord]] = {}
        for t in tickets:
            self.tickets += 1
            if t.priority:
                self.priority += 1
                if t.wait_s is not None:
                    wait = t.wait_s / 60
                    longest = self.priority_longest
                    self.priority_longest = wait if longest is None else max(longest, wait)
            if not t.priority and not t.transfers and t.first_called_at is not None:
                lines.setdefault((t.day, t.queue), []).append(t)
        for line in lines.values():
            line.sort(key=lambda t: (t.issued_at, t.id))
            called = [t.first_called_at for t in line if t.first_called_at is not None]
            self.pairs += _inversions(list(called))
            later_min: datetime | None = None
            for c in reversed(called):
                if later_min is not None and later_min < c:
                    self.overtaken += 1
                later_min = c if later_min is None else min(later_min, c)

    def result(self) -> Fairness:
        return Fairness(
            overtakes=self.pairs,
            overtaken_tickets=self.overtaken,
            priority_tickets=self.priority,
            priority_share=self.priority / self.tickets if self.tickets else None,
            priority_longest_wait_min=self.priority_longest,
        )


def fairness(tickets: Iterable[TicketRecord]) -> Fairness:
    """Overtakes among ordinary tickets: priority and transferred tickets may pass by rule."""
    tally = _FairnessTally()
    tally.add(tickets)
    return tally.result()


def build_report(
    data: LedgerData | LedgerStream, start: date, end: date, catalogue: Catalogue | None = None
) -> Report:
    """Every figure of the report for business days start..end."""
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

    def wait_standard_min(q: str) -> float | None:
        spec = catalogue.queue(q) if catalogue else None
        return float(spec.wait_standard_min) if spec and spec.wait_standard_min else None

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

    # One pass over the period, a day at a time; only each row's numbers are kept.
    hall = _Tally()
    rows: dict[str, dict[str, _Tally]] = {level: {} for level in levels}
    per_day: list[Group] = []
    per_day_agency: list[Group] = []
    per_hour: Counter[int] = Counter()
    waits_by_agency: dict[str, array[float]] = {}
    fair = _FairnessTally()
    days_with_tickets = 0
    for day in data.by_day():
        days_with_tickets += 1
        today = _Tally()
        # Transfers are only those of the period's tickets (by_day), so every row adds up
        # (module docstring).
        today.issued = len(day.tickets)
        today.transfers = today.transferred_in = len(day.transfers)
        by_agency: dict[str, _Tally] = {}
        for t in day.tickets:
            hall.add(t, standard_min, wait_standard_min)
            today.add(t, standard_min, wait_standard_min)
            by_agency.setdefault(agency_of(t.queue), _Tally()).add(
                t, standard_min, wait_standard_min
            )
            by_agency.setdefault(agency_of(t.origin_queue), _Tally()).issued += 1
            for level, (key_of, _name) in levels.items():
                if (k := key_of(t)) is not None:
                    rows[level].setdefault(k, _Tally()).add(t, standard_min, wait_standard_min)
            for level, key in issued_key.items():
                rows[level].setdefault(key(t), _Tally()).issued += 1
            per_hour[t.issued_at.astimezone(tz).hour] += 1
            if t.wait_s is not None:
                name = agency_name(agency_of(t.queue))
                waits_by_agency.setdefault(name, array("d")).append(t.wait_s / 60)
        for tr in day.transfers:
            if across_agencies(tr):
                by_agency.setdefault(agency_of(tr.from_queue), _Tally()).transfers += 1
                by_agency.setdefault(agency_of(tr.to_queue), _Tally()).transferred_in += 1
            for level, key_out in out_key.items():
                if (k := key_out(tr)) is not None:
                    rows[level].setdefault(k, _Tally()).transfers += 1
            for level, key_in in in_key.items():
                if (k := key_in(tr)) is not None:
                    rows[level].setdefault(k, _Tally()).transferred_in += 1
        # In the whole hall every transfer leaves one queue and enters another: it counts
        # as out and in alike, so the hall's row adds up as the queues' rows do.
        hall.issued += len(day.tickets)
        hall.transfers += len(day.transfers)
        hall.transferred_in += len(day.transfers)
        fair.add(day.tickets)
        # Per business day, like the hall's row: how one day compares with the others.
        iso = day.day.isoformat()
        per_day.append(today.group("day", iso, iso, issued=True, received=True))
        for a in sorted(by_agency, key=lambda a: (agency_name(a), a)):
            per_day_agency.append(
                by_agency[a].group(
                    "day_agency", f"{iso} {a}", agency_name(a), issued=True, received=True
                )
            )

    groups: dict[str, list[Group]] = {
        "hall": [
            hall.group(
                "hall", "hall", catalogue.hall_name if catalogue else "", issued=True, received=True
            )
        ]
    }
    for level, (_key, name_of) in levels.items():
        # Officers: names from the roster and bare codes in one alphabetical list, whatever
        # their case ("eko" between "Budi ..." and "Sari ...", not after every name).
        fold = str.casefold if level == "officer" else str
        keys = sorted(rows[level], key=lambda k: (fold(name_of(k)), k))
        groups[level] = [
            rows[level][k].group(
                level,
                k,
                name_of(k),
                issued=level in issued_key,
                received=level in in_key,
                standards=(standard_min(k), wait_standard_min(k))
                if level == "queue"
                else (None, None),
            )
            for k in keys
        ]

    peak = max(sorted(per_hour), key=lambda h: per_hour[h]) if per_hour else None
    return Report(
        start=start,
        end=end,
        hall_name=catalogue.hall_name if catalogue else "",
        days_with_tickets=days_with_tickets,
        # Only an empty period's notice names them; reading them costs a seek per day held.
        days_held=() if days_with_tickets else data.days_held,
        per_day=per_day,
        per_day_agency=per_day_agency,
        groups=groups,
        per_hour=dict(sorted(per_hour.items())),
        peak_hour=peak,
        fairness=fair.result(),
        waits_by_agency=dict(sorted(waits_by_agency.items())),
    )
