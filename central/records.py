"""The hall's records: tickets, counters, leases, the waiting lanes of a queue, and what
one operation did (an Outcome) or why it was refused."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from protocol import messages as m
from protocol.refusals import refusal

MAX_NUMBER = 9999  # four digits at most on a ticket and in the voice


@dataclass(slots=True)
class Ticket:
    id: str
    origin_queue: str
    queue: str
    number: int
    prefix: str
    day: date
    priority: bool
    status: m.TicketStatus
    issued_at: datetime
    offline: bool = False
    node_id: str = ""
    request_id: str | None = None
    counter: str | None = None
    officer: str | None = None
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    recalls: int = 0
    transfers: int = 0
    rating: int | None = None

    @property
    def label(self) -> str:
        return f"{self.prefix}{self.number:03d}"

    @property
    def key(self) -> tuple[datetime, str]:
        # Place in a queue: by original issue time, so offline tickets merge where they
        # belong and a transferred ticket keeps the place its issue time gives it.
        return (self.issued_at, self.id)


@dataclass
class CounterRuntime:
    id: str
    paused: bool = False
    officer: str | None = None
    ticket_id: str | None = None
    since: datetime | None = None


@dataclass
class Lease:
    id: str
    node_id: str
    queue: str
    day: date
    first: int
    last: int
    granted_at: datetime


@dataclass
class Outcome:
    """What one request did: the reply, and everything the ledger must persist."""

    reply: m.Reply
    events: list[m.Event] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    counters: list[CounterRuntime] = field(default_factory=list)
    leases: list[Lease] = field(default_factory=list)
    numbering: dict[tuple[date, str], int] = field(default_factory=dict)
    # Requests answered by this outcome without being applied: a late copy of one is a
    # duplicate and gets this reply (see central._leasing.replay).
    aliases: list[m.Reply] = field(default_factory=list)
    # The supervisors' settings (Hall.supervision()) when this outcome changed them.
    supervision: dict[str, Any] | None = None


class Refused(Exception):
    def __init__(self, code: m.RefusalCode, detail: str | None = None) -> None:
        super().__init__(code)
        self.refusal = refusal(code, detail)


@dataclass
class Waiting:
    """Waiting tickets of one queue, priority and normal, each sorted by Ticket.key."""

    priority: list[tuple[datetime, str]] = field(default_factory=list)
    normal: list[tuple[datetime, str]] = field(default_factory=list)

    def lane(self, priority: bool) -> list[tuple[datetime, str]]:
        return self.priority if priority else self.normal

    def add(self, t: Ticket) -> None:
        bisect.insort(self.lane(t.priority), t.key)

    def remove(self, t: Ticket) -> None:
        lane = self.lane(t.priority)
        i = bisect.bisect_left(lane, t.key)
        if i < len(lane) and lane[i] == t.key:
            del lane[i]

    def ahead_of(self, t: Ticket) -> int:
        if t.priority:
            return bisect.bisect_left(self.priority, t.key)
        return len(self.priority) + bisect.bisect_left(self.normal, t.key)

    def __len__(self) -> int:
        return len(self.priority) + len(self.normal)
