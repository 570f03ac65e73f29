"""The queue domain of one hall: numbering, call policy, counters. Pure and synchronous.

Every operation validates first and mutates only when it succeeds, so a refusal never
changes state. It returns an Outcome that the ledger persists before anything is sent.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any

from antrian.catalogue import Catalogue, Queue
from central import _feedback, _leasing, _supervising, estimate
from central.projections import ESTIMATE_REFRESH_PER_SNAPSHOT, Projections
from central.records import MAX_NUMBER, CounterRuntime, Lease, Outcome, Refused, Ticket, Waiting
from central.waits import Waits
from protocol import messages as m
from protocol.refusals import refusal

RECENT_SERVICE_SAMPLES = 20


def number_cap(q: Queue) -> int:
    return q.daily_quota if q.daily_quota is not None else MAX_NUMBER


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
            m.LeaseBlock: partial(_leasing.lease, self),
            m.ReturnLease: partial(_leasing.return_lease, self),
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
            m.RateService: partial(_feedback.rate, self),
            m.SupervisorPauseCounter: partial(_supervising.supervisor_pause, self),
            m.SupervisorResumeCounter: partial(_supervising.supervisor_resume, self),
            m.CloseQueue: partial(_supervising.close_queue, self),
            m.ReopenQueue: partial(_supervising.reopen_queue, self),
            m.SetQuota: partial(_supervising.set_quota, self),
            m.TransferTicket: partial(_supervising.transfer_ticket, self),
            m.EndTicket: partial(_supervising.end_ticket, self),
            m.SetRunningText: partial(_supervising.set_running_text, self),
        }

    def _reset(self, day: date) -> None:
        catalogue = self.cat
        self.day = day
        self.tickets: dict[str, Ticket] = {}
        self.waiting: dict[str, Waiting] = {q.id: Waiting() for q in catalogue.queues}
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

    def online_left(self, q: Queue) -> int | None:
        return _leasing.online_left(self, q)

    def rebuild_returned(self) -> None:
        _leasing.rebuild_returned(self)

    def lookup(self, req: m.LookupTicket, ticket_id: str | None) -> m.Reply:
        return _feedback.lookup(self, req, ticket_id)

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

    def _leave_counter(
        self,
        out: Outcome,
        t: Ticket,
        c: CounterRuntime | None,
        now: datetime,
        kind: m.EventKind,
        **kw: object,
    ) -> None:
        """The ticket leaves its counter, if it had one (a transfer, a supervisor's end): the
        counter is free from now, and the event names it and its officer."""
        spec = None
        if c is not None:
            c.ticket_id = None
            c.since = now
            out.counters.append(c)
            spec = self.cat.counter(c.id)
        out.events.append(
            self._event(
                now,
                kind,
                ticket=self.ticket_info(t),
                counter=c.id if c else None,
                counter_name=spec.name if spec else None,
                officer=c.officer if c else None,
                **kw,
            )
        )

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
        walk = _leasing.online_number(self, q.id, self.next_number[q.id])
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

    def _admit(self, t: Ticket) -> None:
        self.tickets[t.id] = t
        self.taken[t.origin_queue].add(t.number)
        self.issued_today[t.origin_queue] += 1
        self.waiting[t.queue].add(t)

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
        self._leave_counter(
            out, t, c, now, "ticket_transferred", from_queue=from_queue, supervisor=supervisor
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
                out = _leasing.replay(self, req, now, voidable, lease)
            elif isinstance(req, m.SubmitSurvey):
                out = _feedback.survey(self, req, token_ticket, now)
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
