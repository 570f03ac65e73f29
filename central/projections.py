"""The hall's views for nodes and screens: a ticket's, a counter's and the whole hall's
snapshot, rebuilt from the parts that changed. Read-only over the Hall it belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from central import estimate
from protocol import messages as m

if TYPE_CHECKING:
    from central.hall import Hall
    from central.records import CounterRuntime, Outcome, Ticket

ESTIMATE_MAX_AGE_S = 60.0  # a snapshot's estimate nothing changed is redone after this
ESTIMATE_REFRESH_PER_SNAPSHOT = 1  # such old estimates redone per idle moment, oldest first


@dataclass
class SnapshotParts:
    """The hall snapshot's parts as last built, each with what it was built from, and
    what changed since (marked from each Outcome)."""

    queues: dict[str, tuple[tuple[object, ...], m.QueueSnapshot]] = field(default_factory=dict)
    counters: dict[str, tuple[tuple[object, ...], m.CounterSnapshot]] = field(default_factory=dict)
    # queue -> (what the estimate depends on, minutes, when it was computed)
    estimates: dict[str, tuple[tuple[object, ...], estimate.Estimate, datetime]] = field(
        default_factory=dict
    )
    dirty_queues: set[str] = field(default_factory=set)
    dirty_counters: set[str] = field(default_factory=set)
    everything: bool = True
    minute: tuple[bool, datetime] | None = None  # hall open, local minute: queues' `open`

    def mark(self, out: Outcome) -> None:
        for t in out.tickets:
            self.dirty_queues.update((t.queue, t.origin_queue))
        # A block granted or given back changes the numbers central may issue itself.
        self.dirty_queues.update(le.queue for le in out.leases)
        self.dirty_counters.update(c.id for c in out.counters)
        for ev in out.events:
            if ev.ticket is not None:
                self.dirty_queues.add(ev.ticket.queue)
            for qid in (ev.from_queue, ev.queue):
                if qid is not None:
                    self.dirty_queues.add(qid)
            if ev.counter is not None:
                self.dirty_counters.add(ev.counter)
        if out.supervision is not None:
            self.everything = True


class Projections:
    """Builds what central publishes and replies from the hall's state."""

    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self.parts = SnapshotParts()

    def ticket_info(self, t: Ticket) -> m.TicketInfo:
        q = self.hall.cat.queue(t.queue)
        assert q is not None
        counter = self.hall.cat.counter(t.counter) if t.counter else None
        ahead = self.hall.waiting[t.queue].ahead_of(t) if t.status == "waiting" else 0
        wait = self.hall.estimate_wait(t.queue, ahead) if t.status == "waiting" else None
        return m.TicketInfo(
            ticket_id=t.id,
            label=t.label,
            queue=t.queue,
            queue_name=q.name,
            agency=self.hall.cat.agency(q.agency).short,
            number=t.number,
            business_day=t.day,
            priority=t.priority,
            status=t.status,
            issued_at=t.issued_at,
            offline=t.offline,
            people_ahead=ahead,
            estimated_wait_min=wait.minutes if wait else None,
            estimated_wait_low_min=wait.low_min if wait else None,
            estimated_wait_high_min=wait.high_min if wait else None,
            counter=t.counter,
            counter_name=counter.name if counter else None,
            officer=t.officer,
        )

    def counter_state(self, c: CounterRuntime) -> m.CounterState:
        if c.paused:
            return "paused"
        if c.ticket_id is None:
            return "idle"
        return "serving" if self.hall.tickets[c.ticket_id].status == "serving" else "calling"

    def counter_info(self, counter_id: str) -> m.CounterInfo:
        c = self.hall.counters[counter_id]
        spec = self.hall.cat.counter(counter_id)
        assert spec is not None
        ticket = self.hall.tickets[c.ticket_id] if c.ticket_id else None
        return m.CounterInfo(
            counter=c.id,
            name=spec.name,
            state=self.counter_state(c),
            officer=c.officer,
            ticket=self.ticket_info(ticket) if ticket else None,
            queues=list(spec.queues),
        )

    def counter_snapshot(self, counter_id: str) -> m.CounterSnapshot:
        info = self.counter_info(counter_id)
        return m.CounterSnapshot(
            seq=self.hall.seq,
            counter=info.counter,
            name=info.name,
            state=info.state,
            officer=info.officer,
            ticket=info.ticket,
            queues=info.queues,
            since=self.hall.counters[counter_id].since,
        )

    def hall_snapshot(self, now: datetime) -> m.HallSnapshot:
        """The whole hall, rebuilt from parts: only the parts of queues and counters that
        changed since the last snapshot (and every queue's `open` when the minute turns),
        so that it costs what changed rather than the size of the catalogue (105 queues
        took 18 ms here, rebuilt whole).

        A queue's wait estimate is redone when its queue or one of its counters changed;
        otherwise it is kept (the pace of the rest of the hall moves it a little) until
        refresh_estimates() redoes it."""
        cache = self.parts
        local = self.hall.cat.local(now)
        hall_open = self.hall.cat.hall_open(now)
        minute = (hall_open, local.replace(second=0, microsecond=0))
        if minute != cache.minute:
            cache.minute = minute
            cache.everything = True
        if cache.everything:
            queue_ids: set[str] | list[str] = list(self.hall.waiting)
            counter_ids: set[str] | list[str] = list(self.hall.counters)
        else:
            counter_ids = {c for c in cache.dirty_counters if c in self.hall.counters}
            queue_ids = {q for q in cache.dirty_queues if q in self.hall.waiting}
            for cid in counter_ids:
                queue_ids.update(self.hall._queues_of[cid])
        cache.everything = False
        cache.dirty_queues.clear()
        cache.dirty_counters.clear()
        sigs = {cid: self._counter_sig(cid) for cid in counter_ids}
        for cid in counter_ids:
            cpart = cache.counters.get(cid)
            if cpart is None or cpart[0] != sigs[cid]:
                # A counter's seq is the hall's when it last changed: no event since is
                # about it.
                cache.counters[cid] = (sigs[cid], self.counter_snapshot(cid))
        for qid in queue_ids:
            self._queue_part(qid, now, local, hall_open, force=False)
        return m.HallSnapshot(
            seq=self.hall.seq,
            at=now,
            business_day=self.hall.day,
            hall_name=self.hall.cat.hall_name,
            open=hall_open,
            counters=[cache.counters[c.id][1] for c in self.hall.cat.counters],
            queues=[cache.queues[q.id][1] for q in self.hall.cat.queues],
            recent_calls=list(reversed(self.hall.recent_calls)),
            running_text=self.hall.running_text,
        )

    def refresh_estimates(self, now: datetime, count: int = ESTIMATE_REFRESH_PER_SNAPSHOT) -> int:
        """Redo up to `count` of the snapshot's estimates older than ESTIMATE_MAX_AGE_S,
        oldest first (central's worker, when idle); how many it redid."""
        cache = self.parts
        old = sorted(
            (at, qid)
            for qid, (_sig, _wait, at) in cache.estimates.items()
            if (now - at).total_seconds() > ESTIMATE_MAX_AGE_S
        )[:count]
        if old:
            local, hall_open = self.hall.cat.local(now), self.hall.cat.hall_open(now)
            for _at, qid in old:
                self._queue_part(qid, now, local, hall_open, force=True)
        return len(old)

    def _queue_part(
        self, qid: str, now: datetime, local: datetime, hall_open: bool, force: bool
    ) -> None:
        cache = self.parts
        q = self.hall.cat.queue(qid)
        assert q is not None
        w = self.hall.waiting[qid]
        waiting = len(w)
        serving = tuple(self._counter_sig(cid) for cid in self.hall._serving[qid])
        est_sig = (len(w.priority), waiting, serving)
        kept = cache.estimates.get(qid)
        if force or kept is None or kept[0] != est_sig:
            kept = (est_sig, self.hall.estimate_wait(qid, waiting), now)
            cache.estimates[qid] = kept
        wait = kept[1]
        quota = self.hall.quota(q)
        issued = self.hall.issued_today[qid]
        is_open = (
            hall_open
            and qid not in self.hall.closed_early
            and (q.last_ticket is None or local.time() < q.last_ticket)
        )
        oldest = min((lane[0][0] for lane in (w.priority, w.normal) if lane), default=None)
        closed_early = qid in self.hall.closed_early  # also when closed anyway (after hours)
        online_left = self.hall.online_left(q)
        sig = (
            is_open, closed_early, waiting, len(w.priority), issued, wait, quota, oldest,
            online_left,
        )  # fmt: skip
        part = cache.queues.get(qid)
        if part is None or part[0] != sig:
            cache.queues[qid] = (
                sig,
                m.QueueSnapshot(
                    queue=qid,
                    name=q.name,
                    agency=self.hall.cat.agency(q.agency).short,
                    prefix=q.prefix,
                    open=is_open,
                    waiting=waiting,
                    priority_waiting=len(w.priority),
                    issued_today=issued,
                    estimated_wait_min=wait.minutes,
                    estimated_wait_low_min=wait.low_min,
                    estimated_wait_high_min=wait.high_min,
                    oldest_waiting_at=oldest,
                    closed_early=closed_early,
                    quota=quota,
                    quota_left=None if quota is None else max(0, quota - issued),
                    online_left=online_left,
                ),
            )

    def _counter_sig(self, counter_id: str) -> tuple[object, ...]:
        """What a counter's part of the snapshot, and the estimates of its queues, depend on."""
        c = self.hall.counters[counter_id]
        t = self.hall.tickets.get(c.ticket_id) if c.ticket_id else None
        return (
            c.paused,
            c.officer,
            c.since,
            c.ticket_id,
            t.status if t else None,
            t.queue if t else None,
        )
