"""The wait estimate's wiring: the hall's queues, counters, officers and recent pace turned
into central.estimate's inputs. Read-only over the Hall it belongs to."""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from antrian.catalogue import Counter
from central import estimate

if TYPE_CHECKING:
    from central.hall import Hall
    from central.records import CounterRuntime, Ticket

PACE_RESCAN_S = 30.0  # the pace is rescanned on a request at most this often (hall time)


@dataclass
class Pace:
    """The wait estimate's view of the recent pace, kept until a counter changes."""

    key: tuple[object, ...]
    history: estimate.History
    per_queue: dict[str, tuple[float, tuple[float, ...]]]  # counter time per ticket, samples
    officer_pace: dict[str, float]  # each officer's counter time / the queue's, today
    breaks: dict[str, tuple[tuple[datetime, datetime], ...]]  # today's planned breaks
    newest: Ticket | None  # the newest ticket counted in history
    at: datetime | None = None  # the hall's moment of the scan


class Waits:
    """How long a ticket will wait, from the hall's state and its recent pace."""

    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self.components: dict[str, tuple[list[str], list[Counter]]] = {}
        self.pace: Pace | None = None

    def estimate_wait_min(self, queue_id: str, ahead: int) -> int:
        """Minutes until a ticket with `ahead` people ahead in this queue is called."""
        return self.estimate_wait(queue_id, ahead).minutes

    def estimate_wait(self, queue_id: str, ahead: int) -> estimate.Estimate:
        """The wait of a ticket with `ahead` people ahead in this queue: minutes and range.

        `ahead` below the queue's priority count means a priority ticket; len(waiting)
        means a ticket taken now. See central/estimate.py for the model.
        """
        lanes = self.hall.waiting[queue_id]
        n_prio = len(lanes.priority)
        # The ticket's place, from which the tickets ahead in the other queues follow.
        priority = ahead < n_prio
        if priority:
            key: tuple[datetime, str] | None = lanes.priority[ahead]
        else:
            i = ahead - n_prio
            key = lanes.normal[i] if i < len(lanes.normal) else None
        now = self._latest_moment()
        pace = self.current_pace(now)
        # Only the queues and counters that share work with this queue matter (wait_s
        # looks at nothing else); a big hall has 40 queues, and this runs on every issue.
        comp_queues, comp_counters = self._component(queue_id)
        loads = {}
        for qid in comp_queues:
            w = self.hall.waiting[qid]
            if priority:
                n = bisect.bisect_left(w.priority, key) if key else len(w.priority)
            elif qid == queue_id:
                n = ahead
            else:
                n = len(w.priority) + (bisect.bisect_left(w.normal, key) if key else len(w.normal))
            ticket_s, samples = pace.per_queue[qid]
            loads[qid] = estimate.QueueLoad(
                ahead=n,
                ticket_s=ticket_s,
                priority_per_s=0.0 if priority else pace.history.priority_per_s(qid, now),
                samples=samples,
            )
        counters = []
        signs_in = self.hall.cat.require_officer or any(
            c.officer for c in self.hall.counters.values()
        )
        first = next(iter(self.hall.tickets.values())).issued_at if self.hall.tickets else None
        # Before any counter has opened (signed in or acted), the hall has not begun: every
        # counter is expected at once, as the officers arrive for the opening.
        started = any(c.officer or c.since for c in self.hall.counters.values())
        for spec in comp_counters:
            c = self.hall.counters[spec.id]
            t = self.hall.tickets.get(c.ticket_id) if c.ticket_id else None
            busy_for = (now - t.called_at).total_seconds() if t and t.called_at and now else 0.0
            plan = pace.breaks.get(spec.id, ())
            back_in = self.back_in_s(c, plan, now)
            absent = 0.0
            if (
                started
                and c.officer is None
                and (signs_in or c.since is None)
                and c.ticket_id is None
            ):
                # Nobody at the desk (in a hall where officers sign in), or not opened
                # today: not counted while others work.
                back_in = None
                since = c.since if c.since is not None else first
                absent = (now - since).total_seconds() if now and since else 0.0
            elif back_in is None and now is not None and c.since is not None:
                absent = (now - c.since).total_seconds()
            counters.append(
                estimate.CounterLoad(
                    id=spec.id,
                    queues=tuple(spec.queues),
                    back_in_s=back_in,
                    pace=pace.officer_pace.get(c.officer, 1.0) if c.officer else 1.0,
                    absent_s=max(0.0, absent),
                    busy_queue=t.queue if t else None,
                    busy_for_s=max(0.0, busy_for),
                    breaks=tuple(
                        ((b0 - now).total_seconds(), (b1 - now).total_seconds())
                        for b0, b1 in plan
                        if now is not None and b1 > now
                    ),
                )
            )
        return estimate.estimate(queue_id, counters, loads)

    def _component(self, queue_id: str) -> tuple[list[str], list[Counter]]:
        """The queues and counters linked to `queue_id` through shared counters (static)."""
        found = self.components.get(queue_id)
        if found is None:
            queues = {queue_id}
            grew = True
            while grew:
                grew = False
                for spec in self.hall.cat.counters:
                    if queues.intersection(spec.queues) and not queues.issuperset(spec.queues):
                        queues.update(spec.queues)
                        grew = True
            members = [spec for spec in self.hall.cat.counters if queues.intersection(spec.queues)]
            found = ([q.id for q in self.hall.cat.queues if q.id in queues], members)
            self.components[queue_id] = found
        return found

    def refresh_pace(self) -> None:
        """Rescan the recent pace now if a counter changed since the last scan: central's
        worker calls this when idle, so that requests seldom pay for it."""
        self.current_pace(self._latest_moment(), rescan=True)

    def _latest_moment(self) -> datetime | None:
        # The hall has no clock: the latest moment it recorded stands for now.
        latest = [c.since for c in self.hall.counters.values() if c.since is not None]
        if self.hall.tickets:
            latest.append(next(reversed(self.hall.tickets.values())).issued_at)
        return max(latest) if latest else None

    def current_pace(self, now: datetime | None, rescan: bool = False) -> Pace:
        """The recent pace, rescanned when a counter changed (every finish changes one),
        but on a request at most every PACE_RESCAN_S: the scan reads up to SCAN_TICKETS of
        today's tickets (~3-14 ms), and a busy hall changes a counter every few seconds.
        Tickets issued since the scan are counted on top."""
        key = (
            self.hall.day,
            id(self.hall.tickets),
            tuple((c.since, c.ticket_id, c.officer) for c in self.hall.counters.values()),
        )
        newest = next(reversed(self.hall.tickets.values()), None)
        pace = self.pace
        stale = pace is not None and pace.key != key
        if stale and not rescan and pace is not None and pace.key[:2] == key[:2]:
            age = (now - pace.at).total_seconds() if now and pace.at else PACE_RESCAN_S
            stale = age >= PACE_RESCAN_S
        if pace is None or stale:
            recent = itertools.islice(reversed(self.hall.tickets.values()), estimate.SCAN_TICKETS)
            prio = [q.id for q in self.hall.cat.queues if q.priority_allowed]
            h = estimate.history(recent, self.hall.waiting, now, priority_queues=prio)
            samples = {
                q: h.counter_s[q] or list(self.hall.recent_service_s[q]) for q in h.counter_s
            }
            standard = {q.id: q.service_standard_min * 60.0 for q in self.hall.cat.queues}
            means, paces, plain = estimate.paced_ticket_times(
                samples, h.officers, standard, h.handover_s
            )
            per_queue = {q: (means[q], tuple(plain[q])) for q in samples}
            tz = self.hall.cat.tz
            breaks = {
                c.id: tuple(
                    (
                        datetime.combine(self.hall.day, b.start, tz),
                        datetime.combine(self.hall.day, b.end, tz),
                    )
                    for b in sorted(c.breaks, key=lambda b: b.start)
                )
                for c in self.hall.cat.counters
                if c.breaks
            }
            self.pace = Pace(key, h, per_queue, paces, breaks, newest, now)
            return self.pace
        if newest is not pace.newest:
            for t in itertools.islice(reversed(self.hall.tickets.values()), estimate.SCAN_TICKETS):
                if t is pace.newest:
                    break
                pace.history.issued(t)
            pace.newest = newest
        return pace

    def back_in_s(
        self, c: CounterRuntime, plan: tuple[tuple[datetime, datetime], ...], now: datetime | None
    ) -> float | None:
        """Seconds until a counter takes tickets: 0 when not paused, None when it has been
        away too long to guess (closed for the day, an officer who left)."""
        if not c.paused:
            return 0.0
        if now is None or c.since is None:
            return None
        gone = estimate.GIVE_UP_AWAY
        for b0, b1 in plan:
            if b0 - gone <= c.since < b1 and now < b1 + gone:
                # On its planned break; an officer late back is expected any minute.
                return max((b1 - now).total_seconds(), estimate.OVERRUN_S)
        # Away without a plan (prayer, an errand): back after a typical short pause.
        away = now - c.since
        if away >= gone:
            return None
        return max(estimate.UNPLANNED_PAUSE_S - away.total_seconds(), estimate.OVERRUN_S)
