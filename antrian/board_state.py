"""The hall as a board or dashboard shows it, rebuilt from central's snapshot and kept
current by its events (the display and the web node both follow it).

Pure and synchronous: the node feeds it decoded messages, it says what changed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from protocol import messages as m

CALL_KINDS = ("ticket_called", "ticket_recalled")
# Events held while waiting for a snapshot after a gap; beyond this we rely on the snapshot.
MAX_PENDING = 500
RECENT_CALLS = 10


@dataclass
class Update:
    """The outcome of feeding one message."""

    changed: bool = False
    calls: list[m.Event] = field(default_factory=list)  # calls not seen before, oldest first
    resync: bool = False  # a sequence gap: fetch central's retained snapshot


@dataclass
class BoardState:
    hall_name: str = ""
    business_day: date | None = None
    open: bool = True
    seq: int | None = None  # last event reflected; None until the first snapshot
    snapshot_at: datetime | None = None  # `at` of the last snapshot adopted
    counters: dict[str, m.CounterSnapshot] = field(default_factory=dict)
    queues: dict[str, m.QueueSnapshot] = field(default_factory=dict)
    recent_calls: list[m.Event] = field(default_factory=list)  # newest first
    running_text: str = ""  # a supervisor's; empty: the board's configured one
    gaps: int = 0
    _pending: dict[int, m.Event] = field(default_factory=dict)
    _seen_calls: set[int] = field(default_factory=set)
    _seen_order: deque[int] = field(default_factory=deque)

    @property
    def synced(self) -> bool:
        return self.seq is not None and not self._pending

    # -- snapshot -------------------------------------------------------------------

    def apply_snapshot(self, snap: m.HallSnapshot) -> Update:
        """Adopt central's view unless it is older than what we already show."""
        if self.seq is not None and snap.seq < self.seq:
            if self.snapshot_at is None or snap.at <= self.snapshot_at:
                return Update()
            # The sequence went back while time went on: central started over on a new
            # ledger. Its numbering is now the truth; what waited for the old one is void.
            self._pending = {}
        before = self._view()
        self.snapshot_at = snap.at
        self.hall_name = snap.hall_name
        self.business_day = snap.business_day
        self.open = snap.open
        self.seq = snap.seq
        self.counters = {c.counter: c for c in snap.counters}
        self.queues = {q.queue: q for q in snap.queues}
        self.recent_calls = list(snap.recent_calls[:RECENT_CALLS])
        self.running_text = snap.running_text
        update = Update(calls=self._unseen(reversed(snap.recent_calls)))
        # Events that arrived beyond the gap continue from the snapshot, in order; a hole
        # that remains keeps them waiting for the next snapshot.
        pending = sorted(self._pending.items())
        self._pending = {}
        for seq, ev in pending:
            if seq <= snap.seq:
                continue
            if seq == self.seq + 1 and not self._pending:
                self._apply(ev)
            else:
                self._pending[seq] = ev
        update.resync = bool(self._pending)
        update.changed = self._view() != before
        return update

    # -- events ---------------------------------------------------------------------

    def apply_event(self, ev: m.Event) -> Update:
        if self.seq is not None and ev.seq <= self.seq:
            # Already reflected (duplicate delivery, or the snapshot overtook the event).
            return Update(calls=self._unseen([ev]))
        if self.seq is None or ev.seq != self.seq + 1 or self._pending:
            # Before the first snapshot or beyond a gap: hold it until a snapshot arrives.
            if self.seq is not None and not self._pending:
                self.gaps += 1
            if len(self._pending) < MAX_PENDING:
                self._pending[ev.seq] = ev
            # A call is news even before the board can place it: it may be spoken now.
            return Update(calls=self._unseen([ev]), resync=True)
        self._apply(ev)
        return Update(changed=True, calls=self._unseen([ev]))

    def _apply(self, ev: m.Event) -> None:
        self.seq = ev.seq
        t = ev.ticket
        k = ev.kind
        if k in ("ticket_issued", "ticket_replayed") and t:
            # The queue's wait comes with central's hall snapshot only: a ticket's own
            # estimate counts the tickets ahead of it, one fewer than a ticket taken now.
            self._queue_delta(t, +1, issued=1)
        elif k == "ticket_voided" and t:
            self._queue_delta(t, -1, issued=-1)
        elif k == "ticket_called" and t:
            self._queue_delta(t, -1)
            self._counter(ev, state="calling", ticket=t)
        elif k == "ticket_recalled" and t:
            self._counter(ev, ticket=t)
        elif k == "service_started" and t:
            self._counter(ev, state="serving", ticket=t)
        elif k in ("ticket_served", "ticket_no_show"):
            self._counter(ev, state="idle", ticket=None)
        elif k == "ticket_transferred" and t:
            self._queue_delta(t, +1)
            if ev.counter is None and ev.from_queue:
                # A supervisor moved a waiting ticket: it leaves its old queue.
                self._queue_delta(t.model_copy(update={"queue": ev.from_queue}), -1)
            self._counter(ev, state="idle", ticket=None)
        elif k == "ticket_ended" and t:
            # A supervisor ended it: at a counter, the counter is free; else it waited.
            if ev.counter is None:
                self._queue_delta(t, -1)
            self._counter(ev, state="idle", ticket=None)
        elif k == "running_text_changed":
            self.running_text = ev.text or ""
        elif k in ("queue_closed", "queue_reopened") and ev.queue in self.queues:
            # Reopened within its hours is open; outside them the next snapshot says closed.
            closed = k == "queue_closed"
            self.queues[ev.queue] = self.queues[ev.queue].model_copy(
                update={"closed_early": closed, "open": not closed}
            )
        elif k == "quota_changed" and ev.queue in self.queues:
            q = self.queues[ev.queue]
            left = None if ev.quota is None else max(0, ev.quota - q.issued_today)
            self.queues[ev.queue] = q.model_copy(update={"quota": ev.quota, "quota_left": left})
        elif k == "counter_paused":
            self._counter(ev, state="paused")
        elif k == "counter_resumed":
            c = self.counters.get(ev.counter or "")
            if c is not None:
                state: m.CounterState = "idle"
                if c.ticket is not None:
                    state = "serving" if c.ticket.status == "serving" else "calling"
                self._counter(ev, state=state)
        elif k in ("officer_signed_in", "officer_signed_out"):
            self._counter(ev, officer=ev.officer if k == "officer_signed_in" else None)
        elif k == "day_closed":
            self.recent_calls = []
            for cid, c in self.counters.items():
                self.counters[cid] = c.model_copy(update={"ticket": None, "state": "idle"})
            for qid, q in self.queues.items():
                self.queues[qid] = q.model_copy(
                    update={"waiting": 0, "priority_waiting": 0, "issued_today": 0}
                )
        if k in CALL_KINDS:
            self.recent_calls = [ev, *self.recent_calls][:RECENT_CALLS]

    def _queue_delta(self, t: m.TicketInfo, delta: int, issued: int = 0) -> None:
        q = self.queues.get(t.queue)
        if q is None:
            return
        left = q.quota_left
        if left is not None and q.quota is not None:
            left = max(0, q.quota - (q.issued_today + issued))
        self.queues[t.queue] = q.model_copy(
            update={
                "waiting": max(q.waiting + delta, 0),
                "priority_waiting": max(q.priority_waiting + (delta if t.priority else 0), 0),
                "issued_today": max(q.issued_today + issued, 0),
                "quota_left": left,
            }
        )

    def _counter(self, ev: m.Event, **update: object) -> None:
        c = self.counters.get(ev.counter or "")
        if c is None:
            return
        changes: dict[str, object] = {"seq": ev.seq, "since": ev.at, **update}
        if ev.counter_name:
            changes["name"] = ev.counter_name
        self.counters[c.counter] = c.model_copy(update=changes)

    # -- helpers --------------------------------------------------------------------

    def _unseen(self, events: Iterable[m.Event]) -> list[m.Event]:
        out = []
        for ev in events:
            if ev.kind in CALL_KINDS and ev.seq not in self._seen_calls:
                self._seen_calls.add(ev.seq)
                self._seen_order.append(ev.seq)
                if len(self._seen_order) > 4 * MAX_PENDING:
                    self._seen_calls.discard(self._seen_order.popleft())
                out.append(ev)
        return out

    def _view(self) -> tuple[object, ...]:
        # Every field that is drawn: comparing these decides whether to redraw.
        return (
            self.hall_name,
            self.business_day,
            self.open,
            tuple(
                (c.name, c.state, c.ticket.label if c.ticket else None, c.officer)
                for c in self.counters.values()
            ),
            tuple(
                (
                    q.queue,
                    q.waiting,
                    q.priority_waiting,
                    q.open,
                    q.estimated_wait_min,
                    q.estimated_wait_low_min,
                    q.estimated_wait_high_min,
                )
                for q in self.queues.values()
            ),
            tuple(e.seq for e in self.recent_calls),
            self.running_text,
        )
