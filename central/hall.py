"""The queue domain of one hall: numbering, call policy, counters. Pure and synchronous.

Every operation validates first and mutates only when it succeeds, so a refusal never
changes state. It returns an Outcome that the ledger persists before anything is sent.
"""

from __future__ import annotations

import bisect
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from antrian.catalogue import Catalogue, Queue
from central import estimate
from central.projections import ESTIMATE_REFRESH_PER_SNAPSHOT, Projections
from central.waits import Waits
from protocol import messages as m
from protocol.refusals import refusal

RECENT_SERVICE_SAMPLES = 20
MAX_NUMBER = 9999  # four digits at most on a ticket and in the voice
LEASE_QUOTA_SHARE = 10
MAX_UNUSED_LEASED = 100  # per kiosk and queue without a quota


def number_cap(q: Queue) -> int:
    return q.daily_quota if q.daily_quota is not None else MAX_NUMBER


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
    # duplicate and gets this reply (see Hall.replay).
    aliases: list[m.Reply] = field(default_factory=list)
    # The supervisors' settings (Hall.supervision()) when this outcome changed them.
    supervision: dict[str, Any] | None = None


class Refused(Exception):
    def __init__(self, code: m.RefusalCode, detail: str | None = None) -> None:
        super().__init__(code)
        self.refusal = refusal(code, detail)


@dataclass
class _Waiting:
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


class Hall:
    """In-memory state of the current business day, rebuilt from the ledger at start."""

    def __init__(self, catalogue: Catalogue, day: date, seq: int = 0) -> None:
        self.cat = catalogue
        self.seq = seq
        self._handlers = self._handler_table()
        self._serving: dict[str, list[str]] = {
            q.id: [c.id for c in catalogue.counters if q.id in c.queues] for q in catalogue.queues
        }
        self._queues_of: dict[str, list[str]] = {c.id: list(c.queues) for c in catalogue.counters}
        # Outlives the business day: a hall's notice stays until a supervisor changes it.
        self.running_text = ""
        self._reset(day)

    def _handler_table(self) -> dict[type, Callable[[Any, datetime], Outcome]]:
        return {
            m.IssueTicket: self.issue,
            m.LeaseBlock: self.lease,
            m.ReturnLease: self.return_lease,
            m.CallNext: self.call_next,
            m.Recall: self.recall,
            m.NoShow: self.no_show,
            m.StartService: self.start_service,
            m.FinishService: self.finish,
            m.Transfer: self.transfer,
            m.PauseCounter: self.pause,
            m.ResumeCounter: self.resume,
            m.SignIn: self.sign_in,
            m.SignOut: self.sign_out,
            m.RateService: self.rate,
            m.SupervisorPauseCounter: self.supervisor_pause,
            m.SupervisorResumeCounter: self.supervisor_resume,
            m.CloseQueue: self.close_queue,
            m.ReopenQueue: self.reopen_queue,
            m.SetQuota: self.set_quota,
            m.TransferTicket: self.transfer_ticket,
            m.EndTicket: self.end_ticket,
            m.SetRunningText: self.set_running_text,
        }

    def _reset(self, day: date) -> None:
        catalogue = self.cat
        self.day = day
        self.tickets: dict[str, Ticket] = {}
        self.waiting: dict[str, _Waiting] = {q.id: _Waiting() for q in catalogue.queues}
        self.counters: dict[str, CounterRuntime] = {
            c.id: CounterRuntime(c.id) for c in catalogue.counters
        }
        # Online numbers count up from 1; leased blocks are cut from the top of the day's
        # range (the quota, else MAX_NUMBER) downwards, so the first citizen of the day
        # gets 001 however many kiosks hold a block, and the two never meet.
        self.next_number: dict[str, int] = {q.id: 1 for q in catalogue.queues}
        self.lease_floor: dict[str, int] = {q.id: number_cap(q) + 1 for q in catalogue.queues}
        self.leases: dict[str, Lease] = {}
        # The same blocks by queue: issues at the quota's edge and each queue's online_left
        # look at their own queue's blocks, not at every block of the hall.
        self.queue_leases: defaultdict[str, list[Lease]] = defaultdict(list)
        # Numbers a kiosk gave back from its block (return_lease) that lie below
        # next_number: online issues take these first. Those at or above next_number are
        # found by the walk past the blocks (_online_number).
        self.returned: defaultdict[str, set[int]] = defaultdict(set)
        # Numbers taken today, per origin queue: a set of ints per queue, not a tuple per
        # ticket (about 100 bytes less for every ticket of the day, issue 15).
        self.taken: defaultdict[str, set[int]] = defaultdict(set)
        self.recent_service_s: dict[str, deque[float]] = {
            q.id: deque(maxlen=RECENT_SERVICE_SAMPLES) for q in catalogue.queues
        }
        self.issued_today: dict[str, int] = {q.id: 0 for q in catalogue.queues}
        self.recent_calls: deque[m.Event] = deque(maxlen=10)
        self.waits = Waits(self)
        self.projections = Projections(self)
        # Supervisors' changes for this business day only.
        self.closed_early: set[str] = set()
        self.quota_today: dict[str, int | None] = {}
        self.surveyed: set[str] = set()  # tickets whose SKM survey was answered today

    # -- loading (from the ledger) ------------------------------------------------------

    def load_ticket(self, t: Ticket) -> None:
        self.projections.parts.everything = True
        self.tickets[t.id] = t
        self.taken[t.origin_queue].add(t.number)
        if t.origin_queue in self.issued_today and t.status != "void":
            self.issued_today[t.origin_queue] += 1
        if t.status == "waiting":
            self.waiting[t.queue].add(t)
        if t.status == "served" and t.started_at and t.finished_at:
            self._sample(t)

    def add_lease(self, lease: Lease) -> None:
        self.leases[lease.id] = lease
        self.queue_leases[lease.queue].append(lease)
        if lease.queue in self.lease_floor:
            self.lease_floor[lease.queue] = min(self.lease_floor[lease.queue], lease.first)

    def load_counter(self, c: CounterRuntime) -> None:
        self.projections.parts.everything = True
        if c.id in self.counters:
            self.counters[c.id] = c

    def supervision(self) -> dict[str, Any]:
        """The supervisors' settings as the ledger keeps them (JSON)."""
        return {
            "day": self.day.isoformat(),
            "closed_early": sorted(self.closed_early),
            "quota_today": dict(sorted(self.quota_today.items())),
            "running_text": self.running_text,
        }

    def load_supervision(self, state: dict[str, Any]) -> None:
        self.projections.parts.everything = True
        self.running_text = str(state.get("running_text") or "")
        if state.get("day") != self.day.isoformat():
            return
        known = {q.id for q in self.cat.queues}
        self.closed_early = {q for q in state.get("closed_early", []) if q in known}
        self.quota_today = {q: n for q, n in state.get("quota_today", {}).items() if q in known}

    # -- today's rules (catalogue plus supervisors' changes) ----------------------------

    def quota(self, q: Queue) -> int | None:
        return self.quota_today.get(q.id, q.daily_quota)

    def queue_open(self, q: Queue, now: datetime) -> bool:
        return q.id not in self.closed_early and self.cat.queue_open(q, now)

    # -- views (central/projections.py) and waits (central/waits.py) -----------------

    def ticket_info(self, t: Ticket) -> m.TicketInfo:
        return self.projections.ticket_info(t)

    def counter_info(self, counter_id: str) -> m.CounterInfo:
        return self.projections.counter_info(counter_id)

    def counter_snapshot(self, counter_id: str) -> m.CounterSnapshot:
        return self.projections.counter_snapshot(counter_id)

    def hall_snapshot(self, now: datetime) -> m.HallSnapshot:
        return self.projections.hall_snapshot(now)

    def refresh_estimates(self, now: datetime, count: int = ESTIMATE_REFRESH_PER_SNAPSHOT) -> int:
        return self.projections.refresh_estimates(now, count)

    def estimate_wait_min(self, queue_id: str, ahead: int) -> int:
        return self.waits.estimate_wait_min(queue_id, ahead)

    def estimate_wait(self, queue_id: str, ahead: int) -> estimate.Estimate:
        return self.waits.estimate_wait(queue_id, ahead)

    def refresh_pace(self) -> None:
        self.waits.refresh_pace()

    # -- helpers --------------------------------------------------------------------

    def _event(self, now: datetime, kind: m.EventKind, **kw: object) -> m.Event:
        self.seq += 1
        ev = m.Event(seq=self.seq, at=now, kind=kind, business_day=self.day, **kw)
        if kind in ("ticket_called", "ticket_recalled"):
            self.recent_calls.append(ev)
        return ev

    def _counter(self, counter_id: str) -> CounterRuntime:
        c = self.counters.get(counter_id)
        if c is None:
            raise Refused("unknown_counter", counter_id)
        return c

    def _queue(self, queue_id: str) -> None:
        if self.cat.queue(queue_id) is None:
            raise Refused("unknown_queue", queue_id)

    def _current(self, c: CounterRuntime) -> Ticket:
        if c.ticket_id is None:
            raise Refused("no_current_ticket")
        return self.tickets[c.ticket_id]

    def _sample(self, t: Ticket) -> None:
        if t.started_at and t.finished_at:
            self.recent_service_s[t.queue].append((t.finished_at - t.started_at).total_seconds())

    def _counter_event(
        self,
        out: Outcome,
        now: datetime,
        kind: m.EventKind,
        c: CounterRuntime,
        t: Ticket | None,
        supervisor: str | None = None,
    ) -> None:
        spec = self.cat.counter(c.id)
        out.events.append(
            self._event(
                now,
                kind,
                ticket=self.ticket_info(t) if t else None,
                counter=c.id,
                counter_name=spec.name if spec else None,
                officer=c.officer,
                supervisor=supervisor,
            )
        )

    def _finish_current(self, out: Outcome, now: datetime, c: CounterRuntime) -> None:
        if c.ticket_id is None:
            return
        t = self.tickets[c.ticket_id]
        if t.started_at is None:
            # NEXT without START: the service ran from the call.
            t.started_at = t.called_at
        t.status = "served"
        t.finished_at = now
        self._sample(t)
        c.ticket_id = None
        c.since = now
        out.tickets.append(t)
        self._counter_event(out, now, "ticket_served", c, t)

    def _answer(self, out: Outcome, req: m.RequestBase, c: CounterRuntime) -> Outcome:
        """Counter operations answer with the counter as it is now."""
        out.reply = m.Reply(request_id=req.request_id, ok=True, counter=self.counter_info(c.id))
        return out

    def _pick_next(self, c: CounterRuntime) -> Ticket | None:
        spec = self.cat.counter(c.id)
        assert spec is not None
        lanes = [self.waiting[q] for q in spec.queues]
        prio = [w.priority[0] for w in lanes if w.priority]
        if prio:
            return self.tickets[min(prio)[1]]
        if self.cat.call_policy == "queue_order":
            for w in lanes:
                if w.normal:
                    return self.tickets[w.normal[0][1]]
            return None
        normal = [w.normal[0] for w in lanes if w.normal]
        return self.tickets[min(normal)[1]] if normal else None

    # -- operations -----------------------------------------------------------------

    def issue(self, req: m.IssueTicket, now: datetime) -> Outcome:
        self._queue(req.queue)
        q = self.cat.queue(req.queue)
        assert q is not None
        if not self.cat.hall_open(now):
            raise Refused("hall_closed")
        if not self.queue_open(q, now):
            raise Refused("queue_closed")
        if req.priority and not q.priority_allowed:
            raise Refused("priority_not_allowed")
        pool = self.returned[q.id]
        walk = self._online_number(q.id, self.next_number[q.id])
        number = min(walk, min(pool)) if pool else walk
        quota = self.quota(q)
        if number > (MAX_NUMBER if quota is None else min(quota, MAX_NUMBER)):
            raise Refused("quota_reached")
        if number == walk:
            self.next_number[q.id] = number + 1
        else:
            pool.discard(number)  # a number a kiosk gave back
        t = Ticket(
            id=f"{self.day:%Y%m%d}-{q.id}-{number:04d}",
            origin_queue=q.id,
            queue=q.id,
            number=number,
            prefix=q.prefix,
            day=self.day,
            priority=req.priority,
            status="waiting",
            issued_at=now,
            node_id=req.node_id,
            request_id=req.request_id,
        )
        self._admit(t)
        info = self.ticket_info(t)
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True, ticket=info))
        out.tickets.append(t)
        out.numbering[(self.day, q.id)] = self.next_number[q.id]
        out.events.append(self._event(now, "ticket_issued", ticket=info))
        return out

    def _online_number(self, queue: str, number: int) -> int:
        """The first number from `number` up that no block of today covers. Online numbers
        that met the blocks walk past them (a quota raised today continues above the
        highest number leased), and land in a gap a kiosk gave back."""
        if number < self.lease_floor[queue]:
            return number
        blocks = sorted(
            (le.first, le.last)
            for le in self.queue_leases[queue]
            if le.first <= le.last and le.last >= number
        )
        for first, last in blocks:
            if first <= number <= last:
                number = last + 1
        return number

    def online_left(self, q: Queue) -> int | None:
        """Numbers of today's quota central can still issue itself, outside the kiosks'
        blocks (None: no cap). At 0 kiosks give back the unused tops of their blocks."""
        quota = self.quota(q)
        if quota is None:
            return None
        cap = min(quota, MAX_NUMBER)
        pool = sum(1 for n in self.returned[q.id] if n <= cap)
        start = self.next_number[q.id]
        if start > cap:
            return pool
        leased = sum(
            max(0, min(le.last, cap) - max(le.first, start) + 1) for le in self.queue_leases[q.id]
        )
        return pool + (cap - start + 1) - leased

    def rebuild_returned(self) -> None:
        """After loading: numbers below next_number that no ticket and no block holds were
        given back by a kiosk (online numbers below next_number were all issued, except
        those the walk skipped because a block held them then)."""
        for queue, nxt in self.next_number.items():
            floor = self.lease_floor[queue]
            if nxt <= floor:
                continue
            held = [(le.first, le.last) for le in self.queue_leases[queue]]
            taken = self.taken[queue]
            self.returned[queue] = {
                n
                for n in range(floor, nxt)
                if n not in taken and not any(f <= n <= la for f, la in held)
            }

    def _admit(self, t: Ticket) -> None:
        self.tickets[t.id] = t
        self.taken[t.origin_queue].add(t.number)
        self.issued_today[t.origin_queue] += 1
        self.waiting[t.queue].add(t)

    def lease(self, req: m.LeaseBlock, now: datetime) -> Outcome:
        self._queue(req.queue)
        q = self.cat.queue(req.queue)
        assert q is not None
        # Leased numbers come off the quota: a kiosk holds at most a tenth of it unused, so
        # a small quota (30 marriage registrations) is not eaten by kiosks' reserves. A
        # kiosk asking for more than it may hold gets its latest block again.
        quota = self.quota(q)
        limit = max(1, quota // LEASE_QUOTA_SHARE) if quota is not None else MAX_UNUSED_LEASED
        mine = [le for le in self.queue_leases[q.id] if le.node_id == req.node_id]
        unused = sum(
            1 for le in mine for n in range(le.first, le.last + 1) if n not in self.taken[q.id]
        )
        size = min(req.size, limit - unused)
        if size <= 0 and mine:
            latest = max(mine, key=lambda le: le.granted_at)
            return Outcome(
                reply=m.Reply(
                    request_id=req.request_id, ok=True, lease=self._lease_info(latest, q.prefix)
                )
            )
        last = self.lease_floor[q.id] - 1
        if quota is not None:
            # A quota lowered today: numbers above it are not handed out any more.
            last = min(last, quota)
        first = max(self.next_number[q.id], last - size + 1)
        if last < first:
            raise Refused("quota_reached")
        self.lease_floor[q.id] = first
        lease = Lease(
            id=f"{self.day:%Y%m%d}-{q.id}-{first:04d}-{last:04d}",
            node_id=req.node_id,
            queue=q.id,
            day=self.day,
            first=first,
            last=last,
            granted_at=now,
        )
        self.add_lease(lease)
        info = self._lease_info(lease, q.prefix)
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True, lease=info))
        out.leases.append(lease)
        return out

    def return_lease(self, req: m.ReturnLease, now: datetime) -> Outcome:
        """A kiosk gives back numbers first_unused..last of its block: the block ends
        below them, and they are issued online. The kiosk recorded first that it never
        issues them; a repeat finds them gone already and changes nothing."""
        lease = self.leases.get(req.lease_id)
        if lease is None or lease.node_id != req.node_id or lease.queue != req.queue:
            raise Refused(
                "lease_invalid", f"{req.node_id} holds no lease {req.lease_id} of {req.queue} today"
            )
        q = self.cat.queue(lease.queue)
        assert q is not None
        if req.first_unused > lease.last:
            # Given back already (a repeat), or nothing to give.
            info = self._lease_info(lease, q.prefix)
            return Outcome(reply=m.Reply(request_id=req.request_id, ok=True, lease=info))
        if req.first_unused < lease.first:
            raise Refused(
                "lease_invalid",
                f"{req.first_unused} is below {req.lease_id}'s first number {lease.first}",
            )
        taken = self.taken[lease.queue]
        used = [n for n in range(req.first_unused, lease.last + 1) if n in taken]
        if used:
            # The kiosk replayed a number it now says it never issued: keep the block.
            raise Refused("lease_invalid", f"{lease.queue} {used[0]} of {req.lease_id} is issued")
        nxt = self.next_number[lease.queue]
        self.returned[lease.queue].update(range(req.first_unused, min(lease.last + 1, nxt)))
        lease.last = req.first_unused - 1
        info = self._lease_info(lease, q.prefix)
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True, lease=info))
        out.leases.append(lease)
        return out

    @staticmethod
    def _lease_info(lease: Lease, prefix: str) -> m.LeaseInfo:
        return m.LeaseInfo(
            lease_id=lease.id,
            queue=lease.queue,
            business_day=lease.day,
            first=lease.first,
            last=lease.last,
            prefix=prefix,
        )

    def replay(
        self, req: m.ReplayTicket, now: datetime, voidable: str | None, lease: Lease | None
    ) -> Outcome:
        """Merge a ticket a kiosk issued offline. `voidable` is the online ticket that the
        timed-out origin request created, if central applied it; `lease` comes from the
        ledger when it is not today's."""
        ot = req.ticket
        existing = self.tickets.get(ot.ticket_id)
        if existing is not None:
            return Outcome(
                reply=m.Reply(request_id=req.request_id, ok=True, ticket=self.ticket_info(existing))
            )
        lease = lease or self.leases.get(ot.lease_id)
        if (
            lease is None
            or lease.node_id != req.node_id
            or lease.queue != ot.queue
            or lease.day != ot.business_day
            or not lease.first <= ot.number <= lease.last
        ):
            raise Refused("lease_invalid", f"{ot.lease_id} does not cover {ot.queue} {ot.number}")
        q = self.cat.queue(ot.queue)
        assert q is not None
        if ot.business_day == self.day and ot.number in self.taken[ot.queue]:
            raise Refused("duplicate_number", f"{ot.queue} {ot.number}")
        t = Ticket(
            id=ot.ticket_id,
            origin_queue=ot.queue,
            queue=ot.queue,
            number=ot.number,
            prefix=q.prefix,
            day=ot.business_day,
            priority=ot.priority,
            status="waiting" if ot.business_day == self.day else "expired",
            issued_at=ot.issued_at,
            offline=True,
            node_id=req.node_id,
            request_id=req.request_id,
        )
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        if t.status == "waiting":
            self._admit(t)
            if voidable is not None:
                v = self.tickets.get(voidable)
                if v is not None and v.status == "waiting":
                    self.waiting[v.queue].remove(v)
                    v.status = "void"
                    self.issued_today[v.origin_queue] -= 1
                    out.tickets.append(v)
                    out.events.append(self._event(now, "ticket_voided", ticket=self.ticket_info(v)))
        info = self.ticket_info(t)
        out.reply = m.Reply(request_id=req.request_id, ok=True, ticket=info)
        out.tickets.append(t)
        out.events.append(self._event(now, "ticket_replayed", ticket=info))
        if ot.origin_request_id and voidable is None:
            # The timed-out press never reached central: the offline ticket is its answer,
            # so a delayed copy of it must not issue a second ticket nobody holds.
            out.aliases.append(m.Reply(request_id=ot.origin_request_id, ok=True, ticket=info))
        return out

    def call_next(self, req: m.CallNext, now: datetime) -> Outcome:
        c = self._counter(req.counter)
        if c.paused:
            raise Refused("counter_paused")
        if self.cat.require_officer and c.officer is None:
            raise Refused("officer_required")
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        self._finish_current(out, now, c)
        t = self._pick_next(c)
        if t is None:
            if out.events:
                # The finish is a real change; nobody waiting is the news.
                out.counters.append(c)
                out.reply = m.Reply(
                    request_id=req.request_id,
                    ok=False,
                    refusal=refusal("queue_empty"),
                    counter=self.counter_info(c.id),
                )
                return out
            raise Refused("queue_empty")
        self.waiting[t.queue].remove(t)
        t.status = "called"
        t.counter = c.id
        t.officer = c.officer
        t.called_at = now
        c.ticket_id = t.id
        c.since = now
        out.tickets.append(t)
        out.counters.append(c)
        self._counter_event(out, now, "ticket_called", c, t)
        return self._answer(out, req, c)

    def recall(self, req: m.Recall, now: datetime) -> Outcome:
        c = self._counter(req.counter)
        t = self._current(c)
        t.recalls += 1
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        out.tickets.append(t)
        self._counter_event(out, now, "ticket_recalled", c, t)
        return self._answer(out, req, c)

    def no_show(self, req: m.NoShow, now: datetime) -> Outcome:
        c = self._counter(req.counter)
        t = self._current(c)
        t.status = "no_show"
        t.finished_at = now
        c.ticket_id = None
        c.since = now
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        out.tickets.append(t)
        out.counters.append(c)
        self._counter_event(out, now, "ticket_no_show", c, t)
        return self._answer(out, req, c)

    def start_service(self, req: m.StartService, now: datetime) -> Outcome:
        c = self._counter(req.counter)
        t = self._current(c)
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        if t.status == "called":
            t.status = "serving"
            t.started_at = now
            out.tickets.append(t)
            self._counter_event(out, now, "service_started", c, t)
        return self._answer(out, req, c)

    def finish(self, req: m.FinishService, now: datetime) -> Outcome:
        c = self._counter(req.counter)
        self._current(c)
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        self._finish_current(out, now, c)
        out.counters.append(c)
        return self._answer(out, req, c)

    def transfer(self, req: m.Transfer, now: datetime) -> Outcome:
        c = self._counter(req.counter)
        self._queue(req.to_queue)
        t = self._current(c)
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        self._move(out, now, t, req.to_queue, c, supervisor=None)
        return self._answer(out, req, c)

    def _move(
        self,
        out: Outcome,
        now: datetime,
        t: Ticket,
        to_queue: str,
        c: CounterRuntime | None,
        supervisor: str | None,
    ) -> None:
        """Transfer `t` (held by counter `c`, or waiting when `c` is None) to `to_queue`."""
        target = self.cat.queue(to_queue)
        assert target is not None
        if t.queue == to_queue:
            raise Refused("transfer_same_queue")
        if not self.queue_open(target, now):
            raise Refused("queue_closed", f"{target.id} takes no more tickets today")
        if t.priority and not target.priority_allowed:
            raise Refused("priority_not_allowed")
        from_queue = t.queue
        if c is None:
            self.waiting[t.queue].remove(t)
        t.queue = to_queue
        t.status = "waiting"
        t.counter = None
        # The next desk's service is timed from its own call or start; the first desk's
        # leg stays in the event log.
        t.started_at = None
        t.transfers += 1
        self.waiting[t.queue].add(t)
        out.tickets.append(t)
        spec = None
        if c is not None:
            c.ticket_id = None
            c.since = now
            out.counters.append(c)
            spec = self.cat.counter(c.id)
        out.events.append(
            self._event(
                now,
                "ticket_transferred",
                ticket=self.ticket_info(t),
                counter=c.id if c else None,
                counter_name=spec.name if spec else None,
                officer=c.officer if c else None,
                from_queue=from_queue,
                supervisor=supervisor,
            )
        )

    def pause(self, req: m.PauseCounter, now: datetime) -> Outcome:
        return self._set_paused(req, req.counter, now, True)

    def resume(self, req: m.ResumeCounter, now: datetime) -> Outcome:
        return self._set_paused(req, req.counter, now, False)

    def _set_paused(
        self,
        req: m.RequestBase,
        counter: str,
        now: datetime,
        paused: bool,
        supervisor: str | None = None,
    ) -> Outcome:
        """Pausing a paused counter (or resuming an open one) is a no-op, not an error."""
        c = self._counter(counter)
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        if c.paused != paused:
            c.paused = paused
            c.since = now
            out.counters.append(c)
            kind: m.EventKind = "counter_paused" if paused else "counter_resumed"
            self._counter_event(out, now, kind, c, None, supervisor=supervisor)
        return self._answer(out, req, c)

    def sign_in(self, req: m.SignIn, now: datetime) -> Outcome:
        c = self._counter(req.counter)
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        if c.officer != req.officer:
            if c.officer is not None:
                self._counter_event(out, now, "officer_signed_out", c, None)
            c.officer = req.officer
            out.counters.append(c)
            self._counter_event(out, now, "officer_signed_in", c, None)
        return self._answer(out, req, c)

    def sign_out(self, req: m.SignOut, now: datetime) -> Outcome:
        c = self._counter(req.counter)
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        if c.officer is not None:
            self._counter_event(out, now, "officer_signed_out", c, None)
            c.officer = None
            out.counters.append(c)
        return self._answer(out, req, c)

    def lookup(self, req: m.LookupTicket, ticket_id: str | None) -> m.Reply:
        """A ticket's page asks for it (read-only; the service found it by its token)."""
        t = self.tickets.get(ticket_id) if ticket_id else None
        if t is None or t.status == "void":
            return m.Reply(request_id=req.request_id, ok=False, refusal=refusal("unknown_ticket"))
        return m.Reply(
            request_id=req.request_id,
            ok=True,
            ticket=self.ticket_info(t),
            surveyed=t.id in self.surveyed,
        )

    def survey(self, req: m.SubmitSurvey, ticket_id: str | None, now: datetime) -> Outcome:
        """A citizen's SKM survey, once per ticket, after service, on the day itself."""
        try:
            t = self.tickets.get(ticket_id) if ticket_id else None
            if t is None or t.status == "void":
                raise Refused("unknown_ticket")
            if t.status != "served":
                raise Refused("not_surveyable")
            if t.id in self.surveyed:
                raise Refused("already_surveyed")
        except Refused as r:
            return Outcome(reply=m.Reply(request_id=req.request_id, ok=False, refusal=r.refusal))
        self.surveyed.add(t.id)
        spec = self.cat.counter(t.counter) if t.counter else None
        info = self.ticket_info(t)
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True, ticket=info, surveyed=True))
        out.events.append(
            self._event(
                now,
                "survey_answered",
                ticket=info,
                counter=t.counter,
                counter_name=spec.name if spec else None,
                officer=t.officer,
                answers=list(req.answers),
            )
        )
        return out

    def rate(self, req: m.RateService, now: datetime) -> Outcome:
        self._counter(req.counter)
        t = self.tickets.get(req.ticket_id)
        if t is None:
            raise Refused("unknown_ticket", req.ticket_id)
        if t.status != "served" or t.counter != req.counter:
            raise Refused("not_rateable")
        if t.rating is not None:
            raise Refused("already_rated")
        t.rating = req.score
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        out.tickets.append(t)
        c = self.counters[req.counter]
        spec = self.cat.counter(c.id)
        out.events.append(
            self._event(
                now,
                "ticket_rated",
                ticket=self.ticket_info(t),
                counter=c.id,
                counter_name=spec.name if spec else None,
                officer=t.officer,
                score=req.score,
            )
        )
        out.reply = m.Reply(request_id=req.request_id, ok=True, ticket=self.ticket_info(t))
        return out

    # -- supervisors (through the web node) ---------------------------------------------

    def supervisor_pause(self, req: m.SupervisorPauseCounter, now: datetime) -> Outcome:
        return self._set_paused(req, req.counter, now, True, req.supervisor)

    def supervisor_resume(self, req: m.SupervisorResumeCounter, now: datetime) -> Outcome:
        return self._set_paused(req, req.counter, now, False, req.supervisor)

    def close_queue(self, req: m.CloseQueue, now: datetime) -> Outcome:
        return self._set_closed(req, req.queue, now, True)

    def reopen_queue(self, req: m.ReopenQueue, now: datetime) -> Outcome:
        return self._set_closed(req, req.queue, now, False)

    def _set_closed(
        self, req: m.SupervisorRequest, queue_id: str, now: datetime, closed: bool
    ) -> Outcome:
        """Closing a closed queue (or reopening an open one) is a no-op, not an error."""
        self._queue(queue_id)
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        if (queue_id in self.closed_early) != closed:
            if closed:
                self.closed_early.add(queue_id)
            else:
                self.closed_early.discard(queue_id)
            kind: m.EventKind = "queue_closed" if closed else "queue_reopened"
            out.events.append(self._event(now, kind, queue=queue_id, supervisor=req.supervisor))
            out.supervision = self.supervision()
        return out

    def set_quota(self, req: m.SetQuota, now: datetime) -> Outcome:
        self._queue(req.queue)
        q = self.cat.queue(req.queue)
        assert q is not None
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        if self.quota(q) != req.quota:
            if req.quota == q.daily_quota:
                self.quota_today.pop(q.id, None)
            else:
                self.quota_today[q.id] = req.quota
            out.events.append(
                self._event(
                    now, "quota_changed", queue=q.id, quota=req.quota, supervisor=req.supervisor
                )
            )
            out.supervision = self.supervision()
        return out

    def _active(self, req: m.TicketAction) -> tuple[Ticket, CounterRuntime | None]:
        """A ticket of today still in the hall, and the counter holding it (None: waiting)."""
        if req.ticket_id is not None:
            t = self.tickets.get(req.ticket_id)
        else:
            # A supervisor types what the citizen holds. Scanning today's tickets is fine
            # for an action a person takes now and then (2,000 tickets: ~0.2 ms).
            label = (req.label or "").strip().upper()
            t = next(
                (x for x in self.tickets.values() if x.label == label and x.status != "void"),
                None,
            )
        if t is None:
            raise Refused("unknown_ticket", req.ticket_id or req.label)
        if t.status not in ("waiting", "called", "serving"):
            raise Refused("ticket_finished", f"{t.label} is {t.status}")
        if t.status == "waiting" or t.counter is None:
            return t, None
        return t, self.counters[t.counter]

    def transfer_ticket(self, req: m.TransferTicket, now: datetime) -> Outcome:
        t, c = self._active(req)
        self._queue(req.to_queue)
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        self._move(out, now, t, req.to_queue, c, supervisor=req.supervisor)
        out.reply = m.Reply(request_id=req.request_id, ok=True, ticket=self.ticket_info(t))
        return out

    def end_ticket(self, req: m.EndTicket, now: datetime) -> Outcome:
        t, c = self._active(req)
        if t.status == "waiting":
            self.waiting[t.queue].remove(t)
        if t.status == "serving":
            t.status = "served"
            t.finished_at = now
            self._sample(t)
        else:
            # Waiting or called: the citizen is gone, as with a no-show at the counter.
            t.status = "no_show"
            t.finished_at = now
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        out.tickets.append(t)
        spec = None
        if c is not None:
            c.ticket_id = None
            c.since = now
            out.counters.append(c)
            spec = self.cat.counter(c.id)
        out.events.append(
            self._event(
                now,
                "ticket_ended",
                ticket=self.ticket_info(t),
                counter=c.id if c else None,
                counter_name=spec.name if spec else None,
                officer=c.officer if c else None,
                supervisor=req.supervisor,
            )
        )
        out.reply = m.Reply(request_id=req.request_id, ok=True, ticket=self.ticket_info(t))
        return out

    def set_running_text(self, req: m.SetRunningText, now: datetime) -> Outcome:
        out = Outcome(reply=m.Reply(request_id=req.request_id, ok=True))
        text = req.text.strip()
        if text != self.running_text:
            self.running_text = text
            out.events.append(
                self._event(now, "running_text_changed", text=text, supervisor=req.supervisor)
            )
            out.supervision = self.supervision()
        return out

    def apply(
        self,
        req: m.Request,
        now: datetime,
        voidable: str | None = None,
        lease: Lease | None = None,
        token_ticket: str | None = None,
    ) -> Outcome:
        """Apply one request; a refusal comes back as an Outcome with no changes.
        `token_ticket`: the ticket a lookup's or survey's token names (central.tokens)."""
        try:
            if isinstance(req, m.ReplayTicket):
                out = self.replay(req, now, voidable, lease)
            elif isinstance(req, m.SubmitSurvey):
                out = self.survey(req, token_ticket, now)
            elif isinstance(req, m.LookupTicket):
                return Outcome(reply=self.lookup(req, token_ticket))
            else:
                out = self._handlers[type(req)](req, now)
        except Refused as r:
            return Outcome(reply=m.Reply(request_id=req.request_id, ok=False, refusal=r.refusal))
        self.projections.parts.mark(out)
        return out

    def close_day(self, now: datetime, new_day: date) -> Outcome:
        """Day rollover: unserved tickets expire, counters empty, numbering restarts."""
        out = Outcome(reply=m.Reply(request_id="", ok=True))
        for t in self.tickets.values():
            if t.status in ("waiting", "called", "serving"):
                t.status = "expired"
                t.finished_at = now
                out.tickets.append(t)
        out.events.append(self._event(now, "day_closed"))
        officers = {c.id: c.officer for c in self.counters.values()}
        self._reset(new_day)
        # A signed-in officer stays signed in: a night shift must not lose its counter.
        for cid, officer in officers.items():
            self.counters[cid].officer = officer
            self.counters[cid].since = now
        out.counters.extend(self.counters.values())
        return out
