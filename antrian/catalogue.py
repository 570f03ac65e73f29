"""The hall's catalogue: agencies, services, queues, counters, hours, validated at load."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

Ident = str
IDENT = r"^[a-z0-9][a-z0-9_-]*$"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Indonesia's three time zones, as halls name them.
TIMEZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Service(_Strict):
    id: str = Field(pattern=IDENT, max_length=48)
    name: str = Field(min_length=1, max_length=120)


class Agency(_Strict):
    id: str = Field(pattern=IDENT, max_length=48)
    name: str = Field(min_length=1, max_length=160)
    short: str = Field(min_length=1, max_length=40, description="Printed and shown on boards.")
    services: list[Service] = Field(default_factory=list)


class Queue(_Strict):
    id: str = Field(pattern=IDENT, max_length=48)
    prefix: str = Field(pattern=r"^[A-Z]{1,2}$", description="Letter(s) before the number.")
    agency: str
    name: str = Field(min_length=1, max_length=120)
    services: list[str] = Field(default_factory=list)
    daily_quota: int | None = Field(default=None, ge=1, le=9999)
    last_ticket: time | None = Field(default=None, description="No tickets after this time.")
    priority_allowed: bool = True
    service_standard_min: int = Field(default=15, ge=1, le=480)
    wait_standard_min: int | None = Field(
        default=None,
        ge=1,
        le=480,
        description="The longest wait the service standard promises (minutes from taking "
        "the ticket to the call); reports show the share of tickets called within it.",
    )


class Break(_Strict):
    """A planned pause of a counter, local time, every open day (lunch, prayer)."""

    start: time
    end: time

    @model_validator(mode="after")
    def _order(self) -> Break:
        if self.end <= self.start:
            raise ValueError(f"break end {self.end} must be after its start {self.start}")
        return self


class Counter(_Strict):
    id: str = Field(pattern=IDENT, max_length=48)
    name: str = Field(min_length=1, max_length=60, description="Shown and spoken: 'Loket 3'.")
    queues: list[str] = Field(min_length=1, description="Served queues, in preference order.")
    breaks: list[Break] = Field(
        default_factory=list,
        description="The hall's published break plan for this counter (unstaffed then). "
        "The wait estimate counts on it; leave out breaks that a relief officer covers.",
    )

    @model_validator(mode="after")
    def _breaks_apart(self) -> Counter:
        spans = sorted((b.start, b.end) for b in self.breaks)
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start < end:
                raise ValueError(f"counter {self.id}: breaks overlap at {start}")
        return self


class Officer(_Strict):
    """A name for a sign-in code, so that reports read "Budi Santoso (loket-1-pagi)".

    A roster is a convenience, not access control: codes not in it still sign in.
    """

    id: str = Field(pattern=IDENT, max_length=48, description="The code the officer signs in with.")
    name: str = Field(min_length=1, max_length=120)
    agency: str | None = Field(default=None, description="The agency the officer works for.")


class Hours(_Strict):
    days: list[Weekday] = Field(min_length=1)
    open: time
    close: time

    @model_validator(mode="after")
    def _order(self) -> Hours:
        if self.close <= self.open:
            raise ValueError(f"close {self.close} must be after open {self.open}")
        return self


CallPolicy = Literal["longest_wait", "queue_order"]


class Catalogue(_Strict):
    site: str = Field(pattern=IDENT, max_length=48)
    hall_name: str = Field(min_length=1, max_length=120)
    timezone: Literal["WIB", "WITA", "WIT"]
    hours: list[Hours] = Field(min_length=1)
    holidays: list[date] = Field(default_factory=list)
    call_policy: CallPolicy = Field(
        default="longest_wait",
        description="longest_wait: priority first, then the earliest ticket across the "
        "counter's queues. queue_order: priority first, then the first non-empty queue in "
        "the counter's list.",
    )
    require_officer: bool = Field(
        default=False,
        description="True: a counter with nobody signed in refuses NEXT (officer_required), "
        "so that every call names the officer who served it in the reports.",
    )
    agencies: list[Agency] = Field(min_length=1)
    queues: list[Queue] = Field(min_length=1)
    counters: list[Counter] = Field(min_length=1)
    officers: list[Officer] = Field(
        default_factory=list,
        description="Optional roster: names for sign-in codes, shown in reports. Codes not "
        "in it still sign in and serve.",
    )

    @model_validator(mode="after")
    def _references(self) -> Catalogue:
        def unique(kind: str, ids: list[str]) -> None:
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:
                raise ValueError(f"duplicate {kind} ids: {', '.join(dup)}")

        unique("agency", [a.id for a in self.agencies])
        unique("queue", [q.id for q in self.queues])
        unique("counter", [c.id for c in self.counters])
        unique("queue prefix", [q.prefix for q in self.queues])
        unique("officer", [o.id for o in self.officers])
        agencies = {a.id: a for a in self.agencies}
        for q in self.queues:
            if q.agency not in agencies:
                raise ValueError(f"queue {q.id}: unknown agency {q.agency!r}")
            known = {s.id for s in agencies[q.agency].services}
            for s in q.services:
                if s not in known:
                    raise ValueError(f"queue {q.id}: agency {q.agency} has no service {s!r}")
        for o in self.officers:
            if o.agency is not None and o.agency not in agencies:
                raise ValueError(f"officer {o.id}: unknown agency {o.agency!r}")
        queue_ids = {q.id for q in self.queues}
        for c in self.counters:
            for qid in c.queues:
                if qid not in queue_ids:
                    raise ValueError(f"counter {c.id}: unknown queue {qid!r}")
        served = {qid for c in self.counters for qid in c.queues}
        orphans = sorted(queue_ids - served)
        if orphans:
            raise ValueError(f"no counter serves queue(s) {', '.join(orphans)}")
        return self

    # -- lookups --------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(TIMEZONES[self.timezone])

    def _index(self, attr: str) -> dict[str, Any]:
        """Items by id: a scan per lookup made every ticket and snapshot cost grow with the
        catalogue (a big hall has 105 queues and 60 counters). Kept beside the frozen
        fields as a cache, rebuilt if a copy of the model got other items."""
        items = getattr(self, attr)
        found = self.__dict__.get(f"_index_{attr}")
        if found is None or found[0] is not items:
            found = (items, {x.id: x for x in items})
            self.__dict__[f"_index_{attr}"] = found
        return found[1]

    def queue(self, queue_id: str) -> Queue | None:
        return self._index("queues").get(queue_id)

    def counter(self, counter_id: str) -> Counter | None:
        return self._index("counters").get(counter_id)

    def officer(self, officer_id: str) -> Officer | None:
        return next((o for o in self.officers if o.id == officer_id), None)

    def agency(self, agency_id: str) -> Agency:
        return self._index("agencies")[agency_id]  # type: ignore[no-any-return]

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.tz)

    def business_day(self, at: datetime) -> date:
        return self.local(at).date()

    def hall_open(self, at: datetime) -> bool:
        local = self.local(at)
        if local.date() in self.holidays:
            return False
        day = WEEKDAYS[local.weekday()]
        t = local.time()
        return any(day in h.days and h.open <= t < h.close for h in self.hours)

    def queue_open(self, queue: Queue, at: datetime) -> bool:
        if not self.hall_open(at):
            return False
        return queue.last_ticket is None or self.local(at).time() < queue.last_ticket
